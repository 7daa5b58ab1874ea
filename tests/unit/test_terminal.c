/* Unit tests for the command's terminal (cli/terminal.c) on a pseudo-
 * terminal: raw mode and giving it back (release, free, exit), keys to the
 * renderer or to quit, Esc and escape sequences, SIGWINCH and the quit
 * signals, and errors held while a renderer draws on the terminal. The
 * renderer is the core's "none" one, which records the hotkeys' actions. */
#include "meshcall/base/log.h"
#include "meshcall/cli/terminal.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

typedef struct {
  int master, slave;
} Pty;

static void
pty_open (Pty *p)
{
  p->master = posix_openpt (O_RDWR | O_NOCTTY);
  g_assert_cmpint (p->master, >=, 0);
  g_assert_cmpint (grantpt (p->master), ==, 0);
  g_assert_cmpint (unlockpt (p->master), ==, 0);
  p->slave = open (ptsname (p->master), O_RDWR | O_NOCTTY);
  g_assert_cmpint (p->slave, >=, 0);
}

static void
pty_close (Pty *p)
{
  close (p->slave);
  close (p->master);
}

static void
pty_type (Pty *p, const char *keys)
{
  g_assert_cmpint (write (p->master, keys, strlen (keys)), ==, (gssize) strlen (keys));
}

/* What the terminal wrote, once `expect` has arrived (or 5 s passed). */
static char *
pty_read_until (Pty *p, const char *expect)
{
  GString *got = g_string_new (NULL);
  gint64 deadline = g_get_monotonic_time () + 5 * G_TIME_SPAN_SECOND;

  while (!strstr (got->str, expect) && g_get_monotonic_time () < deadline) {
    struct pollfd pfd = { p->master, POLLIN, 0 };
    char buf[256];
    ssize_t n;

    if (poll (&pfd, 1, 100) <= 0)
      continue;
    n = read (p->master, buf, sizeof buf);
    if (n > 0)
      g_string_append_len (got, buf, n);
  }
  return g_string_free (got, FALSE);
}

static tcflag_t
lflags (int fd)
{
  struct termios t;

  g_assert_cmpint (tcgetattr (fd, &t), ==, 0);
  return t.c_lflag;
}

typedef struct {
  GArray *actions;          /* McRenderAction */
  guint key_quits, signal_quits;
} Seen;

static void
on_quit (McCliQuitReason reason, gpointer data)
{
  Seen *seen = data;

  if (reason == MC_CLI_QUIT_KEY)
    seen->key_quits++;
  else
    seen->signal_quits++;
}

static void
on_action (McRenderer *r, McRenderAction action, gpointer data)
{
  Seen *seen = data;

  g_array_append_val (seen->actions, action);
}

static gboolean
timed_out_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Runs the main context until cond holds, for at most 5 s (an event always
 * wakes it: the input, a signal, or the time-out). */
#define WAIT_FOR(cond)                                                       \
  G_STMT_START {                                                             \
    gboolean timed_out_ = FALSE, ok_ = FALSE;                                \
    guint timer_ = g_timeout_add_seconds (5, timed_out_cb, &timed_out_);     \
    while (!(ok_ = (cond)) && !timed_out_)                                   \
      g_main_context_iteration (NULL, TRUE);                                 \
    if (!timed_out_)                                                         \
      g_source_remove (timer_);                                              \
    if (!ok_)                                                                \
      g_error ("timed out waiting for %s", #cond);                           \
  } G_STMT_END

static McRenderer *
new_renderer (Seen *seen)
{
  McRendererOptions opts = { .action = on_action, .user_data = seen };
  McRenderer *r = mc_renderer_new (NULL, &opts, NULL);

  g_assert_true (mc_renderer_start (r, NULL));
  return r;
}

static gboolean
has_action (Seen *seen, McRenderAction action)
{
  for (guint i = 0; i < seen->actions->len; i++)
    if (g_array_index (seen->actions, McRenderAction, i) == action)
      return TRUE;
  return FALSE;
}

/* Every byte typed so far was read, and what it did has been done. */
static gboolean
all_read (Pty *p)
{
  int pending = -1;

  while (g_main_context_iteration (NULL, FALSE))
    ;
  return ioctl (p->slave, FIONREAD, &pending) == 0 && pending == 0;
}

static void
test_raw_mode (void)
{
  Pty p;
  Seen seen = { 0 };
  McCliTerminal *term;

  pty_open (&p);
  g_assert_true (lflags (p.slave) & ICANON);
  g_assert_true (lflags (p.slave) & ECHO);
  term = mc_cli_terminal_new_for_fds (p.slave, p.slave, on_quit, &seen);
  g_assert_true (mc_cli_terminal_reads_keys (term));
  g_assert_false (lflags (p.slave) & ICANON);
  g_assert_false (lflags (p.slave) & ECHO);
  g_assert_true (lflags (p.slave) & ISIG);   /* Ctrl-C still signals */
  g_assert_false (mc_cli_terminal_is_taken (term));
  mc_cli_terminal_free (term);
  g_assert_true (lflags (p.slave) & ICANON);
  g_assert_true (lflags (p.slave) & ECHO);
  pty_close (&p);
}

static void
test_not_a_terminal (void)
{
  int fds[2];
  Seen seen = { 0 };
  McCliTerminal *term;
  const McRendererHost *host;
  McRendererTerminal t = { -1, -1 };

  g_assert_cmpint (pipe (fds), ==, 0);
  term = mc_cli_terminal_new_for_fds (fds[0], fds[1], on_quit, &seen);
  g_assert_false (mc_cli_terminal_reads_keys (term));
  host = mc_cli_terminal_get_host (term);
  g_assert_false (host->take_terminal (host->data, "x", &t));
  g_assert_false (mc_cli_terminal_is_taken (term));
  mc_cli_terminal_free (term);
  close (fds[0]);
  close (fds[1]);
}

static void
test_keys (void)
{
  Pty p;
  Seen seen = { g_array_new (FALSE, FALSE, sizeof (McRenderAction)), 0, 0 };
  g_autoptr (McRenderer) r = new_renderer (&seen);
  McCliTerminal *term;

  pty_open (&p);
  term = mc_cli_terminal_new_for_fds (p.slave, p.slave, on_quit, &seen);

  /* No renderer: q and Ctrl-D quit, other keys mean nothing. */
  pty_type (&p, "m");
  WAIT_FOR (all_read (&p));
  g_assert_cmpuint (seen.key_quits, ==, 0);
  pty_type (&p, "q");
  WAIT_FOR (seen.key_quits == 1);
  pty_type (&p, "\x04");
  WAIT_FOR (seen.key_quits == 2);

  /* With one: its hotkeys; a Ctrl-D it does not take still quits. */
  mc_cli_terminal_set_renderer (term, r);
  pty_type (&p, "m");
  WAIT_FOR (has_action (&seen, MC_RENDER_ACTION_MUTE));
  pty_type (&p, "q");
  WAIT_FOR (has_action (&seen, MC_RENDER_ACTION_QUIT));
  g_assert_cmpuint (seen.key_quits, ==, 2);   /* q went to the renderer */
  pty_type (&p, "\x04");
  WAIT_FOR (seen.key_quits == 3);

  /* A lone Esc is the key; an escape sequence is dropped with what follows it. */
  g_array_set_size (seen.actions, 0);
  pty_type (&p, "\x1b");
  WAIT_FOR (has_action (&seen, MC_RENDER_ACTION_QUIT));
  pty_type (&p, "s\x1b[Av");
  WAIT_FOR (has_action (&seen, MC_RENDER_ACTION_STATS));
  WAIT_FOR (all_read (&p));
  g_assert_false (has_action (&seen, MC_RENDER_ACTION_CAMERA));

  mc_cli_terminal_set_renderer (term, NULL);
  mc_cli_terminal_free (term);
  pty_close (&p);
  g_array_unref (seen.actions);
}

static gboolean
redraw_pending (McRenderer *r)
{
  McRendererView view;

  if (!mc_renderer_take_view (r, &view))
    return FALSE;
  mc_renderer_view_clear (&view);
  return TRUE;
}

static void
test_signals (void)
{
  Pty p;
  Seen seen = { g_array_new (FALSE, FALSE, sizeof (McRenderAction)), 0, 0 };
  g_autoptr (McRenderer) r = new_renderer (&seen);
  McCliTerminal *term;
  McRendererView view;

  pty_open (&p);
  term = mc_cli_terminal_new_for_fds (p.slave, p.slave, on_quit, &seen);
  mc_cli_terminal_set_renderer (term, r);
  if (mc_renderer_take_view (r, &view))
    mc_renderer_view_clear (&view);
  g_assert_false (redraw_pending (r));
  raise (SIGWINCH);
  WAIT_FOR (redraw_pending (r));

  raise (SIGINT);
  WAIT_FOR (seen.signal_quits == 1);
  raise (SIGTERM);
  WAIT_FOR (seen.signal_quits == 2);
  raise (SIGHUP);
  WAIT_FOR (seen.signal_quits == 3);
  g_assert_cmpuint (seen.key_quits, ==, 0);
  g_assert_cmpuint (seen.actions->len, ==, 0);

  mc_cli_terminal_set_renderer (term, NULL);
  mc_cli_terminal_free (term);
  pty_close (&p);
  g_array_unref (seen.actions);
}

static void
test_take_release (void)
{
  Pty p;
  Seen seen = { 0 };
  McCliTerminal *term;
  const McRendererHost *host;
  McRendererTerminal t = { -1, -1 };
  g_autofree char *written = NULL;

  pty_open (&p);
  term = mc_cli_terminal_new_for_fds (p.slave, p.slave, on_quit, &seen);
  host = mc_cli_terminal_get_host (term);
  g_assert_true (host->take_terminal (host->data, "<restore>", &t));
  g_assert_cmpint (t.in_fd, ==, p.slave);   /* raw: replies can be read */
  g_assert_cmpint (t.out_fd, ==, p.slave);
  g_assert_true (mc_cli_terminal_is_taken (term));
  host->release_terminal (host->data);
  g_assert_false (mc_cli_terminal_is_taken (term));
  written = pty_read_until (&p, "<restore>");
  g_assert_cmpstr (written, ==, "<restore>");
  g_assert_false (lflags (p.slave) & ICANON);   /* the keys are still ours */

  /* Freed while a renderer has it: the screen and the modes come back. */
  g_assert_true (host->take_terminal (host->data, "<again>", &t));
  mc_cli_terminal_free (term);
  g_clear_pointer (&written, g_free);
  written = pty_read_until (&p, "<again>");
  g_assert_cmpstr (written, ==, "<again>");
  g_assert_true (lflags (p.slave) & ICANON);
  pty_close (&p);
}

/* Errors wait for the terminal to come back; otherwise they are printed now. */
static void
test_errors_wait (void)
{
  if (g_test_subprocess ()) {
    Pty p;
    Seen seen = { 0 };
    McCliTerminal *term;
    const McRendererHost *host;
    McRendererTerminal t;

    pty_open (&p);
    term = mc_cli_terminal_new_for_fds (p.slave, p.slave, on_quit, &seen);
    mc_cli_terminal_error (term, "first %d", 1);
    fputs ("[taken]\n", stderr);
    host = mc_cli_terminal_get_host (term);
    g_assert_true (host->take_terminal (host->data, "", &t));
    mc_cli_terminal_error (term, "fatal: %s", "boom");
    fputs ("[released]\n", stderr);
    host->release_terminal (host->data);
    mc_cli_terminal_free (term);
    pty_close (&p);
    return;
  }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stderr ("meshcall: first 1\n[taken]\n[released]\nmeshcall: fatal: boom\n");
}

/* A way out that never frees the terminal: the atexit net gives it back.
 * The child opens the slave of our pty by name and exits with it taken. */
static void
test_restored_at_exit (void)
{
  if (g_test_subprocess ()) {
    int fd = open (g_getenv ("MC_TEST_PTY"), O_RDWR | O_NOCTTY);
    Seen seen = { 0 };
    McCliTerminal *term;
    const McRendererHost *host;
    McRendererTerminal t;

    g_assert_cmpint (fd, >=, 0);
    term = mc_cli_terminal_new_for_fds (fd, fd, on_quit, &seen);
    host = mc_cli_terminal_get_host (term);
    g_assert_true (host->take_terminal (host->data, "<bye>", &t));
    g_assert_false (lflags (fd) & ECHO);
    exit (0);
  } else {
    Pty p;
    g_autofree char *written = NULL;

    pty_open (&p);
    g_setenv ("MC_TEST_PTY", ptsname (p.master), TRUE);
    g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
    g_test_trap_assert_passed ();
    written = pty_read_until (&p, "<bye>");
    g_assert_cmpstr (written, ==, "<bye>");
    g_assert_true (lflags (p.slave) & ECHO);
    g_assert_true (lflags (p.slave) & ICANON);
    pty_close (&p);
  }
}

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  mc_log_init ();
  g_test_add_func ("/terminal/raw-mode", test_raw_mode);
  g_test_add_func ("/terminal/not-a-terminal", test_not_a_terminal);
  g_test_add_func ("/terminal/keys", test_keys);
  g_test_add_func ("/terminal/signals", test_signals);
  g_test_add_func ("/terminal/take-release", test_take_release);
  g_test_add_func ("/terminal/errors-wait", test_errors_wait);
  g_test_add_func ("/terminal/restored-at-exit", test_restored_at_exit);
  return g_test_run ();
}

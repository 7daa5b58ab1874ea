/* Unit tests for the command's terminal (cli/terminal.c) on a pseudo-
 * terminal: raw mode and giving it back (release, free, exit), keys to the
 * renderer or to quit, Esc and escape sequences, SIGWINCH and the quit
 * signals, and errors held while a renderer draws on the terminal. The
 * renderer is the core's "none" one, which records the hotkeys' actions;
 * and the real text grid, which takes the screen through the terminal (and
 * whose probe is the one "is this a terminal" check). */
#include "meshcall/base/log.h"
#include "meshcall/cli/backends.h"
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

/* What was written to the terminal, once `expect` has arrived (or 5 s passed). */
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

/* A pty, its terminal, and a renderer that records its actions. */
typedef struct {
  Pty p;
  Seen seen;
  McRenderer *r;
  McCliTerminal *term;
} Fixture;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  McRendererOptions opts = { .action = on_action, .user_data = &f->seen };

  pty_open (&f->p);
  f->seen.actions = g_array_new (FALSE, FALSE, sizeof (McRenderAction));
  f->r = mc_renderer_new (NULL, &opts, NULL);
  g_assert_true (mc_renderer_start (f->r, NULL));
  f->term = mc_cli_terminal_new_for_fds (f->p.slave, f->p.slave, on_quit, &f->seen);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  if (f->term)
    mc_cli_terminal_set_renderer (f->term, NULL);
  g_clear_pointer (&f->term, mc_cli_terminal_free);
  g_clear_pointer (&f->r, mc_renderer_free);
  g_array_unref (f->seen.actions);
  pty_close (&f->p);
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
test_keys (Fixture *f, gconstpointer data)
{
  /* No renderer: q and Ctrl-D quit, other keys mean nothing. */
  pty_type (&f->p, "m");
  WAIT_FOR (all_read (&f->p));
  g_assert_cmpuint (f->seen.key_quits, ==, 0);
  pty_type (&f->p, "q");
  WAIT_FOR (f->seen.key_quits == 1);
  pty_type (&f->p, "\x04");
  WAIT_FOR (f->seen.key_quits == 2);

  /* With one: its hotkeys; a Ctrl-D it does not take still quits. */
  mc_cli_terminal_set_renderer (f->term, f->r);
  pty_type (&f->p, "m");
  WAIT_FOR (has_action (&f->seen, MC_RENDER_ACTION_MUTE));
  pty_type (&f->p, "q");
  WAIT_FOR (has_action (&f->seen, MC_RENDER_ACTION_QUIT));
  g_assert_cmpuint (f->seen.key_quits, ==, 2);   /* q went to the renderer */
  pty_type (&f->p, "\x04");
  WAIT_FOR (f->seen.key_quits == 3);

  /* A lone Esc is the key; an escape sequence is dropped with what follows it. */
  g_array_set_size (f->seen.actions, 0);
  pty_type (&f->p, "\x1b");
  WAIT_FOR (has_action (&f->seen, MC_RENDER_ACTION_QUIT));
  pty_type (&f->p, "s\x1b[Av");
  WAIT_FOR (has_action (&f->seen, MC_RENDER_ACTION_STATS));
  WAIT_FOR (all_read (&f->p));
  g_assert_false (has_action (&f->seen, MC_RENDER_ACTION_CAMERA));
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
test_signals (Fixture *f, gconstpointer data)
{
  McRendererView view;

  mc_cli_terminal_set_renderer (f->term, f->r);
  if (mc_renderer_take_view (f->r, &view))
    mc_renderer_view_clear (&view);
  g_assert_false (redraw_pending (f->r));
  raise (SIGWINCH);
  WAIT_FOR (redraw_pending (f->r));

  raise (SIGINT);
  WAIT_FOR (f->seen.signal_quits == 1);
  raise (SIGTERM);
  WAIT_FOR (f->seen.signal_quits == 2);
  raise (SIGHUP);
  WAIT_FOR (f->seen.signal_quits == 3);
  g_assert_cmpuint (f->seen.key_quits, ==, 0);
  g_assert_cmpuint (f->seen.actions->len, ==, 0);
}

static void
test_take_release (Fixture *f, gconstpointer data)
{
  const McRendererHost *host = mc_cli_terminal_get_host (f->term);
  McRendererTerminal t = { -1, -1 };
  g_autofree char *written = NULL;

  g_assert_true (host->take_terminal (host->data, "<restore>", &t));
  g_assert_cmpint (t.in_fd, ==, f->p.slave);   /* raw: replies can be read */
  g_assert_cmpint (t.out_fd, ==, f->p.slave);
  g_assert_true (mc_cli_terminal_is_taken (f->term));
  host->release_terminal (host->data);
  g_assert_false (mc_cli_terminal_is_taken (f->term));
  written = pty_read_until (&f->p, "<restore>");
  g_assert_cmpstr (written, ==, "<restore>");
  g_assert_false (lflags (f->p.slave) & ICANON);   /* the keys are still ours */

  /* Freed while a renderer has it: the screen and the modes come back. */
  g_assert_true (host->take_terminal (host->data, "<again>", &t));
  g_clear_pointer (&f->term, mc_cli_terminal_free);
  g_clear_pointer (&written, g_free);
  written = pty_read_until (&f->p, "<again>");
  g_assert_cmpstr (written, ==, "<again>");
  g_assert_true (lflags (f->p.slave) & ICANON);
}

#ifdef MESHCALL_WITH_CHAFA
static McRenderer *
open_text (const McRendererHost *host, GError **error)
{
  McRendererChoice c = { 0 };
  McRendererOptions opts = { .host = host };
  McRenderer *r;

  g_assert_true (mc_cli_renderer_choice_parse (&c, "text:symbols", NULL));
  r = mc_renderer_open (mc_cli_renderers, &c, &opts, error);
  mc_renderer_choice_clear (&c);
  return r;
}

/* The text grid takes the screen from the terminal and gives it back
 * through it at stop; with no terminal to take it refuses to start. */
static void
test_text_grid (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *taken = NULL;
  g_autofree char *restored = NULL;
  McRenderer *r;

  g_assert_null (open_text (NULL, &error));
  g_assert_cmpstr (error->message, ==, "the text renderer needs a terminal on stdout (use --headless)");
  g_clear_error (&error);

  r = open_text (mc_cli_terminal_get_host (f->term), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (mc_renderer_get_name (r), ==, "text");
  g_assert_true (mc_cli_terminal_is_taken (f->term));
  taken = pty_read_until (&f->p, "\x1b[?1049h\x1b[?25l");   /* alternate screen, no cursor */
  g_assert_nonnull (strstr (taken, "\x1b[?1049h\x1b[?25l"));
  mc_renderer_stop (r);
  g_assert_false (mc_cli_terminal_is_taken (f->term));
  restored = pty_read_until (&f->p, "\x1b[?1049l");
  g_assert_true (g_str_has_suffix (restored, "\x1b[0m\x1b[2J\x1b[H\x1b[?25h\x1b[?1049l"));
  mc_renderer_free (r);
}

static void
test_text_grid_no_terminal (void)
{
  g_autoptr (GError) error = NULL;
  McCliTerminal *term;
  Seen seen = { 0 };
  int fds[2];

  g_assert_cmpint (pipe (fds), ==, 0);
  term = mc_cli_terminal_new_for_fds (fds[0], fds[1], on_quit, &seen);
  g_assert_null (open_text (mc_cli_terminal_get_host (term), &error));
  g_assert_error (error, MC_RENDERER_ERROR, MC_RENDERER_ERROR_UNAVAILABLE);
  mc_cli_terminal_free (term);
  close (fds[0]);
  close (fds[1]);
}

/* In a subprocess: stdin and stdout become the pty for the probe. */
static void
test_text_probe (void)
{
  if (g_test_subprocess ()) {
    const McRendererClass *text = NULL;
    g_autoptr (GError) error = NULL;
    int devnull = open ("/dev/null", O_RDWR);
    Pty p;

    for (guint i = 0; mc_cli_renderers[i]; i++)
      if (g_str_equal (mc_cli_renderers[i]->name, "text"))
        text = mc_cli_renderers[i];
    dup2 (devnull, STDIN_FILENO);
    g_setenv ("TERM", "xterm-256color", TRUE);
    g_assert_false (text->probe (&error));
    g_assert_cmpstr (error->message, ==, "stdin and stdout are not a terminal");
    g_clear_error (&error);
    pty_open (&p);
    dup2 (p.slave, STDIN_FILENO);
    dup2 (p.slave, STDOUT_FILENO);
    g_assert_true (text->probe (NULL));
    g_setenv ("TERM", "dumb", TRUE);
    g_assert_false (text->probe (&error));
    g_assert_cmpstr (error->message, ==, "TERM is dumb");
    g_clear_error (&error);
    g_unsetenv ("TERM");
    g_assert_false (text->probe (&error));
    g_assert_cmpstr (error->message, ==, "TERM is not set");
    return;
  }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
}
#endif

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

#define FIXTURE_TEST(path, func) g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  mc_log_init ();
  g_test_add_func ("/terminal/raw-mode", test_raw_mode);
  g_test_add_func ("/terminal/not-a-terminal", test_not_a_terminal);
  FIXTURE_TEST ("/terminal/keys", test_keys);
  FIXTURE_TEST ("/terminal/signals", test_signals);
  FIXTURE_TEST ("/terminal/take-release", test_take_release);
  g_test_add_func ("/terminal/errors-wait", test_errors_wait);
  g_test_add_func ("/terminal/restored-at-exit", test_restored_at_exit);
#ifdef MESHCALL_WITH_CHAFA
  FIXTURE_TEST ("/terminal/text-grid", test_text_grid);
  g_test_add_func ("/terminal/text-grid-no-terminal", test_text_grid_no_terminal);
  g_test_add_func ("/terminal/text-probe", test_text_probe);
#endif
  return g_test_run ();
}

/* The command's terminal and signals: see terminal.h. */
#include "meshcall/cli/terminal.h"

#include "meshcall/base/log.h"

#include <errno.h>
#include <glib-unix.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#define MC_LOG_CATEGORY (&mc_log_main)

#define KEY_ESC 27
#define KEY_CTRL_D 4

static const int quit_signals[] = { SIGINT, SIGTERM, SIGHUP };

struct _McCliTerminal {
  int in_fd, out_fd;
  gboolean raw;              /* in_fd is in raw mode; `saved` is what it was */
  struct termios saved;
  char *restore;             /* a renderer draws on it: what undoes its drawing */
  GPtrArray *pending;        /* error lines waiting for the terminal to come back */
  McRenderer *renderer;
  McCliQuitFunc quit;
  gpointer user_data;
  McRendererHost host;
  GSource *input;
  GSource *signals[G_N_ELEMENTS (quit_signals) + 1];  /* and SIGWINCH */
};

/* The terminal of this process, for the atexit safety net. */
static McCliTerminal *active;

/* The screen back from the renderer, then the errors that waited for it. */
static void
give_back_screen (McCliTerminal *term)
{
  if (term->restore) {
    mc_renderer_write_all (term->out_fd, term->restore, strlen (term->restore));
    g_clear_pointer (&term->restore, g_free);
  }
  for (guint i = 0; i < term->pending->len; i++)
    mc_log_error ("%s", (const char *) g_ptr_array_index (term->pending, i));
  g_ptr_array_set_size (term->pending, 0);
}

static void
give_back (McCliTerminal *term)
{
  give_back_screen (term);
  if (term->raw) {
    /* FLUSH: replies and keys meant for us do not reach the shell. */
    tcsetattr (term->in_fd, TCSAFLUSH, &term->saved);
    term->raw = FALSE;
  }
}

static void
give_back_at_exit (void)
{
  if (active)
    give_back (active);
}

static void
handle_key (McCliTerminal *term, int key)
{
  if (term->renderer && mc_renderer_handle_key (term->renderer, key))
    return;
  if (key == KEY_CTRL_D || (!term->renderer && (key == 'q' || key == 'Q')))
    term->quit (MC_CLI_QUIT_KEY, term->user_data);
}

static gboolean
on_input (gint fd, GIOCondition cond, gpointer data)
{
  McCliTerminal *term = data;
  char buf[64];
  ssize_t n = read (fd, buf, sizeof buf);

  if (n <= 0) {
    if (n < 0 && (errno == EINTR || errno == EAGAIN))
      return G_SOURCE_CONTINUE;
    MC_DEBUG ("stdin closed: no more keys");
    g_clear_pointer (&term->input, g_source_unref);
    return G_SOURCE_REMOVE;
  }
  if (n == 1 && buf[0] == KEY_ESC) {
    handle_key (term, KEY_ESC);
    return G_SOURCE_CONTINUE;
  }
  for (ssize_t i = 0; i < n && buf[i] != KEY_ESC; i++)
    handle_key (term, (unsigned char) buf[i]);
  return G_SOURCE_CONTINUE;
}

static gboolean
on_quit_signal (gpointer data)
{
  McCliTerminal *term = data;

  term->quit (MC_CLI_QUIT_SIGNAL, term->user_data);
  return G_SOURCE_CONTINUE;
}

static gboolean
on_winch (gpointer data)
{
  McCliTerminal *term = data;

  if (term->renderer)
    mc_renderer_invalidate (term->renderer);
  return G_SOURCE_CONTINUE;
}

static GSource *
attach_signal (int signum, GSourceFunc func, McCliTerminal *term)
{
  GSource *source = g_unix_signal_source_new (signum);

  g_source_set_callback (source, func, term, NULL);
  g_source_attach (source, g_main_context_get_thread_default ());
  return source;
}

static gboolean
host_take_terminal (gpointer data, const char *restore, McRendererTerminal *terminal)
{
  McCliTerminal *term = data;

  if (!isatty (term->out_fd))
    return FALSE;
  g_free (term->restore);
  term->restore = g_strdup (restore ? restore : "");
  terminal->in_fd = term->raw ? term->in_fd : -1;
  terminal->out_fd = term->out_fd;
  mc_log_set_quiet (TRUE);  /* a user line would land on the picture */
  return TRUE;
}

static void
host_release_terminal (gpointer data)
{
  give_back_screen (data);
}

McCliTerminal *
mc_cli_terminal_new_for_fds (int in_fd, int out_fd, McCliQuitFunc quit, gpointer user_data)
{
  static gsize atexit_once;
  McCliTerminal *term;

  g_return_val_if_fail (quit != NULL, NULL);
  g_return_val_if_fail (active == NULL, NULL);
  term = g_new0 (McCliTerminal, 1);
  term->in_fd = in_fd;
  term->out_fd = out_fd;
  term->quit = quit;
  term->user_data = user_data;
  term->pending = g_ptr_array_new_with_free_func (g_free);
  term->host = (McRendererHost) { host_take_terminal, host_release_terminal, term };
  if (g_once_init_enter (&atexit_once)) {
    atexit (give_back_at_exit);
    g_once_init_leave (&atexit_once, 1);
  }
  active = term;

  if (isatty (in_fd) && tcgetattr (in_fd, &term->saved) == 0) {
    struct termios raw = term->saved;

    raw.c_lflag &= ~(tcflag_t) (ICANON | ECHO);
    raw.c_cc[VMIN] = 1;
    raw.c_cc[VTIME] = 0;
    term->raw = tcsetattr (in_fd, TCSANOW, &raw) == 0;
  }
  if (term->raw) {
    term->input = g_unix_fd_source_new (in_fd, G_IO_IN | G_IO_HUP);
    g_source_set_callback (term->input, G_SOURCE_FUNC (on_input), term, NULL);
    g_source_attach (term->input, g_main_context_get_thread_default ());
  }
  for (guint i = 0; i < G_N_ELEMENTS (quit_signals); i++)
    term->signals[i] = attach_signal (quit_signals[i], on_quit_signal, term);
  term->signals[G_N_ELEMENTS (quit_signals)] = attach_signal (SIGWINCH, on_winch, term);
  return term;
}

McCliTerminal *
mc_cli_terminal_new (McCliQuitFunc quit, gpointer user_data)
{
  return mc_cli_terminal_new_for_fds (STDIN_FILENO, STDOUT_FILENO, quit, user_data);
}

void
mc_cli_terminal_free (McCliTerminal *term)
{
  if (!term)
    return;
  if (term->input)
    g_source_destroy (term->input);
  g_clear_pointer (&term->input, g_source_unref);
  for (guint i = 0; i < G_N_ELEMENTS (term->signals); i++) {
    g_source_destroy (term->signals[i]);
    g_source_unref (term->signals[i]);
  }
  give_back (term);
  if (active == term)
    active = NULL;
  g_ptr_array_unref (term->pending);
  g_free (term);
}

gboolean
mc_cli_terminal_reads_keys (McCliTerminal *term)
{
  return term->input != NULL;
}

void
mc_cli_terminal_set_renderer (McCliTerminal *term, McRenderer *renderer)
{
  term->renderer = renderer;
}

const McRendererHost *
mc_cli_terminal_get_host (McCliTerminal *term)
{
  return &term->host;
}

gboolean
mc_cli_terminal_is_taken (McCliTerminal *term)
{
  return term->restore != NULL;
}

void
mc_cli_terminal_error (McCliTerminal *term, const char *format, ...)
{
  va_list args;
  char *line;

  va_start (args, format);
  line = g_strdup_vprintf (format, args);
  va_end (args);
  if (term->restore) {
    g_ptr_array_add (term->pending, line);
    return;
  }
  mc_log_error ("%s", line);
  g_free (line);
}

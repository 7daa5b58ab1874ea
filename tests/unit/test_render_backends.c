/* Unit tests for the program's table of renderers (cli/backends.c) and the
 * rows in it: the order auto tries, what --render accepts in this build
 * (and the refusal of a renderer the build left out), each class's probe
 * (a display for SDL; a terminal with a usable TERM for text), the text
 * grid's variants, and the text grid asking the command's terminal for the
 * screen (take with its restore sequence, give back at stop). */
#include "meshcall/base/log.h"
#include "meshcall/cli/backends.h"
#include "meshcall/cli/terminal.h"
#ifdef MESHCALL_WITH_CHAFA
#include "meshcall/render/text/grid_text.h"
#endif

#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const McRendererClass *
find (const char *name)
{
  for (guint i = 0; mc_cli_renderers[i]; i++)
    if (g_str_equal (mc_cli_renderers[i]->name, name))
      return mc_cli_renderers[i];
  return NULL;
}

static void
test_table (void)
{
  g_autofree char *accepted = mc_renderer_table_describe (mc_cli_renderers, NULL);
  g_autofree char *automatic = mc_renderer_table_describe_auto (mc_cli_renderers);
  guint n = 0;

  while (mc_cli_renderers[n])
    n++;
#if defined(MESHCALL_WITH_SDL) && defined(MESHCALL_WITH_CHAFA)
  g_assert_cmpuint (n, ==, 2);
  /* The window first: auto tries it before the terminal. */
  g_assert_cmpstr (mc_cli_renderers[0]->name, ==, "sdl");
  g_assert_cmpstr (mc_cli_renderers[1]->name, ==, "text");
  g_assert_cmpstr (accepted, ==, "auto, sdl, text, text:symbols, text:sixel, text:kitty or none");
  g_assert_cmpstr (automatic, ==, "a window when there is a display, else the terminal");
#elif defined(MESHCALL_WITH_CHAFA)
  g_assert_cmpuint (n, ==, 1);
  g_assert_null (find ("sdl"));
  g_assert_cmpstr (accepted, ==, "auto, text, text:symbols, text:sixel, text:kitty or none");
  g_assert_cmpstr (automatic, ==, "the terminal");
#endif
  for (guint i = 0; i < n; i++) {
    g_assert_nonnull (mc_cli_renderers[i]->where);
    g_assert_nonnull (mc_cli_renderers[i]->probe);
    g_assert_cmpint (mc_cli_renderers[i]->self_view_width, >, 0);
  }
}

static void
test_parse (void)
{
  McRendererChoice c = { 0 };
  g_autoptr (GError) error = NULL;

  g_assert_false (mc_cli_renderer_choice_parse (&c, "hologram", &error));
  g_assert_error (error, MC_RENDERER_ERROR, MC_RENDERER_ERROR_BAD_KIND);
  g_assert_true (g_str_has_prefix (error->message, "unknown renderer 'hologram': expected auto, "));
  g_clear_error (&error);
#ifdef MESHCALL_WITH_SDL
  g_assert_true (mc_cli_renderer_choice_parse (&c, "SDL", NULL));
  g_assert_true (c.klass == find ("sdl"));
#else
  /* A recorder build: no sdl row, and a refusal that says why. */
  g_assert_false (mc_cli_renderer_choice_parse (&c, "sdl", &error));
  g_assert_error (error, MC_RENDERER_ERROR, MC_RENDERER_ERROR_BAD_KIND);
  g_assert_nonnull (strstr (error->message, "this build of meshcall has no SDL renderer"));
  g_assert_nonnull (strstr (error->message, "-DMESHCALL_WITH_SDL=OFF"));
  g_clear_error (&error);
#endif
#ifdef MESHCALL_WITH_CHAFA
  g_assert_true (mc_cli_renderer_choice_parse (&c, "text:kitty", NULL));
  g_assert_true (c.klass == find ("text"));
  g_assert_cmpstr (c.variant, ==, "kitty");
  g_assert_true (mc_cli_renderer_choice_parse (&c, "text:auto", NULL));
  g_assert_false (mc_cli_renderer_choice_parse (&c, "text:ascii", &error));
  g_assert_nonnull (strstr (error->message, "text:symbols"));
  g_clear_error (&error);
#endif
  mc_renderer_choice_clear (&c);
}

#ifdef MESHCALL_WITH_SDL
static void
test_sdl_probe (void)
{
  const McRendererClass *sdl = find ("sdl");
  g_autoptr (GError) error = NULL;

  g_unsetenv ("DISPLAY");
  g_unsetenv ("WAYLAND_DISPLAY");
  g_unsetenv ("SDL_VIDEODRIVER");
  g_assert_false (sdl->probe (&error));
  g_assert_error (error, MC_RENDERER_ERROR, MC_RENDERER_ERROR_UNAVAILABLE);
  g_assert_nonnull (strstr (error->message, "no display"));
  g_clear_error (&error);
  g_setenv ("DISPLAY", "", TRUE);
  g_assert_false (sdl->probe (NULL));
  g_setenv ("DISPLAY", ":99", TRUE);
  g_assert_true (sdl->probe (NULL));
  g_unsetenv ("DISPLAY");
  g_setenv ("WAYLAND_DISPLAY", "wayland-0", TRUE);
  g_assert_true (sdl->probe (NULL));
  g_unsetenv ("WAYLAND_DISPLAY");
  g_setenv ("SDL_VIDEODRIVER", "KMSDRM", TRUE);
  g_assert_true (sdl->probe (NULL));
  g_setenv ("SDL_VIDEODRIVER", "offscreen", TRUE);
  g_assert_false (sdl->probe (NULL));   /* by name only: it shows nothing */
  g_unsetenv ("SDL_VIDEODRIVER");
}
#endif

#ifdef MESHCALL_WITH_CHAFA
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

/* Whether `expect` arrives on the master within 5 s. */
static gboolean
pty_receives (Pty *p, const char *expect)
{
  g_autoptr (GString) got = g_string_new (NULL);
  gint64 deadline = g_get_monotonic_time () + 5 * G_TIME_SPAN_SECOND;

  while (!strstr (got->str, expect) && g_get_monotonic_time () < deadline) {
    struct pollfd pfd = { p->master, POLLIN, 0 };
    char buf[4096];
    ssize_t n;

    if (poll (&pfd, 1, 100) > 0 && (n = read (p->master, buf, sizeof buf)) > 0)
      g_string_append_len (got, buf, n);
  }
  return strstr (got->str, expect) != NULL;
}

/* In a subprocess: stdin and stdout become a pty for the probe. */
static void
test_text_probe (void)
{
  if (g_test_subprocess ()) {
    const McRendererClass *text = find ("text");
    g_autoptr (GError) error = NULL;
    int devnull = open ("/dev/null", O_RDWR);
    Pty p;

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

static void
test_text_variants (void)
{
  const McRendererClass *text = find ("text");
  McTextMode mode;

  g_assert_true (text->check_variant ("symbols"));
  g_assert_true (text->check_variant ("sixel"));
  g_assert_true (text->check_variant ("kitty"));
  g_assert_true (text->check_variant ("auto"));
  g_assert_false (text->check_variant ("ascii"));
  g_assert_true (mc_grid_text_mode_from_variant (NULL, &mode));
  g_assert_cmpint (mode, ==, MC_TEXT_MODE_AUTO);
  g_assert_true (mc_grid_text_mode_from_variant ("sixel", &mode));
  g_assert_cmpint (mode, ==, MC_TEXT_MODE_SIXEL);
  g_assert_true (mc_grid_text_mode_from_variant ("kitty", &mode));
  g_assert_cmpint (mode, ==, MC_TEXT_MODE_KITTY);
  g_assert_true (mc_grid_text_mode_from_variant ("symbols", &mode));
  g_assert_cmpint (mode, ==, MC_TEXT_MODE_SYMBOLS);
}

static void
quit_ignored (McCliQuitReason reason, gpointer data)
{
}

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

/* The text grid takes the screen from the command's terminal and gives it
 * back through it; with no terminal to take it refuses to start. */
static void
test_text_takes_terminal (void)
{
  g_autoptr (GError) error = NULL;
  McRenderer *r;
  McCliTerminal *term;
  int fds[2];
  Pty p;

  g_assert_null (open_text (NULL, &error));
  g_assert_cmpstr (error->message, ==, "the text renderer needs a terminal on stdout (use --headless)");
  g_clear_error (&error);
  g_assert_cmpint (pipe (fds), ==, 0);
  term = mc_cli_terminal_new_for_fds (fds[0], fds[1], quit_ignored, NULL);
  g_assert_null (open_text (mc_cli_terminal_get_host (term), &error));
  g_assert_error (error, MC_RENDERER_ERROR, MC_RENDERER_ERROR_UNAVAILABLE);
  g_clear_error (&error);
  mc_cli_terminal_free (term);
  close (fds[0]);
  close (fds[1]);

  pty_open (&p);
  term = mc_cli_terminal_new_for_fds (p.slave, p.slave, quit_ignored, NULL);
  r = open_text (mc_cli_terminal_get_host (term), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (mc_renderer_get_name (r), ==, "text");
  g_assert_true (mc_cli_terminal_is_taken (term));
  g_assert_true (pty_receives (&p, "\x1b[?1049h\x1b[?25l"));   /* alternate screen, no cursor */
  mc_renderer_stop (r);
  g_assert_false (mc_cli_terminal_is_taken (term));
  g_assert_true (pty_receives (&p, "\x1b[0m\x1b[2J\x1b[H\x1b[?25h\x1b[?1049l"));
  mc_renderer_free (r);
  mc_cli_terminal_free (term);
  close (p.slave);
  close (p.master);
}
#endif

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  mc_log_init ();
  g_test_add_func ("/render-backends/table", test_table);
  g_test_add_func ("/render-backends/parse", test_parse);
#ifdef MESHCALL_WITH_SDL
  g_test_add_func ("/render-backends/sdl-probe", test_sdl_probe);
#endif
#ifdef MESHCALL_WITH_CHAFA
  g_test_add_func ("/render-backends/text-probe", test_text_probe);
  g_test_add_func ("/render-backends/text-variants", test_text_variants);
  g_test_add_func ("/render-backends/text-takes-terminal", test_text_takes_terminal);
#endif
  return g_test_run ();
}

/* Unit tests for the program's table of renderers (cli/backends.c) and the
 * rows in it: the order auto tries, what --render accepts in this build
 * (and the refusal of a renderer the build left out), the SDL probe (a
 * display) and the text grid's variants. The text grid's probe and its use
 * of the command's terminal need a pty: test_terminal.c. */
#include "meshcall/base/log.h"
#include "meshcall/cli/backends.h"
#ifdef MESHCALL_WITH_CHAFA
#include "meshcall/render/text/grid_text.h"
#endif

#include <string.h>

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
  g_test_add_func ("/render-backends/text-variants", test_text_variants);
#endif
  return g_test_run ();
}

/* Config loading: precedence, validation messages with line numbers. */
#include "meshcall/base/config.h"
#include "meshcall/cli/cli_config.h"
#include "meshcall/base/log.h"

#include <glib/gstdio.h>

static char *
write_tmp (const char *text)
{
  g_autoptr (GError) error = NULL;
  char *path = NULL;
  int fd = g_file_open_tmp ("meshcall-test-XXXXXX.conf", &path, &error);

  g_assert_no_error (error);
  close (fd);
  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  return path;
}

static McConfig *
load_text (const char *text, GError **error)
{
  g_autofree char *path = write_tmp (text);
  McConfig *cfg = mc_config_load (path, error);

  g_unlink (path);
  return cfg;
}

static void
test_valid (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (McConfig) cfg = load_text ("# comment\n[serve]\nlisten = 127.0.0.1:9000\nmax-participants=4\n"
                                        "[media]\naudio-processing = false\nvideo-codec = h264\n", &error);
  g_autofree char *listen = NULL;
  g_autofree char *codec = NULL;
  g_autofree char *fallback = NULL;

  g_assert_no_error (error);
  listen = mc_config_get_string (cfg, "serve", "listen", "x");
  g_assert_cmpstr (listen, ==, "127.0.0.1:9000");
  g_assert_cmpint (mc_config_get_int (cfg, "serve", "max-participants", 6), ==, 4);
  g_assert_cmpint (mc_config_get_int (cfg, "serve", "max-calls", 77), ==, 77);
  g_assert_false (mc_config_get_bool (cfg, "media", "audio-processing", TRUE));
  codec = mc_config_get_string (cfg, "media", "video-codec", "vp8");
  g_assert_cmpstr (codec, ==, "h264");
  fallback = mc_config_get_string (cfg, "signaling", "url", "ws://x:1");
  g_assert_cmpstr (fallback, ==, "ws://x:1");
  g_assert_true (mc_config_has (cfg, "serve", "listen"));
  g_assert_false (mc_config_has (cfg, "serve", "token"));
}

typedef struct {
  const char *text;
  McConfigError code;
  const char *expect; /* substring of the message */
} BadCase;

static void
test_invalid (void)
{
  static const BadCase cases[] = {
    { "[serve]\nmax-participants = many\n", MC_CONFIG_ERROR_VALUE, ":2: [serve] max-participants expects a whole number from 2 to 64, got 'many'" },
    { "[serve]\nmax-participants = 1\n", MC_CONFIG_ERROR_VALUE, "got '1'" },
    { "\n\n[media]\nvideo-codec = av1\n", MC_CONFIG_ERROR_VALUE, ":4: [media] video-codec expects one of vp8, h264, got 'av1'" },
    { "[media]\naudio-processing = maybe\n", MC_CONFIG_ERROR_VALUE, "expects true or false" },
    { "[serve]\nlisen = 1\n", MC_CONFIG_ERROR_UNKNOWN, ":2: unknown key 'lisen' in [serve]; known keys are listen," },
    { "[server]\n", MC_CONFIG_ERROR_UNKNOWN, ":1: unknown group [server]" },
    { "listen = 1\n", MC_CONFIG_ERROR_SYNTAX, ":1: key 'listen' comes before any [group]" },
    { "[serve]\njust words\n", MC_CONFIG_ERROR_SYNTAX, ":2: expected 'key = value'" },
    { "[serve\n", MC_CONFIG_ERROR_SYNTAX, ":1: a group header looks like [name]" },
    { "[media]\nfps = 15\n\nfps = 30\n", MC_CONFIG_ERROR_DUPLICATE, ":4: [media] fps is set twice (first on line 2)" },
    { "[media]\nfps = 15\n[serve]\ntoken = a\n[media]\nfps = 30\n", MC_CONFIG_ERROR_DUPLICATE,
      ":6: [media] fps is set twice (first on line 2)" },
    { "[serve]\ntoken = \xff\xfe\n", MC_CONFIG_ERROR_SYNTAX, "not a text file" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr (GError) error = NULL;
    g_autoptr (McConfig) cfg = load_text (cases[i].text, &error);

    g_assert_null (cfg);
    g_assert_error (error, MC_CONFIG_ERROR, (gint) cases[i].code);
    if (strstr (error->message, cases[i].expect) == NULL)
      g_error ("case %zu: message '%s' lacks '%s'", i, error->message, cases[i].expect);
    g_assert_true (strstr (error->message, ".conf") != NULL);
  }
}

static void
test_missing_explicit (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (McConfig) cfg = mc_config_load ("/nonexistent/meshcall.conf", &error);

  g_assert_null (cfg);
  g_assert_error (error, MC_CONFIG_ERROR, MC_CONFIG_ERROR_NOT_FOUND);
  g_assert_true (strstr (error->message, "/nonexistent/meshcall.conf") != NULL);
}

static void
test_xdg_lookup (void)
{
  /* main() pointed XDG_CONFIG_HOME at a fresh folder. */
  const char *dir = g_get_user_config_dir ();
  g_autofree char *sub = g_build_filename (dir, "meshcall", NULL);
  g_autofree char *file = g_build_filename (sub, "meshcall.conf", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (McConfig) cfg = NULL;
  g_autofree char *name = NULL;

  g_assert_cmpint (g_mkdir_with_parents (sub, 0700), ==, 0);
  g_assert_true (g_file_set_contents (file, "[signaling]\nname = Kiosk 1\n", -1, NULL));
  cfg = mc_config_load (NULL, &error);
  g_assert_no_error (error);
  name = mc_config_get_string (cfg, "signaling", "name", NULL);
  g_assert_cmpstr (name, ==, "Kiosk 1");
  g_assert_cmpstr (mc_config_get_path (cfg), ==, file);
  g_unlink (file);
  g_rmdir (sub);
}

static void
test_argv (void)
{
  char *a[] = { "join", "demo", "--config", "/x.conf", NULL };
  char *b[] = { "serve", "--config=/y.conf", NULL };
  char *c[] = { "serve", "--", "--config=/y.conf", NULL };

  g_assert_cmpstr (mc_cli_config_path (4, a), ==, "/x.conf");
  g_assert_cmpstr (mc_cli_config_path (2, b), ==, "/y.conf");
  g_assert_null (mc_cli_config_path (3, c));
}

int
main (int argc, char **argv)
{
  g_autofree char *xdg = g_dir_make_tmp ("meshcall-xdg-XXXXXX", NULL);
  int ret;

  /* A fresh XDG_CONFIG_HOME, set before GLib first reads (and caches) it.
   * (G_TEST_OPTION_ISOLATE_DIRS would do this but leaks in GLib 2.74.) */
  g_setenv ("XDG_CONFIG_HOME", xdg, TRUE);
  g_test_init (&argc, &argv, NULL);
  mc_log_init ();
  g_test_add_func ("/config/valid", test_valid);
  g_test_add_func ("/config/invalid", test_invalid);
  g_test_add_func ("/config/missing-explicit", test_missing_explicit);
  g_test_add_func ("/config/xdg-lookup", test_xdg_lookup);
  g_test_add_func ("/config/argv", test_argv);
  ret = g_test_run ();
  g_rmdir (xdg);
  return ret;
}

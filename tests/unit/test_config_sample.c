/* The shipped conf/meshcall.conf must load, and with every commented-out
 * "#key = value" line enabled it must still load: the documented defaults
 * are valid values of known keys. */
#include "meshcall/base/config.h"
#include "meshcall/base/log.h"

#include <glib/gstdio.h>
#include <string.h>

static char *
sample_path (void)
{
  const char *src = g_getenv ("MESHCALL_SOURCE_DIR");

  return g_build_filename (src ? src : MESHCALL_SOURCE_DIR, "conf", "meshcall.conf", NULL);
}

static void
test_sample_loads (void)
{
  g_autofree char *path = sample_path ();
  g_autoptr (GError) error = NULL;
  g_autoptr (McConfig) cfg = mc_config_load (path, &error);

  g_assert_no_error (error);
  g_assert_nonnull (cfg);
}

static void
test_sample_uncommented_loads (void)
{
  g_autofree char *path = sample_path ();
  g_autofree char *text = NULL;
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) lines = NULL;
  g_autoptr (GString) out = g_string_new (NULL);
  g_autofree char *tmp = NULL;
  g_autoptr (McConfig) cfg = NULL;
  guint enabled = 0;
  int fd;

  g_assert_true (g_file_get_contents (path, &text, NULL, &error));
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i]; i++) {
    const char *l = lines[i];
    /* "#key = value" with no space after '#' is a documented setting. */
    if (l[0] == '#' && g_ascii_isalpha (l[1]) && strchr (l, '=') != NULL) {
      g_string_append_printf (out, "%s\n", l + 1);
      enabled++;
    } else {
      g_string_append_printf (out, "%s\n", l);
    }
  }
  g_assert_cmpuint (enabled, >, 20);
  fd = g_file_open_tmp ("meshcall-sample-XXXXXX.conf", &tmp, &error);
  g_assert_no_error (error);
  close (fd);
  g_assert_true (g_file_set_contents (tmp, out->str, -1, NULL));
  cfg = mc_config_load (tmp, &error);
  g_unlink (tmp);
  g_assert_no_error (error);
  g_assert_cmpint (mc_config_get_int (cfg, "serve", "max-participants", 0), ==, 6);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  mc_log_init ();
  g_test_add_func ("/config-sample/loads", test_sample_loads);
  g_test_add_func ("/config-sample/uncommented-loads", test_sample_uncommented_loads);
  return g_test_run ();
}

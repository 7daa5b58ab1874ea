/* The fuzzers' seed corpora (fuzz/corpora/TARGET/) as unit-test input. Every
 * file is named for its verdict, good-* (must be accepted) or bad-* (must
 * be refused); verdict() gets the file's name too, for corpora whose names
 * say more (fuzz_sdp: good-sdp-*, bad-cand-*). Every problem is listed,
 * then the test fails. Header-only: each test includes it once. */
#pragma once

#include <glib.h>

typedef gboolean (*McCorpusVerdict) (const char *name, const char *data, gsize len, GError **error);

static void
mc_test_check_corpus (const char *target, guint min_files, McCorpusVerdict verdict)
{
  const char *source = g_getenv ("MESHCALL_SOURCE_DIR");
  g_autofree char *path = g_build_filename (source ? source : MESHCALL_SOURCE_DIR, "fuzz", "corpora", target, NULL);
  g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
  g_autoptr (GString) problems = g_string_new (NULL);
  const char *name;
  guint n = 0;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL) {
    g_autofree char *file = g_build_filename (path, name, NULL);
    g_autofree char *data = NULL;
    g_autoptr (GError) error = NULL;
    gboolean good = g_str_has_prefix (name, "good-");
    gsize len;

    if (!good && !g_str_has_prefix (name, "bad-")) {
      g_string_append_printf (problems, "\n  %s: not named good-* or bad-*", name);
      continue;
    }
    g_assert_true (g_file_get_contents (file, &data, &len, NULL));
    if (verdict (name, data, len, &error) != good)
      g_string_append_printf (problems, "\n  %s: %s", name, good ? (error ? error->message : "refused") : "accepted");
    else if (!good && (error == NULL || error->message[0] == '\0'))
      g_string_append_printf (problems, "\n  %s: refused without a message", name);
    n++;
  }
  if (problems->len > 0)
    g_test_fail_printf ("fuzz/corpora/%s:%s", target, problems->str);
  g_assert_cmpuint (n, >=, min_files);
}

/* File transfer's pure parts (talk/file.h): the file channel's messages
 * (the fuzzer's seed corpus, a round trip) and the safe names received
 * files would be saved under. */
#include "meshcall/talk/file.h"
#include "corpus.h"

#include <string.h>

static gboolean
file_accepts (const char *name, const char *data, gsize len, GError **error)
{
  g_autoptr (McFileOffer) offer = NULL;
  g_autofree char *reason = NULL;
  McFileKind kind;
  gboolean ok;

  return mc_file_decode (data, len, &kind, &offer, &reason, &ok, error);
}

static void
test_corpus (void)
{
  mc_test_check_corpus ("fuzz_file", 25, file_accepts);
}

static void
test_offer (void)
{
  const char *json = "{\"type\":\"file-offer\",\"id\":\"f1\",\"name\":\"a b.txt\",\"size\":52428800,"
                     "\"sha256\":\"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\",\"mime\":\"text/plain\"}";
  g_autoptr (McFileOffer) offer = NULL;
  g_autofree char *back = NULL;
  McFileKind kind;

  g_assert_true (mc_file_decode (json, strlen (json), &kind, &offer, NULL, NULL, NULL));
  g_assert_cmpint (kind, ==, MC_FILE_KIND_OFFER);
  g_assert_cmpuint (offer->size, ==, 52428800);
  g_assert_cmpstr (offer->name, ==, "a b.txt");
  back = mc_file_encode_offer (offer);
  g_assert_cmpstr (back, ==, json);
}

static void
test_safe_names (void)
{
  static const struct {
    const char *in, *out;
  } cases[] = {
    { "report.pdf", "report.pdf" },
    { "../../etc/passwd", "passwd" },
    { "/abs/path/x.txt", "x.txt" },
    { "C:\\Users\\me\\doc.txt", "doc.txt" },
    { "..", "file" },
    { ".", "file" },
    { "", "file" },
    { "dir/", "file" },
    { ".bashrc", "bashrc" },
    { " . .hidden", "hidden" },
    { "a\x1b[2Jb\nc\x7f.txt", "a[2Jbc.txt" },
    { "tab\there\xc2\x9b.txt", "tabhere.txt" },
    { "bad\xff\xfeutf8.bin", "badutf8.bin" },
    { "trailing space   ", "trailing space" },
    { "Zoë — café.png", "Zoë — café.png" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autofree char *got = mc_file_safe_name (cases[i].in);
    g_assert_cmpstr (got, ==, cases[i].out);
  }
}

static void
test_long_names (void)
{
  g_autoptr (GString) in = g_string_new (NULL);
  g_autofree char *got = NULL;

  for (int i = 0; i < 200; i++)
    g_string_append (in, "é");   /* 400 bytes */
  g_string_append (in, ".tar.gz");
  got = mc_file_safe_name (in->str);
  g_assert_cmpuint (strlen (got), <=, MC_FILE_MAX_NAME);
  g_assert_true (g_utf8_validate (got, -1, NULL));
  g_assert_true (g_str_has_suffix (got, ".gz"));
  g_assert_true (g_str_has_prefix (got, "éé"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/file/corpus", test_corpus);
  g_test_add_func ("/file/offer", test_offer);
  g_test_add_func ("/file/safe-names", test_safe_names);
  g_test_add_func ("/file/long-names", test_long_names);
  return g_test_run ();
}

/* The call page's If-None-Match matcher (meshcall/server/server_web.h),
 * its seed corpus (fuzz/corpora/fuzz_etag), and the page's files all in
 * the binary. */
#include "corpus.h"
#include "meshcall/server/server_web.h"

#define ETAG "\"0123456789abcdef0123\""

static void
test_matches (void)
{
  g_assert_true (mc_server_web_etag_matches (ETAG, ETAG));
  g_assert_true (mc_server_web_etag_matches ("*", ETAG));
  g_assert_true (mc_server_web_etag_matches (" * ", ETAG));
  g_assert_true (mc_server_web_etag_matches ("W/" ETAG, ETAG));           /* compared weakly */
  g_assert_true (mc_server_web_etag_matches ("\"a\", " ETAG ", \"b\"", ETAG));
  g_assert_true (mc_server_web_etag_matches (", ,\t" ETAG " ,", ETAG));   /* empty list elements */
}

static void
test_no_match (void)
{
  g_assert_false (mc_server_web_etag_matches (NULL, ETAG));
  g_assert_false (mc_server_web_etag_matches ("", ETAG));
  g_assert_false (mc_server_web_etag_matches ("\"other\"", ETAG));
  g_assert_false (mc_server_web_etag_matches ("0123456789abcdef0123", ETAG));      /* unquoted */
  g_assert_false (mc_server_web_etag_matches ("\"0123456789abcdef012\"", ETAG));   /* a prefix */
  g_assert_false (mc_server_web_etag_matches ("\"0123456789abcdef0123", ETAG));    /* unterminated */
  g_assert_false (mc_server_web_etag_matches (ETAG " junk", ETAG));
  g_assert_false (mc_server_web_etag_matches ("*, " ETAG, ETAG));                  /* "*" is alone or nothing */
  g_assert_false (mc_server_web_etag_matches ("\"a\x01\", " ETAG, ETAG));          /* not an etagc */
  g_assert_false (mc_server_web_etag_matches ("w/" ETAG, ETAG));
}

static gboolean
etag_verdict (const char *name, const char *data, gsize len, GError **error)
{
  g_autofree char *value = g_strndup (data, len);

  if (mc_server_web_etag_matches (value, ETAG))
    return TRUE;
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "does not match %s", ETAG);
  return FALSE;
}

static void
test_corpus (void)
{
  mc_test_check_corpus ("fuzz_etag", 10, etag_verdict);
}

/* Every file of the page's table is compiled in (mc_server_web_new aborts otherwise). */
static void
test_files_present (void)
{
  g_autoptr (McServerWeb) web = mc_server_web_new ();

  g_assert_nonnull (web);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/server-web/etag/matches", test_matches);
  g_test_add_func ("/server-web/etag/no-match", test_no_match);
  g_test_add_func ("/server-web/etag/corpus", test_corpus);
  g_test_add_func ("/server-web/files", test_files_present);
  return g_test_run ();
}

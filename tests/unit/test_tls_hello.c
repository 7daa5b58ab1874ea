/* proto/tls_hello.h: the verdict on a TLS listener's first bytes, and the
 * fuzz_tls_hello seed corpus (real ClientHellos are good, the rest bad). */
#include "meshcall/proto/tls_hello.h"
#include "corpus.h"

static McTlsHelloVerdict
check (const guint8 *data, gsize len, gsize available, const char **why)
{
  return mc_tls_hello_check (data, MIN (len, MC_TLS_HELLO_PEEK), available, why);
}

/* A ClientHello record of body bytes (its header and first byte; the rest arrives as "available"). */
static const guint8 hello_head[] = { 0x16, 0x03, 0x01, 0x00, 0xc8, 0x01 };   /* body 200 */

static void
test_hello (void)
{
  const char *why = "unset";

  g_assert_cmpint (check (hello_head, 0, 0, &why), ==, MC_TLS_HELLO_MORE);
  g_assert_null (why);
  /* Every prefix of the header asks for more. */
  for (gsize n = 1; n <= sizeof hello_head; n++)
    g_assert_cmpint (check (hello_head, n, n, NULL), ==, MC_TLS_HELLO_MORE);
  /* The whole record: 5 + 200 bytes. */
  g_assert_cmpint (check (hello_head, 6, 204, NULL), ==, MC_TLS_HELLO_MORE);
  g_assert_cmpint (check (hello_head, 6, 205, NULL), ==, MC_TLS_HELLO_COMPLETE);
  g_assert_cmpint (check (hello_head, 6, 4096, NULL), ==, MC_TLS_HELLO_COMPLETE);
}

static void
test_plain_http (void)
{
  g_assert_cmpint (check ((const guint8 *) "G", 1, 1, NULL), ==, MC_TLS_HELLO_PLAIN_HTTP);
  g_assert_cmpint (check ((const guint8 *) "POST /", 6, 6, NULL), ==, MC_TLS_HELLO_PLAIN_HTTP);
}

static void
test_garbage (void)
{
  static const struct {
    guint8 bytes[MC_TLS_HELLO_PEEK];
    gsize len;
    const char *why;
  } cases[] = {
    { { 0x00 }, 1, "the first record is not a TLS handshake" },
    { { 'g', 'e', 't' }, 3, "the first record is not a TLS handshake" },          /* lower case: no method */
    { { 0x80, 0x2e, 0x01 }, 3, "the first record is not a TLS handshake" },       /* SSLv2 hello */
    { { 0x15, 0x03, 0x03, 0x00, 0x02, 0x02 }, 6, "the first record is not a TLS handshake" },   /* an alert */
    { { 0x16, 0x02 }, 2, "not a TLS record version (3.x)" },
    { { 0x16, 0x03, 0x01, 0x00, 0x00 }, 5, "a TLS record length out of range" },
    { { 0x16, 0x03, 0x01, 0x40, 0x01 }, 5, "a TLS record length out of range" },  /* 2^14 + 1 */
    { { 0x16, 0x03, 0x03, 0x00, 0x04, 0x02 }, 6, "the first handshake message is not a ClientHello" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++) {
    const char *why = NULL;
    g_assert_cmpint (check (cases[i].bytes, cases[i].len, cases[i].len, &why), ==, MC_TLS_HELLO_GARBAGE);
    g_assert_cmpstr (why, ==, cases[i].why);
  }
  /* The largest record there is: accepted. */
  g_assert_cmpint (check ((const guint8[]) { 0x16, 0x03, 0x01, 0x40, 0x00, 0x01 }, 6, 16389, NULL), ==,
                   MC_TLS_HELLO_COMPLETE);
}

/* good-*: a whole ClientHello; bad-*: refused outright (never "more"). */
static gboolean
corpus_verdict (const char *name, const char *data, gsize len, GError **error)
{
  const char *why = NULL;
  McTlsHelloVerdict v = check ((const guint8 *) data, len, len, &why);

  if (v == MC_TLS_HELLO_COMPLETE)
    return TRUE;
  g_set_error (error, g_quark_from_static_string ("tls-hello-corpus"), v, "%s",
               v == MC_TLS_HELLO_PLAIN_HTTP ? "plain HTTP" : v == MC_TLS_HELLO_MORE ? "" : why);
  return FALSE;
}

static void
test_corpus (void)
{
  mc_test_check_corpus ("fuzz_tls_hello", 8, corpus_verdict);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/tls-hello/client-hello", test_hello);
  g_test_add_func ("/tls-hello/plain-http", test_plain_http);
  g_test_add_func ("/tls-hello/garbage", test_garbage);
  g_test_add_func ("/tls-hello/corpus", test_corpus);
  return g_test_run ();
}

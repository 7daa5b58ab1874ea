/* libFuzzer target for the DTLS fingerprint parser (peer/dtls_cert.h,
 * mc_dtls_fingerprint_parse): the a=fingerprint value a remote's SDP names
 * its certificate by, which the peer checks the certificate of the DTLS
 * handshake against.
 *
 * Every input is parsed from a heap copy of exactly its length (the parser
 * takes a length, so NUL bytes are input too). Any broken rule aborts:
 *   - a rejection is MC_DTLS_CERT_ERROR_INVALID with a readable message;
 *   - an accepted fingerprint names one of the five hash functions, has
 *     that function's digest length, and prints back (upper case) to text
 *     that parses to the same fingerprint and equals the input up to case;
 *   - matching it against a real certificate answers yes only for that
 *     certificate's own digest, otherwise MC_DTLS_CERT_ERROR_MISMATCH.
 * Seed corpus fuzz/corpora/fuzz_dtls_fingerprint/ (good-*, bad-*; no final
 * newline), checked by tests/unit/test_dtls_cert.c. */
#include "meshcall/peer/dtls_cert.h"

static McDtlsCert *cert;   /* one certificate to match against */
static McDtlsFingerprint cert_fp;
#define MC_FUZZ_INIT                                                                                   \
  do {                                                                                                 \
    cert = mc_dtls_cert_generate (1800000000, NULL);                                                   \
    if (cert == NULL || !mc_dtls_fingerprint_parse (mc_dtls_cert_get_fingerprint (cert), -1, &cert_fp, NULL)) \
      abort ();                                                                                        \
  } while (0)
#include "fuzz_common.h"

static const gsize lengths[] = { 20, 28, 32, 48, 64 };
static const char *const names[] = { "sha-1", "sha-224", "sha-256", "sha-384", "sha-512" };

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autofree char *copy = g_memdup2 (data, size);
  g_autoptr (GError) error = NULL;
  g_autoptr (GError) match_error = NULL;
  g_autofree char *printed = NULL;
  McDtlsFingerprint fp, again;
  gboolean known = FALSE;

  if (!mc_dtls_fingerprint_parse (copy, (gssize) size, &fp, &error)) {
    CHECK (error != NULL && error->domain == MC_DTLS_CERT_ERROR && error->code == MC_DTLS_CERT_ERROR_INVALID);
    CHECK (error->message[0] != '\0' && g_utf8_validate (error->message, -1, NULL));
    return 0;
  }
  CHECK (error == NULL);
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    known |= strcmp (fp.hash, names[i]) == 0 && fp.length == lengths[i];
  CHECK (known);
  printed = mc_dtls_fingerprint_to_string (&fp);
  CHECK (strlen (printed) == size && g_ascii_strncasecmp (printed, copy, size) == 0);
  CHECK (mc_dtls_fingerprint_parse (printed, -1, &again, NULL));
  CHECK (strcmp (again.hash, fp.hash) == 0 && again.length == fp.length && memcmp (again.digest, fp.digest, fp.length) == 0);
  if (mc_dtls_fingerprint_matches (&fp, mc_dtls_cert_get_pem (cert), &match_error))
    CHECK (strcmp (fp.hash, "sha-256") == 0 && memcmp (fp.digest, cert_fp.digest, 32) == 0);
  else
    CHECK (match_error != NULL && match_error->code == MC_DTLS_CERT_ERROR_MISMATCH);
  return 0;
}

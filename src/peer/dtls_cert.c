/* The DTLS certificate as a value: made, parsed, checked (dtls_cert.h).
 * The file it is kept in is dtls_cert_store.c's. */
#include "meshcall/peer/dtls_cert.h"

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <string.h>
#include <time.h>

G_DEFINE_QUARK (mc-dtls-cert-error-quark, mc_dtls_cert_error)

struct _McDtlsCert {
  gint ref_count;
  char *pem;            /* certificate + key: wiped on the last unref */
  gsize pem_len;
  char *fingerprint;    /* "sha-256 AB:..." */
  gint64 not_before, not_after;
};

static gboolean
crypto_error (GError **error, McDtlsCertError code, const char *what)
{
  unsigned long e = ERR_get_error ();
  char buf[256] = "";

  if (e != 0)
    ERR_error_string_n (e, buf, sizeof buf);
  ERR_clear_error ();
  g_set_error (error, MC_DTLS_CERT_ERROR, code, "%s%s%s", what, buf[0] ? ": " : "", buf);
  return FALSE;
}

static gboolean
asn1_time_to_unix (const ASN1_TIME *t, gint64 *out)
{
  struct tm tm;

  if (t == NULL || ASN1_TIME_to_tm (t, &tm) != 1)
    return FALSE;
  *out = (gint64) timegm (&tm);
  return TRUE;
}

/* The SDP form of the certificate's SHA-256 (RFC 8122: upper-case hex pairs). */
static char *
fingerprint_of (X509 *x509)
{
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  GString *s;

  if (X509_digest (x509, EVP_sha256 (), md, &len) != 1)
    return NULL;
  s = g_string_new ("sha-256 ");
  for (unsigned int i = 0; i < len; i++)
    g_string_append_printf (s, i ? ":%02X" : "%02X", md[i]);
  return g_string_free (s, FALSE);
}

/* Certificate then key, as PEM, in memory OpenSSL wipes when it frees it. */
static char *
to_pem (X509 *x509, EVP_PKEY *key, gsize *len_out)
{
  BIO *bio = BIO_new (BIO_s_secmem ());
  char *data = NULL, *pem = NULL;
  long len;

  if (bio && PEM_write_bio_X509 (bio, x509) == 1 &&
      PEM_write_bio_PrivateKey (bio, key, NULL, NULL, 0, NULL, NULL) == 1 &&
      (len = BIO_get_mem_data (bio, &data)) > 0) {
    pem = g_strndup (data, (gsize) len);
    *len_out = (gsize) len;
  }
  BIO_free (bio);
  return pem;
}

/* Everything but the PEM text, from the parsed objects. Takes `pem`. */
static McDtlsCert *
cert_new (X509 *x509, char *pem, gsize pem_len, GError **error)
{
  McDtlsCert *cert = g_new0 (McDtlsCert, 1);

  cert->ref_count = 1;
  cert->pem = pem;
  cert->pem_len = pem_len;
  cert->fingerprint = fingerprint_of (x509);
  if (cert->fingerprint == NULL || !asn1_time_to_unix (X509_get0_notBefore (x509), &cert->not_before) ||
      !asn1_time_to_unix (X509_get0_notAfter (x509), &cert->not_after)) {
    mc_dtls_cert_unref (cert);
    crypto_error (error, MC_DTLS_CERT_ERROR_INVALID, "cannot read the certificate's fingerprint or validity");
    return NULL;
  }
  return cert;
}

/* A positive random 63-bit serial (RFC 5280: unique per issuer; ours are self-signed). */
static gboolean
set_random_serial (X509 *x509)
{
  unsigned char bytes[8];
  BIGNUM *bn;
  gboolean ok;

  if (RAND_bytes (bytes, sizeof bytes) != 1)
    return FALSE;
  bytes[0] = (bytes[0] & 0x7f) | 0x01;
  bn = BN_bin2bn (bytes, sizeof bytes, NULL);
  ok = bn && BN_to_ASN1_INTEGER (bn, X509_get_serialNumber (x509)) != NULL;
  BN_free (bn);
  return ok;
}

static gboolean
fill_certificate (X509 *x509, EVP_PKEY *key, gint64 now_s)
{
  X509_NAME *name = X509_get_subject_name (x509);
  time_t now = (time_t) now_s;

  return X509_set_version (x509, 2) == 1 && set_random_serial (x509) &&
         X509_NAME_add_entry_by_txt (name, "CN", MBSTRING_ASC, (const unsigned char *) "meshcall", -1, -1, 0) == 1 &&
         X509_set_issuer_name (x509, name) == 1 &&
         X509_time_adj_ex (X509_getm_notBefore (x509), 0, -MC_DTLS_CERT_BACKDATE_S, &now) != NULL &&
         X509_time_adj_ex (X509_getm_notAfter (x509), 0, MC_DTLS_CERT_LIFETIME_S, &now) != NULL &&
         X509_set_pubkey (x509, key) == 1 && X509_sign (x509, key, EVP_sha256 ()) > 0;
}

McDtlsCert *
mc_dtls_cert_generate (gint64 now_s, GError **error)
{
  EVP_PKEY *key = EVP_EC_gen ("P-256");
  X509 *x509 = X509_new ();
  McDtlsCert *cert = NULL;
  char *pem = NULL;
  gsize len = 0;

  if (key == NULL || x509 == NULL)
    crypto_error (error, MC_DTLS_CERT_ERROR_CRYPTO, "cannot make an ECDSA P-256 key");
  else if (!fill_certificate (x509, key, now_s))
    crypto_error (error, MC_DTLS_CERT_ERROR_CRYPTO, "cannot make a self-signed certificate");
  else if ((pem = to_pem (x509, key, &len)) == NULL)
    crypto_error (error, MC_DTLS_CERT_ERROR_CRYPTO, "cannot write the certificate as PEM");
  else
    cert = cert_new (x509, pem, len, error);
  X509_free (x509);
  EVP_PKEY_free (key);
  return cert;
}

/* The key meshcall makes, and only that: browsers and webrtcbin take others,
 * but a file with anything else was not written by meshcall. */
static gboolean
is_p256 (EVP_PKEY *key)
{
  char group[64] = "";
  size_t len = 0;

  return EVP_PKEY_is_a (key, "EC") &&
         EVP_PKEY_get_utf8_string_param (key, "group", group, sizeof group, &len) == 1 &&
         (strcmp (group, "prime256v1") == 0 || strcmp (group, "P-256") == 0);
}

/* What is wrong with the parsed pair, or NULL. */
static const char *
check_pair (X509 *x509, EVP_PKEY *key)
{
  if (!is_p256 (key))
    return "the key is not an ECDSA P-256 key";
  if (X509_check_private_key (x509, key) != 1)
    return "the key does not belong to the certificate";
  if (X509_verify (x509, key) != 1)
    return "the certificate's signature does not verify (damaged)";
  return NULL;
}

static gsize
length_without_final_newlines (const char *pem, gsize length)
{
  while (length > 0 && (pem[length - 1] == '\n' || pem[length - 1] == '\r'))
    length--;
  return length;
}

McDtlsCert *
mc_dtls_cert_from_pem (const char *pem, gsize length, GError **error)
{
  BIO *bio = BIO_new_mem_buf (pem, (int) MIN (length, (gsize) G_MAXINT));
  X509 *x509 = bio ? PEM_read_bio_X509 (bio, NULL, NULL, NULL) : NULL;
  EVP_PKEY *key = x509 ? PEM_read_bio_PrivateKey (bio, NULL, NULL, NULL) : NULL;
  McDtlsCert *cert = NULL;
  const char *wrong = NULL;
  char *again = NULL;
  gsize again_len = 0;

  ERR_clear_error ();
  if (x509 == NULL)
    wrong = "no PEM certificate";
  else if (key == NULL)
    wrong = "no PEM private key after the certificate";
  else
    wrong = check_pair (x509, key);
  /* Written back, it must be what was read: no other blocks, no text
   * around them, the key unencrypted in PKCS#8. */
  if (wrong == NULL && ((again = to_pem (x509, key, &again_len)) == NULL ||
                        length_without_final_newlines (again, again_len) != length_without_final_newlines (pem, length) ||
                        memcmp (again, pem, length_without_final_newlines (pem, length)) != 0))
    wrong = "not the PEM meshcall writes (a certificate, then its PKCS#8 key, nothing else)";
  if (wrong != NULL)
    g_set_error (error, MC_DTLS_CERT_ERROR, MC_DTLS_CERT_ERROR_INVALID, "%s", wrong);
  else {
    cert = cert_new (x509, again, again_len, error);
    again = NULL;
  }
  if (again) {
    OPENSSL_cleanse (again, again_len);
    g_free (again);
  }
  X509_free (x509);
  EVP_PKEY_free (key);
  BIO_free (bio);
  return cert;
}

McDtlsCert *
mc_dtls_cert_ref (McDtlsCert *cert)
{
  g_atomic_int_inc (&cert->ref_count);
  return cert;
}

void
mc_dtls_cert_unref (McDtlsCert *cert)
{
  if (cert == NULL || !g_atomic_int_dec_and_test (&cert->ref_count))
    return;
  if (cert->pem)
    OPENSSL_cleanse (cert->pem, cert->pem_len);
  g_free (cert->pem);
  g_free (cert->fingerprint);
  g_free (cert);
}

const char *
mc_dtls_cert_get_pem (const McDtlsCert *cert)
{
  return cert->pem;
}

const char *
mc_dtls_cert_get_fingerprint (const McDtlsCert *cert)
{
  return cert->fingerprint;
}

gint64
mc_dtls_cert_get_not_before (const McDtlsCert *cert)
{
  return cert->not_before;
}

gint64
mc_dtls_cert_get_not_after (const McDtlsCert *cert)
{
  return cert->not_after;
}

McDtlsCertAge
mc_dtls_cert_check_age (const McDtlsCert *cert, gint64 now_s)
{
  if (now_s < cert->not_before)
    return MC_DTLS_CERT_NOT_YET_VALID;
  if (now_s > cert->not_after - MC_DTLS_CERT_RENEW_S)
    return MC_DTLS_CERT_DUE;
  return MC_DTLS_CERT_CURRENT;
}

/* ---- fingerprints ------------------------------------------------------- */

static const struct {
  const char *name;
  const char *openssl;
  gsize length;
} hashes[] = {
  { "sha-1", "SHA1", 20 }, { "sha-224", "SHA224", 28 }, { "sha-256", "SHA256", 32 },
  { "sha-384", "SHA384", 48 }, { "sha-512", "SHA512", 64 },
};

static gboolean
invalid_fingerprint (GError **error, const char *what)
{
  g_set_error (error, MC_DTLS_CERT_ERROR, MC_DTLS_CERT_ERROR_INVALID, "DTLS fingerprint: %s", what);
  return FALSE;
}

gboolean
mc_dtls_fingerprint_parse (const char *text, gssize length, McDtlsFingerprint *out, GError **error)
{
  gsize len = length < 0 ? strlen (text) : (gsize) length;
  /* No memchr on an empty input: it may come as NULL with length 0. */
  const char *space = len > 0 ? memchr (text, ' ', len) : NULL;
  const char *p, *end;
  McDtlsFingerprint fp = { "", { 0 }, 0 };
  guint h;

  if (space == NULL)
    return invalid_fingerprint (error, "expected a hash function, a space and the digest");
  for (h = 0; h < G_N_ELEMENTS (hashes); h++)
    if ((gsize) (space - text) == strlen (hashes[h].name) && g_ascii_strncasecmp (text, hashes[h].name, space - text) == 0)
      break;
  if (h == G_N_ELEMENTS (hashes))
    return invalid_fingerprint (error, "the hash function is not one of sha-1, sha-224, sha-256, sha-384, sha-512");
  g_strlcpy (fp.hash, hashes[h].name, sizeof fp.hash);
  end = text + len;
  for (p = space + 1; p < end; p += 3) {
    if (end - p < 2 || !g_ascii_isxdigit (p[0]) || !g_ascii_isxdigit (p[1]))
      return invalid_fingerprint (error, "the digest is not pairs of hex digits");
    if (fp.length == hashes[h].length)
      return invalid_fingerprint (error, "the digest is longer than the hash function's");
    fp.digest[fp.length++] = (guint8) (g_ascii_xdigit_value (p[0]) << 4 | g_ascii_xdigit_value (p[1]));
    if (p + 2 < end && p[2] != ':')
      return invalid_fingerprint (error, "the digest's pairs are not separated by ':'");
    if (p + 3 == end)
      return invalid_fingerprint (error, "the digest ends with ':'");
  }
  if (fp.length != hashes[h].length)
    return invalid_fingerprint (error, "the digest is shorter than the hash function's");
  if (out)
    *out = fp;
  return TRUE;
}

char *
mc_dtls_fingerprint_to_string (const McDtlsFingerprint *fp)
{
  GString *s = g_string_new (fp->hash);

  for (gsize i = 0; i < fp->length; i++)
    g_string_append_printf (s, "%c%02X", i ? ':' : ' ', fp->digest[i]);
  return g_string_free (s, FALSE);
}

gboolean
mc_dtls_fingerprint_matches (const McDtlsFingerprint *fp, const char *cert_pem, GError **error)
{
  BIO *bio = BIO_new_mem_buf (cert_pem, -1);
  X509 *x509 = bio ? PEM_read_bio_X509 (bio, NULL, NULL, NULL) : NULL;
  McDtlsFingerprint theirs = *fp;
  const EVP_MD *md = NULL;
  unsigned int len = 0;
  gboolean ok = FALSE;

  for (guint h = 0; h < G_N_ELEMENTS (hashes); h++)
    if (strcmp (fp->hash, hashes[h].name) == 0)
      md = EVP_get_digestbyname (hashes[h].openssl);
  ERR_clear_error ();
  if (x509 == NULL)
    g_set_error (error, MC_DTLS_CERT_ERROR, MC_DTLS_CERT_ERROR_INVALID, "the certificate is not a PEM certificate");
  else if (md == NULL || X509_digest (x509, md, theirs.digest, &len) != 1 || len != fp->length)
    crypto_error (error, MC_DTLS_CERT_ERROR_INVALID, "cannot hash the certificate");
  else if (CRYPTO_memcmp (theirs.digest, fp->digest, len) != 0) {
    g_autofree char *want = mc_dtls_fingerprint_to_string (fp);
    g_autofree char *have = mc_dtls_fingerprint_to_string (&theirs);
    g_set_error (error, MC_DTLS_CERT_ERROR, MC_DTLS_CERT_ERROR_MISMATCH, "the certificate is %s, not %s", have, want);
  } else
    ok = TRUE;
  X509_free (x509);
  BIO_free (bio);
  return ok;
}

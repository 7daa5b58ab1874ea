/* The DTLS certificate (peer/dtls_cert.h): made, parsed and refused; the
 * rotation rule with an injected clock; the file: reused, replaced with a
 * warning when damaged or exposed, mode 0600 in a 0700 directory, in memory
 * when the directory cannot be used, one certificate for processes that
 * start together. */
#include "meshcall/peer/dtls_cert.h"
#include "corpus.h"

#include <glib/gstdio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <string.h>
#include <sys/stat.h>

#define NOW ((gint64) 1800000000)   /* 2027-01-15 */
#define DAY ((gint64) 24 * 3600)

/* ---- helpers ---- */

static char *
tmp_dir (void)
{
  g_autoptr (GError) error = NULL;
  char *dir = g_dir_make_tmp ("meshcall-dtls-XXXXXX", &error);

  g_assert_no_error (error);
  return dir;
}

static void
remove_tree (const char *dir)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  while (d && (name = g_dir_read_name (d))) {
    g_autofree char *path = g_build_filename (dir, name, NULL);
    if (g_file_test (path, G_FILE_TEST_IS_DIR) && !g_file_test (path, G_FILE_TEST_IS_SYMLINK))
      remove_tree (path);
    else
      g_unlink (path);
  }
  g_rmdir (dir);
}

static guint
mode_of (const char *path)
{
  struct stat st;

  g_assert_cmpint (g_stat (path, &st), ==, 0);
  return st.st_mode & 07777;
}

/* A hash of the first PEM block's base64, by GLib alone: an independent
 * computation of what a browser compares a=fingerprint with. */
static char *
glib_fingerprint_with (const char *pem, GChecksumType type, const char *name)
{
  const char *begin = strstr (pem, "-----BEGIN CERTIFICATE-----\n");
  const char *end = strstr (pem, "-----END CERTIFICATE-----");
  g_autofree char *b64 = NULL;
  g_autofree guchar *der = NULL;
  g_autofree char *hex = NULL;
  gsize len = 0;
  GString *s;

  g_assert_nonnull (begin);
  g_assert_nonnull (end);
  begin += strlen ("-----BEGIN CERTIFICATE-----\n");
  b64 = g_strndup (begin, (gsize) (end - begin));
  der = g_base64_decode (b64, &len);
  hex = g_compute_checksum_for_data (type, der, len);
  s = g_string_new (name);
  g_string_append_c (s, ' ');
  for (guint i = 0; hex[i]; i += 2)
    g_string_append_printf (s, "%s%c%c", i ? ":" : "", g_ascii_toupper (hex[i]), g_ascii_toupper (hex[i + 1]));
  return g_string_free (s, FALSE);
}

static char *
glib_fingerprint (const char *pem)
{
  return glib_fingerprint_with (pem, G_CHECKSUM_SHA256, "sha-256");
}

/* A certificate and key of another kind (RSA), in the same layout. */
static char *
rsa_pem (void)
{
  EVP_PKEY *key = EVP_RSA_gen (1024);
  X509 *x509 = X509_new ();
  BIO *bio = BIO_new (BIO_s_mem ());
  char *data = NULL;
  char *pem;
  long len;

  g_assert_nonnull (key);
  X509_set_version (x509, 2);
  X509_gmtime_adj (X509_getm_notBefore (x509), 0);
  X509_gmtime_adj (X509_getm_notAfter (x509), 3600);
  X509_set_pubkey (x509, key);
  g_assert_cmpint (X509_sign (x509, key, EVP_sha256 ()), >, 0);
  PEM_write_bio_X509 (bio, x509);
  PEM_write_bio_PrivateKey (bio, key, NULL, NULL, 0, NULL, NULL);
  len = BIO_get_mem_data (bio, &data);
  pem = g_strndup (data, (gsize) len);
  BIO_free (bio);
  X509_free (x509);
  EVP_PKEY_free (key);
  return pem;
}

/* ---- the value ---- */

static void
test_generate (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (McDtlsCert) cert = mc_dtls_cert_generate (NOW, &error);
  g_autoptr (McDtlsCert) again = NULL;
  g_autofree char *independent = NULL;
  const char *pem;

  g_assert_no_error (error);
  g_assert_nonnull (cert);
  pem = mc_dtls_cert_get_pem (cert);
  g_assert_true (g_str_has_prefix (pem, "-----BEGIN CERTIFICATE-----\n"));
  g_assert_nonnull (strstr (pem, "-----END CERTIFICATE-----\n-----BEGIN PRIVATE KEY-----\n"));
  g_assert_true (g_str_has_suffix (pem, "-----END PRIVATE KEY-----\n"));
  g_assert_true (g_regex_match_simple ("^sha-256 ([0-9A-F]{2}:){31}[0-9A-F]{2}$", mc_dtls_cert_get_fingerprint (cert),
                                       0, 0));
  independent = glib_fingerprint (pem);
  g_assert_cmpstr (mc_dtls_cert_get_fingerprint (cert), ==, independent);
  g_assert_cmpint (mc_dtls_cert_get_not_before (cert), ==, NOW - MC_DTLS_CERT_BACKDATE_S);
  g_assert_cmpint (mc_dtls_cert_get_not_after (cert), ==, NOW + MC_DTLS_CERT_LIFETIME_S);

  again = mc_dtls_cert_from_pem (pem, strlen (pem), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (mc_dtls_cert_get_fingerprint (again), ==, mc_dtls_cert_get_fingerprint (cert));
  g_assert_cmpstr (mc_dtls_cert_get_pem (again), ==, pem);
}

static void
test_generate_differs (void)
{
  g_autoptr (McDtlsCert) a = mc_dtls_cert_generate (NOW, NULL);
  g_autoptr (McDtlsCert) b = mc_dtls_cert_generate (NOW, NULL);

  g_assert_cmpstr (mc_dtls_cert_get_fingerprint (a), !=, mc_dtls_cert_get_fingerprint (b));
}

static void
test_age (void)
{
  g_autoptr (McDtlsCert) cert = mc_dtls_cert_generate (NOW, NULL);
  gint64 due = NOW + MC_DTLS_CERT_LIFETIME_S - MC_DTLS_CERT_RENEW_S;

  g_assert_cmpint (mc_dtls_cert_check_age (cert, NOW), ==, MC_DTLS_CERT_CURRENT);
  g_assert_cmpint (mc_dtls_cert_check_age (cert, NOW - DAY), ==, MC_DTLS_CERT_CURRENT);
  g_assert_cmpint (mc_dtls_cert_check_age (cert, NOW - DAY - 1), ==, MC_DTLS_CERT_NOT_YET_VALID);
  g_assert_cmpint (mc_dtls_cert_check_age (cert, due), ==, MC_DTLS_CERT_CURRENT);
  g_assert_cmpint (mc_dtls_cert_check_age (cert, due + 1), ==, MC_DTLS_CERT_DUE);
  g_assert_cmpint (mc_dtls_cert_check_age (cert, NOW + 29 * DAY), ==, MC_DTLS_CERT_CURRENT);
  g_assert_cmpint (mc_dtls_cert_check_age (cert, NOW + 29 * DAY + 1), ==, MC_DTLS_CERT_DUE);
  g_assert_cmpint (mc_dtls_cert_check_age (cert, NOW + 365 * DAY), ==, MC_DTLS_CERT_DUE);
}

typedef struct {
  const char *name;
  char *pem;
  const char *expect;   /* in the message */
} BadPem;

static void
test_refused (void)
{
  g_autoptr (McDtlsCert) a = mc_dtls_cert_generate (NOW, NULL);
  g_autoptr (McDtlsCert) b = mc_dtls_cert_generate (NOW, NULL);
  const char *pa = mc_dtls_cert_get_pem (a), *pb = mc_dtls_cert_get_pem (b);
  const char *key_a = strstr (pa, "-----BEGIN PRIVATE KEY-----");
  const char *key_b = strstr (pb, "-----BEGIN PRIVATE KEY-----");
  g_autofree char *flipped = g_strdup (pa);
  g_autofree char *cert_a = g_strndup (pa, (gsize) (key_a - pa));
  g_autofree char *cert_b = g_strndup (pb, (gsize) (key_b - pb));
  BadPem cases[] = {
    { "empty", g_strdup (""), "no PEM certificate" },
    { "text", g_strdup ("hello\n"), "no PEM certificate" },
    { "certificate only", g_strdup (cert_a), "no PEM private key" },
    { "key only", g_strdup (key_a), "no PEM certificate" },
    { "another's key", g_strconcat (cert_a, key_b, NULL), "does not belong to the certificate" },
    { "truncated", g_strndup (pa, strlen (pa) - 40), "no PEM private key" },
    { "text after", g_strconcat (pa, "extra\n", NULL), "not the PEM meshcall writes" },
    { "text before", g_strconcat ("note\n", pa, NULL), "not the PEM meshcall writes" },
    { "two certificates", g_strconcat (cert_b, pa, NULL), "does not belong" },
    { "RSA", rsa_pem (), "not an ECDSA P-256 key" },
    { "damaged", NULL, "signature does not verify" },
  };

  /* Bits changed in the issuer's name (the serial is always 8 bytes, so it
   * is at the same place): it parses, the signature fails. */
  flipped[96] = flipped[96] == 'A' ? 'B' : 'A';
  cases[G_N_ELEMENTS (cases) - 1].pem = g_strdup (flipped);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr (GError) error = NULL;
    McDtlsCert *cert = mc_dtls_cert_from_pem (cases[i].pem, strlen (cases[i].pem), &error);

    g_test_message ("%s: %s", cases[i].name, error ? error->message : "(accepted)");
    g_assert_null (cert);
    g_assert_error (error, MC_DTLS_CERT_ERROR, MC_DTLS_CERT_ERROR_INVALID);
    g_assert_nonnull (strstr (error->message, cases[i].expect));
    g_free (cases[i].pem);
  }
}

/* ---- fingerprints ---- */

static gboolean
fingerprint_verdict (const char *name, const char *data, gsize len, GError **error)
{
  return mc_dtls_fingerprint_parse (data, (gssize) len, NULL, error);
}

static void
test_fingerprint_corpus (void)
{
  mc_test_check_corpus ("fuzz_dtls_fingerprint", 20, fingerprint_verdict);
}

static void
test_fingerprint_parse (void)
{
  static const struct {
    const char *text;
    const char *says;   /* NULL: accepted */
  } cases[] = {
    { "sha-256 00:01:02:03:04:05:06:07:08:09:0A:0B:0C:0D:0E:0F:10:11:12:13:14:15:16:17:18:19:1a:1b:1c:1d:1e:FF", NULL },
    { "SHA-1 00:01:02:03:04:05:06:07:08:09:0A:0B:0C:0D:0E:0F:10:11:12:13", NULL },
    { "sha-256", "expected a hash function, a space and the digest" },
    { "md5 00:01:02:03:04:05:06:07:08:09:0A:0B:0C:0D:0E:0F", "not one of sha-1" },
    { "sha-256 00:01", "shorter than the hash function's" },
    { "sha-1 00:01:02:03:04:05:06:07:08:09:0A:0B:0C:0D:0E:0F:10:11:12:13:14", "longer than the hash function's" },
    { "sha-1 00:01:02:03:04:05:06:07:08:09:0A:0B:0C:0D:0E:0F:10:11:12:1", "not pairs of hex digits" },
    { "sha-1 0001:02:03:04:05:06:07:08:09:0A:0B:0C:0D:0E:0F:10:11:12:13", "not separated by ':'" },
    { "sha-1 00:01:02:03:04:05:06:07:08:09:0A:0B:0C:0D:0E:0F:10:11:12:13:", "ends with ':'" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr (GError) error = NULL;
    McDtlsFingerprint fp;
    gboolean ok = mc_dtls_fingerprint_parse (cases[i].text, -1, &fp, &error);

    g_test_message ("%s: %s", cases[i].text, error ? error->message : "ok");
    if (cases[i].says == NULL) {
      g_autofree char *printed = mc_dtls_fingerprint_to_string (&fp);
      g_assert_no_error (error);
      g_assert_true (ok);
      g_assert_cmpint (g_ascii_strcasecmp (printed, cases[i].text), ==, 0);
    } else {
      g_assert_false (ok);
      g_assert_error (error, MC_DTLS_CERT_ERROR, MC_DTLS_CERT_ERROR_INVALID);
      g_assert_nonnull (strstr (error->message, cases[i].says));
    }
  }

  /* Empty input, as a zero-length buffer may come: NULL (the fuzzer found
   * memchr given it). */
  {
    g_autoptr (GError) error = NULL;
    g_assert_false (mc_dtls_fingerprint_parse (NULL, 0, NULL, &error));
    g_assert_error (error, MC_DTLS_CERT_ERROR, MC_DTLS_CERT_ERROR_INVALID);
  }
}

/* A certificate has its own fingerprint, in any of the hash functions, and
 * not another's; the mismatch says both. */
static void
test_fingerprint_matches (void)
{
  g_autoptr (McDtlsCert) a = mc_dtls_cert_generate (NOW, NULL);
  g_autoptr (McDtlsCert) b = mc_dtls_cert_generate (NOW, NULL);
  g_autofree char *sha1 = glib_fingerprint_with (mc_dtls_cert_get_pem (a), G_CHECKSUM_SHA1, "sha-1");
  g_autofree char *sha512 = glib_fingerprint_with (mc_dtls_cert_get_pem (a), G_CHECKSUM_SHA512, "sha-512");
  g_autoptr (GError) error = NULL;
  McDtlsFingerprint fp_a, fp_b, fp;

  g_assert_true (mc_dtls_fingerprint_parse (mc_dtls_cert_get_fingerprint (a), -1, &fp_a, NULL));
  g_assert_true (mc_dtls_fingerprint_parse (mc_dtls_cert_get_fingerprint (b), -1, &fp_b, NULL));
  g_assert_true (mc_dtls_fingerprint_matches (&fp_a, mc_dtls_cert_get_pem (a), &error));
  g_assert_no_error (error);
  g_assert_true (mc_dtls_fingerprint_parse (sha1, -1, &fp, NULL));
  g_assert_true (mc_dtls_fingerprint_matches (&fp, mc_dtls_cert_get_pem (a), NULL));
  g_assert_true (mc_dtls_fingerprint_parse (sha512, -1, &fp, NULL));
  g_assert_true (mc_dtls_fingerprint_matches (&fp, mc_dtls_cert_get_pem (a), NULL));
  g_assert_false (mc_dtls_fingerprint_matches (&fp_b, mc_dtls_cert_get_pem (a), &error));
  g_assert_error (error, MC_DTLS_CERT_ERROR, MC_DTLS_CERT_ERROR_MISMATCH);
  g_assert_nonnull (strstr (error->message, mc_dtls_cert_get_fingerprint (a)));
  g_assert_nonnull (strstr (error->message, mc_dtls_cert_get_fingerprint (b)));
  g_clear_error (&error);
  g_assert_false (mc_dtls_fingerprint_matches (&fp_a, "not a certificate", &error));
  g_assert_error (error, MC_DTLS_CERT_ERROR, MC_DTLS_CERT_ERROR_INVALID);
}

/* ---- the store ---- */

typedef struct {
  char *dir;        /* a fresh temporary directory */
  char *state;      /* dir/state: the state directory, not yet there */
  char *file;       /* state/dtls-certificate.pem */
} Store;

static void
store_setup (Store *s, gconstpointer data)
{
  s->dir = tmp_dir ();
  s->state = g_build_filename (s->dir, "state", NULL);
  s->file = g_build_filename (s->state, MC_DTLS_CERT_FILE, NULL);
}

static void
store_teardown (Store *s, gconstpointer data)
{
  remove_tree (s->dir);
  g_free (s->dir);
  g_free (s->state);
  g_free (s->file);
}

/* Loads at `now`, checks the source, returns the fingerprint. */
static char *
load_expect (Store *s, gint64 now, McDtlsCertSource source, const char *warning_part)
{
  g_autoptr (GError) error = NULL;
  McDtlsCertReport report;
  g_autoptr (McDtlsCert) cert = mc_dtls_cert_load (s->state, now, &report, &error);

  g_assert_no_error (error);
  g_assert_nonnull (cert);
  g_test_message ("%s%s%s", mc_dtls_cert_source_to_string (report.source), report.warning ? ": " : "",
                  report.warning ? report.warning : "");
  g_assert_cmpstr (mc_dtls_cert_source_to_string (report.source), ==, mc_dtls_cert_source_to_string (source));
  g_assert_cmpstr (report.path, ==, s->file);
  if (warning_part) {
    g_assert_nonnull (report.warning);
    g_assert_nonnull (strstr (report.warning, warning_part));
    if (source != MC_DTLS_CERT_IN_MEMORY)
      g_assert_nonnull (strstr (report.warning, s->file));   /* names the file */
  } else {
    g_assert_null (report.warning);
  }
  mc_dtls_cert_report_clear (&report);
  return g_strdup (mc_dtls_cert_get_fingerprint (cert));
}

static void
assert_file_is (Store *s, const char *fingerprint)
{
  g_autofree char *text = NULL;
  gsize len = 0;
  g_autoptr (McDtlsCert) saved = NULL;

  g_assert_true (g_file_get_contents (s->file, &text, &len, NULL));
  saved = mc_dtls_cert_from_pem (text, len, NULL);
  g_assert_nonnull (saved);
  g_assert_cmpstr (mc_dtls_cert_get_fingerprint (saved), ==, fingerprint);
  g_assert_cmpuint (mode_of (s->file), ==, 0600);
}

static void
test_store_reuse (Store *s, gconstpointer data)
{
  g_autofree char *first = load_expect (s, NOW, MC_DTLS_CERT_CREATED, NULL);
  g_autofree char *second = NULL;
  g_autofree char *later = NULL;

  g_assert_cmpuint (mode_of (s->state), ==, 0700);
  assert_file_is (s, first);
  second = load_expect (s, NOW + 60, MC_DTLS_CERT_REUSED, NULL);
  g_assert_cmpstr (second, ==, first);
  later = load_expect (s, NOW + 28 * DAY, MC_DTLS_CERT_REUSED, NULL);
  g_assert_cmpstr (later, ==, first);
  assert_file_is (s, first);
}

/* Due (29 days on), or the clock went back: a new one, no warning. */
static void
test_store_rotation (Store *s, gconstpointer data)
{
  g_autofree char *first = load_expect (s, NOW, MC_DTLS_CERT_CREATED, NULL);
  g_autofree char *rotated = load_expect (s, NOW + 29 * DAY + 1, MC_DTLS_CERT_CREATED, NULL);
  g_autofree char *kept = load_expect (s, NOW + 30 * DAY, MC_DTLS_CERT_REUSED, NULL);
  g_autofree char *back = load_expect (s, NOW, MC_DTLS_CERT_CREATED, NULL);

  g_assert_cmpstr (rotated, !=, first);
  g_assert_cmpstr (kept, ==, rotated);
  g_assert_cmpstr (back, !=, rotated);   /* 2 days before its notBefore */
  assert_file_is (s, back);
}

static void
test_store_corrupt (Store *s, gconstpointer data)
{
  g_autofree char *first = load_expect (s, NOW, MC_DTLS_CERT_CREATED, NULL);
  g_autofree char *replaced = NULL;
  g_autofree char *reused = NULL;

  g_assert_true (g_file_set_contents (s->file, "garbage\n", -1, NULL));
  g_assert_cmpint (g_chmod (s->file, 0600), ==, 0);
  replaced = load_expect (s, NOW, MC_DTLS_CERT_REPLACED, "no PEM certificate");
  g_assert_cmpstr (replaced, !=, first);
  assert_file_is (s, replaced);
  reused = load_expect (s, NOW, MC_DTLS_CERT_REUSED, NULL);
  g_assert_cmpstr (reused, ==, replaced);
}

static void
test_store_exposed (Store *s, gconstpointer data)
{
  g_autofree char *first = load_expect (s, NOW, MC_DTLS_CERT_CREATED, NULL);
  g_autofree char *replaced = NULL;

  g_assert_cmpint (g_chmod (s->file, 0644), ==, 0);
  replaced = load_expect (s, NOW, MC_DTLS_CERT_REPLACED, "other users could read it (mode 0644)");
  g_assert_cmpstr (replaced, !=, first);
  assert_file_is (s, replaced);
}

static void
test_store_symlink (Store *s, gconstpointer data)
{
  g_autofree char *first = load_expect (s, NOW, MC_DTLS_CERT_CREATED, NULL);
  g_autofree char *elsewhere = g_build_filename (s->dir, "elsewhere.pem", NULL);
  g_autofree char *replaced = NULL;

  g_assert_cmpint (g_rename (s->file, elsewhere), ==, 0);
  g_assert_cmpint (symlink (elsewhere, s->file), ==, 0);
  replaced = load_expect (s, NOW, MC_DTLS_CERT_REPLACED, "symbolic link");
  g_assert_cmpstr (replaced, !=, first);
  g_assert_false (g_file_test (s->file, G_FILE_TEST_IS_SYMLINK));
  assert_file_is (s, replaced);
}

static void
test_store_unusable_dir (Store *s, gconstpointer data)
{
  g_autofree char *a = NULL;
  g_autofree char *b = NULL;

  /* Where a directory cannot be made: a regular file is in the way. */
  g_assert_true (g_file_set_contents (s->state, "", -1, NULL));
  a = load_expect (s, NOW, MC_DTLS_CERT_IN_MEMORY, "cannot create it");
  g_unlink (s->state);
  /* A directory other users can write to. */
  g_assert_cmpint (g_mkdir (s->state, 0700), ==, 0);
  g_assert_cmpint (g_chmod (s->state, 0770), ==, 0);
  b = load_expect (s, NOW, MC_DTLS_CERT_IN_MEMORY, "other users can write to it");
  g_assert_false (g_file_test (s->file, G_FILE_TEST_EXISTS));
  g_assert_cmpstr (a, !=, b);
}

static void
test_store_none (void)
{
  g_autoptr (GError) error = NULL;
  McDtlsCertReport report;
  g_autoptr (McDtlsCert) cert = mc_dtls_cert_load (NULL, NOW, &report, &error);

  g_assert_no_error (error);
  g_assert_nonnull (cert);
  g_assert_cmpint (report.source, ==, MC_DTLS_CERT_IN_MEMORY);
  g_assert_null (report.path);
  g_assert_null (report.warning);
  mc_dtls_cert_report_clear (&report);
}

/* Processes starting together (threads here: flock locks are per open
 * file, so they exclude each other too) agree on one certificate. */
static gpointer
load_thread (gpointer data)
{
  McDtlsCertReport report;
  McDtlsCert *cert = mc_dtls_cert_load (data, NOW, &report, NULL);
  char *fp = g_strdup (mc_dtls_cert_get_fingerprint (cert));

  mc_dtls_cert_report_clear (&report);
  mc_dtls_cert_unref (cert);
  return fp;
}

static void
test_store_concurrent (Store *s, gconstpointer data)
{
  GThread *threads[6];
  g_autofree char *first = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    threads[i] = g_thread_new ("load", load_thread, s->state);
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++) {
    g_autofree char *fp = g_thread_join (threads[i]);
    if (first == NULL)
      first = g_strdup (fp);
    g_assert_cmpstr (fp, ==, first);
  }
  assert_file_is (s, first);
}

static void
test_default_dir (void)
{
  g_autofree char *systemd = NULL;
  g_autofree char *xdg = NULL;
  g_autofree char *relative = NULL;
  g_autofree char *home = NULL;

  g_setenv ("STATE_DIRECTORY", "/var/lib/meshcall:/var/lib/other", TRUE);
  systemd = mc_dtls_cert_default_dir ();
  g_assert_cmpstr (systemd, ==, "/var/lib/meshcall");
  g_unsetenv ("STATE_DIRECTORY");
  g_setenv ("XDG_STATE_HOME", "/tmp/xdg-state", TRUE);
  xdg = mc_dtls_cert_default_dir ();
  g_assert_cmpstr (xdg, ==, "/tmp/xdg-state/meshcall");
  g_setenv ("XDG_STATE_HOME", "relative/state", TRUE);
  relative = mc_dtls_cert_default_dir ();
  g_unsetenv ("XDG_STATE_HOME");
  home = mc_dtls_cert_default_dir ();
  g_assert_cmpstr (relative, ==, home);
  g_assert_true (g_str_has_suffix (home, "/.local/state/meshcall"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/dtls-cert/generate", test_generate);
  g_test_add_func ("/dtls-cert/generate-differs", test_generate_differs);
  g_test_add_func ("/dtls-cert/age", test_age);
  g_test_add_func ("/dtls-cert/refused", test_refused);
  g_test_add_func ("/dtls-cert/fingerprint/parse", test_fingerprint_parse);
  g_test_add_func ("/dtls-cert/fingerprint/matches", test_fingerprint_matches);
  g_test_add_func ("/dtls-cert/fingerprint/corpus", test_fingerprint_corpus);
  g_test_add ("/dtls-cert/store/reuse", Store, NULL, store_setup, test_store_reuse, store_teardown);
  g_test_add ("/dtls-cert/store/rotation", Store, NULL, store_setup, test_store_rotation, store_teardown);
  g_test_add ("/dtls-cert/store/corrupt", Store, NULL, store_setup, test_store_corrupt, store_teardown);
  g_test_add ("/dtls-cert/store/exposed", Store, NULL, store_setup, test_store_exposed, store_teardown);
  g_test_add ("/dtls-cert/store/symlink", Store, NULL, store_setup, test_store_symlink, store_teardown);
  g_test_add ("/dtls-cert/store/unusable-dir", Store, NULL, store_setup, test_store_unusable_dir, store_teardown);
  g_test_add ("/dtls-cert/store/concurrent", Store, NULL, store_setup, test_store_concurrent, store_teardown);
  g_test_add_func ("/dtls-cert/store/none", test_store_none);
  g_test_add_func ("/dtls-cert/default-dir", test_default_dir);
  return g_test_run ();
}

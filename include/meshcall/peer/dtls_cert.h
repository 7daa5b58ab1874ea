/* The DTLS certificate meshcall shows its peers, kept as browsers keep
 * theirs: ECDSA P-256, self-signed, made once and reused by every later run
 * until it is due, so that joining a call never waits for a key.
 *
 * A certificate is valid for MC_DTLS_CERT_LIFETIME_S (30 days) from the
 * moment it is made, back-dated by a day against clock skew as WebRTC does.
 * "Rotated monthly" means exactly: a run that starts less than
 * MC_DTLS_CERT_RENEW_S (one day) before notAfter, or after it, or before
 * notBefore (the clock went back), makes a new one; any other run reuses the
 * saved one. A certificate is therefore in use for 29 days at most.
 *
 * The store (mc_dtls_cert_load) is the file STATE_DIR/dtls-certificate.pem:
 * the certificate and its PKCS#8 key in PEM, mode 0600, in a directory made
 * 0700, replaced atomically (a temporary file renamed over it) under an
 * advisory lock, so two meshcall processes starting together agree on one.
 * Whatever is wrong with the file (unreadable, not the PEM meshcall writes,
 * a key that does not sign the certificate, readable by other users) gives a
 * new certificate and a warning that names the file; a directory that
 * cannot be used gives a certificate in memory for this run and a warning.
 * A certificate is always returned unless OpenSSL cannot make one.
 *
 * webrtcbin gets the certificate through McPeerSettings.dtls_cert
 * (peer_settings.h); docs/architecture.md ("DTLS certificates on webrtcbin
 * 1.22") says how it reaches GStreamer's DTLS elements. The other side's
 * certificate is checked against the fingerprint in its SDP
 * (mc_dtls_fingerprint_*), which webrtcbin 1.22 does not do.
 *
 * Threading: a McDtlsCert is immutable and reference counted; any thread.
 * mc_dtls_cert_load does blocking file I/O of a few kB (call it at start-up,
 * before the main loop runs). Time is passed in (seconds since the epoch). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define MC_DTLS_CERT_LIFETIME_S (30 * 24 * 3600)   /* notAfter - now at creation */
#define MC_DTLS_CERT_BACKDATE_S (24 * 3600)        /* now - notBefore at creation */
#define MC_DTLS_CERT_RENEW_S (24 * 3600)           /* replaced when less than this is left */
#define MC_DTLS_CERT_FILE "dtls-certificate.pem"
#define MC_DTLS_CERT_MAX_FILE_SIZE 16384           /* a larger file is not ours */

#define MC_DTLS_CERT_ERROR (mc_dtls_cert_error_quark ())
GQuark mc_dtls_cert_error_quark (void);

typedef enum {
  MC_DTLS_CERT_ERROR_INVALID,   /* not a certificate and its P-256 key in the PEM meshcall writes */
  MC_DTLS_CERT_ERROR_CRYPTO,    /* OpenSSL could not make a key or a certificate */
  MC_DTLS_CERT_ERROR_MISMATCH,  /* a certificate is not the one a fingerprint names */
} McDtlsCertError;

typedef struct _McDtlsCert McDtlsCert;

/* A new key and certificate, valid from now - BACKDATE to now + LIFETIME. */
McDtlsCert *mc_dtls_cert_generate (gint64 now_s, GError **error);
/* Parses what mc_dtls_cert_get_pem returns (a certificate block, then a
 * PRIVATE KEY block, nothing else but a final newline) and checks it: a
 * P-256 key that matches the certificate and whose signature the certificate
 * carries. Anything else is MC_DTLS_CERT_ERROR_INVALID with what was wrong. */
McDtlsCert *mc_dtls_cert_from_pem (const char *pem, gsize length, GError **error);
McDtlsCert *mc_dtls_cert_ref (McDtlsCert *cert);
/* The last reference wipes the key from memory. */
void mc_dtls_cert_unref (McDtlsCert *cert);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (McDtlsCert, mc_dtls_cert_unref)

/* The certificate and its key in PEM (what webrtcbin's dtlsdec takes as
 * "pem", and the file's contents). */
const char *mc_dtls_cert_get_pem (const McDtlsCert *cert);
/* As SDP's a=fingerprint carries it: "sha-256 AB:CD:...:EF" (RFC 8122). */
const char *mc_dtls_cert_get_fingerprint (const McDtlsCert *cert);
gint64 mc_dtls_cert_get_not_before (const McDtlsCert *cert);
gint64 mc_dtls_cert_get_not_after (const McDtlsCert *cert);

typedef enum {
  MC_DTLS_CERT_CURRENT,       /* use it */
  MC_DTLS_CERT_DUE,           /* less than RENEW_S left, or expired: make a new one */
  MC_DTLS_CERT_NOT_YET_VALID, /* notBefore is in the future: make a new one */
} McDtlsCertAge;

/* Pure: what the rotation rule above says about `cert` at `now_s`. */
McDtlsCertAge mc_dtls_cert_check_age (const McDtlsCert *cert, gint64 now_s);

/* ---- a peer's fingerprint (its SDP's a=fingerprint) ---- */

#define MC_DTLS_FINGERPRINT_MAX 64   /* SHA-512 */

typedef struct {
  char hash[8];                           /* "sha-1", "sha-224", "sha-256", "sha-384" or "sha-512" */
  guint8 digest[MC_DTLS_FINGERPRINT_MAX];
  gsize length;                           /* of digest: the hash's size */
} McDtlsFingerprint;

/* The value of an a=fingerprint attribute (RFC 8122, section 5): a hash
 * function, one space, the digest as colon-separated pairs of hex digits,
 * exactly as many as the function gives. Hash names and hex digits in
 * either case. MD5 and MD2 (which RFC 8122 forbids) and other functions
 * are refused, as is anything else around or between the parts:
 * MC_DTLS_CERT_ERROR_INVALID, saying what was wrong. `length` is that of
 * `text` (-1: NUL-terminated; with 0, `text` may be NULL). Pure; a
 * network-facing parser (fuzzed). */
gboolean mc_dtls_fingerprint_parse (const char *text, gssize length, McDtlsFingerprint *out, GError **error);
/* The fingerprint as SDP writes it (upper-case hex). */
char *mc_dtls_fingerprint_to_string (const McDtlsFingerprint *fp);
/* Whether the PEM certificate (as GStreamer's DTLS elements report the
 * other side's) has that fingerprint; MC_DTLS_CERT_ERROR_MISMATCH gives
 * both, MC_DTLS_CERT_ERROR_INVALID a PEM that is not a certificate. */
gboolean mc_dtls_fingerprint_matches (const McDtlsFingerprint *fp, const char *cert_pem, GError **error);

/* ---- the store ---- */

/* Where the certificate comes from in this run. */
typedef enum {
  MC_DTLS_CERT_REUSED,     /* the saved one */
  MC_DTLS_CERT_CREATED,    /* none saved, or the saved one was due: a new one, saved */
  MC_DTLS_CERT_REPLACED,   /* the saved one was unusable: a new one, saved (warning says why) */
  MC_DTLS_CERT_IN_MEMORY,  /* no directory (or it cannot be used): a new one for this run only */
} McDtlsCertSource;

const char *mc_dtls_cert_source_to_string (McDtlsCertSource source);

typedef struct {
  McDtlsCertSource source;
  char *path;       /* the file, or NULL without a directory */
  char *warning;    /* for the user, naming the file: why it was replaced or not saved; or NULL */
  char *note;       /* for the log: e.g. that a due certificate was rotated; or NULL */
} McDtlsCertReport;

void mc_dtls_cert_report_clear (McDtlsCertReport *report);

/* The directory meshcall keeps its state in, by the first that is set:
 * $STATE_DIRECTORY (systemd's StateDirectory=; its first entry),
 * $XDG_STATE_HOME/meshcall, ~/.local/state/meshcall. */
char *mc_dtls_cert_default_dir (void);

/* The certificate of STATE_DIR (NULL: in memory only, no file), made or
 * replaced as the comment at the top says. NULL (with `error`) only when
 * OpenSSL cannot make a certificate at all. */
McDtlsCert *mc_dtls_cert_load (const char *state_dir, gint64 now_s, McDtlsCertReport *report, GError **error);

G_END_DECLS

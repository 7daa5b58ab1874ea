/* McPeer's DTLS certificates on webrtcbin 1.22 (docs/architecture.md, "DTLS
 * certificates on webrtcbin 1.22"). 1.22 has no API for a certificate of
 * one's own and does not check the other side's, so:
 *
 *  - every dtlssrtpdec webrtcbin makes gets the certificate as its "pem"
 *    when it is added to the bin (deep-element-added), before its DTLS
 *    connection is used;
 *  - webrtcbin then writes a wrong a=fingerprint (it hashes the whole "pem",
 *    key included), so each description we create gets the certificate's own;
 *  - the plugin still makes a default agent at the first dtlsdec of the
 *    process, with an RSA-2048 key (0.1-1.2 s, the largest cost of a join
 *    before this). It gets a key that costs nothing and cannot sign (see
 *    inert_keygen); no connection uses that agent;
 *  - the certificate the other side shows in the handshake must be the one
 *    its SDP names (as browsers require), or the peer fails: someone between
 *    us would otherwise be invisible. */
#define OPENSSL_SUPPRESS_DEPRECATED   /* RSA_METHOD, the only hook into the plugin's RSA_generate_key_ex */
#include "peer_private.h"

#include "meshcall/base/log.h"
#include "meshcall/peer/dtls_cert.h"
#include "meshcall/peer/peer_sdp.h"

#include <openssl/bn.h>
#include <openssl/rsa.h>

#define MC_LOG_CATEGORY (&mc_log_media)

/* ---- the plugin's default agent ------------------------------------------- */

/* The thread making the default agent, while it does: the next 2048-bit key
 * generation on that thread is the agent's. */
static GThread *keygen_armed;

/* Any other RSA key generation in the process: the real thing. */
static int
real_keygen (RSA *rsa, int bits, int primes, BIGNUM *e, BN_GENCB *cb)
{
  if (RSA_set_method (rsa, RSA_PKCS1_OpenSSL ()) != 1)
    return 0;
  return RSA_generate_multi_prime_key (rsa, bits, primes, e, cb);
}

/* The default agent's key: a random odd 2048-bit modulus and a random
 * exponent. It is not a key pair (nobody knows a factorisation), so it
 * costs no prime search, and nothing it signs verifies: were a connection
 * ever to use the default agent, its handshake would fail rather than show
 * peers a certificate the SDP does not name. */
static int
inert_keygen (RSA *rsa, int bits, BIGNUM *e, BN_GENCB *cb)
{
  BIGNUM *n, *d, *e_copy;

  if (bits != 2048 || !BN_is_word (e, RSA_F4) || !g_atomic_pointer_compare_and_exchange (&keygen_armed, g_thread_self (), NULL))
    return real_keygen (rsa, bits, 2, e, cb);
  n = BN_new ();
  d = BN_new ();
  e_copy = BN_dup (e);
  if (n && d && e_copy && BN_rand (n, bits, BN_RAND_TOP_ONE, BN_RAND_BOTTOM_ODD) == 1 && BN_rand_range (d, n) == 1 &&
      RSA_set0_key (rsa, n, e_copy, d) == 1)
    return 1;
  BN_free (n);
  BN_free (d);
  BN_free (e_copy);
  return 0;
}

static int
multi_prime_keygen (RSA *rsa, int bits, int primes, BIGNUM *e, BN_GENCB *cb)
{
  return real_keygen (rsa, bits, primes, e, cb);
}

/* Makes the plugin's default agent now, with the inert key. RSA objects take
 * the default method when they are made, so it is ours only while the
 * first dtlsdec is made (synchronously, on this thread); a key generated on
 * any other thread, or later, is generated for real. */
static void
make_default_agent (void)
{
  static RSA_METHOD *method;   /* never freed: RSA objects keep a pointer to it */
  const RSA_METHOD *previous = RSA_get_default_method ();
  GstElement *dtlsdec;
  gint64 start = g_get_monotonic_time ();

  method = RSA_meth_dup (RSA_PKCS1_OpenSSL ());
  if (method == NULL || RSA_meth_set1_name (method, "meshcall inert default agent") != 1 ||
      RSA_meth_set_keygen (method, inert_keygen) != 1 ||
      RSA_meth_set_multi_prime_keygen (method, multi_prime_keygen) != 1) {
    MC_WARNING ("cannot hook the DTLS plugin's key generation; the first call waits for an RSA key");
    return;
  }
  g_atomic_pointer_set (&keygen_armed, g_thread_self ());
  RSA_set_default_method (method);
  dtlsdec = gst_element_factory_make ("dtlsdec", NULL);
  RSA_set_default_method (previous);
  if (g_atomic_pointer_compare_and_exchange (&keygen_armed, g_thread_self (), NULL))
    MC_INFO ("the DTLS plugin's default agent existed already (its key was generated for real)");
  g_clear_pointer (&dtlsdec, gst_object_unref);
  MC_INFO ("DTLS plugin ready in %.3f s", (g_get_monotonic_time () - start) / 1e6);
}

void
peer_dtls_prepare (void)
{
  static gsize once;

  if (g_once_init_enter (&once)) {
    make_default_agent ();
    g_once_init_leave (&once, 1);
  }
}

/* ---- the peer's certificate ----------------------------------------------- */

/* Peers given none share one made for this process. */
static McDtlsCert *
process_certificate (GError **error)
{
  static McDtlsCert *cert;
  static gsize once;
  static char *failure;

  if (g_once_init_enter (&once)) {
    g_autoptr (GError) local = NULL;
    cert = mc_dtls_cert_generate (g_get_real_time () / G_USEC_PER_SEC, &local);
    if (cert == NULL)
      failure = g_strdup (local->message);
    g_once_init_leave (&once, 1);
  }
  if (cert == NULL)
    g_set_error (error, MC_DTLS_CERT_ERROR, MC_DTLS_CERT_ERROR_CRYPTO, "%s", failure);
  return cert;
}

/* ---- their certificate --------------------------------------------------- */

typedef struct {
  McPeer *peer;
  char *pem;
} TheirCertificate;

static void
their_certificate_free (TheirCertificate *c)
{
  peer_unref (c->peer);
  g_free (c->pem);
  g_free (c);
}

/* The peer's context: their description is in force by now (the handshake
 * follows ICE, which needs their credentials). */
static gboolean
check_their_certificate (gpointer data)
{
  TheirCertificate *c = data;
  McPeer *peer = c->peer;
  g_autoptr (GstSDPMessage) remote = NULL;
  g_autoptr (GError) error = NULL;
  const char *named;
  McDtlsFingerprint fp;

  if (peer_is_closed (peer))
    return G_SOURCE_REMOVE;
  remote = peer_get_description (peer, "remote-description");
  named = remote ? mc_peer_sdp_get_fingerprint (remote) : NULL;
  if (named == NULL)
    g_set_error (&error, MC_DTLS_CERT_ERROR, MC_DTLS_CERT_ERROR_MISMATCH, "no fingerprint of theirs to check it by");
  else if (mc_dtls_fingerprint_parse (named, -1, &fp, &error))
    mc_dtls_fingerprint_matches (&fp, c->pem, &error);
  if (error) {
    g_autofree char *reason = g_strdup_printf ("the DTLS certificate they showed is not the one their description "
                                               "names, so someone between us may be in the call (%s)",
                                               error->message);
    peer_fail (peer, MC_PEER_FAILURE_PROTOCOL, reason);
  } else {
    MC_DEBUG ("peer %s: their DTLS certificate is the one their description names (%s)", peer->remote_id, named);
  }
  return G_SOURCE_REMOVE;
}

/* The DTLS thread, in the handshake: checked from the peer's context. */
static void
on_their_certificate (GObject *dtlssrtpdec, GParamSpec *pspec, gpointer user_data)
{
  McPeer *peer = user_data;
  TheirCertificate *c;
  GSource *source;

  if (peer_is_closed (peer))
    return;
  c = g_new0 (TheirCertificate, 1);
  g_object_get (dtlssrtpdec, "peer-pem", &c->pem, NULL);
  if (c->pem == NULL) {
    g_free (c);
    return;
  }
  c->peer = peer_ref (peer);
  source = g_idle_source_new ();
  g_source_set_callback (source, check_their_certificate, c, (GDestroyNotify) their_certificate_free);
  g_source_attach (source, peer->context);
  g_source_unref (source);
}

/* ---- ours, on webrtcbin ---------------------------------------------------- */

/* webrtcbin's thread, as it builds a transport: before its DTLS connection
 * is used. The dtlssrtpdec lives inside the peer's pipeline, which is at
 * NULL (no handshakes) before the peer is freed. */
static void
on_deep_element_added (GstBin *bin, GstBin *sub_bin, GstElement *element, gpointer user_data)
{
  McPeer *peer = user_data;
  GstElementFactory *factory = gst_element_get_factory (element);

  if (factory && g_str_equal (GST_OBJECT_NAME (factory), "dtlssrtpdec")) {
    MC_DEBUG ("peer %s: DTLS certificate %s on %s", peer->remote_id, mc_dtls_cert_get_fingerprint (peer->settings.dtls_cert),
              GST_OBJECT_NAME (element));
    g_object_set (element, "pem", mc_dtls_cert_get_pem (peer->settings.dtls_cert), NULL);
    g_signal_connect (element, "notify::peer-pem", G_CALLBACK (on_their_certificate), peer);
  }
}

gboolean
peer_dtls_attach (McPeer *peer, GError **error)
{
  McDtlsCert *shared;

  peer_dtls_prepare ();
  if (peer->settings.dtls_cert == NULL) {
    if ((shared = process_certificate (error)) == NULL)
      return FALSE;
    peer->settings.dtls_cert = mc_dtls_cert_ref (shared);   /* the peer's own settings: cleared with them */
  }
  g_signal_connect (peer->webrtc, "deep-element-added", G_CALLBACK (on_deep_element_added), peer);
  return TRUE;
}

static void
set_fingerprints (GArray *attributes, const char *fingerprint,
                  void (*replace) (gpointer owner, guint index, GstSDPAttribute *attr), gpointer owner)
{
  for (guint i = 0; attributes && i < attributes->len; i++) {
    const GstSDPAttribute *a = &g_array_index (attributes, GstSDPAttribute, i);
    if (g_strcmp0 (a->key, "fingerprint") == 0) {
      GstSDPAttribute fixed;
      gst_sdp_attribute_set (&fixed, "fingerprint", fingerprint);
      replace (owner, i, &fixed);
    }
  }
}

static void
replace_session_attribute (gpointer sdp, guint index, GstSDPAttribute *attr)
{
  gst_sdp_message_replace_attribute (sdp, index, attr);
}

static void
replace_media_attribute (gpointer media, guint index, GstSDPAttribute *attr)
{
  gst_sdp_media_replace_attribute (media, index, attr);
}

void
peer_dtls_fix_description (McPeer *peer, GstSDPMessage *sdp)
{
  const char *fingerprint = mc_dtls_cert_get_fingerprint (peer->settings.dtls_cert);

  set_fingerprints (sdp->attributes, fingerprint, replace_session_attribute, sdp);
  for (guint i = 0; i < gst_sdp_message_medias_len (sdp); i++) {
    GstSDPMedia *media = (GstSDPMedia *) gst_sdp_message_get_media (sdp, i);
    set_fingerprints (media->attributes, fingerprint, replace_media_attribute, media);
  }
}

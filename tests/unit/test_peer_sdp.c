/* SDP and candidate validation: what a bad peer sends is rejected with a
 * message that says what was wrong; what browsers and webrtcbin send passes. */
#include "meshcall/base/log.h"
#include "meshcall/peer/peer.h"
#include "meshcall/peer/peer_sdp.h"
#include "corpus.h"

#include <string.h>

/* A fingerprint of the right length (RFC 8122; mc_dtls_fingerprint_parse). */
#define FINGERPRINT "sha-256 9E:4D:4A:F6:FC:C0:2E:F1:4B:A2:2A:5C:D6:24:DD:0C:1E:B0:41:34:D9:1C:C4:2A:51:09:F2:86:19:87:15:A4"

#define GOOD_SDP                                                                                         \
  "v=0\r\no=- 1 0 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0 1\r\n"                          \
  "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=ice-ufrag:abcd\r\na=ice-pwd:0123456789abcdef0123\r\n" \
  "a=fingerprint:" FINGERPRINT "\r\na=setup:actpass\r\na=mid:0\r\na=sendrecv\r\na=rtpmap:111 opus/48000/2\r\n" \
  "a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01\r\n"          \
  "a=ssrc:1111 cname:x\r\n"                                                                           \
  "m=video 9 UDP/TLS/RTP/SAVPF 120 126 97\r\nc=IN IP4 0.0.0.0\r\na=ice-ufrag:abcd\r\na=ice-pwd:0123456789abcdef0123\r\n" \
  "a=fingerprint:" FINGERPRINT "\r\na=setup:actpass\r\na=mid:1\r\na=recvonly\r\na=rtpmap:120 VP8/90000\r\n" \
  "a=rtpmap:126 H264/90000\r\na=fmtp:126 profile-level-id=42e01f;level-asymmetry-allowed=1;packetization-mode=1\r\n" \
  "a=rtpmap:97 H264/90000\r\na=fmtp:97 profile-level-id=42e01f;packetization-mode=0\r\n" \
  "a=ssrc-group:FID 2222 3333\r\n"

static void
test_good_sdp (void)
{
  g_autoptr (GError) error = NULL;
  GstSDPMessage *sdp;
  GHashTable *kinds;

  g_assert_true (mc_peer_validate_sdp (GOOD_SDP, "offer", &error));
  g_assert_no_error (error);
  sdp = mc_peer_sdp_parse (GOOD_SDP, &error);
  g_assert_nonnull (sdp);
  g_assert_cmpint (mc_peer_sdp_find_media (sdp, "video"), ==, 1);
  g_assert_cmpint (mc_peer_sdp_find_payload (gst_sdp_message_get_media (sdp, 1), "VP8"), ==, 120);
  g_assert_cmpint (mc_peer_sdp_find_payload (gst_sdp_message_get_media (sdp, 1), "H264"), ==, 126);
  g_assert_cmpint (mc_peer_sdp_find_payload (gst_sdp_message_get_media (sdp, 0), "OPUS"), ==, 111);
  g_assert_cmpuint (mc_peer_sdp_twcc_id (gst_sdp_message_get_media (sdp, 0)), ==, 3);
  g_assert_cmpuint (mc_peer_sdp_twcc_id (gst_sdp_message_get_media (sdp, 1)), ==, 0);
  g_assert_cmpstr (mc_peer_sdp_get_mid (sdp, 1), ==, "1");
  g_assert_cmpint (mc_peer_sdp_mline_of_mid (sdp, "1"), ==, 1);
  g_assert_true (mc_peer_sdp_remote_sends (gst_sdp_message_get_media (sdp, 0)));
  g_assert_false (mc_peer_sdp_remote_sends (gst_sdp_message_get_media (sdp, 1)));
  kinds = mc_peer_sdp_ssrc_kinds (sdp);
  g_assert_cmpstr (g_hash_table_lookup (kinds, GUINT_TO_POINTER (1111)), ==, "audio");
  g_assert_cmpstr (g_hash_table_lookup (kinds, GUINT_TO_POINTER (3333)), ==, "video");
  g_hash_table_unref (kinds);
  gst_sdp_message_free (sdp);
}

/* SSRC lines a remote controls, run through the stats' look-up: a bare
 * "a=ssrc-group" once made it read past the end of its word list. */
static void
test_ssrc_kinds_hostile (void)
{
  static const char sdp_text[] =
    "v=0\r\ns=-\r\nt=0 0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\n"
    "a=ssrc-group\r\na=ssrc-group:FID\r\na=ssrc-group:FID  7\r\na=ssrc:\r\na=ssrc:abc\r\n"
    "a=ssrc:99999999999 cname:x\r\na=ssrc:4294967295 cname:y\r\na=ssrc-group:FID 12x 13\r\n";
  g_autoptr (GError) error = NULL;
  GstSDPMessage *sdp = mc_peer_sdp_parse (sdp_text, &error);
  GHashTable *kinds;

  g_assert_no_error (error);
  kinds = mc_peer_sdp_ssrc_kinds (sdp);
  g_assert_cmpuint (g_hash_table_size (kinds), ==, 3);
  g_assert_cmpstr (g_hash_table_lookup (kinds, GUINT_TO_POINTER (7)), ==, "video");
  g_assert_cmpstr (g_hash_table_lookup (kinds, GUINT_TO_POINTER (4294967295u)), ==, "video");
  g_assert_cmpstr (g_hash_table_lookup (kinds, GUINT_TO_POINTER (13)), ==, "video");
  g_hash_table_unref (kinds);
  gst_sdp_message_free (sdp);
}

/* Payload types are 0..127 written as digits; anything else names none. */
static void
test_payload_types_strict (void)
{
  static const char sdp_text[] =
    "v=0\r\ns=-\r\nt=0 0\r\nm=video 9 UDP/TLS/RTP/SAVPF 300 96x 4294967392 97\r\n"
    "a=rtpmap:300 VP8/90000\r\na=rtpmap:96x VP8/90000\r\na=rtpmap:4294967392 VP8/90000\r\n"
    "a=rtpmap:97 VP8/90000\r\n";
  g_autoptr (GError) error = NULL;
  GstSDPMessage *sdp = mc_peer_sdp_parse (sdp_text, &error);

  g_assert_no_error (error);
  g_assert_cmpint (mc_peer_sdp_find_payload (gst_sdp_message_get_media (sdp, 0), "VP8"), ==, 97);
  gst_sdp_message_free (sdp);
}

static void
test_bad_sdp (void)
{
  static const struct {
    const char *sdp;
    const char *says;
  } cases[] = {
    { "", "does not start with 'v='" },
    { "hello", "does not start with 'v='" },
    { "v=0\r\nthis is not SDP\r\n", "no m= sections" },
    { "v=1\r\no=- 1 0 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=video 9 RTP/AVP 96\r\n", "version is not 0" },
    { "v=0\r\no=- 1 0 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=rtpmap:96 VP8/90000\r\n",
      "no ICE credentials" },
    { "v=0\r\ns=-\r\nt=0 0\r\na=ice-ufrag:a\r\na=ice-pwd:b\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=rtpmap:96 VP8/90000\r\n",
      "no DTLS fingerprint" },
    { "v=0\r\ns=-\r\nt=0 0\r\na=ice-ufrag:a\r\na=ice-pwd:b\r\na=fingerprint:" FINGERPRINT "\r\n"
      "m=video 9 UDP/TLS/RTP/SAVPF 98\r\na=rtpmap:98 VP9/90000\r\n", "neither VP8 nor H264" },
    { "v=0\r\ns=-\r\nt=0 0\r\na=ice-ufrag:a\r\na=ice-pwd:b\r\na=fingerprint:" FINGERPRINT "\r\n"
      "m=audio 9 UDP/TLS/RTP/SAVPF 0\r\na=rtpmap:0 PCMU/8000\r\n", "no Opus" },
    { "v=0\r\ns=-\r\nt=0 0\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n", "no active audio or video" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr (GError) error = NULL;
    g_assert_false (mc_peer_validate_sdp (cases[i].sdp, "offer", &error));
    g_assert_nonnull (error);
    if (strstr (error->message, cases[i].says) == NULL)
      g_error ("case %zu: '%s' does not say '%s'", i, error->message, cases[i].says);
  }
}

static void
test_candidates (void)
{
  static const char *good[] = {
    "",
    "candidate:1 1 UDP 2015363327 127.0.0.1 41234 typ host",
    "a=candidate:1 1 UDP 2015363327 127.0.0.1 41234 typ host",
    "candidate:842163049 1 udp 1677729535 203.0.113.7 53521 typ srflx raddr 0.0.0.0 rport 0 generation 0",
    "candidate:2 1 tcp 1518280447 192.168.1.2 9 typ host tcptype active",
    "candidate:3 1 udp 2122260223 4f7a2b0e-1234-4c1d-9e0f-abcdefabcdef.local 56789 typ host",
    "candidate:4 1 udp 2122260223 fe80::1 56789 typ host",
  };
  static const char *bad[] = {
    "candidate:garbage here",
    "hello",
    "candidate:1 1 UDP 99 999.1.1.1 99999 typ host",
    "candidate:1 0 UDP 1 127.0.0.1 5000 typ host",
    "candidate:1 1 SCTP 1 127.0.0.1 5000 typ host",
    "candidate:1 1 UDP 1 127.0.0.1 5000 typ nope",
    "candidate:1 1 UDP 1 127.0.0.1 5000 type host",
    "candidate:1 1 UDP 1 bad_host! 5000 typ host",
    "candidate:1 1 UDP 1 127.0.0.1 5000 typ host\x01",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (good); i++) {
    g_autoptr (GError) error = NULL;
    if (!mc_peer_validate_candidate (good[i], &error))
      g_error ("rejected good candidate '%s': %s", good[i], error->message);
  }
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++) {
    g_autoptr (GError) error = NULL;
    if (mc_peer_validate_candidate (bad[i], &error))
      g_error ("accepted bad candidate '%s'", bad[i]);
    g_assert_true (g_str_has_prefix (error->message, "candidate:"));
  }
  g_assert_false (mc_peer_validate_candidate (NULL, NULL));
}

/* fuzz/corpora/fuzz_sdp/ holds the fuzzer's seeds of both kinds; a name
 * says the kind and the verdict: good-sdp-*, bad-sdp-*, good-cand-*,
 * bad-cand-* (see fuzz/fuzz_sdp.c). Every file must get its verdict, and
 * the other check must refuse it (no file passes as both). */
static gboolean
check_sdp (const char *text, GError **error)
{
  g_autoptr (GError) as_answer = NULL;
  gboolean offer = mc_peer_validate_sdp (text, "offer", error);

  g_assert_cmpint (offer, ==, mc_peer_validate_sdp (text, "answer", &as_answer));
  return offer;
}

static guint counts[2][2];   /* [sdp, cand][bad, good] */

static gboolean
corpus_verdict (const char *name, const char *data, gsize len, GError **error)
{
  g_auto (GStrv) parts = g_strsplit (name, "-", 3);
  gboolean sdp, ok;

  g_assert_cmpuint (g_strv_length (parts), ==, 3);
  g_assert_true (g_str_equal (parts[1], "sdp") || g_str_equal (parts[1], "cand"));
  sdp = g_str_equal (parts[1], "sdp");
  ok = sdp ? check_sdp (data, error) : mc_peer_validate_candidate (data, error);
  if (!ok)
    g_assert_true (*error != NULL && (*error)->domain == MC_SDP_ERROR);
  /* No file passes as both kinds. */
  g_assert_false (sdp ? mc_peer_validate_candidate (data, NULL) : check_sdp (data, NULL));
  counts[sdp ? 0 : 1][g_str_equal (parts[0], "good")]++;
  return ok;
}

static void
test_corpus (void)
{
  mc_test_check_corpus ("fuzz_sdp", 32, corpus_verdict);
  for (guint k = 0; k < 2; k++)
    for (guint v = 0; v < 2; v++)
      g_assert_cmpuint (counts[k][v], >=, 8);
}

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  mc_log_init ();
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/peer/sdp/good", test_good_sdp);
  g_test_add_func ("/peer/sdp/bad", test_bad_sdp);
  g_test_add_func ("/peer/sdp/ssrc-kinds-hostile", test_ssrc_kinds_hostile);
  g_test_add_func ("/peer/sdp/payload-types-strict", test_payload_types_strict);
  g_test_add_func ("/peer/candidates", test_candidates);
  g_test_add_func ("/peer/sdp/corpus", test_corpus);
  return g_test_run ();
}

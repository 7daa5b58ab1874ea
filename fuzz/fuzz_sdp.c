/* libFuzzer target for the SDP and ICE-candidate checks (peer/peer_sdp.h),
 * the boundary where a remote's description or candidate enters the peer
 * (the signal decoder has checked only its JSON shape).
 *
 * Every input, up to its first NUL (the checks take C strings), is checked
 * as an offer, as an answer and as a candidate, from a heap copy of exactly
 * its length so ASan sees any read past it. Whatever parses as SDP goes
 * through every look-up the peer and the stats use. Any broken rule aborts:
 *   - a rejection is MC_SDP_ERROR with a readable message (non-empty,
 *     UTF-8, no control characters, bounded);
 *   - offer and answer get the same verdict (the type only names the
 *     description in the message), and an accepted SDP parses;
 *   - an accepted candidate is "", or printable ASCII starting with
 *     "candidate:" (or "a=candidate:"), and stays accepted with "a=";
 *   - look-ups answer within the session: an m-line of the kind asked, a
 *     payload type (0..127) among the m-line's formats, a TWCC id 1..14,
 *     mids that lead back to their m-line, SSRC kinds "audio"/"video".
 *
 * Seed corpus fuzz/corpora/fuzz_sdp/: one corpus for both kinds of input,
 * told apart by the file name, which also gives the verdict the file must
 * get: good-sdp-*, bad-sdp-* (a description: mc_peer_validate_sdp) and
 * good-cand-*, bad-cand-* (a candidate attribute: mc_peer_validate_candidate;
 * no trailing newline, which is a control byte). tests/unit/test_peer_sdp.c
 * checks every file's verdict. The fuzzer itself does not need the name: it
 * feeds every input to both checks, so mutations cross over freely. */
#include "meshcall/peer/peer.h"
#include "meshcall/peer/peer_sdp.h"
#include "fuzz_common.h"


/* A broken rule aborts through g_assert_true(), which names it and where. */


/* A rejection says what was wrong in a line a user can read. */
static void
check_refusal (const GError *error)
{
  CHECK (error != NULL && error->domain == MC_SDP_ERROR);
  CHECK (error->code >= MC_SDP_ERROR_INVALID && error->code <= MC_SDP_ERROR_CANDIDATE);
  CHECK (error->message != NULL && error->message[0] != '\0' && strlen (error->message) < 2048);
  CHECK (g_utf8_validate (error->message, -1, NULL));
  for (const char *p = error->message; *p; p++)
    CHECK ((guchar) *p >= 0x20 && (guchar) *p != 0x7f);
}

static gboolean
validate_sdp (const char *text, const char *type)
{
  g_autoptr (GError) error = NULL;
  gboolean ok = mc_peer_validate_sdp (text, type, &error);

  if (ok)
    CHECK (error == NULL);
  else
    check_refusal (error);
  return ok;
}

static void
check_payload (const GstSDPMedia *media, const char *encoding)
{
  int pt = mc_peer_sdp_find_payload (media, encoding);
  gboolean listed = FALSE;

  if (pt < 0) {
    CHECK (pt == -1);
    return;
  }
  CHECK (pt <= 127);
  for (guint i = 0; i < gst_sdp_media_formats_len (media); i++) {
    const char *fmt = gst_sdp_media_get_format (media, i);
    listed = listed || (fmt && g_ascii_strtoll (fmt, NULL, 10) == pt);
  }
  CHECK (listed);
}

static void
check_kind (const GstSDPMessage *sdp, const char *kind)
{
  int i = mc_peer_sdp_find_media (sdp, kind);

  if (i < 0) {
    CHECK (i == -1);
    return;
  }
  CHECK ((guint) i < gst_sdp_message_medias_len (sdp));
  CHECK (g_strcmp0 (gst_sdp_media_get_media (gst_sdp_message_get_media (sdp, (guint) i)), kind) == 0);
}

static void
ssrc_kind_ok (gpointer key, gpointer value, gpointer data)
{
  CHECK (g_strcmp0 (value, "audio") == 0 || g_strcmp0 (value, "video") == 0);
}

/* The look-ups on whatever GStreamer's parser takes, valid for us or not. */
static void
check_lookups (const GstSDPMessage *sdp)
{
  guint n = gst_sdp_message_medias_len (sdp);
  GHashTable *kinds;

  check_kind (sdp, "video");
  check_kind (sdp, "audio");
  check_kind (sdp, "application");
  CHECK (mc_peer_sdp_get_mid (sdp, n) == NULL);
  CHECK (mc_peer_sdp_get_mid (sdp, G_MAXUINT) == NULL);
  for (guint i = 0; i < n; i++) {
    const GstSDPMedia *media = gst_sdp_message_get_media (sdp, i);
    const char *mid = mc_peer_sdp_get_mid (sdp, i);
    guint twcc = mc_peer_sdp_twcc_id (media);

    check_payload (media, "VP8");
    check_payload (media, "H264");
    check_payload (media, "OPUS");
    CHECK (twcc <= 14);
    if (mid != NULL) {
      int back = mc_peer_sdp_mline_of_mid (sdp, mid);
      CHECK (back >= 0 && (guint) back <= i);   /* the first m-line with that mid */
    }
    (void) mc_peer_sdp_remote_sends (media);
  }
  kinds = mc_peer_sdp_ssrc_kinds (sdp);
  g_hash_table_foreach (kinds, ssrc_kind_ok, NULL);
  g_hash_table_unref (kinds);
}

static void
check_candidate (const char *text)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *prefixed = NULL;

  if (!mc_peer_validate_candidate (text, &error)) {
    check_refusal (error);
    CHECK (error->code == MC_SDP_ERROR_CANDIDATE);
    CHECK (g_str_has_prefix (error->message, "candidate:"));
    return;
  }
  CHECK (error == NULL);
  if (text[0] == '\0')
    return;
  CHECK (g_str_has_prefix (text, "candidate:") || g_str_has_prefix (text, "a=candidate:"));
  for (const char *p = text; *p; p++)
    CHECK ((guchar) *p >= 0x20 && (guchar) *p <= 0x7e);
  if (!g_str_has_prefix (text, "a=")) {
    prefixed = g_strconcat ("a=", text, NULL);
    CHECK (mc_peer_validate_candidate (prefixed, NULL));
  }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  /* Exactly the input's bytes and a NUL: a read past them is an ASan report. */
  g_autofree char *text = g_malloc (size + 1);
  g_autoptr (GError) error = NULL;
  GstSDPMessage *sdp;
  gboolean offer_ok, answer_ok;

  memcpy (text, data, size);
  text[size] = '\0';

  offer_ok = validate_sdp (text, "offer");
  answer_ok = validate_sdp (text, "answer");
  CHECK (offer_ok == answer_ok);
  sdp = mc_peer_sdp_parse (text, &error);
  if (sdp == NULL) {
    CHECK (!offer_ok);
    check_refusal (error);
    CHECK (error->code == MC_SDP_ERROR_INVALID);
  } else {
    check_lookups (sdp);
    gst_sdp_message_free (sdp);
  }
  check_candidate (text);
  return 0;
}

/* McPeer's send side: per kind an appsrc (fed by McCapture once connected)
 * ! RTP payloader ! capsfilter (payload type, SSRC, TWCC extmap) ! webrtcbin,
 * with the transceiver's codec preferences; or a receive-only transceiver
 * when there is nothing of that kind to send. Built once per peer, on the
 * peer's context, before the first offer is created or taken. */
#include "peer_private.h"

#include "meshcall/base/log.h"
#include "meshcall/media/pipelines.h"
#include "meshcall/peer/peer_sdp.h"

#include <gst/app/gstappsrc.h>

#define MC_LOG_CATEGORY (&mc_log_media)

#define DEFAULT_VIDEO_PT 96
#define DEFAULT_AUDIO_PT 111
#define DEFAULT_TWCC_ID 1
#define DEFAULT_RECV_H264_PT 102

typedef struct {
  gboolean video, audio;     /* which kinds the session has */
  int video_pt, audio_pt;
  guint video_twcc, audio_twcc;
  gboolean answering;        /* built for their offer (else for ours) */
  int recv_vp8_pt, recv_h264_pt;   /* video we only receive: either codec (-1: not in their offer) */
} SendParams;

static gboolean
sends_h264 (McPeer *peer)
{
  return peer->capture && mc_capture_get_codec (peer->capture) == MC_VIDEO_CODEC_H264;
}

static GstCaps *
rtp_caps (McPeer *peer, gboolean video, int pt, guint twcc)
{
  GstCaps *caps;

  if (video && sends_h264 (peer))
    caps = gst_caps_new_simple ("application/x-rtp", "media", G_TYPE_STRING, "video", "encoding-name",
                                G_TYPE_STRING, "H264", "payload", G_TYPE_INT, pt, "clock-rate", G_TYPE_INT, 90000,
                                "packetization-mode", G_TYPE_STRING, "1", "profile-level-id", G_TYPE_STRING,
                                "42e01f", "level-asymmetry-allowed", G_TYPE_STRING, "1", NULL);
  else if (video)
    caps = gst_caps_new_simple ("application/x-rtp", "media", G_TYPE_STRING, "video", "encoding-name",
                                G_TYPE_STRING, "VP8", "payload", G_TYPE_INT, pt, "clock-rate", G_TYPE_INT, 90000,
                                NULL);
  else
    caps = gst_caps_new_simple ("application/x-rtp", "media", G_TYPE_STRING, "audio", "encoding-name",
                                G_TYPE_STRING, "OPUS", "payload", G_TYPE_INT, pt, "clock-rate", G_TYPE_INT, 48000,
                                "encoding-params", G_TYPE_STRING, "2", "minptime", G_TYPE_STRING, "10",
                                "useinbandfec", G_TYPE_STRING, "1", NULL);
  if (twcc > 0) {
    g_autofree char *field = g_strdup_printf ("extmap-%u", twcc);
    gst_caps_set_simple (caps, field, G_TYPE_STRING, MC_PEER_SDP_TWCC_URI, NULL);
  }
  return caps;
}

/* Payloader and caps filter settings of one branch. `caps` gains the SSRC. */
static void
configure_payloader (GstElement *pay, GstElement *filter, GstCaps *caps, gboolean video, gboolean h264, int pt)
{
  /* A fixed SSRC in the codec preferences puts a=ssrc/msid lines in the SDP
   * for both kinds before any media flowed, so browsers put our audio and
   * video in one MediaStream (lip sync). */
  guint32 ssrc = g_random_int ();

  gst_caps_set_simple (caps, "ssrc", G_TYPE_UINT, ssrc, NULL);
  g_object_set (pay, "pt", (guint) pt, "mtu", (guint) 1200, "ssrc", ssrc, NULL);
  if (video && !h264)
    g_object_set (pay, "picture-id-mode", 2 /* 15-bit */, NULL);
  if (h264) {
    gst_util_set_object_arg (G_OBJECT (pay), "aggregate-mode", "zero-latency");
    g_object_set (pay, "config-interval", -1, NULL);
    /* The payloader takes profile-level-id from the encoder's SPS; the SDP
     * (codec preferences) announces constrained baseline 3.1. */
    g_autoptr (GstCaps) filter_caps = gst_caps_copy (caps);
    gst_structure_remove_fields (gst_caps_get_structure (filter_caps, 0), "profile-level-id",
                                 "level-asymmetry-allowed", NULL);
    g_object_set (filter, "caps", filter_caps, NULL);
  } else {
    g_object_set (filter, "caps", caps, NULL);
  }
}

/* Links the filter to a new webrtcbin sink pad and sets its transceiver. */
static gboolean
link_to_webrtc (McPeer *peer, GstElement *filter, GstCaps *caps, gboolean video, gboolean h264, gboolean answering,
                GError **error)
{
  g_autoptr (GstPad) srcpad = gst_element_get_static_pad (filter, "src");
  g_autoptr (GstPad) sinkpad = gst_element_request_pad_simple (peer->webrtc, "sink_%u");
  g_autofree char *msid = NULL;
  GstWebRTCRTPTransceiver *trans = NULL;

  if (sinkpad == NULL || gst_pad_link (srcpad, sinkpad) != GST_PAD_LINK_OK) {
    g_set_error (error, MC_PIPELINES_ERROR, MC_PIPELINES_ERROR_LINK, "could not link the %s send branch to webrtcbin",
                 video ? "video" : "audio");
    return FALSE;
  }
  /* One stream id for both kinds, made of token characters only (RFC 8830). */
  msid = g_strdup_printf ("meshcall-%s", peer->local_id ? peer->local_id : "peer");
  g_object_set (sinkpad, "msid", msid, NULL);
  if (h264 && answering) {
    /* Answering: webrtcbin 1.22 copies level-asymmetry-allowed from the
     * offer and from our preferences, writing it twice into the fmtp line. */
    gst_structure_remove_field (gst_caps_get_structure (caps, 0), "level-asymmetry-allowed");
  }
  g_object_get (sinkpad, "transceiver", &trans, NULL);
  if (trans != NULL) {
    g_object_set (trans, "codec-preferences", caps, "direction", GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_SENDRECV,
                  NULL);
    gst_object_unref (trans);
  }
  return TRUE;
}

static gboolean
build_branch (McPeer *peer, gboolean video, int pt, guint twcc, gboolean answering, GError **error)
{
  g_autoptr (GstCaps) caps = rtp_caps (peer, video, pt, twcc);
  gboolean sending = peer->capture && (video ? mc_capture_has_video (peer->capture)
                                             : mc_capture_has_audio (peer->capture));
  gboolean h264 = video && sends_h264 (peer);
  g_autoptr (GstCaps) enc_caps = NULL;
  g_autoptr (GstPad) paypad = NULL;
  GstElement *src, *pay, *filter;

  if (!sending) {
    /* Nothing to send of this kind: still receive it. */
    GstWebRTCRTPTransceiver *trans = NULL;
    g_signal_emit_by_name (peer->webrtc, "add-transceiver", GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_RECVONLY, caps,
                           &trans);
    g_clear_object (&trans);
    return TRUE;
  }
  src = gst_element_factory_make ("appsrc", video ? "videosrc" : "audiosrc");
  pay = gst_element_factory_make (video ? (h264 ? "rtph264pay" : "rtpvp8pay") : "rtpopuspay", NULL);
  filter = gst_element_factory_make ("capsfilter", NULL);
  if (src == NULL || pay == NULL || filter == NULL) {
    g_set_error (error, MC_PIPELINES_ERROR, MC_PIPELINES_ERROR_MISSING_ELEMENT,
                 "missing GStreamer element (appsrc or RTP payloader)");
    g_clear_object (&src);
    g_clear_object (&pay);
    g_clear_object (&filter);
    return FALSE;
  }
  enc_caps = video ? mc_video_codec_encoded_caps (mc_capture_get_codec (peer->capture)) : mc_capture_audio_caps ();
  /* Live, bounded: a stalled peer drops old frames instead of growing memory. */
  g_object_set (src, "is-live", TRUE, "format", GST_FORMAT_TIME, "do-timestamp", FALSE, "caps", enc_caps,
                "max-buffers", (guint64) (video ? 60 : 100), "leaky-type", 2 /* downstream */, "block", FALSE,
                NULL);
  configure_payloader (pay, filter, caps, video, h264, pt);
  if (video) {
    guint ssrc = 0;
    gst_structure_get_uint (gst_caps_get_structure (caps, 0), "ssrc", &ssrc);
    g_atomic_int_set (&peer->video_ssrc, (gint) ssrc);
  }

  /* From here the pipeline owns the elements; the peer's teardown frees them. */
  gst_bin_add_many (GST_BIN (peer->pipeline), src, pay, filter, NULL);
  if (!gst_element_link_many (src, pay, filter, NULL)) {
    g_set_error (error, MC_PIPELINES_ERROR, MC_PIPELINES_ERROR_LINK, "could not link the %s send branch",
                 video ? "video" : "audio");
    return FALSE;
  }
  if (!link_to_webrtc (peer, filter, caps, video, h264, answering, error))
    return FALSE;
  paypad = gst_element_get_static_pad (pay, "src");
  peer_add_count_probe (peer, paypad, video ? PEER_COUNT_VIDEO_OUT : PEER_COUNT_AUDIO_OUT);
  gst_element_sync_state_with_parent (filter);
  gst_element_sync_state_with_parent (pay);
  gst_element_sync_state_with_parent (src);
  if (video)
    peer->video_src = src;
  else
    peer->audio_src = src;
  return TRUE;
}

/* Payload types and TWCC ids from their offer; an error when its video
 * lacks the codec we send. */
static gboolean
params_from_offer (McPeer *peer, const GstSDPMessage *sdp, SendParams *p, GError **error)
{
  int v = mc_peer_sdp_find_media (sdp, "video");
  int a = mc_peer_sdp_find_media (sdp, "audio");

  *p = (SendParams) { v >= 0, a >= 0, DEFAULT_VIDEO_PT, DEFAULT_AUDIO_PT, 0, 0, TRUE, -1, -1 };
  if (v >= 0) {
    const GstSDPMedia *m = gst_sdp_message_get_media (sdp, v);
    const char *enc = sends_h264 (peer) ? "H264" : "VP8";
    int pt = mc_peer_sdp_find_payload (m, enc);
    if (pt < 0 && peer->capture && mc_capture_has_video (peer->capture)) {
      g_set_error (error, MC_SDP_ERROR, MC_SDP_ERROR_UNSUPPORTED, "offer: video has no %s (we send %s)", enc, enc);
      return FALSE;
    }
    if (pt >= 0)
      p->video_pt = pt;
    p->video_twcc = mc_peer_sdp_twcc_id (m);
    p->recv_vp8_pt = mc_peer_sdp_find_payload (m, "VP8");
    p->recv_h264_pt = mc_peer_sdp_find_payload (m, "H264");
  }
  if (a >= 0) {
    const GstSDPMedia *m = gst_sdp_message_get_media (sdp, a);
    int pt = mc_peer_sdp_find_payload (m, "OPUS");   /* none in an inactive m-line */
    if (pt >= 0)
      p->audio_pt = pt;
    p->audio_twcc = mc_peer_sdp_twcc_id (m);
  }
  return TRUE;
}

/* Video we do not send (no camera, a recorder): a receive-only transceiver
 * that takes VP8 or H.264, whichever the sender has (both in our offer,
 * those of their offer in our answer), since nothing here is tied to a codec. */
static void
add_receive_only_video (McPeer *peer, const SendParams *p)
{
  g_autoptr (GstCaps) caps = gst_caps_new_empty ();
  GstWebRTCRTPTransceiver *trans = NULL;

  if (p->recv_vp8_pt >= 0 || p->recv_h264_pt < 0) {
    GstCaps *vp8 = rtp_caps (peer, TRUE, p->recv_vp8_pt >= 0 ? p->recv_vp8_pt : DEFAULT_VIDEO_PT, p->video_twcc);
    gst_caps_append (caps, vp8);
  }
  if (p->recv_h264_pt >= 0) {
    GstCaps *h264 = gst_caps_new_simple ("application/x-rtp", "media", G_TYPE_STRING, "video", "encoding-name",
                                         G_TYPE_STRING, "H264", "payload", G_TYPE_INT, p->recv_h264_pt, "clock-rate",
                                         G_TYPE_INT, 90000, "packetization-mode", G_TYPE_STRING, "1",
                                         "profile-level-id", G_TYPE_STRING, "42e01f", NULL);
    if (p->video_twcc > 0) {
      g_autofree char *field = g_strdup_printf ("extmap-%u", p->video_twcc);
      gst_caps_set_simple (h264, field, G_TYPE_STRING, MC_PEER_SDP_TWCC_URI, NULL);
    }
    gst_caps_append (caps, h264);
  }
  g_signal_emit_by_name (peer->webrtc, "add-transceiver", GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_RECVONLY, caps, &trans);
  g_clear_object (&trans);
}

gboolean
peer_send_build (McPeer *peer, const GstSDPMessage *offer, GError **error)
{
  SendParams p = { TRUE, TRUE, DEFAULT_VIDEO_PT, DEFAULT_AUDIO_PT, DEFAULT_TWCC_ID, DEFAULT_TWCC_ID, FALSE,
                   DEFAULT_VIDEO_PT, DEFAULT_RECV_H264_PT };
  gboolean sends_video = peer->capture && mc_capture_has_video (peer->capture);

  if (offer != NULL && !params_from_offer (peer, offer, &p, error))
    return FALSE;
  if (p.video && !sends_video)
    add_receive_only_video (peer, &p);
  else if (p.video && !build_branch (peer, TRUE, p.video_pt, p.video_twcc, p.answering, error))
    return FALSE;
  if (p.audio && !build_branch (peer, FALSE, p.audio_pt, p.audio_twcc, p.answering, error))
    return FALSE;
  return TRUE;
}

void
peer_send_prepare (McPeer *peer)
{
  if (!peer->subscribed && peer->capture && peer->video_src)
    mc_capture_prepare_subscriber (peer->capture, peer->tier);
}

void
peer_send_subscribe (McPeer *peer)
{
  if (peer->subscribed || peer->capture == NULL)
    return;
  peer->subscribed = TRUE;
  if (peer->video_src)
    mc_capture_subscribe (peer->capture, peer->tier, GST_APP_SRC (peer->video_src));
  if (peer->audio_src)
    mc_capture_subscribe_audio (peer->capture, GST_APP_SRC (peer->audio_src));
}

void
peer_send_unsubscribe (McPeer *peer)
{
  if (!peer->subscribed)
    return;
  peer->subscribed = FALSE;
  if (peer->video_src)
    mc_capture_unsubscribe (peer->capture, GST_APP_SRC (peer->video_src));
  if (peer->audio_src)
    mc_capture_unsubscribe_audio (peer->capture, GST_APP_SRC (peer->audio_src));
}

void
mc_peer_set_tier (McPeer *peer, guint tier)
{
  peer->tier = tier;
  if (peer->subscribed && peer->video_src)
    mc_capture_subscribe (peer->capture, tier, GST_APP_SRC (peer->video_src));
}

int
mc_peer_get_tier (McPeer *peer)
{
  if (peer->capture == NULL || peer->video_src == NULL)
    return -1;
  return mc_capture_get_sink_tier (peer->capture, GST_APP_SRC (peer->video_src));
}

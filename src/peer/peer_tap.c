/* McPeer's receive tap (peer.h, encoded_frame): a probe on the
 * depayloader's source pad of each incoming stream hands every encoded
 * frame out with its caps and a clock-time PTS, next to (or, encoded_only,
 * instead of) the decoder. Keyframe requests go up the same stream.
 *
 * Threading: the probe runs on the stream's streaming thread; its state is
 * that pad's alone (a pad's probes are serialized), so it takes no lock. */
#include "peer_private.h"

#include "meshcall/base/log.h"

#define MC_LOG_CATEGORY (&mc_log_media)

typedef struct {
  McPeer *peer;          /* the pad is the peer's: it lives as long */
  McPeerMedia media;
  GstCaps *caps;         /* the depayloader's output caps, once negotiated */
  GstSegment segment;
  gboolean have_segment;
} PeerTap;

static void
tap_free (gpointer data)
{
  PeerTap *tap = data;

  gst_clear_caps (&tap->caps);
  g_free (tap);
}

/* Running time on the stream's segment plus the pipeline's base time: the
 * clock time every pipeline of the process agrees on. */
static GstClockTime
to_clock_time (PeerTap *tap, GstClockTime ts, GstClockTime base)
{
  GstClockTime rt;

  if (!GST_CLOCK_TIME_IS_VALID (ts))
    return GST_CLOCK_TIME_NONE;
  rt = tap->have_segment ? gst_segment_to_running_time (&tap->segment, GST_FORMAT_TIME, ts) : ts;
  return GST_CLOCK_TIME_IS_VALID (rt) ? rt + base : GST_CLOCK_TIME_NONE;
}

static void
hand_out (PeerTap *tap, GstBuffer *in, GstClockTime base)
{
  McPeer *peer = tap->peer;
  GstClockTime pts = to_clock_time (tap, GST_BUFFER_PTS (in), base);
  GstBuffer *out;

  if (!GST_CLOCK_TIME_IS_VALID (pts))
    return;   /* nothing to place it on the timeline with */
  /* A new buffer struct over the same memory: no payload copy. */
  out = gst_buffer_copy (in);
  GST_BUFFER_PTS (out) = pts;
  GST_BUFFER_DTS (out) = to_clock_time (tap, GST_BUFFER_DTS (in), base);
  peer->cb.encoded_frame (peer, tap->media, tap->caps, out, peer->user_data);
  gst_buffer_unref (out);
}

static GstPadProbeReturn
tap_probe (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  PeerTap *tap = user_data;
  GstClockTime base;

  if (info->type & GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM) {
    GstEvent *event = GST_PAD_PROBE_INFO_EVENT (info);
    if (GST_EVENT_TYPE (event) == GST_EVENT_CAPS) {
      GstCaps *caps;
      gst_event_parse_caps (event, &caps);
      gst_caps_replace (&tap->caps, caps);
    } else if (GST_EVENT_TYPE (event) == GST_EVENT_SEGMENT) {
      gst_event_copy_segment (event, &tap->segment);
      tap->have_segment = tap->segment.format == GST_FORMAT_TIME;
    }
    return GST_PAD_PROBE_OK;
  }
  if (tap->caps == NULL || peer_is_closed (tap->peer))
    return GST_PAD_PROBE_OK;
  base = gst_element_get_base_time (tap->peer->pipeline);
  if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
    hand_out (tap, GST_PAD_PROBE_INFO_BUFFER (info), base);
  } else if (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST) {
    GstBufferList *list = GST_PAD_PROBE_INFO_BUFFER_LIST (info);
    for (guint i = 0; i < gst_buffer_list_length (list); i++)
      hand_out (tap, gst_buffer_list_get (list, i), base);
  }
  return GST_PAD_PROBE_OK;
}

/* The upstream event rtpsession turns into an RTCP PLI (what
 * gst_video_event_new_upstream_force_key_unit builds, without libgstvideo). */
static void
push_keyframe_request (GstPad *depay_sink)
{
  GstStructure *s = gst_structure_new ("GstForceKeyUnit", "running-time", G_TYPE_UINT64, GST_CLOCK_TIME_NONE,
                                       "all-headers", G_TYPE_BOOLEAN, TRUE, "count", G_TYPE_UINT, 0, NULL);

  gst_pad_push_event (depay_sink, gst_event_new_custom (GST_EVENT_CUSTOM_UPSTREAM, s));
}

void
peer_tap_install (McPeer *peer, GstElement *bin, gboolean video)
{
  g_autoptr (GstPad) ghost = gst_element_get_static_pad (bin, "sink");
  g_autoptr (GstPad) depay_sink = ghost && GST_IS_GHOST_PAD (ghost) ? gst_ghost_pad_get_target (GST_GHOST_PAD (ghost))
                                                                     : NULL;
  g_autoptr (GstElement) depay = depay_sink ? gst_pad_get_parent_element (depay_sink) : NULL;
  g_autoptr (GstPad) src = depay ? gst_element_get_static_pad (depay, "src") : NULL;
  PeerTap *tap;

  if (src == NULL) {
    MC_WARNING ("peer %s: no depayloader to tap on the incoming %s", peer->remote_id, video ? "video" : "audio");
    return;
  }
  if (video) {
    g_mutex_lock (&peer->lock);
    gst_object_replace ((GstObject **) &peer->video_depay_sink, GST_OBJECT (depay_sink));
    g_mutex_unlock (&peer->lock);
  }
  if (peer->cb.encoded_frame == NULL)
    return;
  tap = g_new0 (PeerTap, 1);
  tap->peer = peer;
  tap->media = video ? MC_PEER_MEDIA_VIDEO : MC_PEER_MEDIA_AUDIO;
  gst_segment_init (&tap->segment, GST_FORMAT_TIME);
  gst_pad_add_probe (src, GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST |
                     GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, tap_probe, tap, tap_free);
}

void
peer_tap_started (McPeer *peer, gboolean video)
{
  /* Whoever taps wants a picture now, not at the sender's next keyframe. */
  if (video && peer->cb.encoded_frame)
    mc_peer_request_keyframe (peer);
}

void
mc_peer_request_keyframe (McPeer *peer)
{
  g_autoptr (GstPad) depay_sink = NULL;

  g_mutex_lock (&peer->lock);
  if (peer->video_depay_sink)
    depay_sink = gst_object_ref (peer->video_depay_sink);
  g_mutex_unlock (&peer->lock);
  if (depay_sink == NULL || peer_is_closed (peer))
    return;
  MC_DEBUG ("peer %s: asking for a keyframe", peer->remote_id);
  push_keyframe_request (depay_sink);
}

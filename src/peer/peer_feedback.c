/* What the remote reports about the media we send (peer.h, McPeerFeedback),
 * taken from webrtcbin's rtpbin, which has no API of its own for it:
 *
 *  - Receiver reports: a buffer probe on rtpbin's recv_rtcp_sink_N (RTCP
 *    after SRTP, before rtpsession) finds the report block about our video
 *    SSRC (rtcp_report.c). rtpsession keeps only the last block of a report
 *    per remote source, and a bundled RR carries one block for our audio
 *    and one for our video in either order, so its stats cannot tell us.
 *  - Transport-wide feedback: rtpsession 1.22 parses it and pushes the
 *    packets upstream, out of rtpbin's send_rtp_sink_N, as a custom event
 *    "RTPTWCCPackets" (gstrtpsession.c gst_rtp_session_notify_twcc, built
 *    by rtp_twcc_stats_get_packets_structure: seqnum, local-ts (rtpsession's
 *    running time at send), remote-ts (their reference time plus deltas),
 *    size, lost); an event probe there reads it and lets it go on.
 *  - The RTCP interval: webrtcbin's rtpbin runs RTP/SAVPF, where rtpsession
 *    applies rtcp-min-interval (5 s by default) as RFC 4585's T_rr_interval:
 *    a receiver report every 2.5-7.5 s. Each rtpsession rtpbin makes gets
 *    MC_PEER_RTCP_INTERVAL_MS instead (0.5-1.5 x that between reports).
 *
 * rtpbin is found by its name inside webrtcbin ("rtpbin", 1.22's
 * _create_rtpbin); webrtcbin exposes it no other way. Probes run on
 * streaming threads and queue the result onto the peer's context. */
#include "peer_private.h"
#include "meshcall/peer/rtcp_report.h"

#include "meshcall/base/log.h"

#include <string.h>

#define MC_LOG_CATEGORY (&mc_log_media)

typedef struct {
  McPeer *peer;
  McPeerFeedback fb;
  GArray *packets;   /* McPeerTwccPacket */
} FeedbackJob;

static void
feedback_job_free (gpointer data)
{
  FeedbackJob *job = data;

  peer_unref (job->peer);
  if (job->packets)
    g_array_unref (job->packets);
  g_free (job);
}

static gboolean
run_feedback_job (gpointer data)
{
  FeedbackJob *job = data;

  if (peer_is_closed (job->peer) || job->peer->cb.feedback == NULL)
    return G_SOURCE_REMOVE;
  if (job->packets) {
    job->fb.packets = (const McPeerTwccPacket *) (gpointer) job->packets->data;
    job->fb.n_packets = job->packets->len;
  }
  job->peer->cb.feedback (job->peer, &job->fb, job->peer->user_data);
  return G_SOURCE_REMOVE;
}

/* Any thread. Takes packets. */
static void
queue_feedback (McPeer *peer, const McPeerFeedback *fb, GArray *packets)
{
  FeedbackJob *job;
  GSource *idle;

  if (peer_is_closed (peer) || peer->cb.feedback == NULL) {
    if (packets)
      g_array_unref (packets);
    return;
  }
  job = g_new0 (FeedbackJob, 1);
  job->peer = peer_ref (peer);
  job->fb = *fb;
  job->packets = packets;
  idle = g_idle_source_new ();
  g_source_set_priority (idle, G_PRIORITY_DEFAULT);
  g_source_set_callback (idle, run_feedback_job, job, feedback_job_free);
  g_source_attach (idle, peer->context);
  g_source_unref (idle);
}

/* ---- receiver reports --------------------------------------------------- */

static void
take_rtcp (McPeer *peer, GstBuffer *buffer)
{
  guint32 ssrc = (guint32) g_atomic_int_get (&peer->video_ssrc);
  McRtcpReport report;
  g_autoptr (GError) error = NULL;
  GstMapInfo map;
  gboolean found;

  if (ssrc == 0 || !gst_buffer_map (buffer, &map, GST_MAP_READ))
    return;
  found = mc_rtcp_report_find (map.data, map.size, ssrc, &report, &error);
  gst_buffer_unmap (buffer, &map);
  if (error != NULL) {
    MC_DEBUG ("peer %s: RTCP not used: %s", peer->remote_id, error->message);
    return;
  }
  if (!found)
    return;
  McPeerFeedback fb = {
    .time_us = g_get_monotonic_time (),
    .has_report = TRUE,
    .fraction_lost = report.fraction_lost / 256.0,
    .rtt_ms = mc_rtcp_report_rtt_ms (&report, g_get_real_time ()),
    .cumulative_lost = report.cumulative_lost,
    .ext_highest_seq = report.ext_highest_seq,
    .jitter_ms = report.jitter / 90.0,   /* video: a 90 kHz clock */
  };
  queue_feedback (peer, &fb, NULL);
}

static gboolean
take_rtcp_in_list (GstBuffer **buffer, guint idx, gpointer user_data)
{
  take_rtcp (user_data, *buffer);
  return TRUE;
}

static GstPadProbeReturn
on_rtcp_in (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  McPeer *peer = user_data;

  if (info->type & GST_PAD_PROBE_TYPE_BUFFER)
    take_rtcp (peer, GST_PAD_PROBE_INFO_BUFFER (info));
  else if (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST)
    gst_buffer_list_foreach (GST_PAD_PROBE_INFO_BUFFER_LIST (info), take_rtcp_in_list, peer);
  return GST_PAD_PROBE_OK;
}

/* ---- transport-wide feedback ---------------------------------------------- */

static gboolean
twcc_packet (const GstStructure *s, McPeerTwccPacket *pkt)
{
  guint seqnum = 0, size = 0;
  guint64 local = GST_CLOCK_TIME_NONE, remote = GST_CLOCK_TIME_NONE;
  gboolean lost = FALSE;

  if (!gst_structure_get_uint (s, "seqnum", &seqnum) || !gst_structure_get_uint64 (s, "local-ts", &local) ||
      !gst_structure_get_uint64 (s, "remote-ts", &remote))
    return FALSE;
  gst_structure_get_uint (s, "size", &size);
  gst_structure_get_boolean (s, "lost", &lost);
  if (!GST_CLOCK_TIME_IS_VALID (local))
    return FALSE;   /* not one we remember sending */
  pkt->seqnum = (guint16) seqnum;
  pkt->size = size;
  pkt->lost = lost || !GST_CLOCK_TIME_IS_VALID (remote);
  pkt->send_us = (gint64) (local / GST_USECOND);
  pkt->arrival_us = pkt->lost ? -1 : (gint64) (remote / GST_USECOND);
  return TRUE;
}

static void
take_twcc (McPeer *peer, const GstStructure *s)
{
  const GValue *list = gst_structure_get_value (s, "packets");
  GArray *packets;
  guint n;

  /* A GValueArray (deprecated, hence looked up by name). */
  if (list == NULL || G_VALUE_TYPE (list) != g_type_from_name ("GValueArray"))
    return;
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS   /* rtpsession 1.22 builds a GValueArray */
  GValueArray *array = g_value_get_boxed (list);
  n = array ? array->n_values : 0;
  packets = g_array_sized_new (FALSE, FALSE, sizeof (McPeerTwccPacket), n);
  for (guint i = 0; i < n; i++) {
    const GValue *v = g_value_array_get_nth (array, i);
    McPeerTwccPacket pkt;
    if (GST_VALUE_HOLDS_STRUCTURE (v) && twcc_packet (gst_value_get_structure (v), &pkt))
      g_array_append_val (packets, pkt);
  }
  G_GNUC_END_IGNORE_DEPRECATIONS
  if (packets->len == 0) {
    g_array_unref (packets);
    return;
  }
  McPeerFeedback fb = { .time_us = g_get_monotonic_time (), .rtt_ms = -1, .jitter_ms = -1 };
  queue_feedback (peer, &fb, packets);
}

static GstPadProbeReturn
on_event_up (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  GstEvent *event = GST_PAD_PROBE_INFO_EVENT (info);
  const GstStructure *s;

  if (GST_EVENT_TYPE (event) != GST_EVENT_CUSTOM_UPSTREAM)
    return GST_PAD_PROBE_OK;
  s = gst_event_get_structure (event);
  if (s != NULL && gst_structure_has_name (s, "RTPTWCCPackets"))
    take_twcc (user_data, s);
  return GST_PAD_PROBE_OK;
}

/* ---- hooks on rtpbin -------------------------------------------------------- */

static void
on_rtpbin_pad (GstElement *rtpbin, GstPad *pad, gpointer user_data)
{
  const char *name = GST_PAD_NAME (pad);

  if (g_str_has_prefix (name, "recv_rtcp_sink_"))
    gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST, on_rtcp_in, user_data, NULL);
  else if (g_str_has_prefix (name, "send_rtp_sink_"))
    gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_EVENT_UPSTREAM, on_event_up, user_data, NULL);
}

static void
on_rtpbin_element (GstBin *rtpbin, GstElement *element, gpointer user_data)
{
  if (g_object_class_find_property (G_OBJECT_GET_CLASS (element), "rtcp-min-interval"))
    g_object_set (element, "rtcp-min-interval", (guint64) MC_PEER_RTCP_INTERVAL_MS * GST_MSECOND, NULL);
}

void
peer_feedback_attach (McPeer *peer)
{
  g_autoptr (GstElement) rtpbin = gst_bin_get_by_name (GST_BIN (peer->webrtc), "rtpbin");

  if (rtpbin == NULL) {
    MC_WARNING ("peer %s: webrtcbin has no rtpbin: no RTCP feedback, the send bitrate stays fixed", peer->remote_id);
    return;
  }
  /* Sessions and their pads come with the first transceivers, later. */
  g_signal_connect (rtpbin, "element-added", G_CALLBACK (on_rtpbin_element), peer);
  g_signal_connect (rtpbin, "pad-added", G_CALLBACK (on_rtpbin_pad), peer);
}

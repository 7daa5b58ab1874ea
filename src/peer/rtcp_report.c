/* Report blocks out of received RTCP (rtcp_report.h). */
#include "meshcall/peer/rtcp_report.h"

#include <gst/rtp/gstrtcpbuffer.h>

#define NTP_UNIX_OFFSET_S G_GUINT64_CONSTANT (2208988800)
#define MAX_RTT_NTP_SHORT (60u << 16)

G_DEFINE_QUARK (mc-rtcp-error-quark, mc_rtcp_error)

static gboolean
find_in_packet (GstRTCPPacket *packet, guint32 ssrc, McRtcpReport *report)
{
  guint count = gst_rtcp_packet_get_rb_count (packet);
  gboolean found = FALSE;

  for (guint i = 0; i < count; i++) {
    guint32 rb_ssrc, highest, jitter, lsr, dlsr;
    guint8 fraction;
    gint32 lost;
    gst_rtcp_packet_get_rb (packet, i, &rb_ssrc, &fraction, &lost, &highest, &jitter, &lsr, &dlsr);
    if (rb_ssrc != ssrc)
      continue;
    *report = (McRtcpReport) { rb_ssrc, fraction, lost, highest, jitter, lsr, dlsr };
    found = TRUE;
  }
  return found;
}

gboolean
mc_rtcp_report_find (const guint8 *data, gsize size, guint32 ssrc, McRtcpReport *report, GError **error)
{
  g_autoptr (GstBuffer) buffer = NULL;
  GstRTCPBuffer rtcp = GST_RTCP_BUFFER_INIT;
  GstRTCPPacket packet;
  gboolean more, found = FALSE;

  if (data == NULL || size == 0 || size > G_MAXUINT ||
      !gst_rtcp_buffer_validate_data_reduced ((guint8 *) data, (guint) size)) {
    g_set_error (error, MC_RTCP_ERROR, MC_RTCP_ERROR_MALFORMED, "not a valid RTCP packet (%" G_GSIZE_FORMAT " bytes)",
                 size);
    return FALSE;
  }
  buffer = gst_buffer_new_memdup (data, size);
  if (!gst_rtcp_buffer_map (buffer, GST_MAP_READ, &rtcp)) {
    g_set_error (error, MC_RTCP_ERROR, MC_RTCP_ERROR_MALFORMED, "RTCP packet cannot be read");
    return FALSE;
  }
  for (more = gst_rtcp_buffer_get_first_packet (&rtcp, &packet); more; more = gst_rtcp_packet_move_to_next (&packet)) {
    GstRTCPType type = gst_rtcp_packet_get_type (&packet);
    if ((type == GST_RTCP_TYPE_SR || type == GST_RTCP_TYPE_RR) && find_in_packet (&packet, ssrc, report))
      found = TRUE;
  }
  gst_rtcp_buffer_unmap (&rtcp);
  return found;
}

double
mc_rtcp_report_rtt_ms (const McRtcpReport *report, gint64 real_time_us)
{
  guint64 secs, frac;
  guint32 now, rtt;

  if (report->lsr == 0 || real_time_us < 0)
    return -1;
  secs = (guint64) real_time_us / G_USEC_PER_SEC + NTP_UNIX_OFFSET_S;
  frac = ((guint64) real_time_us % G_USEC_PER_SEC << 32) / G_USEC_PER_SEC;
  now = (guint32) (((secs & 0xffff) << 16) | (frac >> 16));
  rtt = now - report->lsr - report->dlsr;   /* modulo 2^32, as the fields wrap */
  if (rtt > MAX_RTT_NTP_SHORT)
    return -1;
  return rtt * 1000.0 / 65536.0;
}

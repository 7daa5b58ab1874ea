/* The report block about one of our SSRCs in a compound RTCP packet that
 * came off the network (RFC 3550 6.4: SR and RR packets; every other packet
 * type is skipped), and the round trip it implies. Pure: bytes in, a block
 * out (GstRTCPBuffer's reader on a copy: gst_init() first). Fuzzed by
 * fuzz/fuzz_rtcp.c. Any thread. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define MC_RTCP_ERROR (mc_rtcp_error_quark ())
GQuark mc_rtcp_error_quark (void);

typedef enum {
  MC_RTCP_ERROR_MALFORMED,   /* not a valid (reduced-size) compound RTCP packet */
} McRtcpError;

typedef struct {
  guint32 ssrc;              /* the SSRC it reports on (ours) */
  guint8 fraction_lost;      /* /256, since the previous report */
  gint32 cumulative_lost;    /* 24-bit signed */
  guint32 ext_highest_seq;
  guint32 jitter;            /* in RTP timestamp units */
  guint32 lsr, dlsr;         /* NTP short format (16.16 s); lsr 0: no SR of ours reached it yet */
} McRtcpReport;

/* TRUE with *report when a block about ssrc is in data (the last one if
 * several); FALSE without error when there is none; FALSE with
 * MC_RTCP_ERROR_MALFORMED when data is not RTCP. */
gboolean mc_rtcp_report_find (const guint8 *data, gsize size, guint32 ssrc, McRtcpReport *report, GError **error);

/* The round trip (RFC 3550 6.4.1: arrival - LSR - DLSR) in ms when the
 * report arrives at real_time_us (g_get_real_time(): rtpsession's default
 * NTP time source stamps our SRs from the same clock); -1 when the block
 * has no LSR or the result is not a plausible round trip (negative or
 * over 60 s: clocks that jumped). */
double mc_rtcp_report_rtt_ms (const McRtcpReport *report, gint64 real_time_us);

G_END_DECLS

/* Is the path to one peer queuing up? The delay-based half of Google
 * Congestion Control (draft-ietf-rmcat-gcc-02, section 5), with the trendline
 * filter libwebrtc uses in place of the draft's Kalman filter. Pure: times
 * come in, a signal comes out; no clock, no I/O. Tested in
 * tests/unit/test_rate_controller.c.
 *
 * Packets are fed in send order with their send time (our clock) and their
 * arrival time (the receiver's clock, from transport-wide feedback); the two
 * clocks need not agree, only their differences count. Packets sent within
 * 5 ms of a group's first one form a group (a frame leaves as a burst); for
 * each new group the variation
 *     d = (arrival - previous arrival) - (send - previous send)
 * is accumulated, smoothed, and the slope of the last 20 points against
 * arrival time is the trend: positive while a queue grows. The trend, scaled
 * by the number of points (up to 60) and a gain of 4, is compared with an
 * adaptive threshold (12.5 ms at first, within 6..600; up 0.0087 and down
 * 0.039 per ms of time, as libwebrtc does): over it for more than 10 ms and
 * not falling, the path is OVERUSED; under minus it, UNDERUSED (a queue
 * draining); else NORMAL. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  MC_DELAY_NORMAL,
  MC_DELAY_OVERUSE,
  MC_DELAY_UNDERUSE,
} McDelaySignal;

const char *mc_delay_signal_to_string (McDelaySignal signal);

typedef struct _McDelayTrend McDelayTrend;

McDelayTrend *mc_delay_trend_new (void);
void mc_delay_trend_free (McDelayTrend *t);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (McDelayTrend, mc_delay_trend_free)

/* One packet that arrived: send and arrival times in microseconds (lost
 * packets are not fed). Out of order packets (sent before the current
 * group) are ignored. Returns the signal after it. */
McDelaySignal mc_delay_trend_packet (McDelayTrend *t, gint64 send_us, gint64 arrival_us);

McDelaySignal mc_delay_trend_get_signal (const McDelayTrend *t);
/* The scaled trend and the threshold it is compared with (ms), for stats. */
double mc_delay_trend_get_trend (const McDelayTrend *t);
double mc_delay_trend_get_threshold (const McDelayTrend *t);

G_END_DECLS

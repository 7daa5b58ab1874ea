/* One remote peer's send bitrate, in the spirit of Google Congestion
 * Control (draft-ietf-rmcat-gcc-02) and libwebrtc's loss-based estimator.
 * Pure and deterministic: reports and packet times come in with their time,
 * a target comes out; no clock, no GStreamer. The call runs one per remote
 * peer and hands the targets to the tier manager (tiers.h). Tested by
 * replaying traces in tests/unit/test_rate_controller.c.
 *
 * Two estimates; the target is the lower one, within [min_bps, max_bps]:
 *
 *   loss-based (As), on every receiver report's fraction lost p:
 *       p > 10 %        As = min(As, received rate) (1 - p/2): back off
 *                       multiplicatively from what got through
 *       2 % <= p <= 10 % As held
 *       p < 2 %         As grows 8 % a second (libwebrtc's rate; the
 *                       draft's 5 % a report is slower where reports are)
 *
 *   delay-based (Ar), from the path's queuing delay (delay_trend.h over
 *   transport-wide feedback; without it, from the reports' round-trip time:
 *   more than max(25 ms, the smallest of the last 30 s) over that smallest
 *   and not falling counts as overuse; over it and falling, as underuse):
 *       overuse   Ar = 0.85 x the rate the peer receives, at most once per
 *                 round trip + 100 ms, then hold
 *       normal    Ar grows: 8 % a second while far from the rate where it
 *                 last backed off, else additively (a packet of 1200
 *                 bytes per round trip + 100 ms, at least 1 kbit/s a step;
 *                 the draft's half a packet took 9 s to climb back after a
 *                 cap was lifted, where browsers take 5),
 *                 never above 1.5 x the received rate + 10 kbit/s (an
 *                 encoder that sends less than it may is not a probe)
 *       underuse  hold (a queue drains; growing now would refill it)
 *
 * "Far from" is more than 3 standard deviations from the average of the
 * received rates at the last back-offs (both kept as moving averages). */
#pragma once

#include <glib.h>

#include "meshcall/adapt/delay_trend.h"

G_BEGIN_DECLS

#define MC_RATE_DEFAULT_MIN_BPS 100000
#define MC_RATE_DEFAULT_MAX_BPS 2000000
#define MC_RATE_DEFAULT_START_BPS 600000

typedef struct {
  guint min_bps;
  guint max_bps;
  guint start_bps;   /* clamped into [min_bps, max_bps] */
} McRateConfig;

void mc_rate_config_init (McRateConfig *cfg);

typedef enum {
  MC_RATE_INCREASE,
  MC_RATE_HOLD,
  MC_RATE_DECREASE,
} McRateState;

const char *mc_rate_state_to_string (McRateState state);

typedef struct {
  guint target_bps;
  guint loss_bps;         /* As */
  guint delay_bps;        /* Ar */
  McRateState state;      /* of the delay-based half */
  McDelaySignal delay;    /* the last delay signal */
  gboolean transport_cc;  /* the delay comes from transport-wide feedback (else from RTT) */
  double fraction_lost;   /* the last report's, 0..1; -1 before one */
  double rtt_ms;          /* the last report's; -1 unknown */
  double min_rtt_ms;      /* the smallest seen; -1 unknown */
  guint received_bps;     /* the rate the peer receives; 0 unknown */
} McRateStatus;

typedef struct _McRateController McRateController;

McRateController *mc_rate_controller_new (const McRateConfig *cfg, gint64 now_us);
void mc_rate_controller_free (McRateController *c);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (McRateController, mc_rate_controller_free)

/* A receiver report: fraction_lost 0..1 since the previous one (< 0:
 * unknown), rtt_ms from LSR/DLSR (< 0: unknown). */
void mc_rate_controller_report (McRateController *c, gint64 now_us, double fraction_lost, double rtt_ms);
/* Transport-wide feedback: one packet that arrived, send time (ours) and
 * arrival time (the peer's clock), in send order. */
void mc_rate_controller_packet (McRateController *c, gint64 send_us, gint64 arrival_us);
/* The rate the peer receives, measured over about half a second (bit/s). */
void mc_rate_controller_received_rate (McRateController *c, gint64 now_us, guint bps);
/* New bounds (a user's --min-bitrate/--max-bitrate); the estimates are
 * clamped into them. */
void mc_rate_controller_set_bounds (McRateController *c, guint min_bps, guint max_bps);

/* Applies what came in since the last call; returns the target (bit/s). Call
 * it regularly (every 100-200 ms); steps scale with the time between calls. */
guint mc_rate_controller_update (McRateController *c, gint64 now_us);

void mc_rate_controller_get_status (const McRateController *c, McRateStatus *status);

G_END_DECLS

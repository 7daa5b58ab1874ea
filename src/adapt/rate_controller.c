/* A peer's send bitrate from its reports and feedback (rate_controller.h). */
#include "meshcall/adapt/rate_controller.h"

#include <math.h>

#define LOSS_HIGH 0.10
#define LOSS_LOW 0.02
#define GROWTH_PER_S 1.08          /* both estimates, multiplicatively */
#define MAX_REPORT_GAP_S 5.0       /* growth counted for at most this long between reports */
#define BETA 0.85
#define PACKET_BITS (1200 * 8)
#define TWCC_FRESH_US (2 * G_USEC_PER_SEC)
#define RECEIVED_FRESH_US (2 * G_USEC_PER_SEC)
#define RTT_MIN_EXCESS_MS 25.0
#define RTT_WINDOW_US (30 * G_USEC_PER_SEC)
#define RTT_SAMPLES 64
#define CAPACITY_ALPHA 0.05

struct _McRateController {
  guint min_bps, max_bps;
  double as, ar;                       /* loss- and delay-based estimates */
  McRateState state;
  McDelayTrend *trend;
  gint64 last_packet_us;               /* of transport-wide feedback; 0 never */
  McDelaySignal rtt_signal;
  gboolean rtt_signal_new;             /* a report came since the last update */

  gboolean report_pending;
  double fraction_lost, rtt_ms, previous_rtt_ms, min_rtt_ms;
  gint64 report_us, applied_report_us;
  gint64 rtt_at[RTT_SAMPLES];
  double rtt[RTT_SAMPLES];
  guint rtt_head, n_rtt;

  guint received_bps;
  gint64 received_us;

  gint64 last_update_us, last_decrease_us;
  double capacity, capacity_var;       /* received rate at back-offs, kbit/s; capacity < 0: unknown */
};

void
mc_rate_config_init (McRateConfig *cfg)
{
  cfg->min_bps = MC_RATE_DEFAULT_MIN_BPS;
  cfg->max_bps = MC_RATE_DEFAULT_MAX_BPS;
  cfg->start_bps = MC_RATE_DEFAULT_START_BPS;
}

const char *
mc_rate_state_to_string (McRateState state)
{
  switch (state) {
  case MC_RATE_INCREASE:
    return "increase";
  case MC_RATE_HOLD:
    return "hold";
  case MC_RATE_DECREASE:
    return "decrease";
  }
  return "?";
}

McRateController *
mc_rate_controller_new (const McRateConfig *cfg, gint64 now_us)
{
  McRateController *c = g_new0 (McRateController, 1);

  c->min_bps = MAX (cfg->min_bps, 1);
  c->max_bps = MAX (cfg->max_bps, c->min_bps);
  c->as = c->ar = CLAMP (cfg->start_bps, c->min_bps, c->max_bps);
  c->state = MC_RATE_INCREASE;
  c->trend = mc_delay_trend_new ();
  c->fraction_lost = c->rtt_ms = c->previous_rtt_ms = c->min_rtt_ms = -1;
  c->last_update_us = c->applied_report_us = now_us;
  c->last_decrease_us = G_MININT64 / 2;
  c->capacity = -1;
  c->capacity_var = 0.4;
  return c;
}

void
mc_rate_controller_free (McRateController *c)
{
  if (c == NULL)
    return;
  mc_delay_trend_free (c->trend);
  g_free (c);
}

void
mc_rate_controller_set_bounds (McRateController *c, guint min_bps, guint max_bps)
{
  c->min_bps = MAX (min_bps, 1);
  c->max_bps = MAX (max_bps, c->min_bps);
  c->as = CLAMP (c->as, c->min_bps, c->max_bps);
  c->ar = CLAMP (c->ar, c->min_bps, c->max_bps);
}

/* The smallest round trip of the last 30 s (a route that got longer for good
 * stops looking like a queue after that). */
static double
recent_min_rtt (const McRateController *c, gint64 now_us)
{
  double best = -1;

  for (guint i = 0; i < c->n_rtt; i++)
    if (now_us - c->rtt_at[i] <= RTT_WINDOW_US && (best < 0 || c->rtt[i] < best))
      best = c->rtt[i];
  return best;
}

void
mc_rate_controller_report (McRateController *c, gint64 now_us, double fraction_lost, double rtt_ms)
{
  if (fraction_lost >= 0) {
    c->fraction_lost = MIN (fraction_lost, 1.0);
    c->report_pending = TRUE;
    c->report_us = now_us;
  }
  if (rtt_ms < 0)
    return;
  c->rtt_at[c->rtt_head] = now_us;
  c->rtt[c->rtt_head] = rtt_ms;
  c->rtt_head = (c->rtt_head + 1) % RTT_SAMPLES;
  c->n_rtt = MIN (c->n_rtt + 1, RTT_SAMPLES);
  c->min_rtt_ms = recent_min_rtt (c, now_us);
  c->previous_rtt_ms = c->rtt_ms;
  c->rtt_ms = rtt_ms;
  /* Without transport-wide feedback, a round trip well over the smallest
   * is a queue: growing, overuse; shrinking, it drains. */
  double excess = rtt_ms - c->min_rtt_ms;
  c->rtt_signal_new = TRUE;
  if (excess <= MAX (RTT_MIN_EXCESS_MS, c->min_rtt_ms))
    c->rtt_signal = MC_DELAY_NORMAL;
  else if (c->previous_rtt_ms < 0 || rtt_ms >= c->previous_rtt_ms)
    c->rtt_signal = MC_DELAY_OVERUSE;
  else
    c->rtt_signal = MC_DELAY_UNDERUSE;
}

void
mc_rate_controller_packet (McRateController *c, gint64 send_us, gint64 arrival_us)
{
  mc_delay_trend_packet (c->trend, send_us, arrival_us);
  c->last_packet_us = MAX (c->last_packet_us, send_us);
}

void
mc_rate_controller_received_rate (McRateController *c, gint64 now_us, guint bps)
{
  c->received_bps = bps;
  c->received_us = now_us;
}

static gboolean
has_transport_cc (const McRateController *c, gint64 now_us)
{
  return c->last_packet_us != 0 && now_us - c->last_packet_us <= TWCC_FRESH_US;
}

static guint
received_now (const McRateController *c, gint64 now_us)
{
  return c->received_us != 0 && now_us - c->received_us <= RECEIVED_FRESH_US ? c->received_bps : 0;
}

static void
apply_loss (McRateController *c, gint64 now_us)
{
  double p = c->fraction_lost;
  double gap_s = CLAMP ((c->report_us - c->applied_report_us) / (double) G_USEC_PER_SEC, 0, MAX_REPORT_GAP_S);
  guint received = received_now (c, now_us);

  /* Backing off from what gets through, not from what was sent: sending
   * 1 Mbit/s into a 600 kbit/s link, 40 % lost, lands at 480 kbit/s at once
   * instead of after seven reports. */
  if (p > LOSS_HIGH)
    c->as = (received > 0 ? MIN (c->as, received) : c->as) * (1 - 0.5 * p);
  else if (p < LOSS_LOW)
    c->as *= pow (GROWTH_PER_S, gap_s);
  c->applied_report_us = c->report_us;
  c->report_pending = FALSE;
}

/* The link's capacity as seen at back-offs: a moving average and variance
 * of the received rate, in kbit/s as libwebrtc keeps it. */
static void
update_capacity (McRateController *c, double kbps)
{
  if (c->capacity < 0)
    c->capacity = kbps;
  else
    c->capacity = (1 - CAPACITY_ALPHA) * c->capacity + CAPACITY_ALPHA * kbps;
  double norm = MAX (c->capacity, 1.0);
  c->capacity_var = (1 - CAPACITY_ALPHA) * c->capacity_var +
                    CAPACITY_ALPHA * (c->capacity - kbps) * (c->capacity - kbps) / norm;
  c->capacity_var = CLAMP (c->capacity_var, 0.4, 2.5);
}

static double
capacity_std (const McRateController *c)
{
  return sqrt (c->capacity_var * c->capacity);
}

static void
next_state (McRateController *c, McDelaySignal signal)
{
  switch (signal) {
  case MC_DELAY_OVERUSE:
    c->state = MC_RATE_DECREASE;
    break;
  case MC_DELAY_UNDERUSE:
    c->state = MC_RATE_HOLD;
    break;
  case MC_DELAY_NORMAL:
    if (c->state == MC_RATE_HOLD)
      c->state = MC_RATE_INCREASE;
    break;
  }
}

static void
apply_delay (McRateController *c, gint64 now_us, double dt_s)
{
  double response_ms = 100 + (c->rtt_ms >= 0 ? c->rtt_ms : 100);
  guint received = received_now (c, now_us);
  double received_kbps = received / 1000.0;

  if (c->state == MC_RATE_INCREASE) {
    if (c->capacity >= 0 && received > 0 && received_kbps > c->capacity + 3 * capacity_std (c))
      c->capacity = -1;   /* past the old capacity: far again */
    double grown = c->capacity >= 0 ? c->ar + MAX (1000.0, MIN (dt_s * 1000 / response_ms, 1.0) * PACKET_BITS)
                                    : c->ar * pow (GROWTH_PER_S, MIN (dt_s, 1.0));
    /* The received-rate cap stops growth; it never lowers the estimate (a
     * received rate still ramping up at the start is not a limit). */
    if (received > 0)
      grown = MIN (grown, MAX (c->ar, 1.5 * received + 10000));
    c->ar = grown;
  } else if (c->state == MC_RATE_DECREASE && now_us - c->last_decrease_us >= (gint64) (response_ms * 1000)) {
    double base = received > 0 ? received : MIN (c->ar, c->as);
    c->ar = MIN (c->ar, BETA * base);
    if (received > 0) {
      if (c->capacity >= 0 && received_kbps < c->capacity - 3 * capacity_std (c))
        c->capacity = -1;   /* the link got much slower: learn it anew */
      update_capacity (c, received_kbps);
    }
    c->last_decrease_us = now_us;
    c->state = MC_RATE_HOLD;
  }
}

guint
mc_rate_controller_update (McRateController *c, gint64 now_us)
{
  double dt_s = MAX (now_us - c->last_update_us, 0) / (double) G_USEC_PER_SEC;

  if (c->report_pending)
    apply_loss (c, now_us);
  /* A round trip counts once: the next update would see the same overuse
   * again and back off twice for one queue. */
  if (has_transport_cc (c, now_us))
    next_state (c, mc_delay_trend_get_signal (c->trend));
  else if (c->rtt_signal_new)
    next_state (c, c->rtt_signal);
  c->rtt_signal_new = FALSE;
  apply_delay (c, now_us, dt_s);
  c->as = CLAMP (c->as, c->min_bps, c->max_bps);
  c->ar = CLAMP (c->ar, c->min_bps, c->max_bps);
  c->last_update_us = now_us;
  return (guint) MIN (c->as, c->ar);
}

void
mc_rate_controller_get_status (const McRateController *c, McRateStatus *st)
{
  gboolean twcc = has_transport_cc (c, c->last_update_us);

  st->target_bps = (guint) MIN (c->as, c->ar);
  st->loss_bps = (guint) c->as;
  st->delay_bps = (guint) c->ar;
  st->state = c->state;
  st->delay = twcc ? mc_delay_trend_get_signal (c->trend) : c->rtt_signal;
  st->transport_cc = twcc;
  st->fraction_lost = c->fraction_lost;
  st->rtt_ms = c->rtt_ms;
  st->min_rtt_ms = c->min_rtt_ms;
  st->received_bps = received_now (c, c->last_update_us);
}

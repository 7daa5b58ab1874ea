/* The delay-based detector (delay_trend.h): packet groups, a trendline and
 * an adaptive threshold, after draft-ietf-rmcat-gcc-02 section 5 and
 * libwebrtc's TrendlineEstimator. */
#include "meshcall/adapt/delay_trend.h"

#include <math.h>

#define GROUP_US 5000           /* packets sent this close form one group (a burst) */
#define WINDOW 20               /* points the slope is fitted over */
#define SMOOTHING 0.9           /* of the accumulated delay */
#define GAIN 4.0
#define MIN_DELTAS 60           /* the trend counts fully from this many points on */
#define OVERUSE_TIME_MS 10.0
#define THRESHOLD_START 12.5
#define THRESHOLD_MIN 6.0
#define THRESHOLD_MAX 600.0
#define K_UP 0.0087
#define K_DOWN 0.039
#define MAX_ADAPT_OFFSET 15.0   /* a trend this far over the threshold is a spike: not learnt from */
#define MAX_TIME_DELTA_MS 100.0

typedef struct {
  gboolean valid;
  gint64 first_send, last_send, last_arrival;
} Group;

struct _McDelayTrend {
  Group current, previous;
  guint n_deltas;
  double first_arrival_ms;
  double accumulated, smoothed;
  double x[WINDOW], y[WINDOW];  /* a ring of (arrival ms, smoothed delay ms) */
  guint n_points, head;
  double trend, previous_trend, modified_trend;
  double threshold;
  double last_threshold_update_ms;
  double time_over_ms;          /* < 0: not over the threshold */
  guint over_count;
  McDelaySignal signal;
};

const char *
mc_delay_signal_to_string (McDelaySignal signal)
{
  switch (signal) {
  case MC_DELAY_NORMAL:
    return "normal";
  case MC_DELAY_OVERUSE:
    return "overuse";
  case MC_DELAY_UNDERUSE:
    return "underuse";
  }
  return "?";
}

McDelayTrend *
mc_delay_trend_new (void)
{
  McDelayTrend *t = g_new0 (McDelayTrend, 1);

  t->threshold = THRESHOLD_START;
  t->time_over_ms = -1;
  t->first_arrival_ms = -1;
  t->last_threshold_update_ms = -1;
  return t;
}

void
mc_delay_trend_free (McDelayTrend *t)
{
  g_free (t);
}

/* Least squares slope of the window; NAN when it is degenerate. */
static double
fit_slope (const McDelayTrend *t)
{
  double sx = 0, sy = 0, num = 0, den = 0;

  for (guint i = 0; i < t->n_points; i++) {
    sx += t->x[i];
    sy += t->y[i];
  }
  sx /= t->n_points;
  sy /= t->n_points;
  for (guint i = 0; i < t->n_points; i++) {
    num += (t->x[i] - sx) * (t->y[i] - sy);
    den += (t->x[i] - sx) * (t->x[i] - sx);
  }
  return den == 0 ? NAN : num / den;
}

static void
update_threshold (McDelayTrend *t, double now_ms)
{
  double m = fabs (t->modified_trend);

  if (t->last_threshold_update_ms < 0)
    t->last_threshold_update_ms = now_ms;
  if (m > t->threshold + MAX_ADAPT_OFFSET) {
    t->last_threshold_update_ms = now_ms;
    return;
  }
  double k = m < t->threshold ? K_DOWN : K_UP;
  double dt = MIN (now_ms - t->last_threshold_update_ms, MAX_TIME_DELTA_MS);
  t->threshold = CLAMP (t->threshold + k * (m - t->threshold) * dt, THRESHOLD_MIN, THRESHOLD_MAX);
  t->last_threshold_update_ms = now_ms;
}

static void
detect (McDelayTrend *t, double send_delta_ms, double now_ms)
{
  if (t->n_deltas < 2) {
    t->signal = MC_DELAY_NORMAL;
    return;
  }
  t->modified_trend = MIN (t->n_deltas, MIN_DELTAS) * t->trend * GAIN;
  if (t->modified_trend > t->threshold) {
    t->time_over_ms = t->time_over_ms < 0 ? send_delta_ms / 2 : t->time_over_ms + send_delta_ms;
    t->over_count++;
    if (t->time_over_ms > OVERUSE_TIME_MS && t->over_count > 1 && t->trend >= t->previous_trend) {
      t->time_over_ms = 0;
      t->over_count = 0;
      t->signal = MC_DELAY_OVERUSE;
    }
  } else {
    t->time_over_ms = -1;
    t->over_count = 0;
    t->signal = t->modified_trend < -t->threshold ? MC_DELAY_UNDERUSE : MC_DELAY_NORMAL;
  }
  t->previous_trend = t->trend;
  update_threshold (t, now_ms);
}

/* One group's delay variation against the one before it. */
static void
add_delta (McDelayTrend *t, double arrival_delta_ms, double send_delta_ms, double arrival_ms)
{
  if (t->n_deltas < 1000)
    t->n_deltas++;
  if (t->first_arrival_ms < 0)
    t->first_arrival_ms = arrival_ms;
  t->accumulated += arrival_delta_ms - send_delta_ms;
  t->smoothed = SMOOTHING * t->smoothed + (1 - SMOOTHING) * t->accumulated;
  t->x[t->head] = arrival_ms - t->first_arrival_ms;
  t->y[t->head] = t->smoothed;
  t->head = (t->head + 1) % WINDOW;
  if (t->n_points < WINDOW)
    t->n_points++;
  if (t->n_points == WINDOW) {
    double slope = fit_slope (t);
    if (!isnan (slope))
      t->trend = slope;
  }
  detect (t, send_delta_ms, arrival_ms);
}

McDelaySignal
mc_delay_trend_packet (McDelayTrend *t, gint64 send_us, gint64 arrival_us)
{
  Group *cur = &t->current;

  if (!cur->valid) {
    *cur = (Group) { TRUE, send_us, send_us, arrival_us };
    return t->signal;
  }
  if (send_us < cur->first_send)
    return t->signal;
  if (send_us - cur->first_send <= GROUP_US) {
    cur->last_send = MAX (cur->last_send, send_us);
    cur->last_arrival = MAX (cur->last_arrival, arrival_us);
    return t->signal;
  }
  if (t->previous.valid)
    add_delta (t, (cur->last_arrival - t->previous.last_arrival) / 1000.0,
               (cur->last_send - t->previous.last_send) / 1000.0, cur->last_arrival / 1000.0);
  t->previous = *cur;
  *cur = (Group) { TRUE, send_us, send_us, arrival_us };
  return t->signal;
}

McDelaySignal
mc_delay_trend_get_signal (const McDelayTrend *t)
{
  return t->signal;
}

double
mc_delay_trend_get_trend (const McDelayTrend *t)
{
  return t->modified_trend;
}

double
mc_delay_trend_get_threshold (const McDelayTrend *t)
{
  return t->threshold;
}

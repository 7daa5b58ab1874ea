/* The bitrate controller (adapt/rate_controller.h) and its delay detector
 * (adapt/delay_trend.h) replayed against traces: a simulated bottleneck (a
 * rate, a queue of at most queue_ms that drops what does not fit, a base
 * round trip) driven by the controller's own target, reports every second
 * and the received rate every 100 ms, as the call would feed them. With
 * transport-wide feedback, every packet's arrival time is fed too. */
#include "meshcall/adapt/rate_controller.h"

#include <math.h>

#define S(x) ((gint64) ((x) * G_USEC_PER_SEC))
#define STEP_S 0.1
#define PACKET_BITS 9600.0

/* Equal but for the rounding of a product. */
#define assert_bps(got, want) g_assert_cmpfloat (fabs ((double) (got) - (double) (want)), <=, 1.0)

typedef struct {
  double capacity;      /* bit/s */
  double base_rtt_ms;
  double queue_ms;      /* at most this much queue, the rest is dropped */
  double extra_rtt_ms;  /* a delay outside the queue (a route change) */
  gboolean twcc;
  /* state */
  double queue_bits;
  double sent_bits, lost_bits;   /* since the last report */
  double total_sent, total_lost;
  double recent[5];              /* bits received in the last five steps */
  guint step;
  double t;                      /* seconds */
  double last_report;
  McRateController *c;
  guint target;
} Sim;

static void
sim_init (Sim *sim, double capacity, guint start, guint max_bps, gboolean twcc)
{
  McRateConfig cfg;

  mc_rate_config_init (&cfg);
  cfg.start_bps = start;
  cfg.max_bps = max_bps;
  *sim = (Sim) { .capacity = capacity, .base_rtt_ms = 20, .queue_ms = 50, .twcc = twcc };
  sim->c = mc_rate_controller_new (&cfg, 0);
  sim->target = start;
}

static double
queue_delay_ms (const Sim *sim)
{
  return sim->queue_bits / sim->capacity * 1000;
}

/* One 100 ms step of sending at the target through the bottleneck. */
static void
sim_step (Sim *sim)
{
  double packets = MAX (1, round (sim->target * STEP_S / PACKET_BITS));
  double limit = MAX (sim->queue_ms / 1000 * sim->capacity, 2 * PACKET_BITS);  /* a queue holds a packet or two */
  double received = 0;

  for (double k = 0; k < packets; k++) {
    double send_t = sim->t + k * STEP_S / packets;
    /* The queue drains at the capacity between packets. */
    sim->queue_bits = MAX (0, sim->queue_bits - sim->capacity * STEP_S / packets);
    sim->sent_bits += PACKET_BITS;
    sim->total_sent += PACKET_BITS;
    if (sim->queue_bits + PACKET_BITS > limit) {
      sim->lost_bits += PACKET_BITS;
      sim->total_lost += PACKET_BITS;
      continue;
    }
    sim->queue_bits += PACKET_BITS;
    received += PACKET_BITS;
    if (sim->twcc) {
      double arrival_t = send_t + (sim->base_rtt_ms / 2 + sim->extra_rtt_ms / 2 + queue_delay_ms (sim)) / 1000;
      mc_rate_controller_packet (sim->c, S (send_t), S (arrival_t) + S (1000));  /* another clock */
    }
  }
  sim->t += STEP_S;
  /* The received rate over the last half second, as the call measures it. */
  sim->recent[sim->step++ % 5] = received;
  double half_second = 0;
  for (guint i = 0; i < 5; i++)
    half_second += sim->recent[i];
  mc_rate_controller_received_rate (sim->c, S (sim->t), (guint) (half_second / (5 * STEP_S)));
  if (sim->t - sim->last_report >= 1.0 - 1e-9) {
    double loss = sim->sent_bits > 0 ? sim->lost_bits / sim->sent_bits : 0;
    mc_rate_controller_report (sim->c, S (sim->t), loss, sim->base_rtt_ms + sim->extra_rtt_ms + queue_delay_ms (sim));
    sim->sent_bits = sim->lost_bits = 0;
    sim->last_report = sim->t;
  }
  sim->target = mc_rate_controller_update (sim->c, S (sim->t));
}

/* Runs for `seconds`; returns the share of 1-s windows whose mean target lies
 * within [lo, hi] x the capacity, counting from `settle` seconds on, and the
 * loss over the whole run in *loss. */
static double
sim_run (Sim *sim, double seconds, double settle, double lo, double hi, double *loss)
{
  double end = sim->t + seconds, start = sim->t;
  double window = 0, sent = sim->total_sent, lost = sim->total_lost;
  guint windows = 0, inside = 0, n = 0;

  while (sim->t < end - 1e-9) {
    sim_step (sim);
    window += sim->target;
    if (++n == 10) {
      if (sim->t - start >= settle) {
        double mean = window / n;
        if (g_getenv ("SIM_TRACE")) {
          McRateStatus st;
          mc_rate_controller_get_status (sim->c, &st);
          g_printerr ("t %5.1f mean %7.0f as %7u ar %7u %s %s rtt %.0f loss %.3f\n", sim->t, mean, st.loss_bps,
                      st.delay_bps, mc_rate_state_to_string (st.state), mc_delay_signal_to_string (st.delay), st.rtt_ms,
                      st.fraction_lost);
        }
        windows++;
        inside += mean >= lo * sim->capacity && mean <= hi * sim->capacity;
      }
      window = 0;
      n = 0;
    }
  }
  sent = sim->total_sent - sent;
  lost = sim->total_lost - lost;
  if (loss)
    *loss = sent > 0 ? lost / sent : 0;
  return windows ? (double) inside / windows : 1;
}

static void
sim_clear (Sim *sim)
{
  g_clear_pointer (&sim->c, mc_rate_controller_free);
}

/* An idle path grows the target to the maximum and no further; the minimum
 * holds under any loss. */
static void
test_bounds (void)
{
  Sim sim;

  sim_init (&sim, 10e6, 300000, 1500000, FALSE);
  sim_run (&sim, 40, 0, 0, 1, NULL);
  g_assert_cmpuint (sim.target, ==, 1500000);
  sim_clear (&sim);

  sim_init (&sim, 30000, 300000, 1500000, FALSE);
  sim_run (&sim, 60, 0, 0, 1, NULL);
  g_assert_cmpuint (sim.target, ==, MC_RATE_DEFAULT_MIN_BPS);
  /* Narrower bounds clamp at once. */
  mc_rate_controller_set_bounds (sim.c, 50000, 80000);
  guint narrowed = mc_rate_controller_update (sim.c, S (sim.t + 0.1));
  g_assert_cmpuint (narrowed, >=, 50000);
  g_assert_cmpuint (narrowed, <=, 80000);
  sim_clear (&sim);
}

/* Loss above 10 % backs off from what got through; 2..10 % holds; under 2 %
 * grows about 8 % a second. Reports fed by hand. */
static void
test_loss_burst (void)
{
  McRateConfig cfg;
  McRateStatus st;

  mc_rate_config_init (&cfg);
  cfg.start_bps = 1000000;
  g_autoptr (McRateController) c = mc_rate_controller_new (&cfg, 0);

  for (int i = 1; i <= 3; i++) {
    mc_rate_controller_received_rate (c, S (i), 1000000);
    mc_rate_controller_report (c, S (i), 0.0, 20);
    mc_rate_controller_update (c, S (i));
  }
  guint before = mc_rate_controller_update (c, S (3));
  g_assert_cmpuint (before, >, 1200000);   /* 1.08^3 */
  /* A burst: 30 % lost while 700 kbit/s got through. */
  mc_rate_controller_received_rate (c, S (4), 700000);
  mc_rate_controller_report (c, S (4), 0.3, 20);
  guint after = mc_rate_controller_update (c, S (4));
  assert_bps (after, 700000 * 0.85);
  mc_rate_controller_get_status (c, &st);
  g_assert_cmpfloat_with_epsilon (st.fraction_lost, 0.3, 1e-9);
  g_assert_false (st.transport_cc);
  /* 5 %: held, report after report. */
  for (int i = 5; i <= 8; i++) {
    mc_rate_controller_received_rate (c, S (i), 590000);
    mc_rate_controller_report (c, S (i), 0.05, 20);
    g_assert_cmpuint (mc_rate_controller_update (c, S (i)), ==, after);
  }
  /* Clean again: grows 8 % a second. */
  mc_rate_controller_received_rate (c, S (9), 590000);
  mc_rate_controller_report (c, S (9), 0.0, 20);
  guint grown = mc_rate_controller_update (c, S (9));
  assert_bps (grown, after * 1.08);
}

/* Without transport-wide feedback, a round trip that jumps (a queue building)
 * backs off at once, and it grows again once the round trip is back. */
static void
test_rtt_spike (void)
{
  McRateConfig cfg;
  McRateStatus st;

  mc_rate_config_init (&cfg);
  cfg.start_bps = 800000;
  g_autoptr (McRateController) c = mc_rate_controller_new (&cfg, 0);
  guint t = 0;

  for (int i = 1; i <= 5; i++) {
    mc_rate_controller_received_rate (c, S (i), 800000);
    mc_rate_controller_report (c, S (i), 0, 20);
    t = mc_rate_controller_update (c, S (i));
  }
  g_assert_cmpuint (t, >, 800000);
  /* 20 -> 120 -> 250 ms. */
  mc_rate_controller_received_rate (c, S (6), 800000);
  mc_rate_controller_report (c, S (6), 0, 120);
  guint first = mc_rate_controller_update (c, S (6));
  mc_rate_controller_get_status (c, &st);
  g_assert_cmpint (st.delay, ==, MC_DELAY_OVERUSE);
  assert_bps (first, 0.85 * 800000);
  mc_rate_controller_received_rate (c, S (7), 680000);
  mc_rate_controller_report (c, S (7), 0, 250);
  guint second = mc_rate_controller_update (c, S (7));
  assert_bps (second, 0.85 * 680000);
  /* Falling: draining, held. */
  mc_rate_controller_received_rate (c, S (8), 578000);
  mc_rate_controller_report (c, S (8), 0, 90);
  g_assert_cmpuint (mc_rate_controller_update (c, S (8)), ==, second);
  mc_rate_controller_get_status (c, &st);
  g_assert_cmpint (st.delay, ==, MC_DELAY_UNDERUSE);
  g_assert_cmpint (st.state, ==, MC_RATE_HOLD);
  /* Back to 20 ms: grows again. */
  guint last = second;
  for (int i = 9; i <= 14; i++) {
    mc_rate_controller_received_rate (c, S (i), last);
    mc_rate_controller_report (c, S (i), 0, 20);
    guint now = mc_rate_controller_update (c, S (i));
    g_assert_cmpuint (now, >, last);
    last = now;
  }
  mc_rate_controller_get_status (c, &st);
  g_assert_cmpint (st.delay, ==, MC_DELAY_NORMAL);
  g_assert_cmpfloat (st.min_rtt_ms, ==, 20);
}

/* A slow ramp of the capacity, 300 kbit/s to 1.5 Mbit/s over a minute: the
 * target follows it without losing much, with and without transport-cc. */
static void
test_slow_ramp (void)
{
  for (int twcc = 0; twcc <= 1; twcc++) {
    Sim sim;
    double loss, lost_total = 0, sent_total = 0;

    sim_init (&sim, 300000, 300000, 2000000, twcc);
    for (int i = 0; i < 60; i++) {
      sim.capacity = 300000 + 1200000.0 * i / 60;
      sim_run (&sim, 1, 0, 0, 1, &loss);
      lost_total += loss;
      sent_total += 1;
    }
    sim_run (&sim, 10, 0, 0, 1, NULL);
    g_test_message ("ramp (twcc %d): end target %u for 1.5 Mbit/s, mean loss %.1f %%", twcc, sim.target,
                    100 * lost_total / sent_total);
    g_assert_cmpfloat (sim.target, >=, 0.7 * 1500000);
    g_assert_cmpfloat (lost_total / sent_total, <, 0.05);
    sim_clear (&sim);
  }
}

/* A link capped at 600 kbit/s below a 1 Mbit/s sender: it settles inside
 * 70 %..115 % of the cap (the cap plus its queue), and climbs back to 80 %
 * of the old rate within 8 s of the lift. */
static void
test_cap_and_recovery (void)
{
  for (int twcc = 0; twcc <= 1; twcc++) {
    Sim sim;
    double loss;

    sim_init (&sim, 5e6, 1000000, 1000000, twcc);
    sim_run (&sim, 5, 0, 0, 1, NULL);
    g_assert_cmpuint (sim.target, ==, 1000000);
    sim.capacity = 600000;
    double inside = sim_run (&sim, 30, 8, 0.7, 1.15, &loss);
    g_test_message ("cap (twcc %d): %.0f %% of windows inside, loss %.1f %%, target %u", twcc, 100 * inside,
                    100 * loss, sim.target);
    g_assert_cmpfloat (inside, >=, 0.8);
    sim.capacity = 5e6;
    double back = -1;
    for (int i = 0; i < 200 && back < 0; i++) {
      sim_step (&sim);
      if (sim.target >= 800000)
        back = (i + 1) * STEP_S;
    }
    g_test_message ("lift (twcc %d): back to 80 %% in %.1f s", twcc, back);
    g_assert_cmpfloat (back, >, 0);
    g_assert_cmpfloat (back, <=, 8.0);
    sim_clear (&sim);
  }
}

/* Random loss of 2-5 % without a cap (a radio link): held, not collapsed. */
static void
test_random_loss_holds (void)
{
  McRateConfig cfg;

  mc_rate_config_init (&cfg);
  cfg.start_bps = 900000;
  g_autoptr (McRateController) c = mc_rate_controller_new (&cfg, 0);
  GRand *rand = g_rand_new_with_seed (7);
  guint t = 900000;

  for (int i = 1; i <= 120; i++) {
    mc_rate_controller_received_rate (c, S (i), t);
    mc_rate_controller_report (c, S (i), g_rand_double_range (rand, 0.02, 0.05), 20 + g_rand_int_range (rand, 0, 5));
    t = mc_rate_controller_update (c, S (i));
  }
  g_rand_free (rand);
  g_assert_cmpuint (t, ==, 900000);
}

/* The delay detector alone: a steady path is normal, a queue growing by
 * 3 ms a frame is overuse within 20 frames, a draining one underuse. */
static void
test_delay_trend (void)
{
  g_autoptr (McDelayTrend) d = mc_delay_trend_new ();
  gint64 send = 0;

  /* A frame every 33 ms, sent as one burst of 4 packets, arriving 10 ms later. */
  for (int f = 0; f < 100; f++, send += 33000)
    for (int k = 0; k < 4; k++)
      mc_delay_trend_packet (d, send + k * 500, send + k * 500 + 10000);
  g_assert_cmpint (mc_delay_trend_get_signal (d), ==, MC_DELAY_NORMAL);
  /* Each frame arrives 3 ms later than the one before (a growing queue). */
  gint64 queue = 0;
  int overuse_after = -1;
  for (int f = 0; f < 40; f++, send += 33000, queue += 3000) {
    for (int k = 0; k < 4; k++)
      mc_delay_trend_packet (d, send + k * 500, send + k * 500 + 10000 + queue);
    if (overuse_after < 0 && mc_delay_trend_get_signal (d) == MC_DELAY_OVERUSE)
      overuse_after = f;
  }
  g_test_message ("overuse after %d frames", overuse_after);
  g_assert_cmpint (overuse_after, >=, 0);
  g_assert_cmpint (overuse_after, <, 20);   /* 0.66 s: the smoothing and the 20-point fit lag */
  /* Draining 5 ms a frame. */
  gboolean underuse = FALSE;
  for (int f = 0; f < 20 && queue > 0; f++, send += 33000, queue -= 5000) {
    for (int k = 0; k < 4; k++)
      mc_delay_trend_packet (d, send + k * 500, send + k * 500 + 10000 + queue);
    underuse |= mc_delay_trend_get_signal (d) == MC_DELAY_UNDERUSE;
  }
  g_assert_true (underuse);
  g_assert_cmpfloat (mc_delay_trend_get_threshold (d), >=, 6);
  g_assert_cmpfloat (mc_delay_trend_get_threshold (d), <=, 600);
  /* Packets from before the current group are ignored. */
  McDelaySignal s = mc_delay_trend_get_signal (d);
  g_assert_cmpint (mc_delay_trend_packet (d, 0, 0), ==, s);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/rate-controller/bounds", test_bounds);
  g_test_add_func ("/rate-controller/loss-burst", test_loss_burst);
  g_test_add_func ("/rate-controller/rtt-spike", test_rtt_spike);
  g_test_add_func ("/rate-controller/slow-ramp", test_slow_ramp);
  g_test_add_func ("/rate-controller/cap-and-recovery", test_cap_and_recovery);
  g_test_add_func ("/rate-controller/random-loss-holds", test_random_loss_holds);
  g_test_add_func ("/rate-controller/delay-trend", test_delay_trend);
  return g_test_run ();
}

/* The call's send adaptation (call_private.h): one rate controller per
 * remote participant (adapt/rate_controller.h) fed from what its peer
 * reports (McPeerFeedback: receiver reports, transport-wide feedback), the
 * tier plan (adapt/tiers.h) over their estimates, and the plan carried out
 * on the capture: each tier encoder's bitrate, every 200 ms.
 *
 * Estimates are of everything we send a peer (audio and video, RTP bytes);
 * a tier's video encoder gets its estimate less the audio we send. The
 * rate a peer receives comes from transport-wide feedback where it is
 * negotiated (the bytes it reports received over the last 500 ms of its
 * clock), else from its receiver reports (packets received between two
 * reports at least 400 ms apart, times our average video packet size, plus
 * the audio we send). */
#include "call_private.h"

#include "meshcall/base/log.h"

#include <math.h>

#define MC_LOG_CATEGORY (&mc_log_media)

#define ADAPT_TICK_MS 200
#define RR_RATE_MIN_US (400 * 1000)
#define TWCC_RATE_WINDOW_US (500 * 1000)
#define AUDIO_ALPHA 0.3
#define BITRATE_STEP 0.03   /* encoder changes smaller than this are not applied */

struct _CallAdaptPeer {
  McRateController *rate;
  McPeer *peer;                  /* the McPeer the report anchors below belong to (not a ref) */
  /* receiver reports: the anchor of the received-rate measure */
  gboolean have_anchor;
  gint64 anchor_us;
  guint32 anchor_seq;
  gint32 anchor_lost;
  guint64 anchor_bytes, anchor_packets;   /* our video counters then */
  /* transport-wide feedback: received packets of the last window, their clock */
  GArray *arrivals;              /* Arrival */
  gint64 twcc_us;                /* when feedback last came (0 never) */
  /* our audio send rate, bit/s (smoothed), from the counters */
  double audio_bps;
  guint64 audio_bytes;
  gint64 audio_us;
};

typedef struct {
  gint64 arrival_us;
  guint size;
} Arrival;

static gint64
now_us (void)
{
  return g_get_monotonic_time ();
}

CallAdaptPeer *
call_adapt_peer_new (McCall *call)
{
  CallAdaptPeer *a = g_new0 (CallAdaptPeer, 1);
  McRateConfig cfg;

  mc_rate_config_init (&cfg);
  cfg.min_bps = call->cfg.min_bitrate_kbps * 1000;
  cfg.max_bps = call->adapt_max_bps;
  cfg.start_bps = call->adapt_start_bps;
  a->rate = mc_rate_controller_new (&cfg, now_us ());
  a->arrivals = g_array_new (FALSE, FALSE, sizeof (Arrival));
  return a;
}

void
call_adapt_peer_free (CallAdaptPeer *a)
{
  if (a == NULL)
    return;
  mc_rate_controller_free (a->rate);
  g_array_unref (a->arrivals);
  g_free (a);
}

/* A new McPeer (a rebuild) starts its sequence numbers and counters anew. */
static void
follow_peer (CallAdaptPeer *a, McPeer *peer)
{
  if (a->peer == peer)
    return;
  a->peer = peer;
  a->have_anchor = FALSE;
  g_array_set_size (a->arrivals, 0);
  a->audio_us = 0;
}

static void
update_audio_rate (CallAdaptPeer *a, const McPeerCounters *c, gint64 now)
{
  if (a->audio_us > 0 && now - a->audio_us >= RR_RATE_MIN_US && c->audio_bytes_sent >= a->audio_bytes) {
    double bps = (c->audio_bytes_sent - a->audio_bytes) * 8.0 * G_USEC_PER_SEC / (now - a->audio_us);
    a->audio_bps = a->audio_bps > 0 ? (1 - AUDIO_ALPHA) * a->audio_bps + AUDIO_ALPHA * bps : bps;
  }
  if (a->audio_us == 0 || now - a->audio_us >= RR_RATE_MIN_US) {
    a->audio_bytes = c->audio_bytes_sent;
    a->audio_us = now;
  }
}

/* The received rate from two reports: the packets between them that were
 * not lost, at our average video packet size. */
static void
report_received_rate (CallAdaptPeer *a, const McPeerFeedback *fb, const McPeerCounters *c)
{
  if (a->have_anchor && fb->time_us - a->anchor_us < RR_RATE_MIN_US)
    return;
  if (a->have_anchor && fb->ext_highest_seq >= a->anchor_seq && c->video_packets_sent > a->anchor_packets) {
    double packets = (double) (fb->ext_highest_seq - a->anchor_seq) - (double) (fb->cumulative_lost - a->anchor_lost);
    double size = (double) (c->video_bytes_sent - a->anchor_bytes) / (double) (c->video_packets_sent - a->anchor_packets);
    double bps = MAX (packets, 0) * size * 8.0 * G_USEC_PER_SEC / (fb->time_us - a->anchor_us) + a->audio_bps;
    /* Feedback over transport-wide cc measures it better; it wins while fresh. */
    if (a->twcc_us == 0 || fb->time_us - a->twcc_us > G_USEC_PER_SEC)
      mc_rate_controller_received_rate (a->rate, fb->time_us, (guint) bps);
  }
  a->have_anchor = TRUE;
  a->anchor_us = fb->time_us;
  a->anchor_seq = fb->ext_highest_seq;
  a->anchor_lost = fb->cumulative_lost;
  a->anchor_bytes = c->video_bytes_sent;
  a->anchor_packets = c->video_packets_sent;
}

static void
twcc_received_rate (CallAdaptPeer *a, const McPeerFeedback *fb)
{
  gint64 newest = G_MININT64;
  guint64 bytes = 0;
  guint keep = 0;

  for (guint i = 0; i < fb->n_packets; i++) {
    const McPeerTwccPacket *p = &fb->packets[i];
    if (p->lost)
      continue;
    Arrival arr = { p->arrival_us, p->size };
    g_array_append_val (a->arrivals, arr);
  }
  for (guint i = 0; i < a->arrivals->len; i++)
    newest = MAX (newest, g_array_index (a->arrivals, Arrival, i).arrival_us);
  /* Keep the last window (their clock), then sum it. */
  for (guint i = 0; i < a->arrivals->len; i++) {
    Arrival *arr = &g_array_index (a->arrivals, Arrival, i);
    if (newest - arr->arrival_us <= TWCC_RATE_WINDOW_US) {
      g_array_index (a->arrivals, Arrival, keep++) = *arr;
      bytes += arr->size;
    }
  }
  g_array_set_size (a->arrivals, keep);
  if (keep > 0 && a->twcc_us > 0)
    mc_rate_controller_received_rate (a->rate, fb->time_us, (guint) (bytes * 8 * G_USEC_PER_SEC / TWCC_RATE_WINDOW_US));
  a->twcc_us = fb->time_us;
}

void
call_adapt_feedback (McCall *call, Entry *e, const McPeerFeedback *fb)
{
  CallAdaptPeer *a = e->adapt;
  McPeerCounters c;

  if (a == NULL || e->peer == NULL)
    return;
  follow_peer (a, e->peer);
  mc_peer_get_counters (e->peer, &c);
  if (fb->has_report) {
    mc_rate_controller_report (a->rate, fb->time_us, fb->fraction_lost, fb->rtt_ms);
    report_received_rate (a, fb, &c);
  }
  if (fb->n_packets > 0) {
    for (guint i = 0; i < fb->n_packets; i++)
      if (!fb->packets[i].lost)
        mc_rate_controller_packet (a->rate, fb->packets[i].send_us, fb->packets[i].arrival_us);
    twcc_received_rate (a, fb);
  }
}

/* ---- the plan, carried out --------------------------------------------------- */

/* Plan tier i is capture tier i: made when first needed (at most
 * MC_CAPTURE_MAX_TIERS), idle without subscribers (capture.h). */
static void
apply_tiers (McCall *call, double audio_bps)
{
  guint n = mc_tiers_get_n_tiers (call->tiers);
  GHashTableIter it;
  gpointer value;

  for (guint i = 0; i < n; i++) {
    const McTier *t = mc_tiers_get_tier (call->tiers, i);
    McCaptureTierInfo info;
    double video_bps = MAX ((double) t->bitrate_bps - audio_bps, call->cfg.min_bitrate_kbps * 1000.0 / 2);
    guint kbps = (guint) MAX (video_bps / 1000, 1);
    if (i >= mc_capture_get_n_tiers (call->capture)) {
      g_autoptr (GError) error = NULL;
      if (mc_capture_add_tier (call->capture, t->format.width, t->format.height, t->format.fps, kbps, &error) < 0) {
        MC_WARNING ("no tier %u: %s", i, error->message);
        n = i;
        break;
      }
    }
    if (!mc_capture_get_tier_info (call->capture, i, &info))
      continue;
    mc_capture_set_tier_format (call->capture, i, t->format.width, t->format.height, t->format.fps);
    if (fabs ((double) kbps - info.bitrate_kbps) >= BITRATE_STEP * info.bitrate_kbps)
      mc_capture_set_tier_bitrate (call->capture, i, kbps);
  }
  g_hash_table_iter_init (&it, call->entries);
  while (g_hash_table_iter_next (&it, NULL, &value)) {
    Entry *e = value;
    int want = mc_tiers_get_peer_tier (call->tiers, e->peer_id);
    int now = e->peer ? mc_peer_get_tier (e->peer) : -1;
    if (want < 0 || now < 0 || want == now || (guint) want >= n)
      continue;
    MC_INFO ("%s: to tier %d (from %d)", e->name, want, now);
    mc_peer_set_tier (e->peer, (guint) want);
  }
}

static gboolean
on_adapt_tick (gpointer data)
{
  McCall *call = data;
  GHashTableIter it;
  gpointer value;
  gint64 now = now_us ();
  double audio_bps = 0;

  g_hash_table_iter_init (&it, call->entries);
  while (g_hash_table_iter_next (&it, NULL, &value)) {
    Entry *e = value;
    McPeerCounters c;
    guint target;
    if (e->adapt == NULL)
      continue;
    if (e->peer == NULL || mc_peer_get_state (e->peer) != MC_PEER_STATE_CONNECTED || mc_peer_get_tier (e->peer) < 0) {
      /* Not receiving from us now: it must not hold a tier down. */
      mc_tiers_remove (call->tiers, e->peer_id);
      continue;
    }
    follow_peer (e->adapt, e->peer);
    mc_peer_get_counters (e->peer, &c);
    update_audio_rate (e->adapt, &c, now);
    audio_bps = MAX (audio_bps, e->adapt->audio_bps);
    target = mc_rate_controller_update (e->adapt->rate, now);
    mc_tiers_set_estimate (call->tiers, e->peer_id, target);
  }
  mc_tiers_update (call->tiers, now);
  apply_tiers (call, audio_bps);
  return G_SOURCE_CONTINUE;
}

void
call_adapt_start (McCall *call)
{
  McTierFormat top = { call->cfg.media.width, call->cfg.media.height, call->cfg.media.fps };

  if (call->capture == NULL || !mc_capture_has_video (call->capture))
    return;
  call->tiers = mc_tiers_new (&top, MIN (MC_TIERS_MAX, MC_CAPTURE_MAX_TIERS));
  call->adapt_timer = g_timeout_add (ADAPT_TICK_MS, on_adapt_tick, call);
}

void
call_adapt_stop (McCall *call)
{
  g_clear_handle_id (&call->adapt_timer, g_source_remove);
  g_clear_pointer (&call->tiers, mc_tiers_free);
}

guint
call_adapt_tier_for (McCall *call, Entry *e)
{
  int t = call->tiers ? mc_tiers_get_peer_tier (call->tiers, e->peer_id) : -1;

  return t > 0 && (guint) t < mc_capture_get_n_tiers (call->capture) ? (guint) t : 0;
}

void
call_adapt_fill_stats (McCall *call, Entry *e)
{
  McCallStatsPeer *p = e->stats;
  McRateStatus st;

  p->estimate_kbps = p->loss_estimate_kbps = p->delay_estimate_kbps = p->remote_received_kbps = -1;
  p->adapt_state = p->delay_signal = NULL;
  p->transport_cc = FALSE;
  if (e->adapt == NULL || call->tiers == NULL)
    return;
  mc_rate_controller_get_status (e->adapt->rate, &st);
  p->estimate_kbps = st.target_bps / 1000.0;
  p->loss_estimate_kbps = st.loss_bps / 1000.0;
  p->delay_estimate_kbps = st.delay_bps / 1000.0;
  p->remote_received_kbps = st.received_bps > 0 ? st.received_bps / 1000.0 : -1;
  p->adapt_state = mc_rate_state_to_string (st.state);
  p->delay_signal = mc_delay_signal_to_string (st.delay);
  p->transport_cc = st.transport_cc;
}

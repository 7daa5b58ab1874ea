/* Staying connected to one peer (recovery.h): a pure schedule. */
#include "meshcall/call/recovery.h"
#include "meshcall/base/backoff.h"

struct _McRecovery {
  gboolean offer_side;
  gboolean signaling_up;
  McRecoveryPhase phase;
  guint attempts;          /* restarts + rebuilds in this outage */
  guint restarts;          /* in-place restarts in this outage */
  guint rebuilds;          /* rebuilds in this outage (their back-off) */
  gboolean restart_out;    /* our restart offer waits for its answer */
  gint64 restart_out_at;   /* ... since then */
  gboolean resend_ok;      /* ... and signaling re-joined since it went out */
  gboolean scheduled;      /* a next step is due at next_at (else an event moves us on) */
  gint64 next_at;
  gint64 since;            /* the outage began; 0 = none */
};

/* The offer side: 1, 2, 4 ... 30 s. The other side waits twice as long and
 * 2 s more, so that the offer side's attempt comes first. */
static const McBackoff rebuild_backoff = { 1000, 30000, 0 };

const char *
mc_recovery_phase_to_string (McRecoveryPhase phase)
{
  switch (phase) {
  case MC_RECOVERY_IDLE: return "idle";
  case MC_RECOVERY_INTERRUPTED: return "interrupted";
  case MC_RECOVERY_REBUILDING: return "rebuilding";
  }
  return "unknown";
}

const char *
mc_recovery_action_to_string (McRecoveryAction action)
{
  switch (action) {
  case MC_RECOVERY_NONE: return "none";
  case MC_RECOVERY_RESTART_ICE: return "restart-ice";
  case MC_RECOVERY_REBUILD: return "rebuild";
  }
  return "unknown";
}

McRecovery *
mc_recovery_new (gboolean offer_side, gboolean signaling_up)
{
  McRecovery *r = g_new0 (McRecovery, 1);

  r->offer_side = offer_side;
  r->signaling_up = signaling_up;
  return r;
}

void
mc_recovery_set_offer_side (McRecovery *r, gboolean offer_side)
{
  r->offer_side = offer_side;
}

void
mc_recovery_free (McRecovery *r)
{
  g_free (r);
}

static gint64
rebuild_delay_us (const McRecovery *r)
{
  gint64 ms = mc_backoff_delay_ms (&rebuild_backoff, r->rebuilds, 0);

  if (!r->offer_side)
    ms = ms * 2 + 2000;
  return ms * 1000;
}

static void
due_at (McRecovery *r, gint64 t)
{
  r->scheduled = TRUE;
  r->next_at = t;
}

static void
not_due (McRecovery *r)
{
  r->scheduled = FALSE;
  r->next_at = 0;
}

static void
begin_outage (McRecovery *r, McRecoveryPhase phase, gint64 now_us)
{
  if (r->phase == MC_RECOVERY_IDLE) {
    r->since = now_us;
    r->attempts = r->restarts = r->rebuilds = 0;
  }
  r->phase = phase;
  r->restart_out = r->resend_ok = FALSE;
}

void
mc_recovery_media_stopped (McRecovery *r, gint64 now_us)
{
  if (r->phase != MC_RECOVERY_IDLE)
    return;
  begin_outage (r, MC_RECOVERY_INTERRUPTED, now_us);
  due_at (r, now_us + (r->offer_side ? 0 : MC_RECOVERY_OTHER_SIDE_WAIT_US));
}

void
mc_recovery_media_flowing (McRecovery *r, gint64 now_us)
{
  r->phase = MC_RECOVERY_IDLE;
  r->attempts = r->restarts = r->rebuilds = 0;
  r->restart_out = r->resend_ok = FALSE;
  not_due (r);
  r->since = 0;
}

void
mc_recovery_failed (McRecovery *r, gint64 now_us)
{
  begin_outage (r, MC_RECOVERY_REBUILDING, now_us);
  due_at (r, now_us + rebuild_delay_us (r));
}

void
mc_recovery_path_lost (McRecovery *r, gint64 now_us)
{
  begin_outage (r, MC_RECOVERY_REBUILDING, now_us);
  due_at (r, now_us);
}

void
mc_recovery_restart_answered (McRecovery *r, gint64 now_us)
{
  r->restart_out = r->resend_ok = FALSE;
  if (r->phase == MC_RECOVERY_INTERRUPTED)
    due_at (r, now_us + MC_RECOVERY_ANSWERED_GRACE_US);
}

void
mc_recovery_remote_restarted (McRecovery *r, gint64 now_us)
{
  r->restart_out = r->resend_ok = FALSE;
  gint64 wait = r->offer_side ? MC_RECOVERY_ANSWERED_GRACE_US : MC_RECOVERY_OTHER_SIDE_WAIT_US;

  if (r->phase == MC_RECOVERY_INTERRUPTED)
    due_at (r, r->scheduled ? MAX (r->next_at, now_us + wait) : now_us + wait);
}

void
mc_recovery_signaling (McRecovery *r, gboolean up, gint64 now_us)
{
  gboolean rejoined = up && !r->signaling_up;

  r->signaling_up = up;
  /* A restart sent before the outage may be lost with the old connection. */
  if (rejoined && r->restart_out && r->phase == MC_RECOVERY_INTERRUPTED) {
    r->resend_ok = TRUE;
    due_at (r, now_us);
  }
}

McRecoveryAction
mc_recovery_poll (McRecovery *r, gint64 now_us, gboolean restart_possible)
{
  if (r->phase == MC_RECOVERY_IDLE || !r->scheduled || now_us < r->next_at || !r->signaling_up)
    return MC_RECOVERY_NONE;
  /* The offer side restarts in place; the other side only rebuilds. */
  if (r->phase == MC_RECOVERY_INTERRUPTED && r->offer_side && r->restarts < MC_RECOVERY_MAX_RESTARTS) {
    if (r->restart_out && !r->resend_ok && now_us < r->restart_out_at + MC_RECOVERY_ANSWER_WAIT_US) {
      /* Its answer or a re-join moves us on; else, in time, another one. */
      due_at (r, r->restart_out_at + MC_RECOVERY_ANSWER_WAIT_US);
      return MC_RECOVERY_NONE;
    }
    if (!restart_possible) {
      due_at (r, now_us + G_USEC_PER_SEC);   /* a negotiation is under way: look again */
      return MC_RECOVERY_NONE;
    }
    r->restarts++;
    r->attempts++;
    r->restart_out = TRUE;
    r->restart_out_at = now_us;
    r->resend_ok = FALSE;
    due_at (r, now_us + MC_RECOVERY_ANSWER_WAIT_US);
    return MC_RECOVERY_RESTART_ICE;
  }
  /* Rebuilding, or restarts in place did not help. */
  r->phase = MC_RECOVERY_REBUILDING;
  r->restart_out = r->resend_ok = FALSE;
  r->rebuilds++;
  r->attempts++;
  not_due (r);   /* the new peer connects (media flowing) or fails */
  return MC_RECOVERY_REBUILD;
}

gint64
mc_recovery_get_deadline (const McRecovery *r)
{
  if (r->phase == MC_RECOVERY_IDLE || !r->signaling_up || !r->scheduled)
    return 0;
  return MAX (r->next_at, 1);   /* 0 means none */
}

McRecoveryPhase
mc_recovery_get_phase (const McRecovery *r)
{
  return r->phase;
}

guint
mc_recovery_get_attempts (const McRecovery *r)
{
  return r->attempts;
}

gint64
mc_recovery_get_since (const McRecovery *r)
{
  return r->since;
}

/* The negotiation state machine (see negotiation.h). No GStreamer here: the
 * decisions are plain data, and tests/unit/test_negotiation.c drives every
 * transition without a pipeline. */
#include "meshcall/peer/negotiation.h"
#include "meshcall/peer/sdp_error.h"

struct _McNegotiation {
  McNegotiationState state;
  gboolean polite;           /* glare: we restart as the answerer */
  gboolean offerer;          /* our offer started the current session */
  gboolean offer_sent;       /* OFFERING: our offer is out, an answer may come */
  gboolean restarting;       /* OFFERING: that offer restarts ICE */
  /* What webrtcbin is working on: an event it reports is taken only when
   * one is expected, so a stray or late one cannot move the machine. */
  guint offers_applying;     /* their offers handed to set-remote-description */
  guint answers_creating;    /* our answers asked of create-answer */
  gboolean answer_applying;  /* their answer handed to set-remote-description */
  gboolean has_remote;       /* a remote description is in force in webrtcbin */
  gboolean expects_media;    /* the last remote description lets them send */
  char *remote_session, *remote_ufrag, *remote_fingerprint;   /* the remote session's identity */
  gboolean have_remote;      /* a remote description was taken (the identity above is known) */
  GPtrArray *pending;        /* McNegotiationCandidate*, before has_remote */
  guint answer_timeout_ms;
};

const char *
mc_negotiation_state_to_string (McNegotiationState state)
{
  switch (state) {
  case MC_NEGOTIATION_IDLE: return "idle";
  case MC_NEGOTIATION_OFFERING: return "offering";
  case MC_NEGOTIATION_ANSWERING: return "answering";
  case MC_NEGOTIATION_STABLE: return "stable";
  case MC_NEGOTIATION_FAILED: return "failed";
  case MC_NEGOTIATION_CLOSED: return "closed";
  }
  return "unknown";
}

const char *
mc_negotiation_action_to_string (McNegotiationAction action)
{
  switch (action) {
  case MC_NEGOTIATION_IGNORE: return "ignore";
  case MC_NEGOTIATION_CREATE_OFFER: return "create-offer";
  case MC_NEGOTIATION_APPLY: return "apply";
  case MC_NEGOTIATION_CREATE_ANSWER: return "create-answer";
  case MC_NEGOTIATION_START_TIMER: return "start-timer";
  case MC_NEGOTIATION_ADD_CANDIDATE: return "add-candidate";
  case MC_NEGOTIATION_QUEUE: return "queue";
  case MC_NEGOTIATION_FLUSH: return "flush";
  case MC_NEGOTIATION_RECREATE_AS_ANSWERER: return "recreate-as-answerer";
  case MC_NEGOTIATION_RECREATE: return "recreate";
  case MC_NEGOTIATION_REJECT: return "reject";
  case MC_NEGOTIATION_FAIL_NO_ANSWER: return "fail-no-answer";
  case MC_NEGOTIATION_FAIL_NEW_SESSION: return "fail-new-session";
  }
  return "unknown";
}

static void
candidate_free (McNegotiationCandidate *c)
{
  g_free (c->candidate);
  g_free (c);
}

static GPtrArray *
candidates_new (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify) candidate_free);
}

void
mc_negotiation_decision_clear (McNegotiationDecision *decision)
{
  g_clear_pointer (&decision->why, g_free);
  g_clear_pointer (&decision->flush, g_ptr_array_unref);
  g_clear_error (&decision->error);
}

McNegotiation *
mc_negotiation_new (const char *local_id, const char *remote_id, guint answer_timeout_ms)
{
  McNegotiation *n = g_new0 (McNegotiation, 1);

  n->state = MC_NEGOTIATION_IDLE;
  n->polite = g_strcmp0 (local_id, remote_id) < 0;
  n->pending = candidates_new ();
  n->answer_timeout_ms = answer_timeout_ms;
  return n;
}

void
mc_negotiation_free (McNegotiation *n)
{
  if (n == NULL)
    return;
  g_free (n->remote_session);
  g_free (n->remote_ufrag);
  g_free (n->remote_fingerprint);
  g_ptr_array_unref (n->pending);
  g_free (n);
}

static McNegotiationDecision
decide (McNegotiationAction action, const char *why)
{
  McNegotiationDecision d = { .action = action, .why = g_strdup (why) };
  return d;
}

/* FAILED and CLOSED take no event. */
static gboolean
is_over (const McNegotiation *n)
{
  return n->state == MC_NEGOTIATION_FAILED || n->state == MC_NEGOTIATION_CLOSED;
}

McNegotiationDecision
mc_negotiation_start_offer (McNegotiation *n)
{
  McNegotiationDecision d;

  if (n->state != MC_NEGOTIATION_IDLE)
    return decide (MC_NEGOTIATION_IGNORE, is_over (n) ? NULL : "already negotiating: not offering");
  n->state = MC_NEGOTIATION_OFFERING;
  n->offerer = TRUE;
  d = decide (MC_NEGOTIATION_CREATE_OFFER, NULL);
  d.build_send = TRUE;
  return d;
}

gboolean
mc_negotiation_can_restart_ice (const McNegotiation *n)
{
  return n->state == MC_NEGOTIATION_STABLE ||
         (n->state == MC_NEGOTIATION_OFFERING && n->restarting && n->offer_sent);
}

McNegotiationDecision
mc_negotiation_restart_ice (McNegotiation *n)
{
  McNegotiationDecision d;

  if (!mc_negotiation_can_restart_ice (n)) {
    if (is_over (n))
      return decide (MC_NEGOTIATION_IGNORE, NULL);
    d = decide (MC_NEGOTIATION_IGNORE, NULL);
    d.why = g_strdup_printf ("no ICE restart while %s", mc_negotiation_state_to_string (n->state));
    return d;
  }
  n->state = MC_NEGOTIATION_OFFERING;
  n->offerer = TRUE;
  n->restarting = TRUE;
  n->offer_sent = FALSE;
  /* Their candidates of the old generation are of no use to the new one. */
  n->has_remote = FALSE;
  g_ptr_array_set_size (n->pending, 0);
  d = decide (MC_NEGOTIATION_CREATE_OFFER, NULL);
  d.ice_restart = TRUE;
  return d;
}

McNegotiationDecision
mc_negotiation_local_offer (McNegotiation *n)
{
  if (n->state != MC_NEGOTIATION_OFFERING || n->offer_sent)
    return decide (MC_NEGOTIATION_IGNORE, NULL);
  n->offer_sent = TRUE;
  /* A restart has no answer timer: the connection is there, and how long
   * to wait for a peer that may be frozen is the call's recovery's call. */
  if (n->restarting)
    return decide (MC_NEGOTIATION_IGNORE, NULL);
  return decide (MC_NEGOTIATION_START_TIMER, NULL);
}

/* Their description is in force from here on: the queue goes to webrtcbin. */
static McNegotiationDecision
flush (McNegotiation *n)
{
  McNegotiationDecision d = decide (MC_NEGOTIATION_FLUSH, NULL);

  n->has_remote = TRUE;
  d.flush = g_steal_pointer (&n->pending);
  n->pending = candidates_new ();
  return d;
}

McNegotiationDecision
mc_negotiation_local_answer (McNegotiation *n)
{
  if (is_over (n) || n->answers_creating == 0)
    return decide (MC_NEGOTIATION_IGNORE, NULL);
  n->answers_creating--;
  /* Stable once every offer taken is answered (a second one may have come). */
  if (n->offers_applying == 0 && n->answers_creating == 0)
    n->state = MC_NEGOTIATION_STABLE;
  return flush (n);
}

static void
take_remote (McNegotiation *n, const McNegotiationRemote *remote)
{
  n->have_remote = TRUE;
  g_free (n->remote_session);
  n->remote_session = g_strdup (remote->session_id);
  g_free (n->remote_ufrag);
  n->remote_ufrag = g_strdup (remote->ice_ufrag);
  g_free (n->remote_fingerprint);
  n->remote_fingerprint = g_strdup (remote->fingerprint);
  n->expects_media = remote->sends_media;
}

/* The same peer connection on their side: its SDP session id (o=, constant
 * for a connection's life, JSEP 5.2.1) and DTLS fingerprint. The id is what
 * tells a new connection from the same process apart: its webrtcbins share
 * one certificate. */
static gboolean
same_connection (const McNegotiation *n, const McNegotiationRemote *remote)
{
  return n->have_remote && g_strcmp0 (remote->session_id, n->remote_session) == 0 &&
         g_strcmp0 (remote->fingerprint, n->remote_fingerprint) == 0;
}

static gboolean
same_session (const McNegotiation *n, const McNegotiationRemote *remote)
{
  return same_connection (n, remote) && g_strcmp0 (remote->ice_ufrag, n->remote_ufrag) == 0;
}

/* The same connection with new ICE credentials. */
static gboolean
is_ice_restart (const McNegotiation *n, const McNegotiationRemote *remote)
{
  return remote->ice_ufrag != NULL && n->remote_ufrag != NULL && remote->fingerprint != NULL &&
         same_connection (n, remote) && g_strcmp0 (remote->ice_ufrag, n->remote_ufrag) != 0;
}

McNegotiationDecision
mc_negotiation_remote_offer (McNegotiation *n, const McNegotiationRemote *remote)
{
  McNegotiationDecision d;

  switch (n->state) {
  case MC_NEGOTIATION_FAILED:
  case MC_NEGOTIATION_CLOSED:
    return decide (MC_NEGOTIATION_IGNORE, NULL);
  case MC_NEGOTIATION_OFFERING:
    /* An offer from a DTLS session other than the one in force: they were
     * made again and will never answer our offer in the old one. */
    if (n->have_remote && !same_connection (n, remote))
      return decide (MC_NEGOTIATION_RECREATE, "their offer comes from a new connection of theirs: taking it");
    /* Glare. webrtcbin 1.22 cannot roll back, so the polite side (lower
     * peerId) starts over as the answerer; the other ignores the offer. */
    if (n->polite)
      return decide (MC_NEGOTIATION_RECREATE_AS_ANSWERER, "offer glare, we are polite: restarting as answerer");
    return decide (MC_NEGOTIATION_IGNORE, "offer glare, we are impolite: ignoring their offer");
  case MC_NEGOTIATION_IDLE:
    n->state = MC_NEGOTIATION_ANSWERING;
    n->offerer = FALSE;
    n->offers_applying++;
    take_remote (n, remote);
    d = decide (MC_NEGOTIATION_APPLY, NULL);
    d.build_send = TRUE;
    return d;
  case MC_NEGOTIATION_ANSWERING:
  case MC_NEGOTIATION_STABLE:
    /* A new offer in a running session: the same ICE and DTLS identity is a
     * renegotiation webrtcbin can take; a new ufrag with the same DTLS
     * fingerprint is an ICE restart, taken in place once the session is
     * stable; anything else gets a fresh peer. */
    if (is_ice_restart (n, remote) && n->state == MC_NEGOTIATION_STABLE) {
      n->state = MC_NEGOTIATION_ANSWERING;
      n->offerer = FALSE;
      n->offers_applying++;
      take_remote (n, remote);
      n->has_remote = FALSE;
      g_ptr_array_set_size (n->pending, 0);
      d = decide (MC_NEGOTIATION_APPLY, "ICE restart by the remote: taking it in place");
      d.ice_restart = TRUE;
      return d;
    }
    if (!same_session (n, remote))
      return decide (MC_NEGOTIATION_RECREATE, "new session (restarted remote, or an ICE restart in the middle of "
                                              "a negotiation): recreating");
    n->state = MC_NEGOTIATION_ANSWERING;
    n->offerer = FALSE;
    n->offers_applying++;
    take_remote (n, remote);
    return decide (MC_NEGOTIATION_APPLY, NULL);
  }
  return decide (MC_NEGOTIATION_IGNORE, NULL);
}

McNegotiationDecision
mc_negotiation_remote_answer (McNegotiation *n, const McNegotiationRemote *remote)
{
  McNegotiationDecision d;

  if (is_over (n))
    return decide (MC_NEGOTIATION_IGNORE, NULL);
  if (n->state != MC_NEGOTIATION_OFFERING || !n->offer_sent)
    return decide (MC_NEGOTIATION_IGNORE, "ignoring an answer we did not ask for");
  /* An answer to a re-offer from a DTLS session other than the one in
   * force: they were made again meanwhile, and webrtcbin cannot switch. */
  if (n->have_remote && !same_connection (n, remote)) {
    mc_negotiation_fail (n);
    return decide (MC_NEGOTIATION_FAIL_NEW_SESSION, "their answer comes from a new connection of theirs: connecting anew");
  }
  n->state = MC_NEGOTIATION_STABLE;
  n->offer_sent = FALSE;
  n->restarting = FALSE;
  n->answer_applying = TRUE;
  take_remote (n, remote);
  d = decide (MC_NEGOTIATION_APPLY, NULL);
  d.stop_timer = TRUE;
  return d;
}

McNegotiationDecision
mc_negotiation_offer_applied (McNegotiation *n)
{
  /* Every offer taken is answered, also a second one that came while the
   * first was being applied. */
  if (is_over (n) || n->offers_applying == 0)
    return decide (MC_NEGOTIATION_IGNORE, NULL);
  n->offers_applying--;
  n->answers_creating++;
  return decide (MC_NEGOTIATION_CREATE_ANSWER, NULL);
}

McNegotiationDecision
mc_negotiation_answer_applied (McNegotiation *n)
{
  /* webrtcbin has their answer: a re-offer of theirs that came since does
   * not change that a description is in force. */
  if (is_over (n) || !n->answer_applying)
    return decide (MC_NEGOTIATION_IGNORE, NULL);
  n->answer_applying = FALSE;
  return flush (n);
}

McNegotiationDecision
mc_negotiation_remote_candidate (McNegotiation *n, guint mline, const char *candidate)
{
  McNegotiationCandidate *c;
  McNegotiationDecision d;

  if (is_over (n))
    return decide (MC_NEGOTIATION_IGNORE, NULL);
  if (n->has_remote)
    return decide (MC_NEGOTIATION_ADD_CANDIDATE, NULL);
  if (n->pending->len >= MC_NEGOTIATION_MAX_PENDING) {
    d = decide (MC_NEGOTIATION_REJECT, NULL);
    g_set_error (&d.error, MC_SDP_ERROR, MC_SDP_ERROR_CANDIDATE, "candidate: more than %d before a description",
                 MC_NEGOTIATION_MAX_PENDING);
    return d;
  }
  c = g_new0 (McNegotiationCandidate, 1);
  c->mline = mline;
  c->candidate = g_strdup (candidate);
  g_ptr_array_add (n->pending, c);
  return decide (MC_NEGOTIATION_QUEUE, NULL);
}

McNegotiationDecision
mc_negotiation_answer_timeout (McNegotiation *n)
{
  McNegotiationDecision d;

  /* A timer that fires after the answer came (or after a failure) lost a
   * race with it: nothing to do. */
  if (n->state != MC_NEGOTIATION_OFFERING || !n->offer_sent || n->restarting)
    return decide (MC_NEGOTIATION_IGNORE, NULL);
  mc_negotiation_fail (n);
  d = decide (MC_NEGOTIATION_FAIL_NO_ANSWER, NULL);
  d.why = g_strdup_printf ("no answer to our offer within %.1f s", n->answer_timeout_ms / 1000.0);
  return d;
}

static void
end (McNegotiation *n, McNegotiationState state)
{
  n->state = state;
  n->offer_sent = n->restarting = FALSE;
  n->offers_applying = n->answers_creating = 0;
  n->answer_applying = FALSE;
  g_ptr_array_set_size (n->pending, 0);
}

void
mc_negotiation_fail (McNegotiation *n)
{
  if (n->state != MC_NEGOTIATION_CLOSED)
    end (n, MC_NEGOTIATION_FAILED);
}

void
mc_negotiation_close (McNegotiation *n)
{
  end (n, MC_NEGOTIATION_CLOSED);
}

McNegotiationState
mc_negotiation_get_state (const McNegotiation *n)
{
  return n->state;
}

gboolean
mc_negotiation_is_offerer (const McNegotiation *n)
{
  return n->offerer;
}

gboolean
mc_negotiation_is_polite (const McNegotiation *n)
{
  return n->polite;
}

gboolean
mc_negotiation_has_remote (const McNegotiation *n)
{
  return n->has_remote;
}

gboolean
mc_negotiation_expects_media (const McNegotiation *n)
{
  return n->expects_media;
}

guint
mc_negotiation_pending_candidates (const McNegotiation *n)
{
  return n->pending->len;
}

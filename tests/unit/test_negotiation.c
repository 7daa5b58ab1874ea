/* The negotiation state machine without a pipeline: every event in every
 * state (a matrix of action and next state), then the data the decisions
 * carry (queued candidates in order, the glare rule, the session identity,
 * the no-answer reason, the queue limit). */
#include "meshcall/peer/negotiation.h"
#include "meshcall/peer/sdp_error.h"

#include <string.h>

static const McNegotiationRemote REMOTE_A = { "1001", "ufragA", "sha-256 AA:BB", TRUE };
static const McNegotiationRemote REMOTE_NEW_UFRAG = { "1001", "ufragB", "sha-256 AA:BB", TRUE };
static const McNegotiationRemote REMOTE_NEW_FINGERPRINT = { "1001", "ufragA", "sha-256 CC:DD", TRUE };
/* A new connection of the same process: the same certificate, another session id. */
static const McNegotiationRemote REMOTE_NEW_CONNECTION = { "2002", "ufragC", "sha-256 AA:BB", TRUE };
static const McNegotiationRemote REMOTE_A_RECVONLY = { "1001", "ufragA", "sha-256 AA:BB", FALSE };

/* Where a machine is driven to before the event under test. */
typedef enum {
  AT_IDLE,
  AT_OFFERING,          /* start_offer, the offer not yet out */
  AT_OFFER_SENT,        /* ... and sent: the answer timer runs */
  AT_ANSWER_TAKEN,      /* their answer taken, not yet applied by webrtcbin */
  AT_STABLE_OFFERER,    /* ... and applied */
  AT_ANSWERING,         /* their first offer taken */
  AT_ANSWER_CREATING,   /* ... applied by webrtcbin, our answer being made */
  AT_STABLE_ANSWERER,   /* ... and made */
  AT_FAILED,
  AT_CLOSED,
  N_AT
} Setup;

typedef enum {
  EV_START_OFFER,
  EV_LOCAL_OFFER,
  EV_LOCAL_ANSWER,
  EV_REMOTE_OFFER_SAME,     /* the session identity taken so far (REMOTE_A) */
  EV_REMOTE_OFFER_NEW,      /* another ICE ufrag */
  EV_REMOTE_ANSWER,
  EV_OFFER_APPLIED,
  EV_ANSWER_APPLIED,
  EV_CANDIDATE,
  EV_ANSWER_TIMEOUT,
  EV_RESTART_ICE,
  N_EV
} Event;

static const char *const setup_names[N_AT] = {
  "idle", "offering", "offer-sent", "answer-taken", "stable-offerer", "answering", "answer-creating",
  "stable-answerer", "failed", "closed",
};
static const char *const event_names[N_EV] = {
  "start-offer", "local-offer", "local-answer", "remote-offer-same", "remote-offer-new", "remote-answer",
  "offer-applied", "answer-applied", "candidate", "answer-timeout", "restart-ice",
};

/* Runs one event; the decision is checked for its action, then cleared. */
static McNegotiationAction
run (McNegotiation *n, Event ev)
{
  g_auto (McNegotiationDecision) d = { 0 };

  switch (ev) {
  case EV_START_OFFER: d = mc_negotiation_start_offer (n); break;
  case EV_LOCAL_OFFER: d = mc_negotiation_local_offer (n); break;
  case EV_LOCAL_ANSWER: d = mc_negotiation_local_answer (n); break;
  case EV_REMOTE_OFFER_SAME: d = mc_negotiation_remote_offer (n, &REMOTE_A); break;
  case EV_REMOTE_OFFER_NEW: d = mc_negotiation_remote_offer (n, &REMOTE_NEW_UFRAG); break;
  case EV_REMOTE_ANSWER: d = mc_negotiation_remote_answer (n, &REMOTE_A); break;
  case EV_OFFER_APPLIED: d = mc_negotiation_offer_applied (n); break;
  case EV_ANSWER_APPLIED: d = mc_negotiation_answer_applied (n); break;
  case EV_CANDIDATE: d = mc_negotiation_remote_candidate (n, 0, "candidate:1 1 udp 1 127.0.0.1 5000 typ host"); break;
  case EV_ANSWER_TIMEOUT: d = mc_negotiation_answer_timeout (n); break;
  case EV_RESTART_ICE: d = mc_negotiation_restart_ice (n); break;
  case N_EV: g_assert_not_reached ();
  }
  /* What each action promises to carry. */
  g_assert_true ((d.flush != NULL) == (d.action == MC_NEGOTIATION_FLUSH));
  g_assert_true ((d.error != NULL) == (d.action == MC_NEGOTIATION_REJECT));
  g_assert_true (!d.ice_restart || d.action == MC_NEGOTIATION_CREATE_OFFER || d.action == MC_NEGOTIATION_APPLY);
  if (d.action == MC_NEGOTIATION_FAIL_NO_ANSWER || d.action == MC_NEGOTIATION_FAIL_NEW_SESSION || d.action == MC_NEGOTIATION_RECREATE ||
      d.action == MC_NEGOTIATION_RECREATE_AS_ANSWERER)
    g_assert_nonnull (d.why);
  return d.action;
}

/* An impolite machine (bob answers alice's glare offer by ignoring it) at `at`. */
static McNegotiation *
machine_at (Setup at)
{
  static const Event paths[N_AT][4] = {
    [AT_IDLE] = { N_EV },
    [AT_OFFERING] = { EV_START_OFFER, N_EV },
    [AT_OFFER_SENT] = { EV_START_OFFER, EV_LOCAL_OFFER, N_EV },
    [AT_ANSWER_TAKEN] = { EV_START_OFFER, EV_LOCAL_OFFER, EV_REMOTE_ANSWER, N_EV },
    [AT_STABLE_OFFERER] = { EV_START_OFFER, EV_LOCAL_OFFER, EV_REMOTE_ANSWER, EV_ANSWER_APPLIED },
    [AT_ANSWERING] = { EV_REMOTE_OFFER_SAME, N_EV },
    [AT_ANSWER_CREATING] = { EV_REMOTE_OFFER_SAME, EV_OFFER_APPLIED, N_EV },
    [AT_STABLE_ANSWERER] = { EV_REMOTE_OFFER_SAME, EV_OFFER_APPLIED, EV_LOCAL_ANSWER, N_EV },
    [AT_FAILED] = { EV_START_OFFER, EV_LOCAL_OFFER, EV_ANSWER_TIMEOUT, N_EV },
    [AT_CLOSED] = { EV_START_OFFER, N_EV },
  };
  McNegotiation *n = mc_negotiation_new ("bob", "alice", 15000);

  for (guint i = 0; i < G_N_ELEMENTS (paths[at]) && paths[at][i] != N_EV; i++)
    run (n, paths[at][i]);
  if (at == AT_CLOSED)
    mc_negotiation_close (n);
  return n;
}

typedef struct {
  McNegotiationAction action;
  McNegotiationState state;   /* after the event */
} Outcome;

#define O(a, s) { MC_NEGOTIATION_##a, MC_NEGOTIATION_##s }

/* Every event in every state. Rows: where the machine is; columns: Event.
 * An event that cannot come where the machine is (our answer while we
 * offer, an offer applied that we never handed over) is ignored and moves
 * nothing. */
static const Outcome matrix[N_AT][N_EV] = {
  /* start-offer, local-offer, local-answer, remote-offer-same, remote-offer-new,
   * remote-answer, offer-applied, answer-applied, candidate, answer-timeout, restart-ice */
  [AT_IDLE] = {
    O (CREATE_OFFER, OFFERING), O (IGNORE, IDLE), O (IGNORE, IDLE), O (APPLY, ANSWERING), O (APPLY, ANSWERING),
    O (IGNORE, IDLE), O (IGNORE, IDLE), O (IGNORE, IDLE), O (QUEUE, IDLE), O (IGNORE, IDLE), O (IGNORE, IDLE) },
  [AT_OFFERING] = {
    O (IGNORE, OFFERING), O (START_TIMER, OFFERING), O (IGNORE, OFFERING), O (IGNORE, OFFERING),
    O (IGNORE, OFFERING), O (IGNORE, OFFERING), O (IGNORE, OFFERING), O (IGNORE, OFFERING), O (QUEUE, OFFERING),
    O (IGNORE, OFFERING), O (IGNORE, OFFERING) },
  [AT_OFFER_SENT] = {
    O (IGNORE, OFFERING), O (IGNORE, OFFERING), O (IGNORE, OFFERING), O (IGNORE, OFFERING), O (IGNORE, OFFERING),
    O (APPLY, STABLE), O (IGNORE, OFFERING), O (IGNORE, OFFERING), O (QUEUE, OFFERING),
    O (FAIL_NO_ANSWER, FAILED), O (IGNORE, OFFERING) },
  [AT_ANSWER_TAKEN] = {
    O (IGNORE, STABLE), O (IGNORE, STABLE), O (IGNORE, STABLE), O (APPLY, ANSWERING), O (APPLY, ANSWERING),
    O (IGNORE, STABLE), O (IGNORE, STABLE), O (FLUSH, STABLE), O (QUEUE, STABLE), O (IGNORE, STABLE),
    O (CREATE_OFFER, OFFERING) },
  [AT_STABLE_OFFERER] = {
    O (IGNORE, STABLE), O (IGNORE, STABLE), O (IGNORE, STABLE), O (APPLY, ANSWERING), O (APPLY, ANSWERING),
    O (IGNORE, STABLE), O (IGNORE, STABLE), O (IGNORE, STABLE), O (ADD_CANDIDATE, STABLE), O (IGNORE, STABLE),
    O (CREATE_OFFER, OFFERING) },
  [AT_ANSWERING] = {
    O (IGNORE, ANSWERING), O (IGNORE, ANSWERING), O (IGNORE, ANSWERING), O (APPLY, ANSWERING),
    O (RECREATE, ANSWERING), O (IGNORE, ANSWERING), O (CREATE_ANSWER, ANSWERING), O (IGNORE, ANSWERING),
    O (QUEUE, ANSWERING), O (IGNORE, ANSWERING), O (IGNORE, ANSWERING) },
  [AT_ANSWER_CREATING] = {
    O (IGNORE, ANSWERING), O (IGNORE, ANSWERING), O (FLUSH, STABLE), O (APPLY, ANSWERING),
    O (RECREATE, ANSWERING), O (IGNORE, ANSWERING), O (IGNORE, ANSWERING), O (IGNORE, ANSWERING),
    O (QUEUE, ANSWERING), O (IGNORE, ANSWERING), O (IGNORE, ANSWERING) },
  [AT_STABLE_ANSWERER] = {
    O (IGNORE, STABLE), O (IGNORE, STABLE), O (IGNORE, STABLE), O (APPLY, ANSWERING), O (APPLY, ANSWERING),
    O (IGNORE, STABLE), O (IGNORE, STABLE), O (IGNORE, STABLE), O (ADD_CANDIDATE, STABLE), O (IGNORE, STABLE),
    O (CREATE_OFFER, OFFERING) },
  [AT_FAILED] = {
    O (IGNORE, FAILED), O (IGNORE, FAILED), O (IGNORE, FAILED), O (IGNORE, FAILED), O (IGNORE, FAILED),
    O (IGNORE, FAILED), O (IGNORE, FAILED), O (IGNORE, FAILED), O (IGNORE, FAILED), O (IGNORE, FAILED),
    O (IGNORE, FAILED) },
  [AT_CLOSED] = {
    O (IGNORE, CLOSED), O (IGNORE, CLOSED), O (IGNORE, CLOSED), O (IGNORE, CLOSED), O (IGNORE, CLOSED),
    O (IGNORE, CLOSED), O (IGNORE, CLOSED), O (IGNORE, CLOSED), O (IGNORE, CLOSED), O (IGNORE, CLOSED),
    O (IGNORE, CLOSED) },
};

static void
test_matrix (void)
{
  static const McNegotiationState setup_states[N_AT] = {
    MC_NEGOTIATION_IDLE, MC_NEGOTIATION_OFFERING, MC_NEGOTIATION_OFFERING, MC_NEGOTIATION_STABLE,
    MC_NEGOTIATION_STABLE, MC_NEGOTIATION_ANSWERING, MC_NEGOTIATION_ANSWERING, MC_NEGOTIATION_STABLE,
    MC_NEGOTIATION_FAILED,
    MC_NEGOTIATION_CLOSED,
  };

  for (int at = 0; at < N_AT; at++) {
    for (int ev = 0; ev < N_EV; ev++) {
      g_autoptr (McNegotiation) n = machine_at ((Setup) at);
      McNegotiationAction action;

      g_assert_cmpint (mc_negotiation_get_state (n), ==, setup_states[at]);
      action = run (n, (Event) ev);
      if (action != matrix[at][ev].action || mc_negotiation_get_state (n) != matrix[at][ev].state)
        g_test_fail_printf ("%s + %s: %s -> %s, expected %s -> %s", setup_names[at], event_names[ev],
                            mc_negotiation_action_to_string (action),
                            mc_negotiation_state_to_string (mc_negotiation_get_state (n)),
                            mc_negotiation_action_to_string (matrix[at][ev].action),
                            mc_negotiation_state_to_string (matrix[at][ev].state));
    }
  }
}

static McNegotiationDecision
candidate (McNegotiation *n, guint mline, const char *text)
{
  return mc_negotiation_remote_candidate (n, mline, text);
}

static McNegotiationAction
run_candidate (McNegotiation *n, const char *text)
{
  g_auto (McNegotiationDecision) d = candidate (n, 0, text);
  return d.action;
}

static void
assert_flushed (const McNegotiationDecision *d, guint n, ...)
{
  va_list args;

  g_assert_cmpint (d->action, ==, MC_NEGOTIATION_FLUSH);
  g_assert_nonnull (d->flush);
  g_assert_cmpuint (d->flush->len, ==, n);
  va_start (args, n);
  for (guint i = 0; i < n; i++) {
    const McNegotiationCandidate *c = g_ptr_array_index (d->flush, i);
    guint mline = va_arg (args, guint);
    const char *text = va_arg (args, const char *);
    g_assert_cmpuint (c->mline, ==, mline);
    g_assert_cmpstr (c->candidate, ==, text);
  }
  va_end (args);
}

/* We offer: candidates that come before their answer is applied wait, then
 * go in the order they came; the answer stops the timer, and a timer that
 * fires after it is ignored. */
static void
test_offerer (void)
{
  g_autoptr (McNegotiation) n = mc_negotiation_new ("bob", "alice", 15000);
  g_auto (McNegotiationDecision) start = { 0 };
  g_auto (McNegotiationDecision) sent = { 0 };
  g_auto (McNegotiationDecision) c1 = { 0 };
  g_auto (McNegotiationDecision) c2 = { 0 };
  g_auto (McNegotiationDecision) answer = { 0 };
  g_auto (McNegotiationDecision) applied = { 0 };
  g_auto (McNegotiationDecision) late = { 0 };
  g_auto (McNegotiationDecision) timeout = { 0 };

  g_assert_false (mc_negotiation_is_offerer (n));
  g_assert_false (mc_negotiation_has_remote (n));
  start = mc_negotiation_start_offer (n);
  g_assert_cmpint (start.action, ==, MC_NEGOTIATION_CREATE_OFFER);
  g_assert_true (start.build_send);
  g_assert_true (mc_negotiation_is_offerer (n));
  sent = mc_negotiation_local_offer (n);
  g_assert_cmpint (sent.action, ==, MC_NEGOTIATION_START_TIMER);

  c1 = candidate (n, 0, "cand-1");
  c2 = candidate (n, 1, "cand-2");
  g_assert_cmpint (c1.action, ==, MC_NEGOTIATION_QUEUE);
  g_assert_cmpint (c2.action, ==, MC_NEGOTIATION_QUEUE);
  g_assert_cmpuint (mc_negotiation_pending_candidates (n), ==, 2);

  answer = mc_negotiation_remote_answer (n, &REMOTE_A_RECVONLY);
  g_assert_cmpint (answer.action, ==, MC_NEGOTIATION_APPLY);
  g_assert_true (answer.stop_timer);
  g_assert_false (answer.build_send);
  g_assert_false (mc_negotiation_has_remote (n));
  g_assert_false (mc_negotiation_expects_media (n));
  g_assert_true (mc_negotiation_is_offerer (n));

  applied = mc_negotiation_answer_applied (n);
  assert_flushed (&applied, 2, 0u, "cand-1", 1u, "cand-2");
  g_assert_true (mc_negotiation_has_remote (n));
  g_assert_cmpuint (mc_negotiation_pending_candidates (n), ==, 0);

  late = candidate (n, 0, "cand-3");
  g_assert_cmpint (late.action, ==, MC_NEGOTIATION_ADD_CANDIDATE);
  g_assert_cmpuint (mc_negotiation_pending_candidates (n), ==, 0);

  timeout = mc_negotiation_answer_timeout (n);
  g_assert_cmpint (timeout.action, ==, MC_NEGOTIATION_IGNORE);
  g_assert_cmpint (mc_negotiation_get_state (n), ==, MC_NEGOTIATION_STABLE);
}

/* They offer: we build the send side from their offer, answer once
 * webrtcbin took it, and the candidates wait until our answer is set. */
static void
test_answerer (void)
{
  g_autoptr (McNegotiation) n = mc_negotiation_new ("alice", "bob", 15000);
  g_auto (McNegotiationDecision) offer = { 0 };
  g_auto (McNegotiationDecision) answered = { 0 };

  g_assert_cmpint (run_candidate (n, "before-the-offer"), ==, MC_NEGOTIATION_QUEUE);
  offer = mc_negotiation_remote_offer (n, &REMOTE_A);
  g_assert_cmpint (offer.action, ==, MC_NEGOTIATION_APPLY);
  g_assert_true (offer.build_send);
  g_assert_false (offer.stop_timer);
  g_assert_false (mc_negotiation_is_offerer (n));
  g_assert_true (mc_negotiation_expects_media (n));
  g_assert_cmpint (run_candidate (n, "while-answering"), ==, MC_NEGOTIATION_QUEUE);
  g_assert_cmpint (run (n, EV_OFFER_APPLIED), ==, MC_NEGOTIATION_CREATE_ANSWER);
  g_assert_false (mc_negotiation_has_remote (n));
  g_assert_cmpint (run_candidate (n, "while-creating"), ==, MC_NEGOTIATION_QUEUE);
  answered = mc_negotiation_local_answer (n);
  assert_flushed (&answered, 3, 0u, "before-the-offer", 0u, "while-answering", 0u, "while-creating");
  g_assert_true (mc_negotiation_has_remote (n));
  g_assert_cmpint (mc_negotiation_get_state (n), ==, MC_NEGOTIATION_STABLE);
  g_assert_cmpint (run_candidate (n, "after"), ==, MC_NEGOTIATION_ADD_CANDIDATE);
}

/* Both offered. The polite side (lower peerId) starts over as the answerer,
 * however far its own offer got; the other ignores the offer and waits for
 * the answer to its own. */
static void
test_glare (void)
{
  g_autoptr (McNegotiation) polite = mc_negotiation_new ("alice", "bob", 15000);
  g_autoptr (McNegotiation) impolite = mc_negotiation_new ("bob", "alice", 15000);
  g_auto (McNegotiationDecision) p1 = { 0 };
  g_auto (McNegotiationDecision) i2 = { 0 };
  g_auto (McNegotiationDecision) i3 = { 0 };

  g_assert_cmpint (run (polite, EV_START_OFFER), ==, MC_NEGOTIATION_CREATE_OFFER);
  p1 = mc_negotiation_remote_offer (polite, &REMOTE_A);
  g_assert_cmpint (run (impolite, EV_START_OFFER), ==, MC_NEGOTIATION_CREATE_OFFER);
  g_assert_cmpint (run (impolite, EV_LOCAL_OFFER), ==, MC_NEGOTIATION_START_TIMER);
  i2 = mc_negotiation_remote_offer (impolite, &REMOTE_A);
  i3 = mc_negotiation_remote_answer (impolite, &REMOTE_A);
  g_assert_true (mc_negotiation_is_polite (polite));
  g_assert_false (mc_negotiation_is_polite (impolite));
  g_assert_cmpint (p1.action, ==, MC_NEGOTIATION_RECREATE_AS_ANSWERER);
  g_assert_cmpstr (p1.why, ==, "offer glare, we are polite: restarting as answerer");
  g_assert_cmpint (mc_negotiation_get_state (polite), ==, MC_NEGOTIATION_OFFERING);
  g_assert_cmpint (i2.action, ==, MC_NEGOTIATION_IGNORE);
  g_assert_cmpstr (i2.why, ==, "offer glare, we are impolite: ignoring their offer");
  g_assert_true (mc_negotiation_is_offerer (impolite));
  /* The polite side's new peer answers ours. */
  g_assert_cmpint (i3.action, ==, MC_NEGOTIATION_APPLY);
  g_assert_cmpint (mc_negotiation_get_state (impolite), ==, MC_NEGOTIATION_STABLE);
}

/* Answers nobody asked for: before anything, before our offer went out, as
 * the answerer, and a second one. */
static void
test_unasked_answer (void)
{
  g_autoptr (McNegotiation) idle = mc_negotiation_new ("bob", "alice", 15000);
  g_autoptr (McNegotiation) early = mc_negotiation_new ("bob", "alice", 15000);
  g_autoptr (McNegotiation) answering = mc_negotiation_new ("bob", "alice", 15000);
  g_autoptr (McNegotiation) twice = machine_at (AT_ANSWER_TAKEN);
  g_auto (McNegotiationDecision) d0 = mc_negotiation_remote_answer (idle, &REMOTE_A);
  g_auto (McNegotiationDecision) d1 = { 0 };
  g_auto (McNegotiationDecision) d2 = { 0 };
  g_auto (McNegotiationDecision) d3 = mc_negotiation_remote_answer (twice, &REMOTE_NEW_UFRAG);
  const McNegotiationDecision *all[] = { &d0, &d1, &d2, &d3 };

  run (early, EV_START_OFFER);
  d1 = mc_negotiation_remote_answer (early, &REMOTE_A);
  run (answering, EV_REMOTE_OFFER_SAME);
  d2 = mc_negotiation_remote_answer (answering, &REMOTE_A);
  for (gsize i = 0; i < G_N_ELEMENTS (all); i++) {
    g_assert_cmpint (all[i]->action, ==, MC_NEGOTIATION_IGNORE);
    g_assert_cmpstr (all[i]->why, ==, "ignoring an answer we did not ask for");
  }
  g_assert_cmpint (mc_negotiation_get_state (idle), ==, MC_NEGOTIATION_IDLE);
  g_assert_cmpint (mc_negotiation_get_state (early), ==, MC_NEGOTIATION_OFFERING);
  g_assert_cmpint (mc_negotiation_get_state (answering), ==, MC_NEGOTIATION_ANSWERING);
}

/* A re-offer in a running session: the same ICE ufrag and DTLS fingerprint
 * is a renegotiation (no new send side; we become the answerer); another
 * ufrag or fingerprint, or none where there was one, is a new session. */
static void
test_reoffer (void)
{
  static const McNegotiationRemote no_ufrag = { "1001", NULL, "sha-256 AA:BB", TRUE };
  static const McNegotiationRemote new_both = { "1001", "ufragB", "sha-256 CC:DD", TRUE };
  const McNegotiationRemote *new_sessions[] = { &REMOTE_NEW_FINGERPRINT, &no_ufrag, &new_both, &REMOTE_NEW_CONNECTION };

  for (gsize i = 0; i < G_N_ELEMENTS (new_sessions); i++) {
    g_autoptr (McNegotiation) n = machine_at (AT_STABLE_OFFERER);
    g_auto (McNegotiationDecision) d = mc_negotiation_remote_offer (n, new_sessions[i]);
    g_assert_cmpint (d.action, ==, MC_NEGOTIATION_RECREATE);
    g_assert_true (g_str_has_prefix (d.why, "new session"));
    g_assert_true (mc_negotiation_is_offerer (n));
  }
  {
    g_autoptr (McNegotiation) n = machine_at (AT_STABLE_OFFERER);
    g_auto (McNegotiationDecision) d = mc_negotiation_remote_offer (n, &REMOTE_A_RECVONLY);
    g_auto (McNegotiationDecision) c = candidate (n, 0, "during-renegotiation");
    g_auto (McNegotiationDecision) a = mc_negotiation_offer_applied (n);
    g_auto (McNegotiationDecision) l = mc_negotiation_local_answer (n);

    g_assert_cmpint (d.action, ==, MC_NEGOTIATION_APPLY);
    g_assert_false (d.build_send);
    g_assert_false (d.stop_timer);
    g_assert_false (mc_negotiation_is_offerer (n));
    g_assert_false (mc_negotiation_expects_media (n));
    /* The old description stays in force while the new one is answered. */
    g_assert_cmpint (c.action, ==, MC_NEGOTIATION_ADD_CANDIDATE);
    g_assert_cmpint (a.action, ==, MC_NEGOTIATION_CREATE_ANSWER);
    assert_flushed (&l, 0);
    g_assert_cmpint (mc_negotiation_get_state (n), ==, MC_NEGOTIATION_STABLE);
  }
}

/* A second offer while the first is being answered: the same session is
 * applied (webrtcbin takes an offer in have-remote-offer) and answered too,
 * and the machine is stable once both are; a new session recreates. */
static void
test_second_offer_while_answering (void)
{
  g_autoptr (McNegotiation) n = machine_at (AT_ANSWERING);
  g_auto (McNegotiationDecision) again = mc_negotiation_remote_offer (n, &REMOTE_A);
  g_auto (McNegotiationDecision) other = mc_negotiation_remote_offer (n, &REMOTE_NEW_FINGERPRINT);
  g_auto (McNegotiationDecision) l1 = { 0 };
  g_auto (McNegotiationDecision) l2 = { 0 };

  g_assert_cmpint (again.action, ==, MC_NEGOTIATION_APPLY);
  g_assert_false (again.build_send);
  g_assert_cmpint (other.action, ==, MC_NEGOTIATION_RECREATE);
  g_assert_cmpint (run (n, EV_OFFER_APPLIED), ==, MC_NEGOTIATION_CREATE_ANSWER);
  l1 = mc_negotiation_local_answer (n);
  assert_flushed (&l1, 0);
  g_assert_true (mc_negotiation_has_remote (n));
  g_assert_cmpint (mc_negotiation_get_state (n), ==, MC_NEGOTIATION_ANSWERING);
  g_assert_cmpint (run (n, EV_OFFER_APPLIED), ==, MC_NEGOTIATION_CREATE_ANSWER);
  g_assert_cmpint (run (n, EV_OFFER_APPLIED), ==, MC_NEGOTIATION_IGNORE);   /* only two were handed over */
  l2 = mc_negotiation_local_answer (n);
  assert_flushed (&l2, 0);
  g_assert_cmpint (mc_negotiation_get_state (n), ==, MC_NEGOTIATION_STABLE);
  g_assert_cmpint (run (n, EV_LOCAL_ANSWER), ==, MC_NEGOTIATION_IGNORE);
}

/* Their re-offer overtakes webrtcbin applying their answer: the candidates
 * still wait for the answer to be in force, then the re-offer is answered. */
static void
test_reoffer_before_answer_applied (void)
{
  g_autoptr (McNegotiation) n = machine_at (AT_ANSWER_TAKEN);
  g_auto (McNegotiationDecision) applied = { 0 };

  g_assert_cmpint (run (n, EV_REMOTE_OFFER_SAME), ==, MC_NEGOTIATION_APPLY);
  g_assert_cmpint (run (n, EV_CANDIDATE), ==, MC_NEGOTIATION_QUEUE);
  applied = mc_negotiation_answer_applied (n);
  g_assert_cmpuint (applied.flush->len, ==, 1);
  g_assert_cmpint (mc_negotiation_get_state (n), ==, MC_NEGOTIATION_ANSWERING);
  g_assert_cmpint (run (n, EV_OFFER_APPLIED), ==, MC_NEGOTIATION_CREATE_ANSWER);
  g_assert_cmpint (run (n, EV_LOCAL_ANSWER), ==, MC_NEGOTIATION_FLUSH);
  g_assert_cmpint (mc_negotiation_get_state (n), ==, MC_NEGOTIATION_STABLE);
  g_assert_false (mc_negotiation_is_offerer (n));
}

/* At most MC_NEGOTIATION_MAX_PENDING candidates before a description; the
 * next is refused as a candidate error, and the ones kept still go in. */
/* Our ICE restart: only from STABLE; the old generation's candidates are
 * dropped and new ones wait for their answer; an answer from the same DTLS
 * session is taken, one from another session fails the peer. */
static void
test_restart_ice_ours (void)
{
  {
    g_autoptr (McNegotiation) n = machine_at (AT_STABLE_ANSWERER);
    g_auto (McNegotiationDecision) d = mc_negotiation_restart_ice (n);
    g_auto (McNegotiationDecision) again = mc_negotiation_restart_ice (n);
    g_auto (McNegotiationDecision) sent = mc_negotiation_local_offer (n);
    g_auto (McNegotiationDecision) c = candidate (n, 0, "new-generation");
    g_auto (McNegotiationDecision) a = mc_negotiation_remote_answer (n, &REMOTE_NEW_UFRAG);
    g_auto (McNegotiationDecision) applied = mc_negotiation_answer_applied (n);

    g_assert_cmpint (d.action, ==, MC_NEGOTIATION_CREATE_OFFER);
    g_assert_true (d.ice_restart);
    g_assert_false (d.build_send);   /* the send side is there already */
    g_assert_cmpint (again.action, ==, MC_NEGOTIATION_IGNORE);
    g_assert_cmpstr (again.why, ==, "no ICE restart while offering");
    g_assert_cmpint (sent.action, ==, MC_NEGOTIATION_IGNORE);   /* no answer timer */
    g_assert_true (mc_negotiation_is_offerer (n));
    g_assert_cmpint (c.action, ==, MC_NEGOTIATION_QUEUE);
    g_assert_cmpint (a.action, ==, MC_NEGOTIATION_APPLY);
    g_assert_true (a.stop_timer);
    assert_flushed (&applied, 1, 0, "new-generation");
    g_assert_cmpint (mc_negotiation_get_state (n), ==, MC_NEGOTIATION_STABLE);
  }
  {
    g_autoptr (McNegotiation) n = machine_at (AT_STABLE_OFFERER);
    g_auto (McNegotiationDecision) d = mc_negotiation_restart_ice (n);
    g_auto (McNegotiationDecision) sent = mc_negotiation_local_offer (n);
    g_auto (McNegotiationDecision) a = mc_negotiation_remote_answer (n, &REMOTE_NEW_FINGERPRINT);

    g_assert_cmpint (a.action, ==, MC_NEGOTIATION_FAIL_NEW_SESSION);
    g_assert_cmpint (mc_negotiation_get_state (n), ==, MC_NEGOTIATION_FAILED);
  }
  {
    /* Same certificate, another session id: a new connection too. */
    g_autoptr (McNegotiation) n = machine_at (AT_STABLE_OFFERER);
    g_auto (McNegotiationDecision) d = mc_negotiation_restart_ice (n);
    g_auto (McNegotiationDecision) sent = mc_negotiation_local_offer (n);
    g_auto (McNegotiationDecision) a = mc_negotiation_remote_answer (n, &REMOTE_NEW_CONNECTION);

    g_assert_cmpint (a.action, ==, MC_NEGOTIATION_FAIL_NEW_SESSION);
  }
  {
    /* Unanswered, it can be made again (new credentials again); no timer. */
    g_autoptr (McNegotiation) n = machine_at (AT_STABLE_OFFERER);
    g_auto (McNegotiationDecision) d = mc_negotiation_restart_ice (n);
    g_auto (McNegotiationDecision) early = mc_negotiation_restart_ice (n);
    g_auto (McNegotiationDecision) sent = mc_negotiation_local_offer (n);
    g_auto (McNegotiationDecision) again = mc_negotiation_restart_ice (n);
    g_auto (McNegotiationDecision) sent2 = mc_negotiation_local_offer (n);
    g_auto (McNegotiationDecision) timeout = mc_negotiation_answer_timeout (n);

    g_assert_cmpint (early.action, ==, MC_NEGOTIATION_IGNORE);   /* not out yet */
    g_assert_cmpint (sent.action, ==, MC_NEGOTIATION_IGNORE);    /* no answer timer */
    g_assert_cmpint (again.action, ==, MC_NEGOTIATION_CREATE_OFFER);
    g_assert_true (again.ice_restart);
    g_assert_cmpint (sent2.action, ==, MC_NEGOTIATION_IGNORE);
    g_assert_cmpint (timeout.action, ==, MC_NEGOTIATION_IGNORE);
    g_assert_true (mc_negotiation_can_restart_ice (n));
  }
  {
    /* While our restart is out, an offer from a new DTLS session replaces us
     * (polite or not); one from the same session is glare as usual. */
    g_autoptr (McNegotiation) n = machine_at (AT_STABLE_OFFERER);   /* bob: impolite */
    g_auto (McNegotiationDecision) d = mc_negotiation_restart_ice (n);
    g_auto (McNegotiationDecision) sent = mc_negotiation_local_offer (n);
    g_auto (McNegotiationDecision) same = mc_negotiation_remote_offer (n, &REMOTE_NEW_UFRAG);
    g_auto (McNegotiationDecision) other = mc_negotiation_remote_offer (n, &REMOTE_NEW_FINGERPRINT);
    g_auto (McNegotiationDecision) rebuilt = mc_negotiation_remote_offer (n, &REMOTE_NEW_CONNECTION);

    g_assert_cmpint (same.action, ==, MC_NEGOTIATION_IGNORE);
    g_assert_cmpint (other.action, ==, MC_NEGOTIATION_RECREATE);
    g_assert_cmpint (rebuilt.action, ==, MC_NEGOTIATION_RECREATE);
  }
  for (Setup at = AT_IDLE; at < N_AT; at++) {
    g_autoptr (McNegotiation) n = machine_at (at);
    gboolean stable = at == AT_ANSWER_TAKEN || at == AT_STABLE_OFFERER || at == AT_STABLE_ANSWERER;
    gboolean can = mc_negotiation_can_restart_ice (n);
    g_auto (McNegotiationDecision) d = mc_negotiation_restart_ice (n);
    g_assert_true (can == stable);
    g_assert_cmpint (d.action, ==, stable ? MC_NEGOTIATION_CREATE_OFFER : MC_NEGOTIATION_IGNORE);
    /* Why not, except where the machine is over and says nothing. */
    g_assert_true (stable || (at == AT_FAILED || at == AT_CLOSED) == (d.why == NULL));
  }
}

/* Their ICE restart (a new ufrag, the same fingerprint) in a stable session
 * is taken in place: queued candidates until our answer, then flushed. In
 * the middle of answering it is a new session. */
static void
test_restart_ice_theirs (void)
{
  g_autoptr (McNegotiation) n = machine_at (AT_STABLE_OFFERER);
  g_auto (McNegotiationDecision) d = mc_negotiation_remote_offer (n, &REMOTE_NEW_UFRAG);
  g_auto (McNegotiationDecision) c = candidate (n, 0, "theirs-new");
  g_auto (McNegotiationDecision) again = mc_negotiation_remote_offer (n, &REMOTE_A);
  g_auto (McNegotiationDecision) applied = mc_negotiation_offer_applied (n);
  g_auto (McNegotiationDecision) answer = mc_negotiation_local_answer (n);

  g_assert_cmpint (d.action, ==, MC_NEGOTIATION_APPLY);
  g_assert_true (d.ice_restart);
  g_assert_false (d.build_send);
  g_assert_false (mc_negotiation_is_offerer (n));
  g_assert_cmpint (c.action, ==, MC_NEGOTIATION_QUEUE);
  /* Another ufrag again while the restart is being answered: a new session. */
  g_assert_cmpint (again.action, ==, MC_NEGOTIATION_RECREATE);
  g_assert_cmpint (applied.action, ==, MC_NEGOTIATION_CREATE_ANSWER);
  assert_flushed (&answer, 1, 0, "theirs-new");
  g_assert_cmpint (mc_negotiation_get_state (n), ==, MC_NEGOTIATION_STABLE);
}

static void
test_candidate_limit (void)
{
  g_autoptr (McNegotiation) n = machine_at (AT_OFFER_SENT);
  g_auto (McNegotiationDecision) over = { 0 };
  g_auto (McNegotiationDecision) answer = { 0 };
  g_auto (McNegotiationDecision) applied = { 0 };

  for (guint i = 0; i < MC_NEGOTIATION_MAX_PENDING; i++) {
    g_autofree char *text = g_strdup_printf ("cand-%u", i);
    g_auto (McNegotiationDecision) d = candidate (n, i % 2, text);
    g_assert_cmpint (d.action, ==, MC_NEGOTIATION_QUEUE);
  }
  over = candidate (n, 0, "one too many");
  g_assert_cmpint (over.action, ==, MC_NEGOTIATION_REJECT);
  g_assert_error (over.error, MC_SDP_ERROR, MC_SDP_ERROR_CANDIDATE);
  g_assert_cmpstr (over.error->message, ==, "candidate: more than 256 before a description");
  g_assert_cmpuint (mc_negotiation_pending_candidates (n), ==, MC_NEGOTIATION_MAX_PENDING);

  answer = mc_negotiation_remote_answer (n, &REMOTE_A);
  g_assert_cmpint (answer.action, ==, MC_NEGOTIATION_APPLY);
  applied = mc_negotiation_answer_applied (n);
  g_assert_cmpint (applied.action, ==, MC_NEGOTIATION_FLUSH);
  g_assert_cmpuint (applied.flush->len, ==, MC_NEGOTIATION_MAX_PENDING);
  g_assert_cmpstr (((McNegotiationCandidate *) g_ptr_array_index (applied.flush, 255))->candidate, ==, "cand-255");
  g_assert_cmpuint (((McNegotiationCandidate *) g_ptr_array_index (applied.flush, 255))->mline, ==, 1);
}

/* No answer in time: the peer fails with a reason that says so (the call
 * greps it and offers once more); afterwards everything is ignored. */
static void
test_answer_timeout (void)
{
  g_autoptr (McNegotiation) n = mc_negotiation_new ("bob", "alice", 2500);
  g_auto (McNegotiationDecision) before = { 0 };
  g_auto (McNegotiationDecision) timeout = { 0 };
  g_auto (McNegotiationDecision) again = { 0 };
  g_auto (McNegotiationDecision) late_answer = { 0 };

  run (n, EV_START_OFFER);
  before = mc_negotiation_answer_timeout (n);
  g_assert_cmpint (before.action, ==, MC_NEGOTIATION_IGNORE);   /* the timer runs once the offer is out */
  g_assert_cmpint (run (n, EV_LOCAL_OFFER), ==, MC_NEGOTIATION_START_TIMER);
  g_assert_cmpint (run (n, EV_CANDIDATE), ==, MC_NEGOTIATION_QUEUE);
  timeout = mc_negotiation_answer_timeout (n);
  g_assert_cmpint (timeout.action, ==, MC_NEGOTIATION_FAIL_NO_ANSWER);
  g_assert_cmpstr (timeout.why, ==, "no answer to our offer within 2.5 s");
  g_assert_cmpint (mc_negotiation_get_state (n), ==, MC_NEGOTIATION_FAILED);
  g_assert_cmpuint (mc_negotiation_pending_candidates (n), ==, 0);
  again = mc_negotiation_answer_timeout (n);
  g_assert_cmpint (again.action, ==, MC_NEGOTIATION_IGNORE);
  late_answer = mc_negotiation_remote_answer (n, &REMOTE_A);
  g_assert_cmpint (late_answer.action, ==, MC_NEGOTIATION_IGNORE);
  g_assert_null (late_answer.why);
}

static void
test_fail_and_close (void)
{
  g_autoptr (McNegotiation) n = mc_negotiation_new ("bob", "alice", 15000);

  g_assert_cmpint (run (n, EV_CANDIDATE), ==, MC_NEGOTIATION_QUEUE);
  g_assert_cmpuint (mc_negotiation_pending_candidates (n), ==, 1);
  mc_negotiation_fail (n);
  g_assert_cmpint (mc_negotiation_get_state (n), ==, MC_NEGOTIATION_FAILED);
  g_assert_cmpuint (mc_negotiation_pending_candidates (n), ==, 0);
  mc_negotiation_close (n);
  g_assert_cmpint (mc_negotiation_get_state (n), ==, MC_NEGOTIATION_CLOSED);
  mc_negotiation_fail (n);   /* a failure during teardown does not reopen it */
  g_assert_cmpint (mc_negotiation_get_state (n), ==, MC_NEGOTIATION_CLOSED);
}

static void
test_names (void)
{
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  for (int s = MC_NEGOTIATION_IDLE; s <= MC_NEGOTIATION_CLOSED; s++) {
    const char *name = mc_negotiation_state_to_string ((McNegotiationState) s);
    g_assert_cmpstr (name, !=, "unknown");
    g_assert_true (g_hash_table_add (seen, (gpointer) name));
  }
  for (int a = MC_NEGOTIATION_IGNORE; a <= MC_NEGOTIATION_FAIL_NO_ANSWER; a++) {
    const char *name = mc_negotiation_action_to_string ((McNegotiationAction) a);
    g_assert_cmpstr (name, !=, "unknown");
    g_assert_true (g_hash_table_add (seen, (gpointer) name));
  }
  g_assert_cmpstr (mc_negotiation_state_to_string ((McNegotiationState) 99), ==, "unknown");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/negotiation/matrix", test_matrix);
  g_test_add_func ("/negotiation/offerer", test_offerer);
  g_test_add_func ("/negotiation/answerer", test_answerer);
  g_test_add_func ("/negotiation/glare", test_glare);
  g_test_add_func ("/negotiation/unasked-answer", test_unasked_answer);
  g_test_add_func ("/negotiation/reoffer", test_reoffer);
  g_test_add_func ("/negotiation/second-offer-while-answering", test_second_offer_while_answering);
  g_test_add_func ("/negotiation/reoffer-before-answer-applied", test_reoffer_before_answer_applied);
  g_test_add_func ("/negotiation/restart-ice-ours", test_restart_ice_ours);
  g_test_add_func ("/negotiation/restart-ice-theirs", test_restart_ice_theirs);
  g_test_add_func ("/negotiation/candidate-limit", test_candidate_limit);
  g_test_add_func ("/negotiation/answer-timeout", test_answer_timeout);
  g_test_add_func ("/negotiation/fail-and-close", test_fail_and_close);
  g_test_add_func ("/negotiation/names", test_names);
  return g_test_run ();
}

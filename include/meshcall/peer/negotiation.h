/* The offer/answer negotiation of one peer as an explicit state machine, and
 * a pure decision module: it calls no GStreamer, does no I/O and keeps no
 * timers. McPeer tells it what happened (an event) and carries out what it
 * decides (McNegotiationDecision): create an offer, apply a description,
 * answer, start or stop the answer timer, queue or add a candidate, flush the
 * queued ones, recreate the peer, refuse the signal or fail.
 *
 *   IDLE ──start_offer──> OFFERING ──their answer──────────> STABLE
 *   IDLE ──their offer──> ANSWERING ──our answer created───> STABLE
 * A remote connection is known by its SDP session id (o=) and DTLS
 * fingerprint; its ICE generation by its ufrag.
 *   STABLE, ANSWERING ──their offer, same connection and ufrag──> ANSWERING
 *                       (a renegotiation webrtcbin takes)
 *   STABLE ──restart_ice──> OFFERING (ice_restart: new ICE credentials, same DTLS;
 *                            no answer timer; restart_ice again makes a new one)
 *   STABLE ──their offer, same connection, another ufrag──> ANSWERING (ice_restart)
 *   STABLE, ANSWERING ──their offer from another connection (or no ufrag)──> RECREATE
 *   ANSWERING ──their offer, another ufrag──> RECREATE
 *                       (a remote made anew, or a restart we cannot take in place:
 *                        a new peer takes it)
 *   OFFERING ──their answer from another connection──> FAIL_NEW_SESSION
 *   OFFERING ──their offer (glare)──> we are polite (lower peerId): RECREATE_AS_ANSWERER
 *                                     we are not: ignored, they will answer ours
 *   OFFERING ──their offer from another connection than the one in force──> RECREATE
 *   OFFERING ──answer timer──> FAILED (no answer; a retry is the call's business)
 *   any ──mc_negotiation_fail──> FAILED;  any ──mc_negotiation_close──> CLOSED
 *
 * An answer is taken only in OFFERING once our offer went out; any other
 * answer is one we did not ask for and is ignored. What webrtcbin reports
 * (offer applied, answer applied, our answer created) is taken only while
 * the machine waits for it, so a stray or late report changes nothing. Remote candidates are
 * queued (at most MC_NEGOTIATION_MAX_PENDING) until a remote description is
 * in force in webrtcbin (their answer applied, or our answer to their offer
 * created), then flushed in order; afterwards they go straight in.
 *
 * An ICE restart (ours or theirs) keeps the pipeline, the DTLS session and
 * the decoders: only the ICE credentials and candidates are new. From the
 * restart on, the old remote description no longer counts: candidates wait
 * for the new one exactly as at the start (docs/architecture.md, "ICE
 * restart on webrtcbin 1.22", says how the peer carries it out).
 *
 * Threading: none of its own. McPeer calls it from the peer's context only. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define MC_NEGOTIATION_MAX_PENDING 256   /* remote candidates queued before a description */

typedef enum {
  MC_NEGOTIATION_IDLE,       /* nothing sent or taken yet */
  MC_NEGOTIATION_OFFERING,   /* our offer is being created or is out (have-local-offer) */
  MC_NEGOTIATION_ANSWERING,  /* their offer is being applied and answered (have-remote-offer) */
  MC_NEGOTIATION_STABLE,     /* offer and answer exchanged */
  MC_NEGOTIATION_FAILED,     /* the peer failed; every event is ignored */
  MC_NEGOTIATION_CLOSED,     /* the peer is being torn down; every event is ignored */
} McNegotiationState;

const char *mc_negotiation_state_to_string (McNegotiationState state);

typedef enum {
  MC_NEGOTIATION_IGNORE,        /* nothing to do (`why`, when set, is worth a log line) */
  MC_NEGOTIATION_CREATE_OFFER,  /* create our offer (build_send: the send side first, default payload types) */
  MC_NEGOTIATION_APPLY,         /* set their description (build_send: the send side first, from this
                                 * offer; stop_timer: the answer timer stops) */
  MC_NEGOTIATION_CREATE_ANSWER, /* webrtcbin took their offer: create our answer */
  MC_NEGOTIATION_START_TIMER,   /* our offer went out: start the answer timer */
  MC_NEGOTIATION_ADD_CANDIDATE, /* hand the candidate to webrtcbin now */
  MC_NEGOTIATION_QUEUE,         /* the candidate was kept until a description is in force */
  MC_NEGOTIATION_FLUSH,         /* a remote description is in force: add `flush`, in order */
  MC_NEGOTIATION_RECREATE_AS_ANSWERER, /* glare and we are polite: a new peer takes their offer */
  MC_NEGOTIATION_RECREATE,      /* a new remote session: a new peer takes their offer */
  MC_NEGOTIATION_REJECT,        /* the signal breaks the protocol: `error` (MC_SDP_ERROR) says how */
  MC_NEGOTIATION_FAIL_NO_ANSWER,/* our offer went unanswered: fail the peer with `why` */
  MC_NEGOTIATION_FAIL_NEW_SESSION, /* their answer belongs to another DTLS session (they were
                                    * made again): this peer cannot go on, fail it with `why` */
} McNegotiationAction;

const char *mc_negotiation_action_to_string (McNegotiationAction action);

/* A remote candidate that waited for the description. */
typedef struct {
  guint mline;
  char *candidate;
} McNegotiationCandidate;

/* What the peer is to do. Owns what it points to: clear it with
 * mc_negotiation_decision_clear() (or declare it g_auto). */
typedef struct {
  McNegotiationAction action;
  gboolean build_send;     /* APPLY, CREATE_OFFER: build the send branches first (once per peer) */
  gboolean stop_timer;     /* APPLY of their answer */
  gboolean ice_restart;    /* CREATE_OFFER, APPLY: an ICE restart (new local ICE credentials) */
  char *why;               /* a log line / the failure reason, or NULL */
  GPtrArray *flush;        /* FLUSH: McNegotiationCandidate*, maybe empty */
  GError *error;           /* REJECT */
} McNegotiationDecision;

void mc_negotiation_decision_clear (McNegotiationDecision *decision);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (McNegotiationDecision, mc_negotiation_decision_clear)

/* What a remote description says about the session it belongs to. */
typedef struct {
  const char *session_id;    /* o= sess-id: the same for every description of one peer connection */
  const char *ice_ufrag;     /* a=ice-ufrag (session level, else the first m-line), or NULL */
  const char *fingerprint;   /* a=fingerprint, the same way, or NULL */
  gboolean sends_media;      /* an active audio or video m-line lets them send to us */
} McNegotiationRemote;

typedef struct _McNegotiation McNegotiation;

/* local_id < remote_id (strcmp) makes us the polite side of a glare.
 * answer_timeout_ms only goes into the no-answer reason (the peer runs the timer). */
McNegotiation *mc_negotiation_new (const char *local_id, const char *remote_id, guint answer_timeout_ms);
void mc_negotiation_free (McNegotiation *n);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (McNegotiation, mc_negotiation_free)

/* ---- events: each returns the decision for it ---- */

/* We are the offerer (the remote joined after us). */
McNegotiationDecision mc_negotiation_start_offer (McNegotiation *n);
/* Restart ICE: when STABLE, or again while an unanswered restart offer of
 * ours is out (CREATE_OFFER with ice_restart); else IGNORE with `why`. A
 * restart offer starts no answer timer (local_offer: IGNORE). */
McNegotiationDecision mc_negotiation_restart_ice (McNegotiation *n);
gboolean mc_negotiation_can_restart_ice (const McNegotiation *n);
/* webrtcbin created our offer / answer, it is set locally and was sent. */
McNegotiationDecision mc_negotiation_local_offer (McNegotiation *n);
McNegotiationDecision mc_negotiation_local_answer (McNegotiation *n);
/* A valid remote offer / answer arrived (mc_peer_validate_sdp passed). */
McNegotiationDecision mc_negotiation_remote_offer (McNegotiation *n, const McNegotiationRemote *remote);
McNegotiationDecision mc_negotiation_remote_answer (McNegotiation *n, const McNegotiationRemote *remote);
/* webrtcbin applied their offer / answer (set-remote-description replied). */
McNegotiationDecision mc_negotiation_offer_applied (McNegotiation *n);
McNegotiationDecision mc_negotiation_answer_applied (McNegotiation *n);
/* A valid remote candidate for m-line `mline` (not end-of-candidates). */
McNegotiationDecision mc_negotiation_remote_candidate (McNegotiation *n, guint mline, const char *candidate);
/* The answer timer (started on START_TIMER) fired. */
McNegotiationDecision mc_negotiation_answer_timeout (McNegotiation *n);
/* The peer failed / is torn down: every later event is ignored, the queue dropped. */
void mc_negotiation_fail (McNegotiation *n);
void mc_negotiation_close (McNegotiation *n);

/* ---- what it knows ---- */
McNegotiationState mc_negotiation_get_state (const McNegotiation *n);
/* TRUE from start_offer (or restart_ice) until we take an offer of theirs. */
gboolean mc_negotiation_is_offerer (const McNegotiation *n);
gboolean mc_negotiation_is_polite (const McNegotiation *n);
/* A remote description is in force in webrtcbin: candidates go straight in. */
gboolean mc_negotiation_has_remote (const McNegotiation *n);
/* The last remote description taken lets them send us media (the media timeout applies). */
gboolean mc_negotiation_expects_media (const McNegotiation *n);
guint mc_negotiation_pending_candidates (const McNegotiation *n);

G_END_DECLS

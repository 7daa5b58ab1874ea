/* McPeer's negotiation on webrtcbin: the events of the offer/answer
 * exchange go to the state machine (negotiation.c), and what it decides is
 * carried out here: offers and answers created through promises, remote
 * descriptions and candidates applied, the answer timer. Functions run on
 * the peer's context, except the promise callbacks (webrtcbin's thread),
 * which only queue jobs. */
#include "peer_private.h"

#include "meshcall/base/log.h"
#include "meshcall/peer/peer_sdp.h"

#define MC_LOG_CATEGORY (&mc_log_media)

static void
log_why (McPeer *peer, const McNegotiationDecision *d)
{
  if (d->why)
    MC_INFO ("peer %s: %s", peer->remote_id, d->why);
}

/* Hands a signal to the owner, then frees it. */
static void
send_signal (McPeer *peer, McSignal *signal)
{
  if (peer->cb.send_signal)
    peer->cb.send_signal (peer, signal, peer->user_data);
  mc_signal_free (signal);
}

/* ---- promises (webrtcbin's thread) ----------------------------------------- */

static gboolean
promise_ok (McPeer *peer, GstPromise *promise, const char *what, const GstStructure **reply_out)
{
  const GstStructure *reply;
  g_autoptr (GError) err = NULL;

  if (peer_is_closed (peer))
    return FALSE;
  if (gst_promise_wait (promise) != GST_PROMISE_RESULT_REPLIED) {
    peer_queue_fail (peer, MC_PEER_FAILURE_INTERNAL, "%s: no reply from webrtcbin", what);
    return FALSE;
  }
  reply = gst_promise_get_reply (promise);
  if (reply != NULL && gst_structure_has_field (reply, "error")) {
    gst_structure_get (reply, "error", G_TYPE_ERROR, &err, NULL);
    peer_queue_fail (peer, MC_PEER_FAILURE_PROTOCOL, "%s: %s", what, err ? err->message : "failed");
    return FALSE;
  }
  if (reply_out)
    *reply_out = reply;
  return TRUE;
}

/* What a promise of the negotiation carries: the peer (a reference),
 * whether the description it is about is an offer, and whether it restarts
 * ICE. */
typedef struct {
  McPeer *peer;
  gboolean offer;
  gboolean ice_restart;
} PromiseData;

static void
promise_data_free (PromiseData *data)
{
  peer_unref (data->peer);
  g_free (data);
}

static GstPromise *
negotiation_promise (McPeer *peer, gboolean offer, GstPromiseChangeFunc func)
{
  PromiseData *data = g_new0 (PromiseData, 1);

  data->peer = peer_ref (peer);
  data->offer = offer;
  data->ice_restart = peer->ice_restarting;
  return gst_promise_new_with_change_func (func, data, (GDestroyNotify) promise_data_free);
}

/* Our offer or answer: set it locally, then send it from the peer's context.
 * The promise (and with it `data`) is released last. */
static void
on_description_created (GstPromise *promise, gpointer user_data)
{
  const PromiseData *data = user_data;
  McPeer *peer = data->peer;
  const char *type = data->offer ? "offer" : "answer";
  const GstStructure *reply = NULL;
  GstWebRTCSessionDescription *desc = NULL;
  PeerJob *job;

  if (!promise_ok (peer, promise, data->offer ? "create-offer" : "create-answer", &reply) || reply == NULL)
    goto out;
  gst_structure_get (reply, type, GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &desc, NULL);
  if (desc == NULL) {
    peer_queue_fail (peer, MC_PEER_FAILURE_INTERNAL, "webrtcbin created no %s", type);
    goto out;
  }
  /* Every description we send or set names our certificate (peer_dtls.c). */
  peer_dtls_fix_description (peer, desc->sdp);
  job = g_new0 (PeerJob, 1);
  job->type = JOB_SEND_SDP;
  job->offer = data->offer;
  job->ice_restart = data->ice_restart;
  if (data->ice_restart && data->offer) {
    /* Our restart offer goes out with new credentials, but nothing changes
     * here until its answer comes (peer_ice.c says why). */
    peer_ice_new_credentials (desc->sdp, &job->ufrag, &job->pwd);
    job->sdp = gst_sdp_message_as_text (desc->sdp);
    job->desc = desc;
    peer_queue_job (peer, job);
    goto out;
  }
  /* Answering their restart: webrtcbin 1.22 copied the old credentials; the
   * agent, restarted, has new ones. */
  if (data->ice_restart && !peer_ice_put_credentials (peer, desc->sdp)) {
    peer_queue_fail (peer, MC_PEER_FAILURE_INTERNAL, "ICE restart: the ICE agent has no local credentials");
    gst_webrtc_session_description_free (desc);
    job_free_unqueued (job);
    goto out;
  }
  g_signal_emit_by_name (peer->webrtc, "set-local-description", desc, NULL);
  job->sdp = gst_sdp_message_as_text (desc->sdp);
  gst_webrtc_session_description_free (desc);
  peer_queue_job (peer, job);
out:
  gst_promise_unref (promise);
}

/* Their description is applied: the peer's context decides what follows. */
static void
on_remote_set (GstPromise *promise, gpointer user_data)
{
  const PromiseData *data = user_data;

  if (promise_ok (data->peer, promise, "set-remote-description", NULL)) {
    PeerJob *job = g_new0 (PeerJob, 1);
    job->type = JOB_REMOTE_APPLIED;
    job->offer = data->offer;
    peer_queue_job (data->peer, job);
  }
  gst_promise_unref (promise);
}

/* Creates our offer or answer. */
static void
create_description (McPeer *peer, gboolean offer)
{
  g_signal_emit_by_name (peer->webrtc, offer ? "create-offer" : "create-answer", NULL,
                         negotiation_promise (peer, offer, on_description_created));
}

/* ---- the answer timer ------------------------------------------------------ */

static gboolean
on_answer_timeout (gpointer data)
{
  McPeer *peer = data;
  g_auto (McNegotiationDecision) d = mc_negotiation_answer_timeout (peer->negotiation);

  peer_clear_source (&peer->answer_timer);
  if (d.action == MC_NEGOTIATION_FAIL_NO_ANSWER)
    peer_fail (peer, MC_PEER_FAILURE_NO_ANSWER, d.why);
  return G_SOURCE_REMOVE;
}

static void
start_answer_timer (McPeer *peer)
{
  peer_clear_source (&peer->answer_timer);
  peer->answer_timer = g_timeout_source_new (peer->settings.answer_timeout_ms);
  g_source_set_callback (peer->answer_timer, on_answer_timeout, peer, NULL);
  g_source_attach (peer->answer_timer, peer->context);
}

/* ---- candidates ------------------------------------------------------------ */

/* The m-line must be one of the remote description's: the wire allows
 * 0..65535, webrtcbin only what the session has. */
static gboolean
add_remote_candidate (McPeer *peer, guint mline, const char *candidate, GError **error)
{
  g_autoptr (GstSDPMessage) remote = peer_get_description (peer, "remote-description");
  guint n = remote ? gst_sdp_message_medias_len (remote) : 0;

  if (mline >= n) {
    g_set_error (error, MC_SDP_ERROR, MC_SDP_ERROR_CANDIDATE,
                 "candidate: sdpMLineIndex %u is beyond the %u m-lines of the session", mline, n);
    return FALSE;
  }
  MC_LOG ("peer %s: remote candidate %u %s", peer->remote_id, mline, candidate);
  g_signal_emit_by_name (peer->webrtc, "add-ice-candidate", mline, candidate);
  return TRUE;
}

/* A remote description is in force: the candidates that waited for it go in. */
static void
flush_candidates (McPeer *peer, GPtrArray *queued)
{
  for (guint i = 0; queued && i < queued->len; i++) {
    const McNegotiationCandidate *c = g_ptr_array_index (queued, i);
    g_autoptr (GError) error = NULL;
    /* Queued before the description that says how many m-lines there are. */
    if (!add_remote_candidate (peer, c->mline, c->candidate, &error))
      MC_WARNING ("peer %s: dropping a queued candidate: %s", peer->remote_id, error->message);
  }
  /* A renegotiation or ICE restart of a connection keeps its state. */
  if (peer->state == MC_PEER_STATE_NEW || peer->state == MC_PEER_STATE_NEGOTIATING)
    peer_set_state (peer, MC_PEER_STATE_CONNECTING);
}

/* ---- jobs from webrtcbin (the peer's context) ------------------------------- */

/* After a restarted description: libnice does not gather again, so webrtcbin
 * signals no candidate; the ones the agent has are sent for the new
 * generation. */
static void
send_local_candidates (McPeer *peer)
{
  g_autoptr (GPtrArray) cands = peer_ice_local_candidates (peer);

  for (guint i = 0; i < cands->len; i++)
    peer_negotiate_send_candidate (peer, 0, g_ptr_array_index (cands, i));
  MC_INFO ("peer %s: ICE restart: sent our %u candidates again", peer->remote_id, cands->len);
}

void
peer_negotiate_send_sdp (McPeer *peer, PeerJob *job)
{
  gboolean offer = job->offer, ice_restart = job->ice_restart;
  const char *type = offer ? "offer" : "answer";
  g_auto (McNegotiationDecision) d = { 0 };

  MC_INFO ("peer %s: sending %s%s", peer->remote_id, ice_restart ? "ICE restart " : "", type);
  MC_DEBUG ("peer %s: %s:\n%s", peer->remote_id, type, job->sdp);
  if (job->desc != NULL) {
    /* Kept until its answer; a newer restart offer replaces an older one. */
    peer_ice_set_pending (peer, g_steal_pointer (&job->desc), g_steal_pointer (&job->ufrag),
                          g_steal_pointer (&job->pwd));
  }
  send_signal (peer, mc_signal_new_description (offer ? MC_SIGNAL_OFFER : MC_SIGNAL_ANSWER, job->sdp));
  if (ice_restart) {
    peer->ice_restarting = FALSE;
    if (!offer)
      peer->ice_restarts++;
    send_local_candidates (peer);
  }
  d = offer ? mc_negotiation_local_offer (peer->negotiation) : mc_negotiation_local_answer (peer->negotiation);
  if (d.action == MC_NEGOTIATION_START_TIMER)
    start_answer_timer (peer);
  else if (d.action == MC_NEGOTIATION_FLUSH)
    flush_candidates (peer, d.flush);
}

void
peer_negotiate_send_candidate (McPeer *peer, guint mline, const char *candidate)
{
  g_autoptr (GstSDPMessage) local = peer_get_description (peer, "local-description");
  const char *mid = local ? mc_peer_sdp_get_mid (local, mline) : NULL;

  send_signal (peer, mc_signal_new_candidate (candidate, mid, (gint) mline));
}

void
peer_negotiate_remote_applied (McPeer *peer, gboolean offer)
{
  g_auto (McNegotiationDecision) d = offer ? mc_negotiation_offer_applied (peer->negotiation)
                                           : mc_negotiation_answer_applied (peer->negotiation);

  if (d.action == MC_NEGOTIATION_CREATE_ANSWER)
    create_description (peer, FALSE);
  else if (d.action == MC_NEGOTIATION_FLUSH)
    flush_candidates (peer, d.flush);
}

/* ---- the public API ---------------------------------------------------------- */

void
mc_peer_start_offer (McPeer *peer)
{
  g_auto (McNegotiationDecision) d = mc_negotiation_start_offer (peer->negotiation);
  g_autoptr (GError) error = NULL;

  if (d.action != MC_NEGOTIATION_CREATE_OFFER) {
    log_why (peer, &d);
    return;
  }
  if (d.build_send && !peer_send_build (peer, NULL, &error)) {
    peer_fail (peer, MC_PEER_FAILURE_INTERNAL, error->message);
    return;
  }
  if (d.build_send)
    peer_data_create (peer);
  peer_set_state (peer, MC_PEER_STATE_NEGOTIATING);
  create_description (peer, TRUE);
}

gboolean
mc_peer_restart_ice (McPeer *peer)
{
  g_auto (McNegotiationDecision) d = { 0 };

  if (peer->state == MC_PEER_STATE_FAILED || peer_is_closed (peer))
    return FALSE;
  d = mc_negotiation_restart_ice (peer->negotiation);
  if (d.action != MC_NEGOTIATION_CREATE_OFFER) {
    log_why (peer, &d);
    return FALSE;
  }
  peer->ice_restarting = TRUE;
  create_description (peer, TRUE);
  return TRUE;
}

guint
mc_peer_get_ice_restarts (McPeer *peer)
{
  return peer->ice_restarts;
}

gboolean
mc_peer_is_offerer (McPeer *peer)
{
  return mc_negotiation_is_offerer (peer->negotiation);
}

static gboolean
remote_expects_media (const GstSDPMessage *sdp)
{
  for (guint i = 0; i < gst_sdp_message_medias_len (sdp); i++) {
    const GstSDPMedia *m = gst_sdp_message_get_media (sdp, i);
    const char *kind = gst_sdp_media_get_media (m);
    if ((g_strcmp0 (kind, "video") == 0 || g_strcmp0 (kind, "audio") == 0) && mc_peer_sdp_remote_sends (m))
      return TRUE;
  }
  return FALSE;
}

/* Session level, else the first m-line's (browsers put ICE and DTLS there). */
static const char *
sdp_attr (const GstSDPMessage *sdp, const char *key)
{
  const char *v = gst_sdp_message_get_attribute_val (sdp, key);
  if (v == NULL && gst_sdp_message_medias_len (sdp) > 0)
    v = gst_sdp_media_get_attribute_val (gst_sdp_message_get_media (sdp, 0), key);
  return v;
}

static McPeerSignalResult
handle_description (McPeer *peer, gboolean offer, const char *text, GError **error)
{
  const char *type = offer ? "offer" : "answer";
  g_autoptr (GstSDPMessage) sdp = NULL;
  g_auto (McNegotiationDecision) d = { 0 };
  McNegotiationRemote remote;
  GstWebRTCSessionDescription *desc;
  GstPromise *promise;

  if (!mc_peer_validate_sdp (text, type, error))
    return MC_PEER_SIGNAL_INVALID;
  sdp = mc_peer_sdp_parse (text, error);
  if (sdp == NULL)
    return MC_PEER_SIGNAL_INVALID;
  remote.session_id = gst_sdp_message_get_origin (sdp) ? gst_sdp_message_get_origin (sdp)->sess_id : NULL;
  remote.ice_ufrag = sdp_attr (sdp, "ice-ufrag");
  remote.fingerprint = sdp_attr (sdp, "fingerprint");
  remote.sends_media = remote_expects_media (sdp);
  d = offer ? mc_negotiation_remote_offer (peer->negotiation, &remote)
            : mc_negotiation_remote_answer (peer->negotiation, &remote);
  log_why (peer, &d);
  if (d.action == MC_NEGOTIATION_RECREATE || d.action == MC_NEGOTIATION_RECREATE_AS_ANSWERER)
    return MC_PEER_SIGNAL_RECREATE;
  if (d.action == MC_NEGOTIATION_FAIL_NEW_SESSION) {
    peer_fail (peer, MC_PEER_FAILURE_CONNECTION, d.why);
    return MC_PEER_SIGNAL_OK;
  }
  if (d.action != MC_NEGOTIATION_APPLY)
    return MC_PEER_SIGNAL_OK;

  if (d.stop_timer)
    peer_clear_source (&peer->answer_timer);
  /* The answer to our restart offer: only now does the agent restart, take
   * the credentials we offered, and webrtcbin set our offer (ahead of their
   * answer, in the order of its task queue). */
  if (!offer && peer->pending_offer != NULL && !peer_ice_apply_pending (peer)) {
    mc_negotiation_fail (peer->negotiation);
    return MC_PEER_SIGNAL_RECREATE;
  }
  /* Their ICE restart: our agent restarts too (new credentials, the old
   * checks dropped) before it learns their new credentials. */
  if (d.ice_restart) {
    if (!peer_ice_restart (peer)) {
      mc_negotiation_fail (peer->negotiation);
      return MC_PEER_SIGNAL_RECREATE;
    }
    peer->ice_restarting = TRUE;
  }
  /* The transceivers (with their codec preferences) must exist before
   * webrtcbin matches the offer's m-lines to them. */
  if (d.build_send && !peer_send_build (peer, sdp, error)) {
    mc_negotiation_fail (peer->negotiation);
    return MC_PEER_SIGNAL_INVALID;
  }
  if (peer->state == MC_PEER_STATE_NEW)
    peer_set_state (peer, MC_PEER_STATE_NEGOTIATING);
  desc = gst_webrtc_session_description_new (offer ? GST_WEBRTC_SDP_TYPE_OFFER : GST_WEBRTC_SDP_TYPE_ANSWER,
                                             g_steal_pointer (&sdp));
  promise = negotiation_promise (peer, offer, on_remote_set);
  g_signal_emit_by_name (peer->webrtc, "set-remote-description", desc, promise);
  gst_webrtc_session_description_free (desc);
  return MC_PEER_SIGNAL_OK;
}

static McPeerSignalResult
handle_candidate (McPeer *peer, const McSignal *signal, GError **error)
{
  gint mline = signal->sdp_mline_index;
  g_auto (McNegotiationDecision) d = { 0 };

  if (mc_signal_is_end_of_candidates (signal))
    return MC_PEER_SIGNAL_OK;
  if (!mc_peer_validate_candidate (signal->candidate, error))
    return MC_PEER_SIGNAL_INVALID;

  if (mline < 0 && signal->sdp_mid != NULL) {
    /* Before the description, max-bundle puts everything on m-line 0. */
    g_autoptr (GstSDPMessage) remote =
      mc_negotiation_has_remote (peer->negotiation) ? peer_get_description (peer, "remote-description") : NULL;
    mline = remote ? mc_peer_sdp_mline_of_mid (remote, signal->sdp_mid) : 0;
    if (mline < 0) {
      g_set_error (error, MC_SDP_ERROR, MC_SDP_ERROR_CANDIDATE, "candidate: unknown sdpMid '%.32s'", signal->sdp_mid);
      return MC_PEER_SIGNAL_INVALID;
    }
  } else if (mline < 0) {
    g_set_error (error, MC_SDP_ERROR, MC_SDP_ERROR_CANDIDATE, "candidate: neither sdpMLineIndex nor sdpMid");
    return MC_PEER_SIGNAL_INVALID;
  }

  d = mc_negotiation_remote_candidate (peer->negotiation, (guint) mline, signal->candidate);
  switch (d.action) {
  case MC_NEGOTIATION_ADD_CANDIDATE:
    return add_remote_candidate (peer, (guint) mline, signal->candidate, error) ? MC_PEER_SIGNAL_OK
                                                                                 : MC_PEER_SIGNAL_INVALID;
  case MC_NEGOTIATION_REJECT:
    g_propagate_error (error, g_steal_pointer (&d.error));
    return MC_PEER_SIGNAL_INVALID;
  default:
    return MC_PEER_SIGNAL_OK;   /* queued, or the peer is over */
  }
}

McPeerSignalResult
mc_peer_handle_signal (McPeer *peer, const McSignal *signal, GError **error)
{
  if (peer->state == MC_PEER_STATE_FAILED)
    return MC_PEER_SIGNAL_OK;
  switch (signal->type) {
  case MC_SIGNAL_OFFER:
  case MC_SIGNAL_ANSWER:
    return handle_description (peer, signal->type == MC_SIGNAL_OFFER, signal->sdp, error);
  case MC_SIGNAL_CANDIDATE:
    return handle_candidate (peer, signal, error);
  case MC_SIGNAL_MEDIA_STATE:
  case MC_SIGNAL_RECORDING:
    break;
  }
  return MC_PEER_SIGNAL_OK;
}

/* ICE restart in place on webrtcbin 1.22 (see peer_private.h and
 * docs/architecture.md, "ICE restart on webrtcbin 1.22").
 *
 * webrtcbin 1.22 has no ice-restart option: create-offer and create-answer
 * copy the ICE credentials of the last description ("FIXME: deal with ICE
 * restarts" in gstwebrtcbin.c), and nothing clears libnice's checks. But
 * set-local-description hands the credentials it finds in the SDP to the
 * ICE agent, and libnice's nice_agent_restart() does the rest of RFC 8445
 * §9 on the stream: new local credentials, remote candidates and checks
 * dropped, the selected pair kept until a new one is found (so media goes
 * on over the old path meanwhile).
 *
 * But webrtcbin's receive side drops everything while its ICE transport is
 * not connected, and a restarted agent is not connected until the new
 * checks pass; restarting the agent when our offer goes out would black out
 * what we receive until the answer comes (for the whole outage, when the
 * offer is held up with a dead signaling connection, while the old path
 * came back on its own). So our restart is two steps:
 *   1. create the offer, put new credentials of ours into it, send it and
 *      our local candidates again (libnice gathers once, so webrtcbin
 *      signals none); keep it; the agent and webrtcbin stay as they are;
 *   2. its answer: nice_agent_restart_stream(), the offered credentials on
 *      the agent, set-local-description of the kept offer, then their answer.
 * A newer restart offer before any answer replaces the kept one. Answering
 * their restart, the agent restarts first (the new checks come right after,
 * with their candidates), then the answer carries the agent's credentials.
 * What it cannot do: gather on addresses that appeared after the first
 * gathering (libnice 0.1.21 gathers once per stream). A changed address
 * therefore needs a new peer; the call does that (call.c). */
#include "peer_private.h"

#include "meshcall/base/log.h"
#include "meshcall/proto/call_protocol.h"

#include <nice/agent.h>

#define MC_LOG_CATEGORY (&mc_log_media)

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NiceAgent, g_object_unref)

/* The libnice agent behind webrtcbin's ICE object (a new reference), or NULL. */
static NiceAgent *
get_agent (McPeer *peer)
{
  GObject *ice = NULL;
  NiceAgent *agent = NULL;

  g_object_get (peer->webrtc, "ice-agent", &ice, NULL);
  if (ice != NULL && g_object_class_find_property (G_OBJECT_GET_CLASS (ice), "agent"))
    g_object_get (ice, "agent", &agent, NULL);
  g_clear_object (&ice);
  if (agent != NULL && !NICE_IS_AGENT (agent))
    g_clear_object (&agent);
  return agent;
}

/* The libnice stream that carries the session (max-bundle: one for all
 * m-lines), or 0. */
static guint
get_stream_id (McPeer *peer)
{
  GstWebRTCRTPTransceiver *trans = NULL;
  GObject *receiver = NULL, *dtls = NULL, *ice_transport = NULL, *stream = NULL;
  guint id = 0;

  g_signal_emit_by_name (peer->webrtc, "get-transceiver", 0, &trans);
  if (trans != NULL)
    g_object_get (trans, "receiver", &receiver, NULL);
  if (receiver != NULL)
    g_object_get (receiver, "transport", &dtls, NULL);
  if (dtls != NULL)
    g_object_get (dtls, "transport", &ice_transport, NULL);
  if (ice_transport != NULL && g_object_class_find_property (G_OBJECT_GET_CLASS (ice_transport), "stream"))
    g_object_get (ice_transport, "stream", &stream, NULL);
  if (stream != NULL && g_object_class_find_property (G_OBJECT_GET_CLASS (stream), "stream-id"))
    g_object_get (stream, "stream-id", &id, NULL);
  g_clear_object (&stream);
  g_clear_object (&ice_transport);
  g_clear_object (&dtls);
  g_clear_object (&receiver);
  g_clear_object (&trans);
  return id;
}

gboolean
peer_ice_restart (McPeer *peer)
{
  g_autoptr (NiceAgent) agent = get_agent (peer);
  guint stream = get_stream_id (peer);

  if (agent == NULL || stream == 0 || !nice_agent_restart_stream (agent, stream)) {
    MC_WARNING ("peer %s: cannot restart ICE in place (webrtcbin's ICE agent is not libnice, or has no stream)",
                peer->remote_id);
    return FALSE;
  }
  MC_INFO ("peer %s: ICE restarted on stream %u", peer->remote_id, stream);
  return TRUE;
}

static void
replace_credentials (GstSDPMedia *media, const char *ufrag, const char *pwd)
{
  for (guint i = 0; i < gst_sdp_media_attributes_len (media); i++) {
    const GstSDPAttribute *a = gst_sdp_media_get_attribute (media, i);
    GstSDPAttribute repl;
    if (g_strcmp0 (a->key, "ice-ufrag") != 0 && g_strcmp0 (a->key, "ice-pwd") != 0)
      continue;
    gst_sdp_attribute_set (&repl, a->key, g_strcmp0 (a->key, "ice-ufrag") == 0 ? ufrag : pwd);
    gst_sdp_media_replace_attribute (media, i, &repl);
  }
}

gboolean
peer_ice_put_credentials (McPeer *peer, GstSDPMessage *sdp)
{
  g_autoptr (NiceAgent) agent = get_agent (peer);
  guint stream = get_stream_id (peer);
  g_autofree char *ufrag = NULL, *pwd = NULL;

  if (agent == NULL || stream == 0 || !nice_agent_get_local_credentials (agent, stream, &ufrag, &pwd))
    return FALSE;
  /* Bundled: every m-line carries the one transport's credentials. */
  for (guint i = 0; i < gst_sdp_message_medias_len (sdp); i++)
    replace_credentials ((GstSDPMedia *) gst_sdp_message_get_media (sdp, i), ufrag, pwd);
  return TRUE;
}

GPtrArray *
peer_ice_local_candidates (McPeer *peer)
{
  g_autoptr (NiceAgent) agent = get_agent (peer);
  guint stream = get_stream_id (peer);
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);
  GSList *cands;

  if (agent == NULL || stream == 0)
    return out;
  cands = nice_agent_get_local_candidates (agent, stream, NICE_COMPONENT_TYPE_RTP);
  for (GSList *l = cands; l; l = l->next) {
    g_autofree char *attr = nice_agent_generate_local_candidate_sdp (agent, l->data);
    if (attr != NULL)
      g_ptr_array_add (out, g_strdup (g_str_has_prefix (attr, "a=") ? attr + 2 : attr));
  }
  g_slist_free_full (cands, (GDestroyNotify) nice_candidate_free);
  return out;
}

char *
mc_peer_get_local_address (McPeer *peer)
{
  g_autoptr (NiceAgent) agent = get_agent (peer);
  guint stream = get_stream_id (peer);
  NiceCandidate *local = NULL, *remote = NULL;
  char text[NICE_ADDRESS_STRING_LEN];

  if (agent == NULL || stream == 0 ||
      !nice_agent_get_selected_pair (agent, stream, NICE_COMPONENT_TYPE_RTP, &local, &remote) || local == NULL)
    return NULL;
  /* A relayed pair's own socket is the base address it was gathered on. */
  nice_address_to_string (local->type == NICE_CANDIDATE_TYPE_HOST ? &local->addr : &local->base_addr, text);
  return g_strdup (text);
}

const char *
mc_peer_get_ice_state (McPeer *peer)
{
  GstWebRTCICEConnectionState state = GST_WEBRTC_ICE_CONNECTION_STATE_NEW;
  GEnumValue *v;

  g_object_get (peer->webrtc, "ice-connection-state", &state, NULL);
  v = g_enum_get_value (g_type_class_peek (GST_TYPE_WEBRTC_ICE_CONNECTION_STATE), (gint) state);
  return v ? v->value_nick : "unknown";
}

gboolean
mc_peer_can_restart_ice (McPeer *peer)
{
  return peer->state != MC_PEER_STATE_FAILED && mc_negotiation_can_restart_ice (peer->negotiation);
}

void
peer_ice_new_credentials (GstSDPMessage *sdp, char **ufrag, char **pwd)
{
  g_autofree char *a = mc_protocol_generate_resume_secret ();   /* 128 random bits as hex: valid ice-chars */
  g_autofree char *b = mc_protocol_generate_resume_secret ();

  *ufrag = g_strndup (a, 16);
  *pwd = g_steal_pointer (&b);
  for (guint i = 0; i < gst_sdp_message_medias_len (sdp); i++)
    replace_credentials ((GstSDPMedia *) gst_sdp_message_get_media (sdp, i), *ufrag, *pwd);
}

void
peer_ice_clear_pending (McPeer *peer)
{
  g_clear_pointer (&peer->pending_offer, gst_webrtc_session_description_free);
  g_clear_pointer (&peer->pending_ufrag, g_free);
  g_clear_pointer (&peer->pending_pwd, g_free);
}

void
peer_ice_set_pending (McPeer *peer, GstWebRTCSessionDescription *offer, char *ufrag, char *pwd)
{
  peer_ice_clear_pending (peer);
  peer->pending_offer = offer;
  peer->pending_ufrag = ufrag;
  peer->pending_pwd = pwd;
}

gboolean
peer_ice_apply_pending (McPeer *peer)
{
  g_autoptr (NiceAgent) agent = get_agent (peer);
  guint stream = get_stream_id (peer);
  gboolean ok = agent != NULL && stream != 0 && nice_agent_restart_stream (agent, stream) &&
                nice_agent_set_local_credentials (agent, stream, peer->pending_ufrag, peer->pending_pwd);

  if (!ok) {
    MC_WARNING ("peer %s: cannot restart ICE in place (webrtcbin's ICE agent is not libnice, or has no stream)",
                peer->remote_id);
    peer_ice_clear_pending (peer);
    return FALSE;
  }
  MC_INFO ("peer %s: ICE restarted on stream %u (our offer was answered)", peer->remote_id, stream);
  g_signal_emit_by_name (peer->webrtc, "set-local-description", peer->pending_offer, NULL);
  peer->ice_restarts++;
  peer_ice_clear_pending (peer);
  return TRUE;
}

/* What the files of McPeer share (private to src/peer/):
 *   peer.c            lifecycle: new/free, the pipeline and webrtcbin, the bus,
 *                     the job queue onto the peer's context, state, stats,
 *                     the media timeout
 *   peer_negotiate.c  carries out the negotiation module's decisions
 *                     (negotiation.c) on webrtcbin: offers, answers, candidates
 *   peer_send.c       appsrc -> payloader -> webrtcbin branches, RTP caps,
 *                     codec preferences, the capture subscription, send counters
 *   peer_receive.c    pad-added, decoder bins from pipelines/decoder-*,
 *                     appsinks, receive counters, audio levels
 *   peer_ice.c        ICE restart in place on webrtcbin 1.22's libnice agent
 *   peer_data.c       the chat data channel
 *   peer_channel.c    the other data channels (files), with back-pressure
 *
 * Threading (see peer.h): everything runs on peer->context except what is
 * marked "any thread" (webrtcbin's signals and promises, pad probes, appsink
 * callbacks), which only touches `lock`-protected fields and queues jobs. */
#pragma once

#include "meshcall/media/playback.h"
#include "meshcall/peer/negotiation.h"
#include "meshcall/peer/peer.h"

#include <gst/sdp/sdp.h>

G_BEGIN_DECLS

struct _McPeer {
  gint ref_count;               /* the owner's, plus one per queued job or pending promise */
  gint closed;                  /* atomic: mc_peer_free() started */
  GMainContext *context;

  char *local_id, *remote_id, *remote_name;
  McCapture *capture;
  guint tier;
  McPeerSettings settings;      /* its own reference to the ICE config */
  McPlayback *playback;
  McPeerCallbacks cb;
  gpointer user_data;

  GstElement *pipeline;
  GstElement *webrtc;           /* owned by the pipeline */
  GSource *bus_source;
  GSource *media_timer;
  McPeerState state;

  McNegotiation *negotiation;   /* offer/answer state and queued candidates */
  GSource *answer_timer;        /* while our offer waits for the answer */
  gboolean ice_restarting;      /* the description being made restarts ICE (ours or answering theirs) */
  guint ice_restarts;           /* ICE restarts done in place, both directions */
  GstWebRTCSessionDescription *pending_offer;   /* our restart offer, sent, not yet set (its answer sets it) */
  char *pending_ufrag, *pending_pwd;            /* ... and the credentials it carries */

  GstElement *video_src, *audio_src;   /* send appsrcs (NULL when not sending that kind) */
  gboolean subscribed;                 /* the appsrcs are fed by the capture */

  GstWebRTCDataChannel *chat;   /* the "chat" channel (set under `lock`: theirs comes on webrtcbin's thread) */
  gboolean chat_open;           /* ... and it is open (the peer's context) */
  GHashTable *channels;         /* number -> McPeerChannel* (under `lock`) */
  guint channel_seq;            /* the last channel number given */

  GMutex lock;                  /* counters, playback_input, stats_in_flight, chat */
  GCond stats_done;             /* signalled when a get-stats reply is in */
  guint stats_in_flight;        /* get-stats asked of webrtcbin, not yet answered */
  McPeerCounters counters;
  McPlaybackInput *playback_input;
};

/* ---- peer.c: lifecycle and the job queue ---- */

typedef enum {
  JOB_SEND_SDP,          /* our offer/answer was created and set: send it */
  JOB_SEND_CANDIDATE,    /* a local candidate: send it */
  JOB_REMOTE_APPLIED,    /* webrtcbin applied their offer/answer */
  JOB_CONNECTION_STATE,
  JOB_FAIL,
  JOB_STATS,
  JOB_CHAT,              /* the chat channel opened, closed or brought a message (text) */
  JOB_CHANNEL,           /* another channel (number) had an event (event; text or bytes) */
} PeerJobType;

/* Work queued from webrtcbin's threads onto the peer's context. */
typedef struct {
  McPeer *peer;
  PeerJobType type;
  gboolean offer;      /* SEND_SDP, REMOTE_APPLIED: an offer (else an answer) */
  gboolean ice_restart;/* SEND_SDP: it restarts ICE: our candidates follow it */
  GstWebRTCSessionDescription *desc;   /* SEND_SDP of our restart offer: not set yet */
  char *ufrag, *pwd;                   /* ... its new credentials */
  char *text;          /* candidate / failure reason */
  char *sdp;
  guint number;        /* mline / state / failure / channel */
  guint event;         /* CHANNEL: what happened */
  GBytes *bytes;       /* CHANNEL: a binary message */
  GstStructure *stats;
  McPeerStatsFunc stats_func;
  gpointer stats_data;
} PeerJob;

G_GNUC_INTERNAL McPeer *peer_ref (McPeer *peer);
G_GNUC_INTERNAL void peer_unref (McPeer *peer);
G_GNUC_INTERNAL gboolean peer_is_closed (McPeer *peer);
/* Any thread: runs the job on the peer's context (unless closed), then frees it. */
G_GNUC_INTERNAL void peer_queue_job (McPeer *peer, PeerJob *job);
/* Any thread: fails the peer from its context. */
G_GNUC_INTERNAL void peer_queue_fail (McPeer *peer, McPeerFailure failure, const char *format, ...) G_GNUC_PRINTF (3, 4);
G_GNUC_INTERNAL void peer_set_state (McPeer *peer, McPeerState state);
G_GNUC_INTERNAL void peer_fail (McPeer *peer, McPeerFailure failure, const char *reason);
/* Destroys and drops a source attached by the peer, if any. */
G_GNUC_INTERNAL void peer_clear_source (GSource **source);
/* A copy of webrtcbin's "local-description"/"remote-description", or NULL. */
G_GNUC_INTERNAL GstSDPMessage *peer_get_description (McPeer *peer, const char *property);
/* Which RTP counters of McPeerCounters a probe adds a pad's packets to. */
typedef enum {
  PEER_COUNT_VIDEO_IN,
  PEER_COUNT_AUDIO_IN,     /* ..._IN also stamp last_media_us (the media timeout) */
  PEER_COUNT_VIDEO_OUT,
  PEER_COUNT_AUDIO_OUT,
} PeerCount;

/* A probe (streaming threads) that counts what passes the pad. */
G_GNUC_INTERNAL void peer_add_count_probe (McPeer *peer, GstPad *pad, PeerCount which);

/* ---- peer_negotiate.c: jobs of the negotiation ---- */

G_GNUC_INTERNAL void peer_negotiate_send_sdp (McPeer *peer, PeerJob *job);
G_GNUC_INTERNAL void peer_negotiate_send_candidate (McPeer *peer, guint mline, const char *candidate);
G_GNUC_INTERNAL void peer_negotiate_remote_applied (McPeer *peer, gboolean offer);

/* ---- peer_ice.c: ICE restart in place ---- */

/* New local credentials and a new check list on the session's libnice
 * stream (the selected pair carries media until a new one is chosen). */
G_GNUC_INTERNAL gboolean peer_ice_restart (McPeer *peer);
/* Puts the agent's current local credentials into every m-line of sdp. */
G_GNUC_INTERNAL gboolean peer_ice_put_credentials (McPeer *peer, GstSDPMessage *sdp);
/* Our local candidates as "candidate:..." strings (libnice gathers once). */
G_GNUC_INTERNAL GPtrArray *peer_ice_local_candidates (McPeer *peer);
/* New random ICE credentials put into every m-line of sdp (returned, owned). */
G_GNUC_INTERNAL void peer_ice_new_credentials (GstSDPMessage *sdp, char **ufrag, char **pwd);
/* Our restart offer, sent and kept until its answer (replaces an older one). */
G_GNUC_INTERNAL void peer_ice_set_pending (McPeer *peer, GstWebRTCSessionDescription *offer, char *ufrag, char *pwd);
G_GNUC_INTERNAL void peer_ice_clear_pending (McPeer *peer);
/* Its answer came: restart the agent with the offered credentials and set the offer. */
G_GNUC_INTERNAL gboolean peer_ice_apply_pending (McPeer *peer);
/* A job that was never queued (no peer reference taken). */
G_GNUC_INTERNAL void job_free_unqueued (PeerJob *job);

/* ---- peer_send.c ---- */

/* Builds the send branches (once per peer): for our offer (offer == NULL,
 * meshcall's payload types) or for answering `offer` (its payload types and
 * TWCC ids; an error when it lacks the video codec we send). */
G_GNUC_INTERNAL gboolean peer_send_build (McPeer *peer, const GstSDPMessage *offer, GError **error);
/* The capture starts/stops feeding the send appsrcs. */
G_GNUC_INTERNAL void peer_send_subscribe (McPeer *peer);
G_GNUC_INTERNAL void peer_send_unsubscribe (McPeer *peer);

/* ---- peer_receive.c ---- */

/* webrtcbin's pad-added (a streaming thread): a decoder bin for the stream. */
G_GNUC_INTERNAL void peer_receive_pad_added (GstElement *webrtc, GstPad *pad, gpointer user_data);
/* A `level` element's message: the audio_level callback. */
G_GNUC_INTERNAL void peer_receive_report_level (McPeer *peer, const GstStructure *s);

/* ---- peer_data.c: the chat data channel ---- */

/* Listens for the remote's channel (on-data-channel). */
G_GNUC_INTERNAL void peer_data_init (McPeer *peer);
/* Ours, before our first offer (so the offer has the m=application line). */
G_GNUC_INTERNAL void peer_data_create (McPeer *peer);
G_GNUC_INTERNAL void peer_data_run (McPeer *peer, PeerJob *job);
/* After the pipeline is NULL: drops the channel. */
G_GNUC_INTERNAL void peer_data_free (McPeer *peer);

/* ---- peer_channel.c: the other data channels ---- */

G_GNUC_INTERNAL void peer_channel_init (McPeer *peer);
/* webrtcbin's thread: the remote opened a channel that is not the chat's. */
G_GNUC_INTERNAL void peer_channel_announced (McPeer *peer, GstWebRTCDataChannel *dc, const char *label);
G_GNUC_INTERNAL void peer_channel_run (McPeer *peer, PeerJob *job);
/* After the pipeline is NULL: every channel dropped. */
G_GNUC_INTERNAL void peer_channel_free_all (McPeer *peer);

G_END_DECLS

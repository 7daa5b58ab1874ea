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
 *   peer_dtls.c       the DTLS certificate on webrtcbin's DTLS elements and
 *                     in our descriptions; the DTLS plugin's default agent
 *   peer_fast_start.c the jitter buffers' wait for a stream's first packet
 *   peer_feedback.c   what the remote reports about our media (RTCP, TWCC)
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
  gint video_ssrc;                     /* atomic: our video SSRC (a guint32; 0 before the send side is built) */
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
  gboolean encoded_only;        /* no decoders: depayload for the receive tap only */
  GstPad *video_depay_sink;     /* lock: the incoming video's depayloader (keyframe requests), or NULL */
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

/* ---- peer_feedback.c: RTCP reports and transport-wide feedback ---- */

/* Hooks webrtcbin's rtpbin: the RTCP interval, receiver reports and
 * transport-wide feedback about our media go to cb.feedback. */
G_GNUC_INTERNAL void peer_feedback_attach (McPeer *peer);

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
/* The peer starts connecting: a keyframe for the subscription to start
 * from (capture.h, MC_CAPTURE_RECENT_FRAMES). */
G_GNUC_INTERNAL void peer_send_prepare (McPeer *peer);
/* The capture starts/stops feeding the send appsrcs. */
G_GNUC_INTERNAL void peer_send_subscribe (McPeer *peer);
G_GNUC_INTERNAL void peer_send_unsubscribe (McPeer *peer);

/* ---- peer_dtls.c ---- */

/* Once per process, before the first webrtcbin: the DTLS plugin's default
 * agent, made at no cost (any thread; later callers wait for the first). */
G_GNUC_INTERNAL void peer_dtls_prepare (void);
/* peer_start: every DTLS transport of the peer's webrtcbin gets the
 * settings' certificate (one made for the process when they have none). */
G_GNUC_INTERNAL gboolean peer_dtls_attach (McPeer *peer, GError **error);
/* Our offer or answer as webrtcbin made it (any thread): a=fingerprint set
 * to the certificate's own, as webrtcbin 1.22 gets it wrong. */
G_GNUC_INTERNAL void peer_dtls_fix_description (McPeer *peer, GstSDPMessage *sdp);

/* ---- peer_fast_start.c ---- */

/* How long a jitter buffer holds a stream's first packet (instead of its
 * whole latency) in case an earlier one of the same burst is still coming. */
#define MC_PEER_FIRST_PACKET_WAIT_MS 5
/* ICE's Ta, the pacing of connectivity checks: RFC 8445's smallest (5 ms;
 * libnice's default is 20). A check, its answer and the nomination take
 * about three of them, so this is most of what ICE costs on a LAN. */
#define MC_PEER_ICE_PACING_MS 5

/* peer_start: the jitter buffers webrtcbin makes wait only
 * MC_PEER_FIRST_PACKET_WAIT_MS for their first packet. */
G_GNUC_INTERNAL void peer_fast_start_attach (McPeer *peer);

/* ---- peer_receive.c ---- */

/* webrtcbin's pad-added (a streaming thread): a decoder bin for the stream. */
G_GNUC_INTERNAL void peer_receive_pad_added (GstElement *webrtc, GstPad *pad, gpointer user_data);
/* A `level` element's message: the audio_level callback. */
G_GNUC_INTERNAL void peer_receive_report_level (McPeer *peer, const GstStructure *s);

/* ---- peer_tap.c: the receive tap (encoded_frame) ---- */

/* On a receive bin (its sink ghost pad leads to the depayloader): keeps the
 * video depayloader for keyframe requests and, with encoded_frame set,
 * probes its output. peer_tap_started() once the bin is linked. */
G_GNUC_INTERNAL void peer_tap_install (McPeer *peer, GstElement *bin, gboolean video);
G_GNUC_INTERNAL void peer_tap_started (McPeer *peer, gboolean video);
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

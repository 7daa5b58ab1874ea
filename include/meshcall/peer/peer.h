/* One remote participant: its own GstPipeline with its own webrtcbin, so one
 * peer's failure, renegotiation or teardown never stalls another.
 *
 *   appsrc (tier encoder's VP8/H.264) ! rtpvp8pay ! caps(+TWCC extmap) ! webrtcbin
 *   appsrc (Opus)                     ! rtpopuspay ! caps(+TWCC extmap) ! webrtcbin
 *   webrtcbin ! depay ! decoder ! appsink  (video: on_video_frame; counted)
 *   webrtcbin ! depay ! decoder ! fakesink | playback input (audio; counted)
 *                 └─ the receive tap (encoded_frame): encoded frames with caps and timestamps
 *   webrtcbin ! depay ! fakesink   (encoded_only: a recorder decodes nothing)
 *
 * The send appsrcs are fed by McCapture (subscribed once the connection is
 * up, which also forces a keyframe). max-bundle, DTLS-SRTP, trickle ICE.
 * Signals are the call protocol's typed McSignal (offer, answer, candidate);
 * the offer/answer rules (glare, renegotiation, queued candidates) are the
 * state machine of negotiation.h.
 *
 * Threading: every function and every callback except on_video_frame runs on
 * the GMainContext that was thread-default at mc_peer_new(). webrtcbin's own
 * threads never call out directly; they queue work onto that context.
 * mc_peer_free() sets the pipeline to NULL and must be called from that
 * context (never from a streaming thread or a callback of this peer: defer it
 * with an idle source). */
#pragma once

#include <gst/gst.h>
#include <gst/webrtc/webrtc.h>
#include <json-glib/json-glib.h>

#include "meshcall/media/capture.h"
#include "meshcall/peer/peer_settings.h"
#include "meshcall/proto/call_protocol.h"

G_BEGIN_DECLS

typedef enum {
  MC_PEER_STATE_NEW,          /* created, nothing negotiated */
  MC_PEER_STATE_NEGOTIATING,  /* offer/answer under way */
  MC_PEER_STATE_CONNECTING,   /* descriptions exchanged, ICE/DTLS under way */
  MC_PEER_STATE_CONNECTED,    /* media can flow */
  MC_PEER_STATE_DISCONNECTED, /* was connected; nothing received for media_timeout (back to
                               * CONNECTED when media comes again) */
  MC_PEER_STATE_FAILED,       /* see the failed callback's reason */
} McPeerState;

const char *mc_peer_state_to_string (McPeerState state);

typedef enum {
  MC_PEER_FAILURE_PROTOCOL,    /* malformed/unsupported SDP or candidate, rejected description */
  MC_PEER_FAILURE_NO_ANSWER,   /* our offer was not answered in time */
  MC_PEER_FAILURE_CONNECTION,  /* ICE failed, DTLS closed, or they answered from a new session */
  MC_PEER_FAILURE_INTERNAL,    /* pipeline error */
} McPeerFailure;

/* What mc_peer_handle_signal() decided. */
typedef enum {
  MC_PEER_SIGNAL_OK,        /* applied (or harmlessly ignored) */
  MC_PEER_SIGNAL_INVALID,   /* malformed/unsupported: drop this peer (error says why) */
  MC_PEER_SIGNAL_RECREATE,  /* an offer this webrtcbin cannot take (glare on the polite side,
                             * a restarted remote): replace the peer by a new one and give it the signal */
} McPeerSignalResult;

typedef struct _McPeer McPeer;
typedef struct _McPlayback McPlayback;
typedef struct _McPeerChannel McPeerChannel;

/* Which incoming stream a tapped frame belongs to. */
typedef enum {
  MC_PEER_MEDIA_VIDEO,
  MC_PEER_MEDIA_AUDIO,
} McPeerMedia;

typedef struct {
  const char *local_id;               /* our peerId (glare: the lower id is polite) */
  const char *remote_id;
  const char *remote_name;
  McCapture *capture;                 /* what we send; NULL = receive only */
  guint tier;                         /* capture tier to subscribe to */
  const McPeerSettings *settings;     /* ICE, jitter buffer, timeouts (copied; NULL = defaults) */
  McPlayback *playback;               /* decoded audio goes here; NULL = counted and dropped (headless) */
  /* Depayload only, decode nothing (a recorder): on_video_frame, audio
   * levels and playback then never happen; the receive tap does. */
  gboolean encoded_only;
} McPeerConfig;

/* What the remote tells us about the media we send it (peer_feedback.c),
 * for the call's bitrate controller: a receiver report block about our
 * video, or transport-wide congestion control feedback (when negotiated). */
typedef struct {
  guint16 seqnum;            /* transport-wide sequence number */
  guint size;                /* bytes */
  gboolean lost;             /* reported as not received */
  gint64 send_us;            /* when it left (our running time) */
  gint64 arrival_us;         /* when it arrived (their clock; -1 when lost) */
} McPeerTwccPacket;

typedef struct {
  gint64 time_us;            /* monotonic, when the RTCP arrived */
  gboolean has_report;       /* a report block about our video SSRC */
  double fraction_lost;      /* ... 0..1, since its previous report */
  double rtt_ms;             /* ... from LSR/DLSR; -1 before our first sender report reached it */
  gint32 cumulative_lost;
  guint32 ext_highest_seq;
  double jitter_ms;          /* ... interarrival jitter; -1 unknown */
  const McPeerTwccPacket *packets;   /* transport-wide feedback, in sequence order; NULL without */
  guint n_packets;
} McPeerFeedback;

typedef struct {
  void (*send_signal) (McPeer *peer, const McSignal *signal, gpointer user_data);
  void (*state_changed) (McPeer *peer, McPeerState state, gpointer user_data);
  /* The peer is unusable; the owner frees it (from an idle source or the main loop). */
  void (*failed) (McPeer *peer, McPeerFailure failure, const char *reason, gpointer user_data);
  /* Called from the peer's streaming thread for every decoded video frame;
   * it MUST NOT block (copy or ref the sample and hand it to another thread). */
  void (*on_video_frame) (McPeer *peer, GstSample *sample, gpointer user_data);
  /* Optional (set it and a `level` element joins the receive audio path):
   * the remote's decoded audio level, RMS in dB of the loudest channel,
   * about ten times a second, on the peer's context. Drives the renderer's
   * active-speaker border. */
  void (*audio_level) (McPeer *peer, double rms_db, gpointer user_data);
  /* Optional, the receive tap: every incoming frame as it leaves the
   * depayloader, before any decoder. Video is VP8 frames (video/x-vp8) or
   * H.264 access units in byte-stream form with SPS/PPS in band
   * (video/x-h264, stream-format=byte-stream, alignment=au), audio Opus
   * packets (audio/x-opus). The first video frame of a stream is a keyframe
   * (the depayloader drops frames until one comes and asks the sender for
   * it); DELTA_UNIT marks the others, DISCONT a gap.
   * The buffer's PTS is clock time (running time + the pipeline's base
   * time, on the system clock every pipeline of the process uses), so the
   * streams of all peers share one timeline. It comes from the RTP
   * timestamps as the jitter buffer maps them, audio and video of one peer
   * lip-synced by its RTCP sender reports; arrival jitter does not enter.
   * Streaming thread; MUST NOT block. caps and buffer are borrowed: ref
   * them to keep them (the buffer is not writable). */
  void (*encoded_frame) (McPeer *peer, McPeerMedia media, GstCaps *caps, GstBuffer *buffer, gpointer user_data);
  /* Optional: every receiver report about our video and every batch of
   * transport-wide feedback, on the peer's context (the struct and its
   * packets are valid during the call only). The peer shortens webrtcbin's
   * RTCP interval to MC_PEER_RTCP_INTERVAL_MS, so both sides report often
   * enough to adapt on (RFC 4585's default of 5 s is too slow). */
  void (*feedback) (McPeer *peer, const McPeerFeedback *feedback, gpointer user_data);
  /* Optional, the peer's context: the chat data channel is open (see
   * "Chat" below), and a text message came on it (not checked: the chat
   * protocol's decoder does that; at most 64 KiB, longer ones are dropped). */
  void (*chat_open) (McPeer *peer, gpointer user_data);
  void (*chat_message) (McPeer *peer, const char *text, gsize len, gpointer user_data);
  /* Optional, the peer's context: the remote opened a data channel other
   * than the chat's (see "Data channels"). The owner sets its events
   * (mc_peer_channel_set_events) or closes it, now; unset: closed. */
  void (*channel_announced) (McPeer *peer, McPeerChannel *channel, const char *label, gpointer user_data);
} McPeerCallbacks;

#define MC_PEER_RTCP_INTERVAL_MS 200

/* Counters maintained by the peer itself (webrtcbin has no frames-decoded). */
typedef struct {
  guint64 video_frames_decoded;
  int video_width, video_height;
  guint64 video_packets_received, video_bytes_received;
  guint64 audio_packets_received, audio_bytes_received;
  guint64 audio_buffers_decoded;
  guint64 video_bytes_sent, audio_bytes_sent;   /* RTP payloaded */
  guint64 video_packets_sent, audio_packets_sent;
  gint64 last_media_us;                          /* monotonic time of the last RTP packet in, 0 = never */
  gint64 first_media_us;                         /* ... of the first one, 0 = never */
  gint64 connected_us;                           /* monotonic time of CONNECTED, 0 = not yet */
  gint64 first_frame_us;                         /* monotonic time of the first decoded frame, 0 = none */
  guint media_gaps;                              /* times nothing came in for longer than media_timeout */
  gint64 last_gap_us;                            /* ... the last one: from the packet before to the one after */
  gint64 last_gap_end_us;                        /* ... monotonic time media came again, 0 = never */
} McPeerCounters;

McPeer *mc_peer_new (const McPeerConfig *cfg, const McPeerCallbacks *callbacks, gpointer user_data, GError **error);
/* Tears down the pipeline (state NULL) and frees. See the threading note. */
void mc_peer_free (McPeer *peer);

/* We are the offerer (the remote joined after us): create and send the offer. */
void mc_peer_start_offer (McPeer *peer);
/* Restarts ICE in place (new credentials, the same pipeline, DTLS session
 * and decoders): an offer that restarts ICE goes out. Only when the
 * negotiation is stable; FALSE (nothing done) otherwise. The peer fails
 * (CONNECTION) if webrtcbin's agent cannot restart. A remote's ICE restart
 * offer is taken in place by mc_peer_handle_signal(). */
gboolean mc_peer_restart_ice (McPeer *peer);
/* mc_peer_restart_ice() would start a restart now. */
gboolean mc_peer_can_restart_ice (McPeer *peer);
/* ICE restarts done in place so far (ours and theirs). */
guint mc_peer_get_ice_restarts (McPeer *peer);

/* An offer, answer or candidate from the remote (its shape was checked when
 * it was decoded; this checks the SDP and the candidate it carries). Other
 * signal types are not the peer's: MC_PEER_SIGNAL_OK, ignored. */
McPeerSignalResult mc_peer_handle_signal (McPeer *peer, const McSignal *signal, GError **error);

const char *mc_peer_get_remote_id (McPeer *peer);
const char *mc_peer_get_remote_name (McPeer *peer);
McPeerState mc_peer_get_state (McPeer *peer);
gboolean mc_peer_is_offerer (McPeer *peer);
void mc_peer_get_counters (McPeer *peer, McPeerCounters *counters);
/* Asks the remote for a keyframe (an RTCP PLI) on the incoming video, if
 * there is one yet. Any thread. */
void mc_peer_request_keyframe (McPeer *peer);
/* Tier our video is subscribed to, or -1. */
int mc_peer_get_tier (McPeer *peer);
/* Sends it another tier of the capture (at that tier's next keyframe,
 * without a freeze: capture.h), now or once connected. */
void mc_peer_set_tier (McPeer *peer, guint tier);

/* webrtcbin's get-stats; the callback runs on the peer's context with the
 * stats structure (or NULL), after which it is freed. */
typedef void (*McPeerStatsFunc) (McPeer *peer, const GstStructure *stats, gpointer user_data);
void mc_peer_get_stats (McPeer *peer, McPeerStatsFunc func, gpointer user_data);
/* webrtcbin's ice-connection-state ("new", "checking", "connected", ...). */
const char *mc_peer_get_ice_state (McPeer *peer);
/* The local IP address of the ICE pair in use (for a relayed pair, the
 * address it was gathered on), or NULL before a pair is selected. */
char *mc_peer_get_local_address (McPeer *peer);
/* SDP texts (remote, local) of the current session, or NULL. */
char *mc_peer_get_remote_sdp (McPeer *peer);
char *mc_peer_get_local_sdp (McPeer *peer);

/* Chat: one reliable, ordered data channel labelled "chat" per peer,
 * negotiated in the first offer and answer (the offerer creates it, the
 * answerer takes the remote's, as a browser's createDataChannel("chat")
 * and ondatachannel do). It survives an ICE restart in place; a new McPeer
 * has a new one. What goes over it is talk/chat.h's business. */
#define MC_PEER_CHAT_LABEL "chat"
gboolean mc_peer_chat_is_open (McPeer *peer);
/* One text message on the chat channel; an error when it is not open. */
gboolean mc_peer_send_chat (McPeer *peer, const char *text, GError **error);

/* Data channels besides the chat (a file each): reliable, ordered, text
 * and binary messages, opened by either side once connected (SCTP is up;
 * no renegotiation). Back-pressure: keep mc_peer_channel_get_buffered()
 * bounded and go on when `writable` says it fell under
 * MC_PEER_CHANNEL_LOW_MARK. Events run on the peer's context; a channel
 * dies with its peer (no event then), or with mc_peer_channel_close. */
#define MC_PEER_CHANNEL_LOW_MARK (256 * 1024)

typedef struct {
  void (*open) (McPeerChannel *channel, gpointer user_data);
  void (*text) (McPeerChannel *channel, const char *text, gpointer user_data);
  void (*data) (McPeerChannel *channel, GBytes *data, gpointer user_data);
  void (*writable) (McPeerChannel *channel, gpointer user_data);
  void (*closed) (McPeerChannel *channel, gpointer user_data);   /* by the remote; then close it */
} McPeerChannelEvents;

/* Ours: an error when not connected. `open` comes when it is. */
McPeerChannel *mc_peer_channel_open (McPeer *peer, const char *label, const McPeerChannelEvents *events,
                                     gpointer user_data, GError **error);
void mc_peer_channel_set_events (McPeerChannel *channel, const McPeerChannelEvents *events, gpointer user_data);
const char *mc_peer_channel_get_label (McPeerChannel *channel);
McPeer *mc_peer_channel_get_peer (McPeerChannel *channel);
gboolean mc_peer_channel_is_open (McPeerChannel *channel);
/* Bytes handed to the channel and not yet sent (any thread). */
guint64 mc_peer_channel_get_buffered (McPeerChannel *channel);
gboolean mc_peer_channel_send_text (McPeerChannel *channel, const char *text, GError **error);
gboolean mc_peer_channel_send_data (McPeerChannel *channel, GBytes *data, GError **error);
/* Closes and frees it: no more events. */
void mc_peer_channel_close (McPeerChannel *channel);

/* The first webrtcbin of a process loads its plugins (DTLS, libnice, SRTP,
 * RTP) and makes the DTLS plugin's default agent (at no cost: peer_dtls.c):
 * mc_peer_warm_up() does that in a thread, once per process (the call does
 * it in mc_call_new; a command may start it earlier). A process must not exit
 * while it runs (OpenSSL's exit handlers crash): mc_peer_warm_up_wait() joins
 * it (mc_call_free does). */
void mc_peer_warm_up (void);
void mc_peer_warm_up_wait (void);

/* Peer pipelines created and not yet finalized in this process (a leak check for tests). */
guint mc_peer_count_live_pipelines (void);

/* Validation of the call protocol's signals (used by mc_peer_handle_signal;
 * public for tests). An SDP needs v=0, at least one audio or video m-line,
 * ICE credentials, a DTLS fingerprint and a codec meshcall can decode. */
gboolean mc_peer_validate_sdp (const char *sdp, const char *type, GError **error);
/* "candidate:FOUNDATION COMPONENT TRANSPORT PRIORITY ADDRESS PORT typ TYPE ..."; "" (end of candidates) is valid. */
gboolean mc_peer_validate_candidate (const char *candidate, GError **error);

G_END_DECLS

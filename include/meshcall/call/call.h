/* The call: one capture, one McPeer per remote participant, driven by a
 * signaling back end (signal/signaling.h) that it is given: the call never
 * knows which back end it talks to, and links none.
 *
 *  - peer_joined(existing=FALSE): we create the peer and send the offer;
 *    existing=TRUE: we create it and wait for its offer (the offer rule).
 *  - A malformed or unsupported SDP/candidate drops that peer (one log line
 *    saying what was wrong), and so does an offer unanswered twice. A peer
 *    that leaves signaling is torn down, from the main loop, at once.
 *  - A connection that worked and stopped carrying media (nothing received
 *    for media_timeout: a cable pulled, a frozen peer) is recovered for as
 *    long as signaling lists the peer: first by ICE restarts in place (the
 *    pipeline, decoders and tile stay), then by a new peer with back-off;
 *    one that failed (ICE failed, DTLS closed) or whose network address went
 *    away gets a new peer at once or with back-off. recovery.h has the
 *    schedule. Meanwhile its stats say "reconnecting" and peer_state_changed
 *    says MC_CALL_PEER_RECONNECTING; peer_removed comes only when signaling
 *    says the peer left. The others are untouched throughout.
 *  - Signaling lost mid-call leaves working peers alone; after a re-join the
 *    back end reports only the roster difference.
 *  - The expensive parts of a first connection (DTLS key: mc_peer_warm_up,
 *    capture start) are done in mc_call_new(), while signaling is still
 *    connecting.
 *
 * Threading: everything on the thread-default GMainContext of mc_call_new(),
 * except the on_video_frame callback (see McCallCallbacks). */
#pragma once

#include <gst/gst.h>

#include "meshcall/call/call_stats.h"
#include "meshcall/media/capture.h"
#include "meshcall/media/media_source.h"
#include "meshcall/peer/peer.h"
#include "meshcall/peer/peer_settings.h"
#include "meshcall/proto/call_protocol.h"
#include "meshcall/signal/signaling.h"
#include "meshcall/talk/chat.h"

G_BEGIN_DECLS

typedef struct {
  /* What we send. AUTO sources are resolved by mc_call_new (notice on
   * stderr); audio_processing is turned off without a microphone, and echo
   * cancellation without playback (headless). */
  McCaptureConfig media;
  gboolean headless;                  /* no audio output (decoded and dropped) */
  McPeerSettings peer;                /* ICE, jitter buffer and timeouts of every peer (copied) */
  const char *stats_json;             /* NULL = none */
  int self_view_width;                /* > 0: a self-view branch this wide for on_self_frame */
  /* A recording bot: peers depayload only and hand the encoded frames to
   * on_encoded_frame (nothing decoded), and every peer is told, with the
   * recording signal, that this participant records the call. Send nothing
   * with it: media.video and media.audio NONE. */
  gboolean recorder;
  /* Peers depayload remote media and decode nothing (no picture, no audio,
   * no levels): a participant that only sends, for benchmarks that need
   * many cheap senders on one machine (join --no-decode). */
  gboolean no_decode;
  /* Send adaptation: every peer's estimate (audio and video) stays within
   * these (kbit/s); tier 0 starts at media.video_bitrate_kbps (0: from
   * the size and rate) clamped into them. min == max: a fixed rate. */
  guint min_bitrate_kbps;             /* default 100 */
  guint max_bitrate_kbps;             /* default 2000; never more than twice the capture's default
                                       * bitrate (mc_capture_default_bitrate) plus audio */
} McCallConfig;

/* Fills the defaults: 640x480@30 VP8, auto sources, 50 ms jitter buffer,
 * 2 s media timeout, 15 s answer timeout, audio processing on. */
void mc_call_config_init (McCallConfig *cfg);

typedef struct _McCall McCall;

/* A remote participant as the user sees it. */
typedef enum {
  MC_CALL_PEER_CONNECTING,    /* not connected yet */
  MC_CALL_PEER_CONNECTED,     /* media flows */
  MC_CALL_PEER_RECONNECTING,  /* it was connected; media stopped or the connection failed, and it is
                               * being made again (recovery.h) */
} McCallPeerState;

/* File transfer (call_files.c). */
typedef enum {
  MC_CALL_FILE_OFFERED,    /* sending: the offer went out; receiving: an offer came */
  MC_CALL_FILE_PROGRESS,   /* done bytes of size (about 4 times a second) */
  MC_CALL_FILE_DONE,       /* sent and checked by the receiver / received, checked, saved (message: the path) */
  MC_CALL_FILE_FAILED,     /* message says why (refused, hash, the peer left, ...) */
} McCallFileState;

typedef struct {
  const char *id;          /* the file's id (for mc_call_answer_file), NULL before the offer came */
  gboolean ask;            /* OFFERED, receiving: waiting for mc_call_answer_file (then refused after 120 s) */
  gboolean sending;
  const char *peer_id, *peer_name;
  const char *name;        /* as offered (not yet made safe) */
  guint64 size, done;
  McCallFileState state;
  const char *message;     /* DONE receiving: where it was saved; FAILED: why; else NULL */
} McCallFileEvent;

#define MC_CALL_DEFAULT_MAX_FILE_SIZE (G_GUINT64_CONSTANT (1) << 30)

typedef struct {
  /* Called from a peer's streaming thread for each decoded frame. It MUST NOT
   * block: ref the sample and hand it over (the renderer swaps a pointer). */
  void (*on_video_frame) (McCall *call, const char *peer_id, GstSample *sample, gpointer user_data);
  /* Main thread. */
  void (*peer_added) (McCall *call, const char *peer_id, const char *name, gpointer user_data);
  void (*peer_removed) (McCall *call, const char *peer_id, gpointer user_data);
  void (*peer_state_changed) (McCall *call, const char *peer_id, McCallPeerState state, gpointer user_data);
  void (*signaling_state_changed) (McCall *call, McSignalingState state, gpointer user_data);
  /* Fatal: the call cannot go on (signaling gave up: a bad token, a full
   * call on the first join, ...; the capture failed). Retryable refusals
   * (a duplicate peer id, an unreachable server) are not fatal: the call
   * tells the user once and signaling retries. */
  void (*fatal_error) (McCall *call, const GError *error, gpointer user_data);
  /* Streaming thread, MUST NOT block: the local camera, small (self view;
   * needs self_view_width). */
  void (*on_self_frame) (McCall *call, GstSample *sample, gpointer user_data);
  /* Main thread: a remote's decoded audio level, RMS dB, ~10 times a second.
   * Only when set (a `level` element is added to each receive path then). */
  void (*audio_level) (McCall *call, const char *peer_id, double rms_db, gpointer user_data);
  /* Main thread: a remote's mute / camera-off state changed (its media-state signal). */
  void (*remote_media_state) (McCall *call, const char *peer_id, const McMediaState *state, gpointer user_data);
  /* Main thread: once a second for each peer, after its stats were updated. */
  void (*peer_stats) (McCall *call, const McCallStatsPeer *stats, gpointer user_data);
  /* Streaming thread, MUST NOT block (recorder only): an encoded frame as a
   * peer's receive tap hands it out (peer.h, encoded_frame: caps, clock-time
   * PTS; both borrowed). peer_id lives as long as the peer. */
  void (*on_encoded_frame) (McCall *call, const char *peer_id, McPeerMedia media, GstCaps *caps, GstBuffer *buffer,
                            gpointer user_data);
  /* Main thread: a participant says it records the call (its recording
   * signal), or stopped / left (recording FALSE). It has no tile of its own
   * to show: the picture shows a mark instead. */
  void (*remote_recording) (McCall *call, const char *peer_id, const char *name, gboolean recording,
                            gpointer user_data);
  /* Main thread: a chat message, once per id: ours (local, as sent), a
   * peer's, or one of the recent ones replayed to us on joining (in the
   * order they were sent). */
  void (*chat_message) (McCall *call, const McChatMessage *msg, gboolean local, gpointer user_data);
  /* Main thread: a file transfer's news. */
  void (*file_event) (McCall *call, const McCallFileEvent *event, gpointer user_data);
} McCallCallbacks;

/* sig (taken, also on failure) is how the call finds its peers: the call
 * sets its events and drives it; its params name the call and us. */
McCall *mc_call_new (const McCallConfig *cfg, McSignaling *sig, const McCallCallbacks *callbacks, gpointer user_data,
                     GError **error);
/* Connects signaling and joins the call. */
gboolean mc_call_join (McCall *call, GError **error);
/* Tells the others we leave (bounded wait), writes the final stats, then calls done. */
typedef void (*McCallDoneFunc) (McCall *call, gpointer user_data);
void mc_call_leave (McCall *call, McCallDoneFunc done, gpointer user_data);
/* Tears everything down (peers, capture, playback, signaling). */
void mc_call_free (McCall *call);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (McCall, mc_call_free)

/* Mute the microphone / turn the camera off (encoders keep running with
 * silence / black frames, so peers stay negotiated) and tell every peer
 * through a media-state signal. Without a microphone (camera) that side
 * stays muted (off). */
void mc_call_set_media_state (McCall *call, const McMediaState *state);
void mc_call_get_media_state (McCall *call, McMediaState *state);

/* A chat message from us to everyone in the call (docs/protocol.md,
 * "Chat"): an error, and nothing sent, when the text breaks the chat's
 * rules (empty, over 4 KiB, control characters). A peer not connected yet
 * gets it when its channel opens; one that joins later, in the history. */
gboolean mc_call_send_chat (McCall *call, const char *text, GError **error);

/* Sends the file at path to everyone (to NULL) or to the participant with
 * that name or peer id: hashed first (in a thread), then offered to each
 * one as its connection is ready, now or later. An error for a file that
 * cannot be read. */
gboolean mc_call_send_file (McCall *call, const char *path, const char *to, GError **error);
/* Files offered to us (at most max_size bytes; 0: MC_CALL_DEFAULT_MAX_FILE_SIZE)
 * are saved in accept_dir at once; without one, when ask_dir is set, the
 * user is asked (file_event with ask) and mc_call_answer_file's yes saves
 * them there; without either they are refused (the default). */
void mc_call_set_file_options (McCall *call, const char *accept_dir, const char *ask_dir, guint64 max_size);
/* The user's answer to an offer asked about; FALSE when no such offer waits. */
gboolean mc_call_answer_file (McCall *call, const char *id, gboolean accept);

const char *mc_call_get_peer_id (McCall *call);
/* Whether peer_id said it records the call (and has not stopped or left). */
gboolean mc_call_peer_is_recording (McCall *call, const char *peer_id);
/* The names of everyone who records the call, sorted, ", "-joined; NULL for nobody. */
char *mc_call_format_recorders (McCall *call);
McCapture *mc_call_get_capture (McCall *call);
guint mc_call_get_n_peers (McCall *call);
/* A one-line status: "3 in call | bob connected 812/790 kbps | ..." */
char *mc_call_format_status (McCall *call);
/* The stats document now (also written to stats_json every second). */
JsonNode *mc_call_get_stats_json (McCall *call);

G_END_DECLS

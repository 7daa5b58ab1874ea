/* The call protocol of docs/protocol.md, shared by the server, every
 * signaling back end and the call: event names, error codes, the validators
 * every side applies, and the typed signal (McSignal) that the client
 * decodes once, where it comes off the wire, and encodes once, where it goes
 * back on.
 *
 * Pure: no I/O, no state. Everything that reads network input rejects it
 * with MC_PROTOCOL_ERROR and a message that says what was wrong. */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* ---- events ---------------------------------------------------------------- */

#define MC_EVENT_JOIN_CALL "join-call"            /* client -> server */
#define MC_EVENT_LEAVE_CALL "leave-call"          /* client -> server */
#define MC_EVENT_WEBRTC_SIGNAL "webrtc-signal"    /* both ways */
#define MC_EVENT_EXISTING_PEERS "existing-peers"  /* server -> client */
#define MC_EVENT_PEER_JOINED "peer-joined"        /* server -> client */
#define MC_EVENT_PEER_LEFT "peer-left"            /* server -> client */
#define MC_EVENT_CALL_ERROR "call-error"          /* server -> client */
#define MC_EVENT_CHECK_CONNECTION "check-connection"  /* client -> server: answered at once (a liveness probe) */

/* ---- error codes ------------------------------------------------------------- */

#define MC_PROTOCOL_ERROR (mc_protocol_error_quark ())
GQuark mc_protocol_error_quark (void);

/* The `code` strings of call-error events and refused acks. */
typedef enum {
  MC_PROTOCOL_ERROR_OTHER,            /* "error": a code this side does not know */
  MC_PROTOCOL_ERROR_MALFORMED,        /* "malformed" */
  MC_PROTOCOL_ERROR_CALL_FULL,        /* "call-full" */
  MC_PROTOCOL_ERROR_DUPLICATE_PEER,   /* "duplicate-peer" */
  MC_PROTOCOL_ERROR_BAD_TOKEN,        /* "bad-token" */
  MC_PROTOCOL_ERROR_NOT_IN_CALL,      /* "not-in-call" */
  MC_PROTOCOL_ERROR_RATE_LIMITED,     /* "rate-limited" */
  MC_PROTOCOL_ERROR_TOO_MANY_CALLS,   /* "too-many-calls" */
  MC_PROTOCOL_ERROR_ALREADY_IN_CALL,  /* "already-in-call" */
  MC_PROTOCOL_ERROR_UNKNOWN_EVENT,    /* "unknown-event" */
  MC_PROTOCOL_ERROR_REPLACED,         /* "replaced": a newer connection took this seat with its resume secret */
} McProtocolError;

McProtocolError mc_protocol_error_from_code (const char *code);  /* NULL or unknown: OTHER */
const char *mc_protocol_error_to_code (McProtocolError error);

/* ---- validation ---------------------------------------------------------------- */

#define MC_PROTOCOL_MAX_ID_CHARS 64
#define MC_PROTOCOL_MAX_NAME_CHARS 64
/* A relayed signal, as JSON on the wire. */
#define MC_PROTOCOL_MAX_SIGNAL_BYTES (64 * 1024)

/* callId, peerId, targetPeerId: 1..64 chars of [A-Za-z0-9_.-]; `what`
 * names the field in the message. */
gboolean mc_protocol_validate_id (const char *what, const char *id, GError **error);
/* name: 1..64 UTF-8 characters, no control characters, no bidirectional
 * controls (U+061C, U+200E, U+200F, U+202A..U+202E, U+2066..U+2069), and at
 * least one visible character (not only spaces, zero-width/format
 * characters or combining marks). */
gboolean mc_protocol_validate_name (const char *name, GError **error);

/* join-call's resume secret: 16..128 characters of [A-Za-z0-9_-]. */
#define MC_PROTOCOL_MIN_RESUME_CHARS 16
#define MC_PROTOCOL_MAX_RESUME_CHARS 128
gboolean mc_protocol_validate_resume (const char *resume, GError **error);
/* A new random resume secret (32 hex digits, 128 bits from the kernel's random source). */
char *mc_protocol_generate_resume_secret (void);

/* A participant as existing-peers and peer-joined list it: {peerId, name}.
 * The strings point into node; a missing, non-string or invalid name (one
 * mc_protocol_validate_name refuses) reads as the peer id. */
gboolean mc_protocol_parse_peer (JsonNode *node, const char **peer_id, const char **name, GError **error);
JsonNode *mc_protocol_peer_to_json (const char *peer_id, const char *name);

/* The payloads, built in one place for every side:
 *   CONNECT auth         {token}
 *   join-call            {callId, peerId, name[, token][, resume]}   (NULL: none)
 *   webrtc-signal out    {targetPeerId, signal}            (signal copied)
 *   webrtc-signal in     {fromPeerId, signal}              (signal copied)
 *   peer-left            {peerId}
 *   call-error           {code, message}
 *   acks                 {ok:true[, peers]} and {ok:false, error:code, message} (peers taken, nullable) */
JsonNode *mc_protocol_auth_payload (const char *token);
JsonNode *mc_protocol_join_payload (const char *call_id, const char *peer_id, const char *name, const char *token,
                                    const char *resume);
JsonNode *mc_protocol_signal_payload (const char *target_peer_id, JsonNode *signal);
JsonNode *mc_protocol_relay_payload (const char *from_peer_id, JsonNode *signal);
JsonNode *mc_protocol_peer_left_payload (const char *peer_id);
JsonNode *mc_protocol_error_payload (const char *code, const char *message);
JsonNode *mc_protocol_ack_ok (JsonNode *peers);
JsonNode *mc_protocol_ack_refused (const char *code, const char *message);

/* ---- signals --------------------------------------------------------------------- */

/* A participant's microphone and camera as its media-state signals say. */
typedef struct {
  gboolean audio_muted;
  gboolean video_off;
} McMediaState;

typedef enum {
  MC_SIGNAL_OFFER,
  MC_SIGNAL_ANSWER,
  MC_SIGNAL_CANDIDATE,
  MC_SIGNAL_MEDIA_STATE,  /* meshcall extension (docs/protocol.md) */
  MC_SIGNAL_RECORDING,    /* meshcall extension: the sender records the call (docs/protocol.md) */
} McSignalType;

#define MC_SIGNAL_UNCHANGED (-1)

/* What one `signal` object says, checked. The JSON form is browser-style:
 *   {type:"offer"|"answer", sdp}
 *   {type:"candidate", candidate:{candidate, sdpMid, sdpMLineIndex} | null}
 *   {type:"media-state", audio?:"muted"|"live", video?:"off"|"live"}
 *   {type:"recording", active:true|false}
 * Unknown extra members are allowed and ignored. */
typedef struct {
  McSignalType type;
  char *sdp;              /* OFFER, ANSWER: the SDP text (its content is the peer's to check) */
  /* CANDIDATE. candidate NULL ("candidate": null) or "" is the end of candidates. */
  char *candidate;        /* "candidate:..." as RTCIceCandidate.candidate has it */
  char *sdp_mid;          /* NULL when absent or null */
  gint sdp_mline_index;   /* 0..65535, or -1 when absent or null */
  /* MEDIA_STATE: TRUE/FALSE, or MC_SIGNAL_UNCHANGED when the member is absent. */
  gint audio_muted;
  gint video_off;
  /* RECORDING: TRUE while the sender records the call, FALSE once it stopped. */
  gboolean recording;
} McSignal;

McSignal *mc_signal_new_description (McSignalType type, const char *sdp);
/* mid may be NULL, mline -1. */
McSignal *mc_signal_new_candidate (const char *candidate, const char *mid, gint mline);
/* Both members set. */
McSignal *mc_signal_new_media_state (const McMediaState *state);
McSignal *mc_signal_new_recording (gboolean active);
McSignal *mc_signal_copy (const McSignal *signal);
void mc_signal_free (McSignal *signal);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (McSignal, mc_signal_free)

const char *mc_signal_type_to_string (McSignalType type);  /* "offer", ..., "media-state", "recording" */
gboolean mc_signal_is_end_of_candidates (const McSignal *signal);

/* Decodes and checks one signal object: its shape, its members' types and
 * ranges, and its size as JSON (at most MC_PROTOCOL_MAX_SIGNAL_BYTES).
 * MC_PROTOCOL_ERROR_MALFORMED with a message naming the member otherwise. */
McSignal *mc_signal_from_json (JsonNode *node, GError **error);
/* The same checks, for a server that relays the object unchanged. */
gboolean mc_signal_validate_json (JsonNode *node, GError **error);
JsonNode *mc_signal_to_json (const McSignal *signal);

/* Applies a MEDIA_STATE signal onto state (unchanged members keep their
 * value); FALSE (state untouched) for other types. */
gboolean mc_media_state_apply (McMediaState *state, const McSignal *signal);

G_END_DECLS

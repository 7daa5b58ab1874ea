/* Engine.IO v4 and Socket.IO v5 packets: pure encode/decode, no I/O.
 *
 * Network-facing: every decoder rejects malformed input with a GError in
 * MC_SIO_ERROR that says what was wrong, never aborts, never reads past len.
 */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define MC_SIO_ERROR (mc_sio_error_quark ())
GQuark mc_sio_error_quark (void);

typedef enum {
  MC_SIO_ERROR_EMPTY,          /* zero-length packet */
  MC_SIO_ERROR_BAD_TYPE,       /* unknown packet type digit */
  MC_SIO_ERROR_BAD_NAMESPACE,  /* namespace not starting with '/' or unterminated */
  MC_SIO_ERROR_BAD_ACK_ID,     /* ack id overflow */
  MC_SIO_ERROR_BAD_ATTACHMENTS,/* attachment count missing '-' or too large */
  MC_SIO_ERROR_BAD_JSON,       /* payload is not valid JSON */
  MC_SIO_ERROR_BAD_PAYLOAD,    /* JSON of the wrong shape for the packet type */
  MC_SIO_ERROR_BAD_BASE64,     /* polling 'b' packet with invalid base64 */
  MC_SIO_ERROR_TOO_LARGE,      /* longer than the caller's limit */
  /* additions (append only: values above are fixed) */
  MC_SIO_ERROR_BAD_UTF8,       /* text is not valid UTF-8, or contains a NUL byte */
} McSioError;

/* JSON payloads nested deeper than this are rejected (bounds recursion). */
#define MC_SIO_MAX_JSON_DEPTH 64

/* ---- Engine.IO ---------------------------------------------------------- */

typedef enum {
  MC_EIO_OPEN = 0,
  MC_EIO_CLOSE = 1,
  MC_EIO_PING = 2,
  MC_EIO_PONG = 3,
  MC_EIO_MESSAGE = 4,
  MC_EIO_UPGRADE = 5,
  MC_EIO_NOOP = 6,
} McEioType;

typedef struct {
  McEioType type;
  gboolean binary;   /* a binary MESSAGE (websocket binary frame, or 'b'+base64 in polling) */
  GBytes *data;      /* text after the type digit, or the raw binary bytes; never NULL */
} McEioPacket;

/* Decoded text packets hold their data followed by a NUL byte (not counted in
 * the GBytes size); use mc_eio_packet_get_text() to read it as a C string. */
McEioPacket *mc_eio_packet_new (McEioType type, const char *text);            /* text may be NULL */
McEioPacket *mc_eio_packet_new_binary (GBytes *bytes);
void mc_eio_packet_free (McEioPacket *packet);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (McEioPacket, mc_eio_packet_free)

/* Text of a text packet (never NULL, NUL-terminated; len may be NULL), or NULL for a binary packet. */
const char *mc_eio_packet_get_text (const McEioPacket *packet, gsize *len);

/* One text packet, as carried in one websocket text frame ("4hello", "2probe").
 * Like engine.io-parser, "b"+base64 is accepted as a binary MESSAGE. */
McEioPacket *mc_eio_packet_decode (const char *text, gsize len, GError **error);
/* Text form of a packet for a websocket text frame. Binary packets: use the bytes
 * directly (this returns their "b"+base64 polling form). */
char *mc_eio_packet_encode (const McEioPacket *packet);

/* A polling body: packets joined by '\x1e'; binary packets as 'b' + base64.
 * Returns a GPtrArray of McEioPacket* (with free func). An empty body, an empty
 * packet (e.g. a trailing '\x1e') or any bad packet rejects the whole body. */
GPtrArray *mc_eio_payload_decode (const char *body, gsize len, GError **error);
/* Text packets must not contain '\x1e' (Socket.IO packets from
 * mc_sio_packet_encode never do). An empty array gives "". */
char *mc_eio_payload_encode (GPtrArray *packets);

/* ---- Socket.IO ---------------------------------------------------------- */

typedef enum {
  MC_SIO_CONNECT = 0,
  MC_SIO_DISCONNECT = 1,
  MC_SIO_EVENT = 2,
  MC_SIO_ACK = 3,
  MC_SIO_CONNECT_ERROR = 4,
  MC_SIO_BINARY_EVENT = 5,
  MC_SIO_BINARY_ACK = 6,
} McSioType;

#define MC_SIO_NO_ACK (-1)
#define MC_SIO_MAX_ATTACHMENTS 16

typedef struct {
  McSioType type;
  char *nsp;              /* always set; "/" when the packet names none */
  gint64 ack_id;          /* MC_SIO_NO_ACK when absent; 0..G_MAXINT32 otherwise */
  guint n_attachments;    /* BINARY_* only: count announced in the header */
  JsonNode *data;         /* NULL when the packet has no payload.
                           * EVENT/BINARY_EVENT: a non-empty array whose first element is a string.
                           * ACK/BINARY_ACK: an array. CONNECT: object or NULL.
                           * CONNECT_ERROR: object (or string, as old servers send). */
} McSioPacket;

McSioPacket *mc_sio_packet_new (McSioType type, const char *nsp /* NULL = "/" */);
void mc_sio_packet_free (McSioPacket *packet);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (McSioPacket, mc_sio_packet_free)

/* Decode the text of an Engine.IO MESSAGE (the part after the '4').
 * Validation follows socket.io-parser (types, attachments 1..MAX, payload shape
 * per type, reserved event names, placeholders of BINARY_* packets) and is
 * stricter where meshcall needs it: JSON is strict RFC 8259 (no "\u0000", no
 * unpaired surrogates, at most MC_SIO_MAX_JSON_DEPTH deep), event names must be
 * strings, EVENT/ACK/CONNECT_ERROR need a payload, ACK needs an ack id and only
 * EVENT/ACK packets may carry one, namespaces contain no control characters. */
McSioPacket *mc_sio_packet_decode (const char *text, gsize len, GError **error);
/* Encode to the text of an Engine.IO MESSAGE (without the leading '4'). */
char *mc_sio_packet_encode (const McSioPacket *packet);

/* Convenience constructors: they take ownership of nothing, copy what they need. */
McSioPacket *mc_sio_packet_new_event (const char *nsp, const char *event, JsonNode *arg /* nullable */, gint64 ack_id);
McSioPacket *mc_sio_packet_new_ack (const char *nsp, gint64 ack_id, JsonNode *arg /* nullable */);
/* EVENT helpers: name of the event (first array element) and its first argument, or NULL.
 * get_event_arg: index 0 is the first argument AFTER the event name; on ACK packets
 * it indexes the ack's arguments. Returns a borrowed node, or NULL when out of range. */
const char *mc_sio_packet_get_event_name (const McSioPacket *packet);
JsonNode *mc_sio_packet_get_event_arg (const McSioPacket *packet, guint index);

/* Replace {"_placeholder":true,"num":N} in data by the binary attachments,
 * validating every num < attachments->len. Used by servers that accept binary;
 * meshcall's signaling refuses binary but still parses it to say why. */
gboolean mc_sio_packet_check_placeholders (const McSioPacket *packet, guint n_attachments, GError **error);

/* ---- JSON (additions) ----------------------------------------------------
 * The strict JSON reader and writer the codec uses. json-glib 1.6's parser is
 * lax (comments, 'single quotes', 0x10, trailing garbage, integer overflow to -1)
 * and its generator writes invalid JSON for some doubles ("1e+21.0"): use these
 * for anything that crosses the wire. */
JsonNode *mc_sio_json_decode (const char *text, gsize len, GError **error);  /* MC_SIO_ERROR_BAD_JSON / _BAD_UTF8 */
char *mc_sio_json_encode (JsonNode *node);                                   /* NULL node gives "null" */

G_END_DECLS

/* Engine.IO v4 packets: pure encode/decode, no I/O.
 *
 * Network-facing: every decoder rejects malformed input with a GError in
 * MC_SIO_ERROR that says what was wrong, never aborts, never reads past len.
 * MC_SIO_ERROR covers both Engine.IO and Socket.IO packets (sio_packet.h).
 */
#pragma once

#include <glib.h>

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

G_END_DECLS

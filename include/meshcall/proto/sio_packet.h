/* Socket.IO v5 packets: pure encode/decode of the text inside an Engine.IO
 * MESSAGE, no I/O. Errors are MC_SIO_ERROR (eio_packet.h), never an abort,
 * never a read past len. JSON payloads are read by the strict reader
 * (base/json.h) and bounded to MC_JSON_MAX_DEPTH levels.
 */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

#include "meshcall/base/json.h"
#include "meshcall/proto/eio_packet.h"

G_BEGIN_DECLS

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

G_END_DECLS

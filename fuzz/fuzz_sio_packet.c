/* libFuzzer target for the Engine.IO / Socket.IO packet codec.
 *
 * Every input is decoded as a websocket text frame (Engine.IO packet), as a
 * polling body and as a Socket.IO packet (bare JSON: fuzz_json.c). Whatever decodes
 * is re-encoded and decoded again: the second decode must succeed and give the
 * same packet, and encoding is idempotent. Rejections must carry an
 * MC_SIO_ERROR with a readable message. Any disagreement aborts. */
#include "meshcall/proto/sio_packet.h"
#include "fuzz_common.h"



static void
check_rejection (GError *error)
{
  CHECK (error != NULL);
  CHECK (error->domain == MC_SIO_ERROR);
  CHECK (error->code >= MC_SIO_ERROR_EMPTY && error->code <= MC_SIO_ERROR_BAD_UTF8);
  CHECK (error->message && error->message[0]);
  CHECK (g_utf8_validate (error->message, -1, NULL));
  CHECK (strlen (error->message) < 512);
}

static gboolean
json_equal (JsonNode *a, JsonNode *b)
{
  if (!a || !b)
    return a == b;
  return json_node_equal (a, b);
}

static void
fuzz_sio (const char *data, size_t size)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (McSioPacket) packet = mc_sio_packet_decode (data, size, &error);
  g_autoptr (McSioPacket) again = NULL;
  g_autofree char *encoded = NULL;
  g_autofree char *encoded_again = NULL;

  if (!packet) {
    check_rejection (error);
    return;
  }
  CHECK (error == NULL);
  CHECK (packet->nsp != NULL && packet->nsp[0] == '/');
  CHECK (packet->ack_id == MC_SIO_NO_ACK || (packet->ack_id >= 0 && packet->ack_id <= G_MAXINT32));
  if (packet->type == MC_SIO_BINARY_EVENT || packet->type == MC_SIO_BINARY_ACK) {
    CHECK (packet->n_attachments >= 1 && packet->n_attachments <= MC_SIO_MAX_ATTACHMENTS);
    CHECK (mc_sio_packet_check_placeholders (packet, packet->n_attachments, NULL));
  } else {
    CHECK (packet->n_attachments == 0);
  }
  if (packet->type == MC_SIO_EVENT || packet->type == MC_SIO_BINARY_EVENT)
    CHECK (mc_sio_packet_get_event_name (packet) != NULL);
  (void) mc_sio_packet_get_event_arg (packet, 0);

  encoded = mc_sio_packet_encode (packet);
  again = mc_sio_packet_decode (encoded, strlen (encoded), &error);
  if (!again) {
    fprintf (stderr, "re-encoded packet rejected: %s\nencoded: %s\n", error->message, encoded);
    abort ();
  }
  CHECK (again->type == packet->type);
  CHECK (strcmp (again->nsp, packet->nsp) == 0);
  CHECK (again->ack_id == packet->ack_id);
  CHECK (again->n_attachments == packet->n_attachments);
  CHECK (json_equal (again->data, packet->data));
  encoded_again = mc_sio_packet_encode (again);
  CHECK (strcmp (encoded, encoded_again) == 0);
}

static gboolean
eio_equal (const McEioPacket *a, const McEioPacket *b)
{
  return a->type == b->type && a->binary == b->binary && g_bytes_equal (a->data, b->data);
}

static void
check_eio_packet (const McEioPacket *packet)
{
  CHECK (packet->type >= MC_EIO_OPEN && packet->type <= MC_EIO_NOOP);
  CHECK (packet->data != NULL);
  if (packet->binary) {
    CHECK (packet->type == MC_EIO_MESSAGE);
    CHECK (mc_eio_packet_get_text (packet, NULL) == NULL);
  } else {
    gsize len;
    const char *text = mc_eio_packet_get_text (packet, &len);
    CHECK (text != NULL && strlen (text) == len);
    /* what a server does next with a text MESSAGE */
    if (packet->type == MC_EIO_MESSAGE)
      fuzz_sio (text, len);
  }
}

static void
fuzz_eio (const char *data, size_t size)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (McEioPacket) packet = mc_eio_packet_decode (data, size, &error);
  g_autoptr (McEioPacket) again = NULL;
  g_autofree char *encoded = NULL;

  if (!packet) {
    check_rejection (error);
    return;
  }
  check_eio_packet (packet);
  encoded = mc_eio_packet_encode (packet);
  again = mc_eio_packet_decode (encoded, strlen (encoded), &error);
  if (!again) {
    fprintf (stderr, "re-encoded Engine.IO packet rejected: %s\n", error->message);
    abort ();
  }
  CHECK (eio_equal (packet, again));
}

static void
fuzz_payload (const char *data, size_t size)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) packets = mc_eio_payload_decode (data, size, &error);
  g_autoptr (GPtrArray) again = NULL;
  g_autofree char *encoded = NULL;

  if (!packets) {
    check_rejection (error);
    return;
  }
  CHECK (packets->len >= 1);
  for (guint i = 0; i < packets->len; i++)
    check_eio_packet (packets->pdata[i]);
  encoded = mc_eio_payload_encode (packets);
  again = mc_eio_payload_decode (encoded, strlen (encoded), &error);
  if (!again) {
    fprintf (stderr, "re-encoded polling payload rejected: %s\n", error->message);
    abort ();
  }
  CHECK (again->len == packets->len);
  for (guint i = 0; i < packets->len; i++)
    CHECK (eio_equal (packets->pdata[i], again->pdata[i]));
}


int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  const char *text = (const char *) data;

  fuzz_eio (text, size);
  fuzz_payload (text, size);
  fuzz_sio (text, size);
  return 0;
}

/* Socket.IO v5 packet codec (the text inside an Engine.IO MESSAGE). Like
 * the Engine.IO codec it parses network bytes: bounded scans, messages that
 * name the byte. Validation mirrors socket.io-parser 4 (see sio_packet.h for
 * where it is stricter); JSON goes through the strict reader (base/json.h). */
#include "meshcall/proto/sio_packet.h"
#include "meshcall/base/json.h"
#include "meshcall/base/text.h"

#include <math.h>
#include <string.h>

static const char *const reserved_events[] = {
  "connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener",
};

static const char *const sio_type_names[] = {
  "CONNECT", "DISCONNECT", "EVENT", "ACK", "CONNECT_ERROR", "BINARY_EVENT", "BINARY_ACK",
};

/* ---- Socket.IO ----------------------------------------------------------- */

McSioPacket *
mc_sio_packet_new (McSioType type, const char *nsp)
{
  McSioPacket *packet = g_new0 (McSioPacket, 1);

  packet->type = type;
  packet->nsp = g_strdup (nsp && *nsp ? nsp : "/");
  packet->ack_id = MC_SIO_NO_ACK;
  return packet;
}

void
mc_sio_packet_free (McSioPacket *packet)
{
  if (!packet)
    return;
  g_free (packet->nsp);
  g_clear_pointer (&packet->data, json_node_unref);
  g_free (packet);
}

static gboolean
is_binary_type (McSioType type)
{
  return type == MC_SIO_BINARY_EVENT || type == MC_SIO_BINARY_ACK;
}

static gboolean
is_string_node (JsonNode *node)
{
  return node && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING;
}

/* socket.io-parser's isPayloadValid, plus the stricter rules in sio_packet.h. */
static gboolean
sio_check_payload (const McSioPacket *p, gboolean nsp_terminated, gsize payload_at, GError **error)
{
  const char *what = "Socket.IO packet";
  const char *type_name = sio_type_names[p->type];
  JsonNode *data = p->data;

  switch (p->type) {
  case MC_SIO_CONNECT:
    if (data && !JSON_NODE_HOLDS_OBJECT (data))
      goto wrong_shape;
    break;
  case MC_SIO_DISCONNECT:
    if (data)
      goto wrong_shape;
    break;
  case MC_SIO_CONNECT_ERROR:
    if (!data)
      goto missing;
    if (!JSON_NODE_HOLDS_OBJECT (data) && !is_string_node (data))
      goto wrong_shape;
    break;
  case MC_SIO_EVENT:
  case MC_SIO_BINARY_EVENT: {
    JsonArray *array;
    const char *name;

    if (!data)
      goto missing;
    if (!JSON_NODE_HOLDS_ARRAY (data))
      goto wrong_shape;
    array = json_node_get_array (data);
    if (json_array_get_length (array) == 0) {
      g_set_error (error, MC_SIO_ERROR, MC_SIO_ERROR_BAD_PAYLOAD,
                   "%s: %s payload at byte %" G_GSIZE_FORMAT " is an empty array (no event name)", what,
                   type_name, payload_at);
      return FALSE;
    }
    if (!is_string_node (json_array_get_element (array, 0))) {
      g_set_error (error, MC_SIO_ERROR, MC_SIO_ERROR_BAD_PAYLOAD,
                   "%s: %s name at byte %" G_GSIZE_FORMAT " is %s, not a string", what, type_name, payload_at,
                   mc_json_describe_kind (json_array_get_element (array, 0)));
      return FALSE;
    }
    name = json_array_get_string_element (array, 0);
    for (guint i = 0; i < G_N_ELEMENTS (reserved_events); i++) {
      if (g_strcmp0 (name, reserved_events[i]) == 0) {
        g_set_error (error, MC_SIO_ERROR, MC_SIO_ERROR_BAD_PAYLOAD,
                     "%s: %s name '%s' at byte %" G_GSIZE_FORMAT " is reserved", what, type_name, name,
                     payload_at);
        return FALSE;
      }
    }
    break;
  }
  case MC_SIO_ACK:
  case MC_SIO_BINARY_ACK:
    if (!data)
      goto missing;
    if (!JSON_NODE_HOLDS_ARRAY (data))
      goto wrong_shape;
    break;
  }
  return TRUE;

missing:
  if (!nsp_terminated) {
    g_autofree char *nsp = mc_text_shorten (p->nsp, 40);
    g_set_error (error, MC_SIO_ERROR, MC_SIO_ERROR_BAD_NAMESPACE,
                 "%s: namespace '%s' is not terminated by ',' (a %s packet needs a payload)", what, nsp,
                 type_name);
  } else
    g_set_error (error, MC_SIO_ERROR, MC_SIO_ERROR_BAD_PAYLOAD, "%s: %s packet without payload", what,
                 type_name);
  return FALSE;

wrong_shape:
  g_set_error (error, MC_SIO_ERROR, MC_SIO_ERROR_BAD_PAYLOAD,
               "%s: %s payload at byte %" G_GSIZE_FORMAT " must be %s, not %s", what, type_name, payload_at,
               p->type == MC_SIO_CONNECT ? "an object"
               : p->type == MC_SIO_DISCONNECT ? "absent"
               : p->type == MC_SIO_CONNECT_ERROR ? "an object or a string"
               : "an array",
               mc_json_describe_kind (data));
  return FALSE;
}

McSioPacket *
mc_sio_packet_decode (const char *text, gsize len, GError **error)
{
  const char *what = "Socket.IO packet";
  g_autoptr (McSioPacket) p = NULL;
  gsize i = 1;
  gboolean nsp_terminated = TRUE;
  gsize payload_at;

  g_return_val_if_fail (text != NULL || len == 0, NULL);

  if (len == 0) {
    g_set_error (error, MC_SIO_ERROR, MC_SIO_ERROR_EMPTY, "%s: empty", what);
    return NULL;
  }
  if (!mc_text_check_utf8 (what, text, len, 0, MC_SIO_ERROR, MC_SIO_ERROR_BAD_UTF8, error))
    return NULL;
  if (text[0] < '0' || text[0] > '6') {
    char got[16];
    mc_text_describe_byte (got, sizeof got, (guchar) text[0]);
    g_set_error (error, MC_SIO_ERROR, MC_SIO_ERROR_BAD_TYPE,
                 "%s: unknown packet type %s at byte 0 (expected 0-6)", what, got);
    return NULL;
  }
  p = mc_sio_packet_new ((McSioType) (text[0] - '0'), NULL);

  /* "51-": attachment count, 1..MC_SIO_MAX_ATTACHMENTS, then '-' */
  if (is_binary_type (p->type)) {
    gsize start = i;
    guint64 n = 0;

    while (i < len && g_ascii_isdigit (text[i])) {
      if (n <= MC_SIO_MAX_ATTACHMENTS)  /* saturate: only "too many" matters past this */
        n = n * 10 + (guint64) (text[i] - '0');
      i++;
    }
    if (i == start) {
      g_set_error (error, MC_SIO_ERROR, MC_SIO_ERROR_BAD_ATTACHMENTS,
                   "%s: %s without attachment count at byte %" G_GSIZE_FORMAT, what, sio_type_names[p->type],
                   start);
      return NULL;
    }
    if (i >= len || text[i] != '-') {
      g_set_error (error, MC_SIO_ERROR, MC_SIO_ERROR_BAD_ATTACHMENTS,
                   "%s: attachment count not followed by '-' at byte %" G_GSIZE_FORMAT, what, i);
      return NULL;
    }
    if (n < 1 || n > MC_SIO_MAX_ATTACHMENTS) {
      g_set_error (error, MC_SIO_ERROR, MC_SIO_ERROR_BAD_ATTACHMENTS,
                   "%s: attachment count %.*s at byte %" G_GSIZE_FORMAT " is outside 1..%d", what,
                   (int) MIN (i - start, 24), text + start, start, MC_SIO_MAX_ATTACHMENTS);
      return NULL;
    }
    p->n_attachments = (guint) n;
    i++;
  }

  /* "/admin,": namespace up to ',' (or the end, as socket.io-parser reads it) */
  if (i < len && text[i] == '/') {
    gsize start = i;

    while (i < len && text[i] != ',') {
      if ((guchar) text[i] < 0x20 || text[i] == 0x7f) {
        g_set_error (error, MC_SIO_ERROR, MC_SIO_ERROR_BAD_NAMESPACE,
                     "%s: control character 0x%02x in namespace at byte %" G_GSIZE_FORMAT, what,
                     (guchar) text[i], i);
        return NULL;
      }
      i++;
    }
    g_free (p->nsp);
    p->nsp = g_strndup (text + start, i - start);
    if (i < len)
      i++;  /* ',' */
    else
      nsp_terminated = FALSE;
  }

  /* ack id: decimal, 0..G_MAXINT32 */
  if (i < len && g_ascii_isdigit (text[i])) {
    gsize start = i;
    gint64 id = 0;

    while (i < len && g_ascii_isdigit (text[i])) {
      id = id * 10 + (text[i] - '0');
      if (id > G_MAXINT32) {
        g_set_error (error, MC_SIO_ERROR, MC_SIO_ERROR_BAD_ACK_ID,
                     "%s: ack id at byte %" G_GSIZE_FORMAT " is larger than %d", what, start, G_MAXINT32);
        return NULL;
      }
      i++;
    }
    if (p->type != MC_SIO_EVENT && p->type != MC_SIO_ACK && !is_binary_type (p->type)) {
      g_set_error (error, MC_SIO_ERROR, MC_SIO_ERROR_BAD_ACK_ID,
                   "%s: %s packet cannot carry an ack id (byte %" G_GSIZE_FORMAT ")", what,
                   sio_type_names[p->type], start);
      return NULL;
    }
    p->ack_id = id;
  } else if (p->type == MC_SIO_ACK || p->type == MC_SIO_BINARY_ACK) {
    if (nsp_terminated) {
      g_set_error (error, MC_SIO_ERROR, MC_SIO_ERROR_BAD_ACK_ID, "%s: %s without ack id at byte %" G_GSIZE_FORMAT,
                   what, sio_type_names[p->type], i);
      return NULL;
    }
  }

  payload_at = i;
  if (i < len) {
    g_autoptr (GError) json_error = NULL;
    p->data = mc_json_decode_part (what, text + i, len - i, i, &json_error);
    if (!p->data) {
      /* One domain for packet faults: the JSON reader's message, our code. */
      g_set_error_literal (error, MC_SIO_ERROR, MC_SIO_ERROR_BAD_JSON, json_error->message);
      return NULL;
    }
  }
  if (!sio_check_payload (p, nsp_terminated, payload_at, error))
    return NULL;
  if (is_binary_type (p->type) && !mc_sio_packet_check_placeholders (p, p->n_attachments, error))
    return NULL;
  return g_steal_pointer (&p);
}

char *
mc_sio_packet_encode (const McSioPacket *packet)
{
  GString *out;

  g_return_val_if_fail (packet != NULL, NULL);
  out = g_string_new (NULL);
  g_string_append_c (out, (char) ('0' + packet->type));
  if (is_binary_type (packet->type))
    g_string_append_printf (out, "%u-", packet->n_attachments);
  if (packet->nsp && *packet->nsp && strcmp (packet->nsp, "/") != 0) {
    g_string_append (out, packet->nsp);
    g_string_append_c (out, ',');
  }
  if (packet->ack_id >= 0)
    g_string_append_printf (out, "%" G_GINT64_FORMAT, packet->ack_id);
  if (packet->data)
    mc_json_append (out, packet->data);
  return g_string_free (out, FALSE);
}

McSioPacket *
mc_sio_packet_new_event (const char *nsp, const char *event, JsonNode *arg, gint64 ack_id)
{
  McSioPacket *packet = mc_sio_packet_new (MC_SIO_EVENT, nsp);
  JsonArray *array = json_array_new ();

  g_return_val_if_fail (event != NULL, packet);
  json_array_add_string_element (array, event);
  if (arg)
    json_array_add_element (array, json_node_copy (arg));
  packet->data = json_node_init_array (json_node_alloc (), array);
  json_array_unref (array);
  packet->ack_id = ack_id < 0 ? MC_SIO_NO_ACK : ack_id;
  return packet;
}

McSioPacket *
mc_sio_packet_new_ack (const char *nsp, gint64 ack_id, JsonNode *arg)
{
  McSioPacket *packet = mc_sio_packet_new (MC_SIO_ACK, nsp);
  JsonArray *array = json_array_new ();

  if (arg)
    json_array_add_element (array, json_node_copy (arg));
  packet->data = json_node_init_array (json_node_alloc (), array);
  json_array_unref (array);
  packet->ack_id = ack_id;
  return packet;
}

const char *
mc_sio_packet_get_event_name (const McSioPacket *packet)
{
  JsonArray *array;

  g_return_val_if_fail (packet != NULL, NULL);
  if (packet->type != MC_SIO_EVENT && packet->type != MC_SIO_BINARY_EVENT)
    return NULL;
  if (!packet->data || !JSON_NODE_HOLDS_ARRAY (packet->data))
    return NULL;
  array = json_node_get_array (packet->data);
  if (json_array_get_length (array) == 0 || !is_string_node (json_array_get_element (array, 0)))
    return NULL;
  return json_array_get_string_element (array, 0);
}

JsonNode *
mc_sio_packet_get_event_arg (const McSioPacket *packet, guint index)
{
  JsonArray *array;
  guint offset;

  g_return_val_if_fail (packet != NULL, NULL);
  if (packet->type == MC_SIO_EVENT || packet->type == MC_SIO_BINARY_EVENT)
    offset = 1;
  else if (packet->type == MC_SIO_ACK || packet->type == MC_SIO_BINARY_ACK)
    offset = 0;
  else
    return NULL;
  if (!packet->data || !JSON_NODE_HOLDS_ARRAY (packet->data))
    return NULL;
  array = json_node_get_array (packet->data);
  if (index >= G_MAXUINT - offset || index + offset >= json_array_get_length (array))
    return NULL;
  return json_array_get_element (array, index + offset);
}

/* ---- binary placeholders --------------------------------------------------- */

static gboolean
placeholder_num (JsonNode *num, guint n_attachments, gint64 *out)
{
  GType type;

  if (!num || !JSON_NODE_HOLDS_VALUE (num))
    return FALSE;
  type = json_node_get_value_type (num);
  if (type == G_TYPE_INT64) {
    *out = json_node_get_int (num);
  } else if (type == G_TYPE_DOUBLE) {
    double d = json_node_get_double (num);
    if (d != floor (d) || d < 0 || d >= (double) n_attachments)
      return FALSE;
    *out = (gint64) d;
  } else {
    return FALSE;
  }
  return *out >= 0 && *out < (gint64) n_attachments;
}

static gboolean
check_placeholders_in (JsonNode *node, guint n_attachments, GString *path, GError **error)
{
  gsize path_len = path->len;

  if (!node)
    return TRUE;
  if (JSON_NODE_HOLDS_ARRAY (node)) {
    JsonArray *array = json_node_get_array (node);
    guint n = json_array_get_length (array);

    for (guint i = 0; i < n; i++) {
      g_string_append_printf (path, "[%u]", i);
      if (!check_placeholders_in (json_array_get_element (array, i), n_attachments, path, error))
        return FALSE;
      g_string_truncate (path, path_len);
    }
  } else if (JSON_NODE_HOLDS_OBJECT (node)) {
    JsonObject *object = json_node_get_object (node);
    JsonNode *flag = json_object_get_member (object, "_placeholder");
    JsonObjectIter iter;
    const char *name;
    JsonNode *member;

    if (flag && JSON_NODE_HOLDS_VALUE (flag) && json_node_get_value_type (flag) == G_TYPE_BOOLEAN &&
        json_node_get_boolean (flag)) {
      gint64 num;
      if (!placeholder_num (json_object_get_member (object, "num"), n_attachments, &num)) {
        JsonNode *num_node = json_object_get_member (object, "num");
        g_autofree char *json = num_node ? mc_json_encode (num_node) : g_strdup ("(missing)");
        g_autofree char *shown = mc_text_shorten (json, 32);
        g_autofree char *where = mc_text_shorten (path->str, 80);
        g_set_error (error, MC_SIO_ERROR, MC_SIO_ERROR_BAD_ATTACHMENTS,
                     "Socket.IO packet: placeholder at %s has num %s, but the packet has %u attachment(s)",
                     where, shown, n_attachments);
        return FALSE;
      }
      return TRUE;
    }
    json_object_iter_init_ordered (&iter, object);
    while (json_object_iter_next_ordered (&iter, &name, &member)) {
      g_string_append_c (path, '.');
      g_string_append (path, name);
      if (!check_placeholders_in (member, n_attachments, path, error))
        return FALSE;
      g_string_truncate (path, path_len);
    }
  }
  return TRUE;
}

gboolean
mc_sio_packet_check_placeholders (const McSioPacket *packet, guint n_attachments, GError **error)
{
  g_autoptr (GString) path = g_string_new ("$");

  g_return_val_if_fail (packet != NULL, FALSE);
  return check_placeholders_in (packet->data, n_attachments, path, error);
}

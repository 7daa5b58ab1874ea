/* The chat protocol's messages and history (see talk/chat.h). */
#include "meshcall/talk/chat.h"

#include "meshcall/base/json.h"
#include "talk_private.h"

#include <string.h>

G_DEFINE_QUARK (mc-chat-error-quark, mc_chat_error)

/* Ids remembered for de-duplication, beyond the kept messages: a replay
 * from a second peer must not bring back one that scrolled out. */
#define SEEN_IDS 1000

/* JavaScript's Number.MAX_SAFE_INTEGER: a browser reads sentAt as a double. */
#define MAX_SENT_AT G_GINT64_CONSTANT (9007199254740991)

McChatMessage *
mc_chat_message_new (const char *id, const char *from, const char *name, const char *text, gint64 sent_at)
{
  McChatMessage *msg = g_new0 (McChatMessage, 1);

  msg->id = g_strdup (id);
  msg->from = g_strdup (from);
  msg->name = g_strdup (name);
  msg->text = g_strdup (text);
  msg->sent_at = sent_at;
  return msg;
}

McChatMessage *
mc_chat_message_copy (const McChatMessage *msg)
{
  return mc_chat_message_new (msg->id, msg->from, msg->name, msg->text, msg->sent_at);
}

void
mc_chat_message_free (McChatMessage *msg)
{
  if (msg == NULL)
    return;
  g_free (msg->id);
  g_free (msg->from);
  g_free (msg->name);
  g_free (msg->text);
  g_free (msg);
}

/* ---- checks ------------------------------------------------------------------ */

gboolean
talk_fail (GError **error, GQuark domain, gint code, const char *prefix, const char *format, ...)
{
  va_list args;
  g_autofree char *text = NULL;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, domain, code, "%s: %s", prefix, text);
  return FALSE;
}

gboolean
talk_is_id (const char *id)
{
  gsize len = strlen (id);

  if (len == 0 || len > MC_CHAT_MAX_ID)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isalnum (id[i]) && strchr ("._:-", id[i]) == NULL)
      return FALSE;
  return TRUE;
}

JsonNode *
talk_decode_typed (const char *data, gsize len, GQuark domain, gint code, const char *prefix, JsonObject **obj,
                   const char **type, GError **error)
{
  g_autoptr (GError) json_error = NULL;
  g_autoptr (JsonNode) node = mc_json_decode (data, len, &json_error);

  if (node == NULL) {
    talk_fail (error, domain, code, prefix, "%s", json_error->message);
    return NULL;
  }
  if (!JSON_NODE_HOLDS_OBJECT (node)) {
    talk_fail (error, domain, code, prefix, "the message is %s, not an object", mc_json_describe_kind (node));
    return NULL;
  }
  *obj = json_node_get_object (node);
  *type = mc_json_get_string (*obj, "type");
  if (*type == NULL) {
    talk_fail (error, domain, code, prefix, "\"type\" is missing or not a string");
    return NULL;
  }
  return g_steal_pointer (&node);
}

#define malformed(error, ...) talk_fail ((error), MC_CHAT_ERROR, MC_CHAT_ERROR_MALFORMED, "chat", __VA_ARGS__)

/* A control character (C0, DEL, C1) other than those allowed: its offset, or -1. */
static gssize
find_control (const char *s, gboolean allow_tab_newline)
{
  for (const char *p = s; *p; p = g_utf8_next_char (p)) {
    gunichar c = g_utf8_get_char (p);
    if (allow_tab_newline && (c == '\t' || c == '\n'))
      continue;
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f))
      return p - s;
  }
  return -1;
}

gboolean
mc_chat_check_text (const char *text, GError **error)
{
  gsize len = text ? strlen (text) : 0;
  gssize bad;

  if (len == 0)
    return malformed (error, "\"text\" is empty");
  if (len > MC_CHAT_MAX_TEXT) {
    g_set_error (error, MC_CHAT_ERROR, MC_CHAT_ERROR_TOO_LONG, "chat: \"text\" is %" G_GSIZE_FORMAT
                 " bytes, more than %d", len, MC_CHAT_MAX_TEXT);
    return FALSE;
  }
  if (!g_utf8_validate (text, (gssize) len, NULL))
    return malformed (error, "\"text\" is not UTF-8");
  if ((bad = find_control (text, TRUE)) >= 0)
    return malformed (error, "\"text\" has a control character at byte %" G_GSSIZE_FORMAT, bad);
  return TRUE;
}

/* A string member of 1..max bytes without control characters. */
static const char *
get_label (JsonObject *obj, const char *member, gsize max, GError **error)
{
  const char *v = mc_json_get_string (obj, member);
  gsize len;

  if (v == NULL) {
    malformed (error, "\"%s\" is missing or not a string", member);
    return NULL;
  }
  len = strlen (v);
  if (len == 0 || len > max) {
    malformed (error, "\"%s\" must be 1 to %" G_GSIZE_FORMAT " bytes", member, max);
    return NULL;
  }
  if (find_control (v, FALSE) >= 0) {
    malformed (error, "\"%s\" has a control character", member);
    return NULL;
  }
  return v;
}

static gboolean
decode_message (JsonObject *obj, McChatMessage **msg, gboolean *replay, GError **error)
{
  const char *id, *from, *name, *text;
  JsonNode *sent, *rep;
  gint64 sent_at;

  id = mc_json_get_string (obj, "id");
  if (id == NULL)
    return malformed (error, "\"id\" is missing or not a string");
  if (!talk_is_id (id))
    return malformed (error, "\"id\" must be 1 to %d characters of A-Z a-z 0-9 . _ : -", MC_CHAT_MAX_ID);
  if ((from = get_label (obj, "from", MC_CHAT_MAX_FROM, error)) == NULL ||
      (name = get_label (obj, "name", MC_CHAT_MAX_NAME, error)) == NULL)
    return FALSE;
  text = mc_json_get_string (obj, "text");
  if (text == NULL)
    return malformed (error, "\"text\" is missing or not a string");
  if (!mc_chat_check_text (text, error))
    return FALSE;
  sent = json_object_get_member (obj, "sentAt");
  if (sent == NULL || !JSON_NODE_HOLDS_VALUE (sent) || json_node_get_value_type (sent) != G_TYPE_INT64)
    return malformed (error, "\"sentAt\" is missing or not an integer");
  sent_at = json_node_get_int (sent);
  if (sent_at < 0 || sent_at > MAX_SENT_AT)
    return malformed (error, "\"sentAt\" is out of range (0 to 2^53-1 ms)");
  rep = json_object_get_member (obj, "replay");
  if (rep != NULL && (!JSON_NODE_HOLDS_VALUE (rep) || json_node_get_value_type (rep) != G_TYPE_BOOLEAN))
    return malformed (error, "\"replay\" is not a boolean");
  if (replay)
    *replay = rep != NULL && json_node_get_boolean (rep);
  if (msg)
    *msg = mc_chat_message_new (id, from, name, text, sent_at);
  return TRUE;
}

gboolean
mc_chat_decode (const char *data, gsize len, McChatKind *kind, McChatMessage **msg, gboolean *replay, GError **error)
{
  g_autoptr (JsonNode) node = NULL;
  JsonObject *obj;
  const char *type;

  if (msg)
    *msg = NULL;
  if (len > MC_CHAT_MAX_MESSAGE) {
    g_set_error (error, MC_CHAT_ERROR, MC_CHAT_ERROR_TOO_LONG,
                 "chat: the message is %" G_GSIZE_FORMAT " bytes, more than %d", len, MC_CHAT_MAX_MESSAGE);
    return FALSE;
  }
  node = talk_decode_typed (data, len, MC_CHAT_ERROR, MC_CHAT_ERROR_MALFORMED, "chat", &obj, &type, error);
  if (node == NULL)
    return FALSE;
  if (strcmp (type, "chat") == 0) {
    if (!decode_message (obj, msg, replay, error))
      return FALSE;
    *kind = MC_CHAT_KIND_MESSAGE;
  } else if (strcmp (type, "history-request") == 0) {
    *kind = MC_CHAT_KIND_HISTORY_REQUEST;
  } else if (strcmp (type, "history-end") == 0) {
    *kind = MC_CHAT_KIND_HISTORY_END;
  } else {
    return malformed (error, "unknown \"type\"");
  }
  return TRUE;
}

void
mc_chat_add_members (JsonBuilder *b, const McChatMessage *msg)
{
  json_builder_set_member_name (b, "id");
  json_builder_add_string_value (b, msg->id);
  json_builder_set_member_name (b, "from");
  json_builder_add_string_value (b, msg->from);
  json_builder_set_member_name (b, "name");
  json_builder_add_string_value (b, msg->name);
  json_builder_set_member_name (b, "text");
  json_builder_add_string_value (b, msg->text);
  json_builder_set_member_name (b, "sentAt");
  json_builder_add_int_value (b, msg->sent_at);
}

char *
mc_chat_encode (const McChatMessage *msg, gboolean replay)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) node = NULL;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, "chat");
  mc_chat_add_members (b, msg);
  if (replay) {
    json_builder_set_member_name (b, "replay");
    json_builder_add_boolean_value (b, TRUE);
  }
  json_builder_end_object (b);
  node = json_builder_get_root (b);
  return mc_json_encode (node);
}

char *
mc_chat_encode_control (McChatKind kind)
{
  g_return_val_if_fail (kind != MC_CHAT_KIND_MESSAGE, NULL);
  return g_strdup (kind == MC_CHAT_KIND_HISTORY_REQUEST ? "{\"type\":\"history-request\"}"
                                                        : "{\"type\":\"history-end\"}");
}

/* ---- history ------------------------------------------------------------------ */

struct _McChatHistory {
  guint max;
  GQueue messages;       /* McChatMessage*, oldest first */
  GHashTable *seen;      /* id -> itself (owned by `order`) */
  GQueue order;          /* char* ids, oldest first, at most SEEN_IDS */
};

McChatHistory *
mc_chat_history_new (guint max)
{
  McChatHistory *h = g_new0 (McChatHistory, 1);

  h->max = max > 0 ? max : MC_CHAT_HISTORY;
  g_queue_init (&h->messages);
  g_queue_init (&h->order);
  h->seen = g_hash_table_new (g_str_hash, g_str_equal);
  return h;
}

void
mc_chat_history_free (McChatHistory *h)
{
  if (h == NULL)
    return;
  g_queue_clear_full (&h->messages, (GDestroyNotify) mc_chat_message_free);
  g_hash_table_destroy (h->seen);
  g_queue_clear_full (&h->order, g_free);
  g_free (h);
}

gboolean
mc_chat_history_add (McChatHistory *h, const McChatMessage *msg)
{
  char *id;

  if (g_hash_table_contains (h->seen, msg->id))
    return FALSE;
  id = g_strdup (msg->id);
  g_queue_push_tail (&h->order, id);
  g_hash_table_add (h->seen, id);
  if (h->order.length > MAX (SEEN_IDS, h->max)) {
    char *old = g_queue_pop_head (&h->order);
    g_hash_table_remove (h->seen, old);
    g_free (old);
  }
  /* In sentAt order (a replay brings older ones after ours), equal times
   * in arrival order; what falls out of the window is the oldest. */
  {
    GList *l = h->messages.tail;
    while (l != NULL && ((McChatMessage *) l->data)->sent_at > msg->sent_at)
      l = l->prev;
    if (l == NULL)
      g_queue_push_head (&h->messages, mc_chat_message_copy (msg));
    else
      g_queue_insert_after (&h->messages, l, mc_chat_message_copy (msg));
  }
  if (h->messages.length > h->max)
    mc_chat_message_free (g_queue_pop_head (&h->messages));
  return TRUE;
}

guint
mc_chat_history_len (McChatHistory *h)
{
  return h->messages.length;
}

const McChatMessage *
mc_chat_history_get (McChatHistory *h, guint i)
{
  return g_queue_peek_nth (&h->messages, i);
}

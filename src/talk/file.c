/* File-channel messages and safe names (see talk/file.h). */
#include "meshcall/talk/file.h"

#include "meshcall/base/json.h"
#include "talk_private.h"

#include <string.h>

G_DEFINE_QUARK (mc-file-error-quark, mc_file_error)

#define MAX_OFFERED_NAME 1024
#define MAX_MIME 127

void
mc_file_offer_free (McFileOffer *offer)
{
  if (offer == NULL)
    return;
  g_free (offer->id);
  g_free (offer->name);
  g_free (offer->mime);
  g_free (offer);
}

#define malformed(error, ...) talk_fail ((error), MC_FILE_ERROR, MC_FILE_ERROR_MALFORMED, "file", __VA_ARGS__)

/* RFC 6838's restricted-name characters, "type/subtype". */
static gboolean
is_mime (const char *m)
{
  gsize len = strlen (m), slash = 0;

  if (len == 0 || len > MAX_MIME)
    return FALSE;
  for (gsize i = 0; i < len; i++) {
    if (m[i] == '/') {
      if (slash || i == 0 || i == len - 1)
        return FALSE;
      slash = i;
    } else if (!g_ascii_isalnum (m[i]) && strchr ("!#$&-^_.+", m[i]) == NULL) {
      return FALSE;
    }
  }
  return slash > 0;
}

static gboolean
decode_offer (JsonObject *obj, McFileOffer **out, GError **error)
{
  const char *id = mc_json_get_string (obj, "id"), *name = mc_json_get_string (obj, "name");
  const char *sha = mc_json_get_string (obj, "sha256"), *mime = mc_json_get_string (obj, "mime");
  JsonNode *size = json_object_get_member (obj, "size");
  McFileOffer *offer;

  if (id == NULL || !talk_is_id (id))
    return malformed (error, "\"id\" must be 1 to 64 characters of A-Z a-z 0-9 . _ : -");
  if (name == NULL || name[0] == '\0' || strlen (name) > MAX_OFFERED_NAME)
    return malformed (error, "\"name\" must be a string of 1 to %d bytes", MAX_OFFERED_NAME);
  if (size == NULL || !JSON_NODE_HOLDS_VALUE (size) || json_node_get_value_type (size) != G_TYPE_INT64 ||
      json_node_get_int (size) < 0 || (guint64) json_node_get_int (size) > MC_FILE_MAX_SIZE)
    return malformed (error, "\"size\" must be an integer from 0 to 2^53-1");
  if (sha == NULL || strlen (sha) != 64 || strspn (sha, "0123456789abcdef") != 64)
    return malformed (error, "\"sha256\" must be 64 lower-case hex digits");
  if (mime != NULL && !is_mime (mime))
    return malformed (error, "\"mime\" is not a media type (type/subtype)");
  if (mime == NULL && !mc_json_member_is_null (obj, "mime"))
    return malformed (error, "\"mime\" is not a string");
  if (out == NULL)
    return TRUE;
  offer = g_new0 (McFileOffer, 1);
  offer->id = g_strdup (id);
  offer->name = g_strdup (name);
  offer->size = (guint64) json_node_get_int (size);
  memcpy (offer->sha256, sha, 65);
  offer->mime = g_strdup (mime ? mime : "application/octet-stream");
  *out = offer;
  return TRUE;
}

gboolean
mc_file_decode (const char *data, gsize len, McFileKind *kind, McFileOffer **offer, char **reason, gboolean *ok,
                GError **error)
{
  g_autoptr (JsonNode) node = NULL;
  JsonObject *obj;
  const char *type;

  if (offer)
    *offer = NULL;
  if (reason)
    *reason = NULL;
  if (len > MC_FILE_MAX_MESSAGE)
    return malformed (error, "the message is %" G_GSIZE_FORMAT " bytes, more than %d", len, MC_FILE_MAX_MESSAGE);
  node = talk_decode_typed (data, len, MC_FILE_ERROR, MC_FILE_ERROR_MALFORMED, "file", &obj, &type, error);
  if (node == NULL)
    return FALSE;
  if (strcmp (type, "file-offer") == 0) {
    if (!decode_offer (obj, offer, error))
      return FALSE;
    *kind = MC_FILE_KIND_OFFER;
  } else if (strcmp (type, "file-accept") == 0) {
    *kind = MC_FILE_KIND_ACCEPT;
  } else if (strcmp (type, "file-reject") == 0) {
    const char *why = mc_json_get_string (obj, "reason");
    if (why == NULL && !mc_json_member_is_null (obj, "reason"))
      return malformed (error, "\"reason\" is not a string");
    if (reason && why)
      *reason = g_strdup (why);
    *kind = MC_FILE_KIND_REJECT;
  } else if (strcmp (type, "file-done") == 0) {
    JsonNode *v = json_object_get_member (obj, "ok");
    if (v == NULL || !JSON_NODE_HOLDS_VALUE (v) || json_node_get_value_type (v) != G_TYPE_BOOLEAN)
      return malformed (error, "\"ok\" is missing or not a boolean");
    if (ok)
      *ok = json_node_get_boolean (v);
    *kind = MC_FILE_KIND_DONE;
  } else {
    return malformed (error, "unknown \"type\"");
  }
  return TRUE;
}

char *
mc_file_encode_offer (const McFileOffer *offer)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) node = NULL;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, "file-offer");
  json_builder_set_member_name (b, "id");
  json_builder_add_string_value (b, offer->id);
  json_builder_set_member_name (b, "name");
  json_builder_add_string_value (b, offer->name);
  json_builder_set_member_name (b, "size");
  json_builder_add_int_value (b, (gint64) offer->size);
  json_builder_set_member_name (b, "sha256");
  json_builder_add_string_value (b, offer->sha256);
  json_builder_set_member_name (b, "mime");
  json_builder_add_string_value (b, offer->mime);
  json_builder_end_object (b);
  node = json_builder_get_root (b);
  return mc_json_encode (node);
}

/* ---- safe names --------------------------------------------------------------- */

/* The longest prefix of s[0..len) that is at most max bytes and ends at a
 * character boundary (s is valid UTF-8). */
static gsize
prefix_bytes (const char *s, gsize len, gsize max)
{
  gsize n = 0;

  while (n < len) {
    gsize next = (gsize) (g_utf8_next_char (s + n) - s);
    if (next > max)
      break;
    n = next;
  }
  return n;
}

static char *
join_cut (const char *head, gsize head_len, const char *tail)
{
  GString *s = g_string_new_len (head, (gssize) head_len);
  g_string_append (s, tail);
  return g_string_free (s, FALSE);
}

/* At most max bytes, keeping an extension of up to 16 bytes. */
static char *
cut (const char *name, gsize max)
{
  gsize len = strlen (name), ext = 0;
  const char *dot = strrchr (name, '.');

  if (len <= max)
    return g_strdup (name);
  if (dot && dot != name && len - (gsize) (dot - name) <= 16)
    ext = len - (gsize) (dot - name);
  return join_cut (name, prefix_bytes (name, len - ext, max - ext), name + len - ext);
}

char *
mc_file_safe_name (const char *name)
{
  const char *base = name ? name : "";
  g_autoptr (GString) out = g_string_new (NULL);
  const char *p, *end;
  g_autofree char *stripped = NULL;

  for (p = base; *p; p++)
    if (*p == '/' || *p == '\\')
      base = p + 1;
  end = base + strlen (base);
  for (p = base; p < end;) {
    gunichar c = g_utf8_get_char_validated (p, end - p);
    if (c == (gunichar) -1 || c == (gunichar) -2) {
      p++;   /* an invalid byte: dropped */
      continue;
    }
    if (!(c < 0x20 || (c >= 0x7f && c <= 0x9f)))
      g_string_append_len (out, p, g_utf8_next_char (p) - p);
    p = g_utf8_next_char (p);
  }
  p = out->str;
  while (*p == '.' || *p == ' ')
    p++;
  stripped = g_strchomp (g_strdup (p));
  if (stripped[0] == '\0')
    return g_strdup ("file");
  /* Cutting may leave a space at the end: the name must stay the same when
   * made safe again. */
  return g_strchomp (cut (stripped, MC_FILE_MAX_NAME));
}

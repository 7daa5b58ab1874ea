/* meshcall's Firestore documents, responses and requests (firestore_doc.h). */
#include "meshcall/signal/firestore/firestore_doc.h"
#include "meshcall/base/json.h"
#include "meshcall/proto/call_protocol.h"

#include <string.h>

#define MALFORMED(error, ...) g_set_error (error, MC_FIRESTORE_ERROR, MC_FIRESTORE_ERROR_MALFORMED, __VA_ARGS__)

/* ---- documents ------------------------------------------------------------------ */

/* The protocol's id check, as this module's error. */
static gboolean
valid_id (const char *what, const char *id, GError **error)
{
  g_autoptr (GError) local = NULL;

  if (mc_protocol_validate_id (what, id, &local))
    return TRUE;
  MALFORMED (error, "%s", local->message);
  return FALSE;
}

char *
mc_firestore_document_id (const char *name, const char *parent, GError **error)
{
  gsize plen = strlen (parent);
  const char *id;

  if (name == NULL || strncmp (name, parent, plen) != 0 || name[plen] != '/') {
    g_autofree char *cut = g_strndup (name ? name : "(no name)", 200);
    g_autofree char *shown = g_utf8_make_valid (cut, -1);
    MALFORMED (error, "document '%s' is not in %s", shown, parent);
    return NULL;
  }
  id = name + plen + 1;
  if (!valid_id ("document id", id, error))
    return NULL;
  return g_strdup (id);
}

/* The object of a Document's fields and its name. */
static JsonObject *
document_fields (JsonNode *doc, const char **name, GError **error)
{
  JsonObject *obj;
  JsonNode *fields;

  if (doc == NULL || !JSON_NODE_HOLDS_OBJECT (doc)) {
    MALFORMED (error, "a document is %s, expected an object", mc_json_describe_kind (doc));
    return NULL;
  }
  obj = json_node_get_object (doc);
  *name = mc_json_get_string (obj, "name");
  fields = json_object_get_member (obj, "fields");
  if (*name == NULL || fields == NULL || !JSON_NODE_HOLDS_OBJECT (fields)) {
    MALFORMED (error, "a document without a name or fields");
    return NULL;
  }
  return json_node_get_object (fields);
}

void
mc_firestore_participant_free (McFirestoreParticipant *p)
{
  if (p == NULL)
    return;
  g_free (p->peer_id);
  g_free (p->name);
  g_free (p->session);
  g_free (p->update_time);
  g_free (p);
}

McFirestoreParticipant *
mc_firestore_participant_parse (JsonNode *doc, const char *parent, GError **error)
{
  g_autoptr (McFirestoreParticipant) p = g_new0 (McFirestoreParticipant, 1);
  const char *name, *display = NULL, *session = NULL, *update_time;
  JsonObject *fields = document_fields (doc, &name, error);

  if (fields == NULL)
    return NULL;
  p->peer_id = mc_firestore_document_id (name, parent, error);
  if (p->peer_id == NULL || !mc_firestore_value_get_string ("name", json_object_get_member (fields, "name"), &display, error) ||
      !mc_firestore_value_get_string ("session", json_object_get_member (fields, "session"), &session, error) ||
      !valid_id ("session", session, error) ||
      !mc_firestore_value_get_timestamp ("joinedAt", json_object_get_member (fields, "joinedAt"), &p->joined_at_us,
                                         error) ||
      !mc_firestore_value_get_timestamp ("heartbeatAt", json_object_get_member (fields, "heartbeatAt"),
                                         &p->heartbeat_at_us, error)) {
    g_prefix_error (error, "participant: ");
    return NULL;
  }
  /* As the LAN protocol reads names: an unusable one shows as the id. */
  p->name = g_strdup (mc_protocol_validate_name (display, NULL) ? display : p->peer_id);
  p->session = g_strdup (session);
  update_time = mc_json_get_string (json_node_get_object (doc), "updateTime");
  p->update_time = g_strdup (update_time);
  return g_steal_pointer (&p);
}

void
mc_firestore_message_free (McFirestoreMessage *m)
{
  if (m == NULL)
    return;
  g_free (m->path);
  g_free (m->id);
  g_free (m->from);
  g_free (m->session);
  g_clear_pointer (&m->signal, json_node_unref);
  g_free (m);
}

McFirestoreMessage *
mc_firestore_message_parse (JsonNode *doc, const char *parent, GError **error)
{
  g_autoptr (McFirestoreMessage) m = g_new0 (McFirestoreMessage, 1);
  const char *name, *from = NULL, *session = NULL;
  JsonObject *fields = document_fields (doc, &name, error);
  JsonNode *signal;

  if (fields == NULL)
    return NULL;
  m->path = g_strdup (name);
  m->id = mc_firestore_document_id (name, parent, error);
  if (m->id == NULL)
    return NULL;
  signal = json_object_get_member (fields, "signal");
  if (!mc_firestore_value_get_string ("from", json_object_get_member (fields, "from"), &from, error) ||
      !valid_id ("from", from, error) ||
      !mc_firestore_value_get_string ("session", json_object_get_member (fields, "session"), &session, error) ||
      !valid_id ("session", session, error) ||
      !mc_firestore_value_get_integer ("seq", json_object_get_member (fields, "seq"), &m->seq, error) ||
      !mc_firestore_value_get_timestamp ("createdAt", json_object_get_member (fields, "createdAt"), &m->created_at_us,
                                         error)) {
    g_prefix_error (error, "message %s: ", m->id);
    return NULL;
  }
  if (m->seq < 1) {
    MALFORMED (error, "message %s: seq %" G_GINT64_FORMAT " is not 1 or more", m->id, m->seq);
    return NULL;
  }
  if (signal == NULL || !JSON_NODE_HOLDS_OBJECT (signal) ||
      !json_object_has_member (json_node_get_object (signal), "mapValue")) {
    MALFORMED (error, "message %s: signal is not a map", m->id);
    return NULL;
  }
  m->signal = mc_firestore_value_decode ("signal", signal, error);
  if (m->signal == NULL) {
    g_prefix_error (error, "message %s: ", m->id);
    return NULL;
  }
  m->from = g_strdup (from);
  m->session = g_strdup (session);
  return g_steal_pointer (&m);
}

/* ---- responses ---------------------------------------------------------------------- */

static JsonNode *
decode_body (const char *what, const char *body, gsize len, GError **error)
{
  g_autoptr (GError) local = NULL;
  JsonNode *node = mc_json_decode (body, len, &local);

  if (node == NULL)
    MALFORMED (error, "the %s answer is not JSON: %s", what, local->message);
  return node;
}

static gboolean
read_time (const char *what, JsonObject *obj, gint64 *latest, GError **error)
{
  const char *t = mc_json_get_string (obj, "readTime");
  gint64 us;

  if (json_object_has_member (obj, "readTime") && t == NULL) {
    MALFORMED (error, "%s: readTime is not a string", what);
    return FALSE;
  }
  if (t == NULL)
    return TRUE;
  if (!mc_firestore_timestamp_parse (t, &us, error)) {
    g_prefix_error (error, "%s: readTime: ", what);
    return FALSE;
  }
  *latest = MAX (*latest, us);
  return TRUE;
}

/* The array of a streamed answer; an element that is an error fails it. */
static JsonArray *
stream_items (const char *what, JsonNode *root, GError **error)
{
  JsonArray *items;

  if (!JSON_NODE_HOLDS_ARRAY (root)) {
    MALFORMED (error, "the %s answer is %s, expected an array", what, mc_json_describe_kind (root));
    return NULL;
  }
  items = json_node_get_array (root);
  for (guint i = 0; i < json_array_get_length (items); i++) {
    JsonNode *item = json_array_get_element (items, i);
    if (!JSON_NODE_HOLDS_OBJECT (item)) {
      MALFORMED (error, "the %s answer's item %u is %s, expected an object", what, i, mc_json_describe_kind (item));
      return NULL;
    }
    if (json_object_has_member (json_node_get_object (item), "error")) {
      MALFORMED (error, "the %s answer's item %u is an error", what, i);
      return NULL;
    }
  }
  return items;
}

gboolean
mc_firestore_parse_query (const char *body, gsize len, GPtrArray *documents, gint64 *read_time_us, GError **error)
{
  g_autoptr (JsonNode) root = decode_body ("runQuery", body, len, error);
  JsonArray *items = root ? stream_items ("runQuery", root, error) : NULL;

  *read_time_us = 0;
  if (items == NULL)
    return FALSE;
  for (guint i = 0; i < json_array_get_length (items); i++) {
    JsonObject *item = json_array_get_object_element (items, i);
    JsonNode *doc = json_object_get_member (item, "document");

    if (!read_time ("runQuery", item, read_time_us, error))
      return FALSE;
    if (doc == NULL)
      continue;
    if (!JSON_NODE_HOLDS_OBJECT (doc)) {
      MALFORMED (error, "runQuery item %u: document is %s", i, mc_json_describe_kind (doc));
      return FALSE;
    }
    g_ptr_array_add (documents, json_node_ref (doc));
  }
  return TRUE;
}

gboolean
mc_firestore_parse_batch_get (const char *body, gsize len, GPtrArray *found, GPtrArray *missing,
                              gint64 *read_time_us, GError **error)
{
  g_autoptr (JsonNode) root = decode_body ("batchGet", body, len, error);
  JsonArray *items = root ? stream_items ("batchGet", root, error) : NULL;

  *read_time_us = 0;
  if (items == NULL)
    return FALSE;
  for (guint i = 0; i < json_array_get_length (items); i++) {
    JsonObject *item = json_array_get_object_element (items, i);
    JsonNode *doc = json_object_get_member (item, "found");
    const char *gone = mc_json_get_string (item, "missing");

    if (!read_time ("batchGet", item, read_time_us, error))
      return FALSE;
    if (doc != NULL && JSON_NODE_HOLDS_OBJECT (doc)) {
      g_ptr_array_add (found, json_node_ref (doc));
    } else if (gone != NULL) {
      if (missing != NULL)
        g_ptr_array_add (missing, g_strdup (gone));
    } else {
      MALFORMED (error, "batchGet item %u is neither found nor missing", i);
      return FALSE;
    }
  }
  return TRUE;
}

gboolean
mc_firestore_parse_commit (const char *body, gsize len, GPtrArray *update_times, gint64 *first_transform_us,
                           gint64 *commit_time_us, GError **error)
{
  g_autoptr (JsonNode) root = decode_body ("commit", body, len, error);
  JsonObject *obj;
  JsonNode *results;
  const char *commit_time;

  *first_transform_us = 0;
  *commit_time_us = 0;
  if (root == NULL)
    return FALSE;
  if (!JSON_NODE_HOLDS_OBJECT (root)) {
    MALFORMED (error, "the commit answer is %s, expected an object", mc_json_describe_kind (root));
    return FALSE;
  }
  obj = json_node_get_object (root);
  commit_time = mc_json_get_string (obj, "commitTime");
  if (commit_time == NULL || !mc_firestore_timestamp_parse (commit_time, commit_time_us, error)) {
    g_clear_error (error);
    MALFORMED (error, "the commit answer has no valid commitTime");
    return FALSE;
  }
  results = json_object_get_member (obj, "writeResults");
  if (results == NULL)
    return TRUE;   /* a commit of nothing but deletes of missing documents may have none */
  if (!JSON_NODE_HOLDS_ARRAY (results)) {
    MALFORMED (error, "the commit answer's writeResults is %s", mc_json_describe_kind (results));
    return FALSE;
  }
  for (guint i = 0; i < json_array_get_length (json_node_get_array (results)); i++) {
    JsonNode *r = json_array_get_element (json_node_get_array (results), i);
    JsonObject *ro = JSON_NODE_HOLDS_OBJECT (r) ? json_node_get_object (r) : NULL;
    JsonNode *transforms = ro ? json_object_get_member (ro, "transformResults") : NULL;

    if (ro == NULL) {
      MALFORMED (error, "the commit answer's writeResults[%u] is %s", i, mc_json_describe_kind (r));
      return FALSE;
    }
    if (update_times != NULL)
      g_ptr_array_add (update_times, g_strdup (mc_json_get_string (ro, "updateTime")));
    if (i == 0 && transforms != NULL && JSON_NODE_HOLDS_ARRAY (transforms) &&
        json_array_get_length (json_node_get_array (transforms)) > 0 &&
        !mc_firestore_value_get_timestamp ("transformResults[0]",
                                           json_array_get_element (json_node_get_array (transforms), 0),
                                           first_transform_us, error))
      return FALSE;
  }
  return TRUE;
}

gboolean
mc_firestore_parse_error (const char *body, gsize len, char **status, char **message)
{
  g_autoptr (JsonNode) root = mc_json_decode (body, len, NULL);
  JsonNode *node = root;
  JsonObject *err;
  JsonNode *e;

  *status = NULL;
  *message = NULL;
  if (node != NULL && JSON_NODE_HOLDS_ARRAY (node) && json_array_get_length (json_node_get_array (node)) > 0)
    node = json_array_get_element (json_node_get_array (node), 0);
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return FALSE;
  e = json_object_get_member (json_node_get_object (node), "error");
  if (e == NULL || !JSON_NODE_HOLDS_OBJECT (e))
    return FALSE;
  err = json_node_get_object (e);
  *status = g_strdup (mc_json_get_string (err, "status"));
  *message = g_strdup (mc_json_get_string (err, "message"));
  return TRUE;
}

void
mc_firestore_sign_in_free (McFirestoreSignIn *s)
{
  if (s == NULL)
    return;
  g_free (s->id_token);
  g_free (s->refresh_token);
  g_free (s->uid);
  g_free (s);
}

static const char *
either (JsonObject *obj, const char *a, const char *b)
{
  const char *v = mc_json_get_string (obj, a);
  return v ? v : mc_json_get_string (obj, b);
}

McFirestoreSignIn *
mc_firestore_parse_sign_in (const char *body, gsize len, GError **error)
{
  g_autoptr (JsonNode) root = decode_body ("sign-in", body, len, error);
  g_autoptr (McFirestoreSignIn) s = NULL;
  JsonObject *obj;
  const char *id, *refresh, *uid, *expires;
  gint64 n = 0;

  if (root == NULL)
    return NULL;
  if (!JSON_NODE_HOLDS_OBJECT (root)) {
    MALFORMED (error, "the sign-in answer is %s, expected an object", mc_json_describe_kind (root));
    return NULL;
  }
  obj = json_node_get_object (root);
  id = either (obj, "idToken", "id_token");
  refresh = either (obj, "refreshToken", "refresh_token");
  uid = either (obj, "localId", "user_id");
  expires = either (obj, "expiresIn", "expires_in");
  if (id == NULL || refresh == NULL || expires == NULL || !g_ascii_string_to_signed (expires, 10, 1, 86400 * 366, &n, NULL)) {
    MALFORMED (error, "the sign-in answer lacks an ID token, a refresh token or a valid lifetime");
    return NULL;
  }
  s = g_new0 (McFirestoreSignIn, 1);
  s->id_token = g_strdup (id);
  s->refresh_token = g_strdup (refresh);
  s->uid = g_strdup (uid);
  s->expires_in_s = n;
  return g_steal_pointer (&s);
}

/* ---- tokens ------------------------------------------------------------------------ */

static char *
base64url_decode (const char *in, gsize len, gsize *out_len)
{
  g_autofree char *std = g_malloc (len + 4);
  gsize n = 0;

  for (gsize i = 0; i < len; i++) {
    char c = in[i];
    if (c == '-')
      c = '+';
    else if (c == '_')
      c = '/';
    else if (!g_ascii_isalnum (c))
      return NULL;
    std[n++] = c;
  }
  while (n % 4 != 0)
    std[n++] = '=';
  std[n] = '\0';
  return (char *) g_base64_decode (std, out_len);
}

gboolean
mc_firestore_token_claims (const char *token, char **uid, gint64 *exp_s, GError **error)
{
  const char *dot1 = token ? strchr (token, '.') : NULL;
  const char *dot2 = dot1 ? strchr (dot1 + 1, '.') : NULL;
  g_autofree char *payload = NULL;
  g_autoptr (JsonNode) claims = NULL;
  JsonObject *obj;
  JsonNode *exp;
  const char *id;
  gsize len = 0;

  *uid = NULL;
  *exp_s = 0;
  if (dot2 == NULL || dot2 == dot1 + 1 || strchr (dot2 + 1, '.') != NULL ||
      (payload = base64url_decode (dot1 + 1, (gsize) (dot2 - dot1 - 1), &len)) == NULL) {
    MALFORMED (error, "the ID token is not a JWT (three base64url parts separated by dots)");
    return FALSE;
  }
  claims = mc_json_decode (payload, len, NULL);
  if (claims == NULL || !JSON_NODE_HOLDS_OBJECT (claims)) {
    MALFORMED (error, "the ID token's claims are not a JSON object");
    return FALSE;
  }
  obj = json_node_get_object (claims);
  id = either (obj, "user_id", "sub");
  exp = json_object_get_member (obj, "exp");
  if (id == NULL || !valid_id ("the ID token's uid", id, error)) {
    g_clear_error (error);
    MALFORMED (error, "the ID token names no uid meshcall can use as a peer id (user_id or sub: 1..64 of "
                      "A-Z a-z 0-9 _ . -)");
    return FALSE;
  }
  if (exp == NULL || !JSON_NODE_HOLDS_VALUE (exp) || json_node_get_value_type (exp) != G_TYPE_INT64) {
    MALFORMED (error, "the ID token has no exp (expiry) claim");
    return FALSE;
  }
  *uid = g_strdup (id);
  *exp_s = json_node_get_int (exp);
  return TRUE;
}

char *
mc_firestore_token_project (const char *token)
{
  const char *dot1 = token ? strchr (token, '.') : NULL;
  const char *dot2 = dot1 ? strchr (dot1 + 1, '.') : NULL;
  g_autofree char *payload = NULL;
  g_autoptr (JsonNode) claims = NULL;
  const char *aud;
  gsize len = 0;

  if (dot2 == NULL || (payload = base64url_decode (dot1 + 1, (gsize) (dot2 - dot1 - 1), &len)) == NULL ||
      (claims = mc_json_decode (payload, len, NULL)) == NULL || !JSON_NODE_HOLDS_OBJECT (claims))
    return NULL;
  aud = mc_json_get_string (json_node_get_object (claims), "aud");
  return aud ? g_strdup (aud) : NULL;
}

static char *
base64url (const char *data, gsize len)
{
  g_autofree char *std = g_base64_encode ((const guchar *) data, len);

  g_strdelimit (std, "+", '-');
  g_strdelimit (std, "/", '_');
  *strchrnul (std, '=') = '\0';
  return g_steal_pointer (&std);
}

char *
mc_firestore_mock_token (const char *project, const char *uid, gint64 now_s)
{
  static const char header[] = "{\"alg\":\"none\",\"typ\":\"JWT\"}";
  g_autofree char *claims = g_strdup_printf (
    "{\"iss\":\"https://securetoken.google.com/%s\",\"aud\":\"%s\",\"sub\":\"%s\",\"user_id\":\"%s\","
    "\"iat\":%" G_GINT64_FORMAT ",\"exp\":%" G_GINT64_FORMAT ",\"auth_time\":%" G_GINT64_FORMAT
    ",\"firebase\":{\"sign_in_provider\":\"anonymous\",\"identities\":{}}}",
    project, project, uid, uid, now_s, now_s + 3600, now_s);
  g_autofree char *h = base64url (header, strlen (header));
  g_autofree char *c = base64url (claims, strlen (claims));

  return g_strdup_printf ("%s.%s.", h, c);
}

/* ---- requests -------------------------------------------------------------------------- */

static void
set_fields (JsonObject *doc, JsonObject *fields)
{
  json_object_set_object_member (doc, "fields", fields);
}

static JsonObject *
server_time (const char *field)
{
  JsonObject *t = json_object_new ();

  json_object_set_string_member (t, "fieldPath", field);
  json_object_set_string_member (t, "setToServerValue", "REQUEST_TIME");
  return t;
}

static JsonNode *
object_node (JsonObject *obj)
{
  JsonNode *n = json_node_new (JSON_NODE_OBJECT);

  json_node_take_object (n, obj);
  return n;
}

JsonNode *
mc_firestore_write_participant (const char *doc, const char *name, const char *session, const char *replace_update_time)
{
  JsonObject *write = json_object_new ();
  JsonObject *update = json_object_new ();
  JsonObject *fields = json_object_new ();
  JsonArray *transforms = json_array_new ();
  JsonObject *pre = json_object_new ();

  json_object_set_string_member (update, "name", doc);
  json_object_set_member (fields, "name", mc_firestore_value_new_string (name));
  json_object_set_member (fields, "session", mc_firestore_value_new_string (session));
  set_fields (update, fields);
  json_object_set_object_member (write, "update", update);
  json_array_add_object_element (transforms, server_time ("joinedAt"));
  json_array_add_object_element (transforms, server_time ("heartbeatAt"));
  json_object_set_array_member (write, "updateTransforms", transforms);
  /* Create, or replace exactly the stale version we read. */
  if (replace_update_time != NULL)
    json_object_set_string_member (pre, "updateTime", replace_update_time);
  else
    json_object_set_boolean_member (pre, "exists", FALSE);
  json_object_set_object_member (write, "currentDocument", pre);
  return object_node (write);
}

JsonNode *
mc_firestore_write_heartbeat (const char *doc, const char *update_time)
{
  JsonObject *write = json_object_new ();
  JsonObject *transform = json_object_new ();
  JsonArray *fields = json_array_new ();
  JsonObject *pre = json_object_new ();

  json_object_set_string_member (transform, "document", doc);
  json_array_add_object_element (fields, server_time ("heartbeatAt"));
  json_object_set_array_member (transform, "fieldTransforms", fields);
  json_object_set_object_member (write, "transform", transform);
  /* Only our own version: a document someone else replaced is not ours. */
  if (update_time != NULL)
    json_object_set_string_member (pre, "updateTime", update_time);
  else
    json_object_set_boolean_member (pre, "exists", TRUE);
  json_object_set_object_member (write, "currentDocument", pre);
  return object_node (write);
}

JsonNode *
mc_firestore_write_delete (const char *doc)
{
  JsonObject *write = json_object_new ();

  json_object_set_string_member (write, "delete", doc);
  return object_node (write);
}

JsonNode *
mc_firestore_write_message (const char *doc, const char *from, const char *session, gint64 seq, JsonNode *signal,
                            GError **error)
{
  JsonNode *typed_signal = mc_firestore_value_encode (signal, error);
  JsonObject *write, *update, *fields, *pre;
  JsonArray *transforms;

  if (typed_signal == NULL)
    return NULL;
  write = json_object_new ();
  update = json_object_new ();
  fields = json_object_new ();
  transforms = json_array_new ();
  pre = json_object_new ();
  json_object_set_string_member (update, "name", doc);
  json_object_set_member (fields, "from", mc_firestore_value_new_string (from));
  json_object_set_member (fields, "session", mc_firestore_value_new_string (session));
  json_object_set_member (fields, "seq", mc_firestore_value_new_integer (seq));
  json_object_set_member (fields, "signal", typed_signal);
  set_fields (update, fields);
  json_object_set_object_member (write, "update", update);
  json_array_add_object_element (transforms, server_time ("createdAt"));
  json_object_set_array_member (write, "updateTransforms", transforms);
  /* Messages are created, never updated: a retried write finds it there. */
  json_object_set_boolean_member (pre, "exists", FALSE);
  json_object_set_object_member (write, "currentDocument", pre);
  return object_node (write);
}

char *
mc_firestore_commit_body (GPtrArray *writes)
{
  g_autoptr (JsonNode) root = json_node_new (JSON_NODE_OBJECT);
  JsonObject *obj = json_object_new ();
  JsonArray *arr = json_array_new ();

  for (guint i = 0; i < writes->len; i++)
    json_array_add_element (arr, json_node_ref (writes->pdata[i]));
  json_object_set_array_member (obj, "writes", arr);
  json_node_take_object (root, obj);
  return mc_json_encode (root);
}

char *
mc_firestore_query_body (const char *collection_id, guint limit)
{
  return g_strdup_printf ("{\"structuredQuery\":{\"from\":[{\"collectionId\":\"%s\"}],\"limit\":%u}}", collection_id,
                          limit);
}

char *
mc_firestore_batch_get_body (const char *const *docs)
{
  g_autoptr (JsonNode) root = json_node_new (JSON_NODE_OBJECT);
  JsonObject *obj = json_object_new ();
  JsonArray *arr = json_array_new ();

  for (guint i = 0; docs[i]; i++)
    json_array_add_string_element (arr, docs[i]);
  json_object_set_array_member (obj, "documents", arr);
  json_node_take_object (root, obj);
  return mc_json_encode (root);
}

/* The Firestore codec (signal/firestore/firestore_value.h, firestore_doc.h):
 * typed values both ways, timestamps, the schema's documents, the answers
 * and the requests, and the fuzzer's seed corpus. Pure: no I/O. */
#include "meshcall/base/json.h"
#include "meshcall/signal/firestore/firestore_doc.h"
#include "corpus.h"

#include <string.h>

#define PARTICIPANTS "projects/p/databases/(default)/documents/calls/c/participants"
#define INBOX PARTICIPANTS "/me/inbox"

static JsonNode *
parse (const char *text)
{
  g_autoptr (GError) error = NULL;
  JsonNode *n = mc_json_decode (text, strlen (text), &error);

  g_assert_no_error (error);
  return n;
}

static char *
decode_to_text (const char *typed, GError **error)
{
  g_autoptr (JsonNode) n = parse (typed);
  g_autoptr (JsonNode) plain = mc_firestore_value_decode ("v", n, error);

  return plain ? mc_json_encode (plain) : NULL;
}

static void
test_decode (void)
{
  static const struct { const char *typed, *plain; } cases[] = {
    { "{\"stringValue\":\"h\\u00e9\"}", "\"h\u00e9\"" },
    { "{\"integerValue\":\"-9223372036854775808\"}", "-9223372036854775808" },
    { "{\"integerValue\":\"0\"}", "0" },
    { "{\"doubleValue\":2.5}", "2.5" },
    { "{\"doubleValue\":3}", "3" },
    { "{\"booleanValue\":false}", "false" },
    { "{\"nullValue\":\"NULL_VALUE\"}", "null" },
    { "{\"nullValue\":null}", "null" },
    { "{\"timestampValue\":\"2026-01-02T03:04:05Z\"}", "\"2026-01-02T03:04:05Z\"" },
    { "{\"mapValue\":{}}", "{}" },
    { "{\"arrayValue\":{}}", "[]" },
    { "{\"mapValue\":{\"fields\":{\"type\":{\"stringValue\":\"candidate\"},\"candidate\":{\"mapValue\":{\"fields\":"
      "{\"sdpMLineIndex\":{\"integerValue\":\"1\"},\"sdpMid\":{\"nullValue\":null}}}}}}}",
      "{\"type\":\"candidate\",\"candidate\":{\"sdpMLineIndex\":1,\"sdpMid\":null}}" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr (GError) error = NULL;
    g_autofree char *got = decode_to_text (cases[i].typed, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (got, ==, cases[i].plain);
  }
}

static void
test_decode_refusals (void)
{
  static const struct { const char *typed, *says; } cases[] = {
    { "{\"integerValue\":12}", "integerValue holds a number" },
    { "{\"integerValue\":\"9223372036854775808\"}", "not a valid integerValue" },
    { "{\"integerValue\":\"+1\"}", "not a valid integerValue" },
    { "{\"integerValue\":\"01\"}", "not a valid integerValue" },
    { "{\"stringValue\":\"a\",\"nullValue\":null}", "exactly one member" },
    { "{}", "exactly one member" },
    { "[]", "a Firestore value is an object" },
    { "{\"geoPointValue\":{}}", "geoPointValue is not used" },
    { "{\"whatValue\":1}", "unknown Firestore value kind 'whatValue'" },
    { "{\"doubleValue\":\"NaN\"}", "not a valid doubleValue" },
    { "{\"nullValue\":0}", "expected \"NULL_VALUE\"" },
    { "{\"mapValue\":{\"fields\":{\"x\":{\"integerValue\":\"x\"}}}}", "v.x: integerValue" },
    { "{\"arrayValue\":{\"values\":[{\"arrayValue\":{}}]}}", "v[0]: an array directly inside an array" },
    { "{\"timestampValue\":\"yesterday\"}", "not a valid timestampValue" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr (GError) error = NULL;
    g_autofree char *got = decode_to_text (cases[i].typed, &error);
    g_assert_null (got);
    g_assert_error (error, MC_FIRESTORE_ERROR, MC_FIRESTORE_ERROR_MALFORMED);
    if (strstr (error->message, cases[i].says) == NULL)
      g_error ("%s: '%s' does not say '%s'", cases[i].typed, error->message, cases[i].says);
  }
}

static void
test_encode (void)
{
  g_autoptr (JsonNode) plain =
    parse ("{\"type\":\"candidate\",\"candidate\":{\"candidate\":\"candidate:1\",\"sdpMid\":\"0\","
           "\"sdpMLineIndex\":0},\"x\":[1.5,true,null],\"e\":{}}");
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) typed = mc_firestore_value_encode (plain, &error);
  g_autofree char *text = mc_json_encode (typed);
  g_autoptr (JsonNode) back = mc_firestore_value_decode ("v", typed, &error);
  g_autofree char *a = mc_json_encode (plain), *b = mc_json_encode (back);
  g_autoptr (JsonNode) nested = parse ("[[1]]");

  g_assert_no_error (error);
  /* Integers are integerValue strings, never doubles. */
  g_assert_nonnull (strstr (text, "\"sdpMLineIndex\":{\"integerValue\":\"0\"}"));
  g_assert_nonnull (strstr (text, "{\"doubleValue\":1.5}"));
  g_assert_nonnull (strstr (text, "{\"nullValue\":\"NULL_VALUE\"}"));
  g_assert_nonnull (strstr (text, "\"e\":{\"mapValue\":{}}"));
  g_assert_cmpstr (a, ==, b);
  g_assert_null (mc_firestore_value_encode (nested, &error));
  g_assert_error (error, MC_FIRESTORE_ERROR, MC_FIRESTORE_ERROR_MALFORMED);
}

static void
test_timestamps (void)
{
  static const struct { const char *text; gint64 us; } cases[] = {
    { "1970-01-01T00:00:00Z", 0 },
    { "1970-01-01T00:00:01.5Z", 1500000 },
    { "2026-12-01T19:30:14.984Z", G_GINT64_CONSTANT (1796153414984000) },
    { "2026-12-01T20:30:14.984123999+01:00", G_GINT64_CONSTANT (1796153414984123) },
    { "1969-12-31T23:59:59.999999Z", -1 },
    { "2000-02-29T00:00:00Z", G_GINT64_CONSTANT (951782400000000) },
  };
  static const char *const bad[] = { "", "2026-01-01", "2026-01-01T00:00:00", "2026-13-01T00:00:00Z",
                                     "2026-02-29T00:00:00Z", "2026-01-01T24:00:00Z", "2026-01-01T00:00:00.Z",
                                     "2026-01-01T00:00:00Zjunk", "2026-01-01 00:00:00Z", "0000-01-01T00:00:00Z" };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr (GError) error = NULL;
    g_autofree char *again = NULL;
    gint64 us = 42, back = 0;
    g_assert_true (mc_firestore_timestamp_parse (cases[i].text, &us, &error));
    g_assert_cmpint (us, ==, cases[i].us);
    again = mc_firestore_timestamp_format (us);
    g_assert_true (mc_firestore_timestamp_parse (again, &back, NULL));
    g_assert_cmpint (back, ==, us);
  }
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++) {
    g_autoptr (GError) error = NULL;
    gint64 us;
    g_assert_false (mc_firestore_timestamp_parse (bad[i], &us, &error));
    g_assert_error (error, MC_FIRESTORE_ERROR, MC_FIRESTORE_ERROR_MALFORMED);
  }
}

static void
test_participant (void)
{
  g_autoptr (JsonNode) doc = parse (
    "{\"name\":\"" PARTICIPANTS "/alice\",\"fields\":{\"name\":{\"stringValue\":\"\\u0007\"},"
    "\"session\":{\"stringValue\":\"s1\"},\"joinedAt\":{\"timestampValue\":\"1970-01-01T00:00:01Z\"},"
    "\"heartbeatAt\":{\"timestampValue\":\"1970-01-01T00:00:02Z\"}},\"updateTime\":\"1970-01-01T00:00:02.000001Z\"}");
  g_autoptr (GError) error = NULL;
  g_autoptr (McFirestoreParticipant) p = mc_firestore_participant_parse (doc, PARTICIPANTS, &error);
  g_autoptr (McFirestoreParticipant) other = NULL;

  g_assert_no_error (error);
  g_assert_cmpstr (p->peer_id, ==, "alice");
  g_assert_cmpstr (p->name, ==, "alice");   /* an unusable name reads as the id */
  g_assert_cmpstr (p->session, ==, "s1");
  g_assert_cmpint (p->joined_at_us, ==, 1000000);
  g_assert_cmpint (p->heartbeat_at_us, ==, 2000000);
  g_assert_cmpstr (p->update_time, ==, "1970-01-01T00:00:02.000001Z");
  other = mc_firestore_participant_parse (doc, "projects/p/databases/(default)/documents/calls/d/participants", &error);
  g_assert_null (other);
  g_assert_error (error, MC_FIRESTORE_ERROR, MC_FIRESTORE_ERROR_MALFORMED);
}

static void
test_message_write_and_read (void)
{
  g_autoptr (JsonNode) signal = parse ("{\"type\":\"answer\",\"sdp\":\"v=0\\r\\n\"}");
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) write =
    mc_firestore_write_message (INBOX "/a-b-7", "alice", "sa", 7, signal, &error);
  g_autofree char *text = mc_json_encode (write);
  JsonObject *update = json_object_get_object_member (json_node_get_object (write), "update");
  g_autoptr (JsonNode) doc = json_node_new (JSON_NODE_OBJECT);
  g_autoptr (McFirestoreMessage) m = NULL;
  g_autofree char *sig_text = NULL;
  JsonObject *fields;

  g_assert_no_error (error);
  g_assert_nonnull (strstr (text, "\"seq\":{\"integerValue\":\"7\"}"));
  g_assert_nonnull (strstr (text, "\"currentDocument\":{\"exists\":false}"));
  g_assert_nonnull (strstr (text, "{\"fieldPath\":\"createdAt\",\"setToServerValue\":\"REQUEST_TIME\"}"));
  /* What the server gives back: the fields plus createdAt. */
  json_node_set_object (doc, update);
  fields = json_object_get_object_member (update, "fields");
  json_object_set_member (fields, "createdAt", parse ("{\"timestampValue\":\"2026-01-01T00:00:00Z\"}"));
  m = mc_firestore_message_parse (doc, INBOX, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (m->id, ==, "a-b-7");
  g_assert_cmpstr (m->from, ==, "alice");
  g_assert_cmpint (m->seq, ==, 7);
  sig_text = mc_json_encode (m->signal);
  g_assert_cmpstr (sig_text, ==, "{\"type\":\"answer\",\"sdp\":\"v=0\\r\\n\"}");
}

static void
test_answers (void)
{
  const char *query = "[{\"document\":{\"name\":\"x\",\"fields\":{}},\"readTime\":\"1970-01-01T00:00:03Z\"},"
                      "{\"readTime\":\"1970-01-01T00:00:04Z\",\"done\":true}]";
  const char *commit = "{\"writeResults\":[{\"updateTime\":\"1970-01-01T00:00:05Z\",\"transformResults\":"
                       "[{\"timestampValue\":\"1970-01-01T00:00:04.5Z\"}]}],\"commitTime\":\"1970-01-01T00:00:05Z\"}";
  const char *err = "{\"error\":{\"code\":409,\"message\":\"entity already exists\",\"status\":\"ALREADY_EXISTS\"}}";
  g_autoptr (GPtrArray) docs = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);
  g_autoptr (GPtrArray) times = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *status = NULL, *message = NULL;
  g_autoptr (GError) error = NULL;
  gint64 t = 0, c = 0;

  g_assert_true (mc_firestore_parse_query (query, strlen (query), docs, &t, &error));
  g_assert_cmpuint (docs->len, ==, 1);
  g_assert_cmpint (t, ==, 4000000);
  g_assert_true (mc_firestore_parse_commit (commit, strlen (commit), times, &t, &c, &error));
  g_assert_cmpint (t, ==, 4500000);
  g_assert_cmpint (c, ==, 5000000);
  g_assert_cmpstr (times->pdata[0], ==, "1970-01-01T00:00:05Z");
  g_assert_true (mc_firestore_parse_error (err, strlen (err), &status, &message));
  g_assert_cmpstr (status, ==, "ALREADY_EXISTS");
  g_assert_false (mc_firestore_parse_query ("<html>", 6, docs, &t, &error));
  g_assert_error (error, MC_FIRESTORE_ERROR, MC_FIRESTORE_ERROR_MALFORMED);
  g_assert_nonnull (strstr (error->message, "not JSON"));
}

static void
test_tokens (void)
{
  g_autofree char *token = mc_firestore_mock_token ("demo-p", "u-1", 1000);
  g_autofree char *uid = NULL, *project = NULL;
  g_autoptr (GError) error = NULL;
  gint64 exp = 0;

  g_assert_true (mc_firestore_token_claims (token, &uid, &exp, &error));
  g_assert_cmpstr (uid, ==, "u-1");
  g_assert_cmpint (exp, ==, 4600);
  g_clear_pointer (&uid, g_free);
  g_assert_false (mc_firestore_token_claims ("not-a-jwt", &uid, &exp, &error));
  g_assert_error (error, MC_FIRESTORE_ERROR, MC_FIRESTORE_ERROR_MALFORMED);
  project = mc_firestore_token_project (token);
  g_assert_cmpstr (project, ==, "demo-p");
  g_assert_null (mc_firestore_token_project ("not-a-jwt"));
  g_assert_null (mc_firestore_token_project ("e30.e30."));   /* {} claims: no aud */
  g_assert_null (mc_firestore_token_project ("e30.W10."));   /* [] claims */
  g_assert_null (mc_firestore_token_project (NULL));
}

static gboolean
corpus_verdict (const char *name, const char *data, gsize len, GError **error)
{
  const char *kind = strchr (name, '-') + 1;
  g_autoptr (JsonNode) node = NULL;

  if (g_str_has_prefix (kind, "ts-")) {
    g_autofree char *text = g_strndup (data, len);
    gint64 us;
    return mc_firestore_timestamp_parse (text, &us, error);
  }
  if (g_str_has_prefix (kind, "token-")) {
    g_autofree char *text = g_strndup (data, len), *uid = NULL;
    gint64 exp;
    return mc_firestore_token_claims (text, &uid, &exp, error);
  }
  if (g_str_has_prefix (kind, "query-") || g_str_has_prefix (kind, "batchget-") || g_str_has_prefix (kind, "commit-")) {
    g_autoptr (GPtrArray) docs = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);
    g_autoptr (GPtrArray) missing = g_ptr_array_new_with_free_func (g_free);
    gint64 t, c;
    if (kind[0] == 'q')
      return mc_firestore_parse_query (data, len, docs, &t, error);
    if (kind[0] == 'b')
      return mc_firestore_parse_batch_get (data, len, docs, missing, &t, error);
    return mc_firestore_parse_commit (data, len, NULL, &t, &c, error);
  }
  if (g_str_has_prefix (kind, "signin-")) {
    g_autoptr (McFirestoreSignIn) s = mc_firestore_parse_sign_in (data, len, error);
    return s != NULL;
  }
  node = mc_json_decode (data, len, error);
  if (node == NULL)
    return FALSE;
  if (g_str_has_prefix (kind, "participant-")) {
    g_autoptr (McFirestoreParticipant) p = mc_firestore_participant_parse (node, PARTICIPANTS, error);
    return p != NULL;
  }
  if (g_str_has_prefix (kind, "message-")) {
    g_autoptr (McFirestoreMessage) m = mc_firestore_message_parse (node, INBOX, error);
    return m != NULL;
  }
  {
    g_autoptr (JsonNode) plain = mc_firestore_value_decode ("value", node, error);
    return plain != NULL;
  }
}

static void
test_corpus (void)
{
  mc_test_check_corpus ("fuzz_firestore", 40, corpus_verdict);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/firestore/value/decode", test_decode);
  g_test_add_func ("/firestore/value/refusals", test_decode_refusals);
  g_test_add_func ("/firestore/value/encode", test_encode);
  g_test_add_func ("/firestore/timestamps", test_timestamps);
  g_test_add_func ("/firestore/doc/participant", test_participant);
  g_test_add_func ("/firestore/doc/message", test_message_write_and_read);
  g_test_add_func ("/firestore/doc/answers", test_answers);
  g_test_add_func ("/firestore/doc/tokens", test_tokens);
  g_test_add_func ("/firestore/corpus", test_corpus);
  return g_test_run ();
}

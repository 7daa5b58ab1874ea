/* libFuzzer target for what meshcall reads from Firestore
 * (signal/firestore/firestore_value.h, firestore_doc.h): typed values,
 * timestamps, the documents of the schema, the runQuery / batchGet /
 * commit / error / sign-in answers and ID-token claims.
 *
 * Every input goes through every reader. A refusal must be
 * MC_FIRESTORE_ERROR_MALFORMED with a readable message. A value that
 * decodes is encoded again and must decode to the same plain JSON
 * (Firestore's integers stay integers); a timestamp that parses formats to
 * a text that parses to the same microseconds. Any disagreement aborts. */
#include "meshcall/base/json.h"
#include "meshcall/signal/firestore/firestore_doc.h"
#include "fuzz_common.h"

static void
check_refusal (GError *error)
{
  CHECK (error != NULL && error->domain == MC_FIRESTORE_ERROR && error->code == MC_FIRESTORE_ERROR_MALFORMED);
  CHECK (error->message && error->message[0] && g_utf8_validate (error->message, -1, NULL));
}

static void
check_value (JsonNode *node)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) plain = mc_firestore_value_decode ("v", node, &error);
  g_autoptr (JsonNode) typed = NULL;
  g_autoptr (JsonNode) again = NULL;
  g_autofree char *a = NULL, *b = NULL;

  if (plain == NULL) {
    check_refusal (error);
    return;
  }
  typed = mc_firestore_value_encode (plain, &error);
  CHECK (typed != NULL);
  again = mc_firestore_value_decode ("v", typed, &error);
  if (again == NULL) {
    fprintf (stderr, "re-encoded value refused: %s\n", error->message);
    abort ();
  }
  a = mc_json_encode (plain);
  b = mc_json_encode (again);
  /* A timestampValue decodes to its text, which encodes as a stringValue. */
  CHECK (strcmp (a, b) == 0);
}

static void
check_timestamp (const char *text, gsize len)
{
  g_autofree char *s = g_strndup (text, len);
  g_autoptr (GError) error = NULL;
  g_autofree char *formatted = NULL;
  gint64 us, again;

  if (strlen (s) != len)
    return;
  if (!mc_firestore_timestamp_parse (s, &us, &error)) {
    check_refusal (error);
    return;
  }
  formatted = mc_firestore_timestamp_format (us);
  CHECK (mc_firestore_timestamp_parse (formatted, &again, NULL));
  CHECK (again == us);
}

static void
check_documents (JsonNode *node)
{
  g_autoptr (GError) e1 = NULL, e2 = NULL;
  g_autoptr (McFirestoreParticipant) p =
    mc_firestore_participant_parse (node, "projects/p/databases/(default)/documents/calls/c/participants", &e1);
  g_autoptr (McFirestoreMessage) m =
    mc_firestore_message_parse (node, "projects/p/databases/(default)/documents/calls/c/participants/me/inbox", &e2);

  if (p == NULL)
    check_refusal (e1);
  else
    CHECK (p->peer_id && p->name && p->session);
  if (m == NULL)
    check_refusal (e2);
  else
    CHECK (m->seq >= 1 && m->signal != NULL && JSON_NODE_HOLDS_OBJECT (m->signal));
}

static void
check_answers (const char *data, gsize size)
{
  g_autoptr (GPtrArray) docs = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);
  g_autoptr (GPtrArray) missing = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) times = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GError) e1 = NULL, e2 = NULL, e3 = NULL, e4 = NULL, e5 = NULL;
  g_autoptr (McFirestoreSignIn) s = NULL;
  g_autofree char *status = NULL, *message = NULL, *uid = NULL, *text = NULL;
  gint64 t, u, exp;

  if (!mc_firestore_parse_query (data, size, docs, &t, &e1))
    check_refusal (e1);
  if (!mc_firestore_parse_batch_get (data, size, docs, missing, &t, &e2))
    check_refusal (e2);
  if (!mc_firestore_parse_commit (data, size, times, &t, &u, &e3))
    check_refusal (e3);
  if (mc_firestore_parse_error (data, size, &status, &message))
    CHECK (status == NULL || g_utf8_validate (status, -1, NULL));
  s = mc_firestore_parse_sign_in (data, size, &e4);
  if (s == NULL)
    check_refusal (e4);
  else
    CHECK (s->id_token && s->refresh_token && s->expires_in_s > 0);
  text = g_strndup (data, size);
  if (strlen (text) == size && !mc_firestore_token_claims (text, &uid, &exp, &e5))
    check_refusal (e5);
  if (strlen (text) == size) {
    g_autofree char *project = mc_firestore_token_project (text);
    CHECK (project == NULL || g_utf8_validate (project, -1, NULL));
  }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (JsonNode) node = mc_json_decode ((const char *) data, size, NULL);

  check_timestamp ((const char *) data, size);
  check_answers ((const char *) data, size);
  if (node == NULL)
    return 0;
  check_value (node);
  check_documents (node);
  return 0;
}

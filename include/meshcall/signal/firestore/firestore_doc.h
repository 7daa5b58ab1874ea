/* meshcall's Firestore schema (docs/firestore.md) as REST v1 JSON: the two
 * document kinds read from responses, the envelopes of the responses
 * (runQuery, batchGet, commit, errors, sign-in), the claims of an ID token,
 * and the bodies of the requests the back end sends.
 *
 *   calls/{callId}/participants/{peerId}        name, session, joinedAt, heartbeatAt
 *   calls/{callId}/participants/{peerId}/inbox/{messageId}
 *                                               from, session, seq, signal, createdAt
 *
 * Every reader is strict and says what was wrong (MC_FIRESTORE_ERROR_MALFORMED,
 * firestore_value.h); nothing a server sends can crash it. Pure: no I/O, no
 * state; any thread. */
#pragma once

#include "meshcall/signal/firestore/firestore_value.h"

G_BEGIN_DECLS

/* ---- documents of the schema ---------------------------------------------- */

typedef struct {
  char *peer_id;          /* the document id (the participant's auth uid) */
  char *name;             /* display name (the peer id when the stored one is not a valid name) */
  char *session;
  gint64 joined_at_us;    /* server time */
  gint64 heartbeat_at_us;
  char *update_time;      /* the document's updateTime as sent, for preconditions */
} McFirestoreParticipant;

typedef struct {
  char *path;             /* the document's full name, for the delete */
  char *id;
  char *from;
  char *session;
  gint64 seq;             /* >= 1 */
  JsonNode *signal;       /* plain JSON, checked later by the signaling layer */
  gint64 created_at_us;
} McFirestoreMessage;

/* The last segment of a document name, when the name is parent + "/" + id;
 * NULL (error set) otherwise. */
char *mc_firestore_document_id (const char *name, const char *parent, GError **error);

/* doc is a REST Document ({name, fields, createTime, updateTime}); parent
 * the collection path its name must start with (".../calls/C/participants"). */
McFirestoreParticipant *mc_firestore_participant_parse (JsonNode *doc, const char *parent, GError **error);
void mc_firestore_participant_free (McFirestoreParticipant *p);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (McFirestoreParticipant, mc_firestore_participant_free)

McFirestoreMessage *mc_firestore_message_parse (JsonNode *doc, const char *parent, GError **error);
void mc_firestore_message_free (McFirestoreMessage *m);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (McFirestoreMessage, mc_firestore_message_free)

/* ---- responses ------------------------------------------------------------------ */

/* runQuery: a JSON array of {document?, readTime?, done?, skippedResults?}.
 * documents gets each Document (a new reference), read_time_us the read's
 * server time (0 if the server sent none). */
gboolean mc_firestore_parse_query (const char *body, gsize len, GPtrArray *documents, gint64 *read_time_us,
                                   GError **error);
/* batchGet: an array of {found | missing, readTime}. Found documents are
 * appended to found, the names of missing ones to missing (may be NULL). */
gboolean mc_firestore_parse_batch_get (const char *body, gsize len, GPtrArray *found, GPtrArray *missing,
                                       gint64 *read_time_us, GError **error);
/* commit: {writeResults: [{updateTime?, transformResults?}], commitTime}.
 * update_times (may be NULL) gets each write's updateTime string (or NULL),
 * first_transform_us the first timestampValue among the first write's
 * transformResults (0 if none), commit_time_us the commit's time. */
gboolean mc_firestore_parse_commit (const char *body, gsize len, GPtrArray *update_times, gint64 *first_transform_us,
                                    gint64 *commit_time_us, GError **error);
/* An error body, {"error": {code, message, status}} (or an array holding
 * one, as streamed answers have it). FALSE when the body is not one;
 * status/message point into a freshly allocated copy the caller frees. */
gboolean mc_firestore_parse_error (const char *body, gsize len, char **status, char **message);

/* Identity Toolkit accounts:signUp {idToken, refreshToken, expiresIn,
 * localId} or secure-token refresh {id_token, refresh_token, expires_in,
 * user_id}: either naming is accepted. */
typedef struct {
  char *id_token;
  char *refresh_token;
  char *uid;
  gint64 expires_in_s;
} McFirestoreSignIn;

McFirestoreSignIn *mc_firestore_parse_sign_in (const char *body, gsize len, GError **error);
void mc_firestore_sign_in_free (McFirestoreSignIn *s);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (McFirestoreSignIn, mc_firestore_sign_in_free)

/* The claims meshcall reads from a Firebase ID token (a JWT; the signature
 * is the server's to check): uid (user_id, else sub) and exp (seconds). */
gboolean mc_firestore_token_claims (const char *token, char **uid, gint64 *exp_s, GError **error);
/* The Firebase project a token was issued for (its aud claim), or NULL if
 * it names none or is no JWT. */
char *mc_firestore_token_project (const char *token);
/* An unsigned token (alg "none") for uid that the emulator accepts, as the
 * SDK's mockUserToken makes: never accepted by production. */
char *mc_firestore_mock_token (const char *project, const char *uid, gint64 now_s);

/* ---- requests ------------------------------------------------------------------- */

/* The writes of a commit, each a JSON object; mc_firestore_commit_body
 * joins them. Document names are full ("projects/P/databases/D/documents/..."). */
JsonNode *mc_firestore_write_participant (const char *doc, const char *name, const char *session,
                                          const char *replace_update_time);
JsonNode *mc_firestore_write_heartbeat (const char *doc, const char *update_time);
JsonNode *mc_firestore_write_delete (const char *doc);
/* signal: plain JSON (checked by the caller); NULL (error) if it does not encode. */
JsonNode *mc_firestore_write_message (const char *doc, const char *from, const char *session, gint64 seq,
                                      JsonNode *signal, GError **error);
char *mc_firestore_commit_body (GPtrArray *writes);
/* runQuery of one collection under the request's parent, no filter and no
 * order (no index needed), at most limit documents. */
char *mc_firestore_query_body (const char *collection_id, guint limit);
char *mc_firestore_batch_get_body (const char *const *docs);

G_END_DECLS

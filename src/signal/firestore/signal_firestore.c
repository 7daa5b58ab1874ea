/* Signaling through Firestore's REST API (see signal_firestore.h and
 * docs/firestore.md): the vtable, join / re-join / leave, the settings and
 * the URL, construction. Who is in the call (the participant list, the
 * heartbeat, the roster) is in firestore_presence.c, the mail (outbox and
 * inbox) in firestore_mail.c, one request with its retries in
 * firestore_ops.c. */
#include "firestore_private.h"
#include "meshcall/base/json.h"
#include "meshcall/base/log.h"
#include "meshcall/proto/call_protocol.h"

#include <string.h>

#define MC_LOG_CATEGORY (&mc_log_signal)

#define LEAVE_TIMEOUT_MS 3000
#define CALL_FULL_DELETE_TIMEOUT_MS 3000
#define BUSY_US (3 * G_USEC_PER_SEC)

static void start_create (FsSignaling *self, const char *replace_update_time);

static const char *
self_id (FsSignaling *self)
{
  return self->base.params.peer_id;
}

/* ---- small helpers --------------------------------------------------------------- */

GSource *
fs_timeout (FsSignaling *self, guint ms, GSourceFunc func)
{
  GSource *source = g_timeout_source_new (ms);

  g_source_set_callback (source, func, self, NULL);
  g_source_attach (source, self->base.context);
  return source;
}

gboolean
fs_joined (FsSignaling *self)
{
  return self->phase == PHASE_JOINED;
}

void
fs_busy (FsSignaling *self)
{
  self->busy_until_us = g_get_monotonic_time () + BUSY_US;
}

guint
fs_poll_interval (FsSignaling *self, guint idle_ms)
{
  return g_get_monotonic_time () < self->busy_until_us ? self->cfg.fast_poll_ms : idle_ms;
}

static char *
new_session (void)
{
  return g_strdup_printf ("%08x%08x", g_random_int (), g_random_int ());
}

/* ---- failure, outage, recovery ------------------------------------------------------ */

static void
stop_all (FsSignaling *self)
{
  fs_mail_stop (self);
  mc_signaling_clear_source (&self->heartbeat_timer);
  mc_signaling_clear_source (&self->participants_timer);
  fs_op_cancel (self->join_op);
  fs_op_cancel (self->heartbeat_op);
  fs_op_cancel (self->participants_op);
  fs_op_cancel (self->cleanup_op);
}

void
fs_fail (FsSignaling *self, GQuark domain, gint code, const char *format, ...)
{
  g_autofree char *message = NULL;
  va_list args;

  if (self->phase == PHASE_FAILED)
    return;
  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  stop_all (self);
  self->phase = PHASE_FAILED;
  g_queue_clear_full (&self->queue, fs_queued_free);
  mc_signaling_emit_error (&self->base, TRUE, domain, code, "%s", message);
  mc_signaling_set_state (&self->base, MC_SIGNALING_STATE_FAILED);
}

void
fs_outage (FsSignaling *self, const char *message)
{
  if (!mc_signaling_in_call (&self->base) || self->phase == PHASE_LEAVING)
    return;
  self->outage = TRUE;
  /* What failed first, then the state: the user reads both. */
  mc_signaling_emit_error (&self->base, FALSE, MC_SIGNALING_ERROR, MC_SIGNALING_ERROR_CONNECT, "%s", message);
  if (self->phase == PHASE_JOINED && mc_signaling_in_call (&self->base))
    mc_signaling_set_state (&self->base, MC_SIGNALING_STATE_RECONNECTING);
}

void
fs_recovered (FsSignaling *self)
{
  if (!self->outage)
    return;
  self->outage = FALSE;
  MC_INFO ("signaling %s: Firestore at %s answers again", self_id (self), self->host);
  if (self->phase == PHASE_JOINED)
    mc_signaling_set_state (&self->base, MC_SIGNALING_STATE_JOINED);
}

/* ---- joining ------------------------------------------------------------------------------ */

static gboolean
on_call_full_timeout (gpointer data)
{
  FsSignaling *self = data;

  mc_signaling_clear_source (&self->leave_timer);
  fs_fail (self, MC_PROTOCOL_ERROR, MC_PROTOCOL_ERROR_CALL_FULL,
           "call %s is full: %d participants were there before us (a call holds at most %d)",
           self->base.params.call_id, MC_FIRESTORE_MAX_PARTICIPANTS, MC_FIRESTORE_MAX_PARTICIPANTS);
  return G_SOURCE_REMOVE;
}

static gboolean
on_call_full_deleted (FsSignaling *self, FsOp *op, const McHttpResponse *r, GError **retry)
{
  on_call_full_timeout (self);
  return TRUE;
}

static void
joined (FsSignaling *self, GPtrArray *docs, gint64 read_time_us)
{
  gboolean rejoin = self->joined_once;

  self->phase = PHASE_JOINED;
  self->joined_once = TRUE;
  mc_firestore_inbox_reset (self->inbox_rules, self->joined_at_us);
  MC_INFO ("signaling %s: %s call %s through Firestore project %s (session %s)", self_id (self),
           rejoin ? "re-joined" : "joined", self->base.params.call_id, self->project, self->session);
  mc_signaling_set_state (&self->base, MC_SIGNALING_STATE_JOINED);
  if (!mc_signaling_in_call (&self->base) || !fs_presence_apply (self, docs, read_time_us))
    return;
  fs_busy (self);
  fs_presence_schedule_heartbeat (self);
  fs_presence_schedule_list (self);
  fs_mail_start (self);
}

static gboolean
on_listed (FsSignaling *self, FsOp *op, const McHttpResponse *r, GError **retry)
{
  g_autoptr (GPtrArray) docs = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);
  g_autoptr (GPtrArray) writes = NULL;
  gint64 read_time = 0;
  guint before = 0;

  if (r->status != 200) {
    g_autofree char *why = fs_describe_status (r);
    fs_fail (self, MC_SIGNALING_ERROR, MC_SIGNALING_ERROR_OTHER, "reading the participants of call %s: %s",
             self->base.params.call_id, why);
    return TRUE;
  }
  if (!mc_firestore_parse_query (r->body, r->body_len, docs, &read_time, retry) || read_time == 0) {
    if (*retry == NULL)
      g_set_error (retry, MC_FIRESTORE_ERROR, MC_FIRESTORE_ERROR_MALFORMED, "runQuery gave no readTime");
    return FALSE;
  }
  for (guint i = 0; i < docs->len; i++) {
    g_autoptr (McFirestoreParticipant) p = mc_firestore_participant_parse (docs->pdata[i], self->participants, NULL);
    McFirestoreParticipant me = { .peer_id = (char *) self_id (self), .joined_at_us = self->joined_at_us };
    const McFirestoreParticipant *pp = p, *mp = &me;

    if (p != NULL && strcmp (p->peer_id, self_id (self)) != 0 && p->heartbeat_at_us > read_time - MC_FIRESTORE_LIVE_US &&
        fs_by_join_order (&pp, &mp) < 0)
      before++;
  }
  if (before >= MC_FIRESTORE_MAX_PARTICIPANTS) {
    /* Out again before failing, so that we do not count for the others. */
    MC_INFO ("signaling %s: call %s is full (%u live before us)", self_id (self), self->base.params.call_id, before);
    writes = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);
    g_ptr_array_add (writes, mc_firestore_write_delete (self->self_doc));
    self->leave_timer = fs_timeout (self, CALL_FULL_DELETE_TIMEOUT_MS, on_call_full_timeout);
    fs_op_commit (self, &self->join_op, "leaving the full call", writes, FALSE, on_call_full_deleted);
    return TRUE;
  }
  joined (self, docs, read_time);
  return TRUE;
}

static void
list_after_create (FsSignaling *self)
{
  g_autofree char *url = g_strdup_printf ("%s/calls/%s:runQuery", self->docs, self->base.params.call_id);

  self->phase = PHASE_LISTING;
  fs_op_start (self, &self->join_op, "reading the participant list", "POST", url,
               mc_firestore_query_body ("participants", FS_LIST_LIMIT), TRUE, on_listed);
}

static gboolean
on_checked (FsSignaling *self, FsOp *op, const McHttpResponse *r, GError **retry)
{
  g_autoptr (GPtrArray) found = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);
  g_autoptr (McFirestoreParticipant) p = NULL;
  g_autoptr (GError) error = NULL;
  gint64 read_time = 0;

  if (r->status != 200) {
    g_autofree char *why = fs_describe_status (r);
    fs_fail (self, MC_SIGNALING_ERROR, MC_SIGNALING_ERROR_OTHER, "reading our participant document: %s", why);
    return TRUE;
  }
  if (!mc_firestore_parse_batch_get (r->body, r->body_len, found, NULL, &read_time, retry))
    return FALSE;
  if (found->len == 0) {
    start_create (self, NULL);   /* deleted meanwhile */
    return TRUE;
  }
  p = mc_firestore_participant_parse (found->pdata[0], self->participants, &error);
  if (p != NULL && p->heartbeat_at_us > read_time - MC_FIRESTORE_LIVE_US) {
    fs_fail (self, MC_PROTOCOL_ERROR, MC_PROTOCOL_ERROR_DUPLICATE_PEER,
             "peer id %s is already in call %s: a live participant with that uid (its heartbeat is %.1f s old). "
             "Another meshcall uses the same credentials: give each participant its own (--id-token-file of "
             "another user, or anonymous sign-in)",
             self_id (self), self->base.params.call_id, (read_time - p->heartbeat_at_us) / 1e6);
    return TRUE;
  }
  /* A stale document of ours (a previous run): replace exactly that version. */
  MC_INFO ("signaling %s: replacing our stale participant document", self_id (self));
  start_create (self, mc_json_get_string (json_node_get_object (found->pdata[0]), "updateTime"));
  return TRUE;
}

static gboolean
on_created (FsSignaling *self, FsOp *op, const McHttpResponse *r, GError **retry)
{
  g_autoptr (GPtrArray) times = g_ptr_array_new_with_free_func (g_free);
  gint64 transform = 0, commit = 0;

  if (r->status == 409 || r->status == 400 || r->status == 404) {
    g_autofree char *url = g_strconcat (self->docs, ":batchGet", NULL);
    const char *docs[] = { self->self_doc, NULL };

    if (r->status == 400 && !fs_answer_is (r, "FAILED_PRECONDITION")) {
      g_autofree char *why = fs_describe_status (r);
      fs_fail (self, MC_SIGNALING_ERROR, MC_SIGNALING_ERROR_OTHER, "creating our participant document: %s", why);
      return TRUE;
    }
    self->phase = PHASE_CHECKING;
    fs_op_start (self, &self->join_op, "reading our participant document", "POST", url,
                 mc_firestore_batch_get_body (docs), TRUE, on_checked);
    return TRUE;
  }
  if (r->status != 200) {
    g_autofree char *why = fs_describe_status (r);
    fs_fail (self, MC_SIGNALING_ERROR, MC_SIGNALING_ERROR_OTHER, "creating our participant document: %s", why);
    return TRUE;
  }
  if (!mc_firestore_parse_commit (r->body, r->body_len, times, &transform, &commit, retry))
    return FALSE;
  if (transform == 0 || times->len == 0 || times->pdata[0] == NULL) {
    g_set_error (retry, MC_FIRESTORE_ERROR, MC_FIRESTORE_ERROR_MALFORMED, "the commit gave no joinedAt");
    return FALSE;
  }
  self->joined_at_us = transform;
  g_free (self->update_time);
  self->update_time = g_strdup (times->pdata[0]);
  list_after_create (self);
  return TRUE;
}

static void
start_create (FsSignaling *self, const char *replace_update_time)
{
  g_autoptr (GPtrArray) writes = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);

  self->phase = PHASE_CREATING;
  g_ptr_array_add (writes, mc_firestore_write_participant (self->self_doc, self->base.params.name, self->session,
                                                           replace_update_time));
  fs_op_commit (self, &self->join_op, "joining (our participant document)", writes, TRUE, on_created);
}

void
fs_rejoin (FsSignaling *self, const char *why)
{
  g_autoptr (GArray) changes = mc_roster_changes_new ();
  g_autoptr (GList) ids = g_hash_table_get_keys (self->peers);

  mc_log_user ("%s: joining call %s again as a new session", why, self->base.params.call_id);
  stop_all (self);
  /* Everyone will see a newcomer and wait for our offers. */
  for (GList *l = ids; l; l = l->next)
    mc_roster_peer_left (self->roster, l->data, changes);
  fs_presence_report (self, changes);
  g_hash_table_remove_all (self->peers);
  fs_mail_reset (self);
  g_free (self->session);
  self->session = new_session ();
  mc_signaling_set_state (&self->base, MC_SIGNALING_STATE_RECONNECTING);
  start_create (self, NULL);
}

static void
on_auth (FsAuth *auth, const GError *error, gboolean final, gpointer data)
{
  FsSignaling *self = data;
  const char *uid;

  if (error != NULL) {
    if (final)
      fs_fail (self, MC_PROTOCOL_ERROR, MC_PROTOCOL_ERROR_BAD_TOKEN, "%s", error->message);
    else
      fs_outage (self, error->message);
    return;
  }
  if (self->phase != PHASE_SIGNING_IN)
    return;   /* a refreshed token: the next request takes it */
  uid = fs_auth_get_uid (auth);
  if (self->peer_id_given && strcmp (uid, self_id (self)) != 0) {
    fs_fail (self, MC_PROTOCOL_ERROR, MC_PROTOCOL_ERROR_MALFORMED,
             "peer id %s: through Firestore the peer id is the signed-in uid, %s here; give no peer id",
             self_id (self), uid);
    return;
  }
  if (!mc_protocol_validate_id ("the signed-in uid", uid, NULL)) {
    fs_fail (self, MC_PROTOCOL_ERROR, MC_PROTOCOL_ERROR_MALFORMED,
             "the signed-in uid '%.80s' cannot be a peer id (1..64 of A-Z a-z 0-9 _ . -)", uid);
    return;
  }
  mc_signaling_set_peer_id (&self->base, uid);
  self->self_doc = g_strconcat (self->participants, "/", uid, NULL);
  self->inbox = g_strconcat (self->self_doc, "/inbox", NULL);
  start_create (self, NULL);
}

/* ---- leaving ------------------------------------------------------------------------------ */

static void
finish_leave (FsSignaling *self)
{
  McSignalingDoneFunc done = self->leave_done;
  gpointer data = self->leave_data;

  mc_signaling_clear_source (&self->leave_timer);
  stop_all (self);
  g_queue_clear_full (&self->queue, fs_queued_free);
  mc_roster_clear (self->roster);
  g_hash_table_remove_all (self->peers);
  self->phase = PHASE_IDLE;
  self->joined_once = FALSE;
  self->outage = FALSE;
  self->leave_done = NULL;
  self->leave_data = NULL;
  mc_signaling_set_state (&self->base, MC_SIGNALING_STATE_IDLE);
  if (done != NULL)
    done (&self->base, data);
}

static gboolean
on_leave_timeout (gpointer data)
{
  FsSignaling *self = data;

  g_clear_pointer (&self->leave_timer, g_source_unref);
  if (self->join_op != NULL || self->delete_op != NULL)
    MC_INFO ("signaling %s: Firestore did not confirm the leave within %d ms; leaving anyway", self_id (self),
             LEAVE_TIMEOUT_MS);
  finish_leave (self);
  return G_SOURCE_REMOVE;
}

static void
on_inbox_cleared (FsSignaling *self)
{
  finish_leave (self);
}

static gboolean
on_left (FsSignaling *self, FsOp *op, const McHttpResponse *r, GError **retry)
{
  if (r->status != 200) {
    g_autofree char *why = fs_describe_status (r);
    MC_INFO ("signaling %s: deleting our participant document: %s", self_id (self), why);
  }
  /* Others stop sending once the document is gone: now the inbox. */
  fs_mail_clear_inbox (self, on_inbox_cleared);
  return TRUE;
}

static void
fs_leave (McSignaling *sig, McSignalingDoneFunc done, gpointer user_data)
{
  FsSignaling *self = (FsSignaling *) sig;
  gboolean had_document = self->phase == PHASE_JOINED || self->phase == PHASE_LISTING;
  g_autoptr (GPtrArray) writes = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);

  self->leave_done = done;
  self->leave_data = user_data;
  stop_all (self);
  g_queue_clear_full (&self->queue, fs_queued_free);
  self->phase = PHASE_LEAVING;
  self->leave_timer = fs_timeout (self, had_document ? LEAVE_TIMEOUT_MS : 0, on_leave_timeout);
  if (!had_document)
    return;
  g_ptr_array_add (writes, mc_firestore_write_delete (self->self_doc));
  fs_op_commit (self, &self->join_op, "leaving (deleting our participant document)", writes, FALSE, on_left);
}

/* ---- the vtable ----------------------------------------------------------------------------- */

static gboolean
fs_join (McSignaling *sig, GError **error)
{
  FsSignaling *self = (FsSignaling *) sig;

  self->joined_once = FALSE;
  g_free (self->session);
  self->session = new_session ();
  mc_signaling_set_state (sig, MC_SIGNALING_STATE_CONNECTING);
  if (self->self_doc != NULL) {
    start_create (self, NULL);   /* joined before: signed in already */
    return TRUE;
  }
  self->phase = PHASE_SIGNING_IN;
  fs_auth_start (self->auth);
  return TRUE;
}

static gboolean
fs_send_signal (McSignaling *sig, const char *to_peer_id, JsonNode *signal, GError **error)
{
  FsSignaling *self = (FsSignaling *) sig;

  return fs_mail_send (self, to_peer_id, signal, error);
}

/* This machine's addresses changed, or media from a peer stopped: the
 * kept-alive connections may be dead, and a request on one would wait for
 * its timeout. New connections from now on, and the inbox and the list read
 * at once (reads in flight are made again), polled fast for a while. */
static void
fs_check_connection (McSignaling *sig)
{
  FsSignaling *self = (FsSignaling *) sig;

  if (!self->base.started || !mc_signaling_in_call (sig) || self->phase == PHASE_LEAVING)
    return;
  mc_http_renew_connections (self->http);
  /* Requests waiting out a back-off go now, on new connections: the new
   * address may get through (joining included). */
  if (fs_op_retry_now (self->join_op) | fs_op_retry_now (self->heartbeat_op) | fs_op_retry_now (self->send_op))
    MC_INFO ("signaling %s: checking the connection: retrying now", self_id (self));
  if (!fs_joined (self))
    return;
  MC_INFO ("signaling %s: checking the connection: new connections, inbox and list read now", self_id (self));
  fs_busy (self);
  fs_mail_poll_now (self);
  fs_presence_poll_list_now (self);
}

static void
fs_finalize (McSignaling *sig)
{
  FsSignaling *self = (FsSignaling *) sig;

  stop_all (self);
  mc_signaling_clear_source (&self->leave_timer);
  g_queue_clear_full (&self->queue, fs_queued_free);
  g_clear_pointer (&self->in_flight, g_ptr_array_unref);
  g_clear_pointer (&self->fetch_ops, g_hash_table_unref);
  g_clear_pointer (&self->awaiting, g_hash_table_unref);
  g_clear_pointer (&self->gone_paths, g_ptr_array_unref);
  g_clear_pointer (&self->seqs, g_hash_table_unref);
  g_clear_pointer (&self->inbox_rules, mc_firestore_inbox_free);
  g_clear_pointer (&self->peers, g_hash_table_unref);
  g_clear_pointer (&self->roster, mc_roster_free);
  g_clear_pointer (&self->auth, fs_auth_free);
  g_clear_pointer (&self->http, mc_http_free);
  mc_firestore_config_clear (&self->cfg);
  g_free (self->project);
  g_free (self->database);
  g_free (self->rest_base);
  g_free (self->host);
  g_free (self->docs);
  g_free (self->participants);
  g_free (self->self_doc);
  g_free (self->inbox);
  g_free (self->session);
  g_free (self->update_time);
}

static const McSignalingClass fs_class = {
  .name = "firestore",
  .join = fs_join,
  .send_signal = fs_send_signal,
  .leave = fs_leave,
  .check_connection = fs_check_connection,
  .finalize = fs_finalize,
};

/* ---- configuration, URL, construction --------------------------------------------------------- */

void
mc_firestore_config_init (McFirestoreConfig *cfg)
{
  memset (cfg, 0, sizeof *cfg);
  cfg->inbox_poll_ms = MC_FIRESTORE_DEFAULT_INBOX_POLL_MS;
  cfg->participants_poll_ms = MC_FIRESTORE_DEFAULT_PARTICIPANTS_POLL_MS;
  cfg->fast_poll_ms = MC_FIRESTORE_DEFAULT_FAST_POLL_MS;
}

void
mc_firestore_config_clear (McFirestoreConfig *cfg)
{
  g_clear_pointer (&cfg->api_key, g_free);
  g_clear_pointer (&cfg->id_token_file, g_free);
}

static void
config_copy (McFirestoreConfig *dst, const McFirestoreConfig *src)
{
  *dst = *src;
  dst->api_key = src->api_key && src->api_key[0] ? g_strdup (src->api_key) : NULL;
  dst->id_token_file = src->id_token_file && src->id_token_file[0] ? g_strdup (src->id_token_file) : NULL;
  if (dst->inbox_poll_ms == 0)
    dst->inbox_poll_ms = MC_FIRESTORE_DEFAULT_INBOX_POLL_MS;
  if (dst->participants_poll_ms == 0)
    dst->participants_poll_ms = MC_FIRESTORE_DEFAULT_PARTICIPANTS_POLL_MS;
  if (dst->fast_poll_ms == 0)
    dst->fast_poll_ms = MC_FIRESTORE_DEFAULT_FAST_POLL_MS;
}

static McFirestoreConfig process_config;
static gboolean process_config_set;

void
mc_signal_firestore_set_config (const McFirestoreConfig *cfg)
{
  if (process_config_set)
    mc_firestore_config_clear (&process_config);
  process_config_set = cfg != NULL;
  if (cfg != NULL)
    config_copy (&process_config, cfg);
}

static gboolean
valid_name (const char *s, gsize min, gsize max)
{
  gsize n = strlen (s);

  if (n < min || n > max || !g_ascii_islower (s[0]) || s[n - 1] == '-')
    return FALSE;
  for (gsize i = 0; i < n; i++)
    if (!g_ascii_islower (s[i]) && !g_ascii_isdigit (s[i]) && s[i] != '-')
      return FALSE;
  return TRUE;
}

gboolean
mc_signal_firestore_parse_url (const char *url, char **project, char **database, GError **error)
{
  const char *rest = url && g_ascii_strncasecmp (url, "firestore://", 12) == 0 ? url + 12 : NULL;
  g_autofree char *p = NULL;
  g_autofree char *d = NULL;
  const char *slash;

  if (rest == NULL)
    goto bad;
  slash = strchr (rest, '/');
  p = slash ? g_strndup (rest, (gsize) (slash - rest)) : g_strdup (rest);
  d = g_strdup (slash && slash[1] ? slash + 1 : "(default)");
  if (!valid_name (p, 4, 30))
    goto bad;
  if (strcmp (d, "(default)") != 0 && !valid_name (d, 1, 63))
    goto bad;
  *project = g_steal_pointer (&p);
  *database = g_steal_pointer (&d);
  return TRUE;

bad:
  g_set_error (error, MC_SIGNALING_ERROR, MC_SIGNALING_ERROR_BAD_URL,
               "signaling URL '%s' does not name a Firestore project: use firestore://PROJECT_ID or "
               "firestore://PROJECT_ID/DATABASE (lowercase letters, digits and hyphens, as the Firebase console "
               "shows the project id)", url ? url : "");
  return FALSE;
}

static char *emulator_host (const char *variable, GError **error);

/* The credentials the configuration names, or refused before anything starts. */
static gboolean
check_credentials (const McFirestoreConfig *cfg, const char *project, GError **error)
{
  g_autoptr (GError) local = NULL;
  g_autofree char *host = emulator_host ("FIRESTORE_EMULATOR_HOST", &local);
  g_autofree char *auth_host = local ? NULL : emulator_host ("FIREBASE_AUTH_EMULATOR_HOST", &local);

  if (local != NULL) {
    g_propagate_error (error, g_steal_pointer (&local));
    return FALSE;
  }
  if (cfg->id_token_file != NULL || cfg->api_key != NULL || (host != NULL && auth_host == NULL))
    return TRUE;
  if (host != NULL)
    g_set_error (error, MC_SIGNALING_ERROR, MC_SIGNALING_ERROR_OTHER,
                 "FIREBASE_AUTH_EMULATOR_HOST is set, so Firestore project %s signs in anonymously there: set "
                 "[firestore] api-key (any value for the emulator)", project);
  else
    g_set_error (error, MC_SIGNALING_ERROR, MC_SIGNALING_ERROR_OTHER,
                 "Firestore project %s needs credentials: set [firestore] api-key in the config to the project's "
                 "Web API key (anonymous sign-in; Firebase console, Project settings), or give --id-token-file FILE "
                 "(with the emulator, FIRESTORE_EMULATOR_HOST=HOST:PORT is enough)", project);
  return FALSE;
}

static gboolean
check_url (const char *url, GError **error)
{
  g_autofree char *project = NULL, *database = NULL;
  McFirestoreConfig defaults;

  mc_firestore_config_init (&defaults);
  return mc_signal_firestore_parse_url (url, &project, &database, error) &&
         check_credentials (process_config_set ? &process_config : &defaults, project, error);
}

/* "host:port" from an environment variable, as the SDKs take it. */
static char *
emulator_host (const char *variable, GError **error)
{
  const char *value = g_getenv (variable);
  g_autofree char *uri_text = NULL;
  g_autoptr (GUri) uri = NULL;

  if (value == NULL || value[0] == '\0')
    return NULL;
  uri_text = g_strconcat ("http://", value, NULL);
  uri = strstr (value, "://") ? NULL : g_uri_parse (uri_text, G_URI_FLAGS_NONE, NULL);
  if (uri == NULL || g_uri_get_host (uri) == NULL || g_uri_get_port (uri) <= 0 ||
      (g_uri_get_path (uri)[0] != '\0' && strcmp (g_uri_get_path (uri), "/") != 0)) {
    g_set_error (error, MC_SIGNALING_ERROR, MC_SIGNALING_ERROR_BAD_URL,
                 "%s='%s': expected HOST:PORT of the emulator, such as 127.0.0.1:8080", variable, value);
    return NULL;
  }
  return g_strdup (value);
}

static gboolean
set_up_auth (FsSignaling *self, const McSignalingParams *params, const char *auth_host, GError **error)
{
  g_autofree char *auth_base = auth_host ? g_strdup_printf ("http://%s/identitytoolkit.googleapis.com/", auth_host)
                                         : g_strdup ("https://identitytoolkit.googleapis.com/");
  g_autofree char *token_base = auth_host ? g_strdup_printf ("http://%s/securetoken.googleapis.com/", auth_host)
                                          : g_strdup ("https://securetoken.googleapis.com/");
  FsAuthConfig a = {
    .project = self->project,
    .api_key = self->cfg.api_key,
    .token_file = self->cfg.id_token_file,
    .uid = self->base.params.peer_id,
    .auth_base = auth_base,
    .token_base = token_base,
  };

  if (!check_credentials (&self->cfg, self->project, error))
    return FALSE;
  if (self->cfg.id_token_file != NULL)
    a.mode = FS_AUTH_TOKEN_FILE;
  else if (self->cfg.api_key != NULL)
    a.mode = FS_AUTH_ANONYMOUS;
  else
    a.mode = FS_AUTH_MOCK;
  self->auth = fs_auth_new (self->http, self->base.context, &a, on_auth, self);
  return TRUE;
}

McSignaling *
mc_signal_firestore_new (const char *url, const McSignalingParams *params, const McFirestoreConfig *cfg,
                         GError **error)
{
  g_autofree char *project = NULL, *database = NULL, *host = NULL, *auth_host = NULL;
  g_autoptr (GError) local = NULL;
  McFirestoreConfig defaults;
  FsSignaling *self;

  if (!mc_signal_firestore_parse_url (url, &project, &database, error))
    return NULL;
  host = emulator_host ("FIRESTORE_EMULATOR_HOST", &local);
  if (local == NULL)
    auth_host = emulator_host ("FIREBASE_AUTH_EMULATOR_HOST", &local);
  if (local != NULL) {
    g_propagate_error (error, g_steal_pointer (&local));
    return NULL;
  }
  mc_firestore_config_init (&defaults);
  self = g_new0 (FsSignaling, 1);
  mc_signaling_init_base (&self->base, &fs_class, url, params);
  config_copy (&self->cfg, cfg ? cfg : &defaults);
  self->peer_id_given = params->peer_id != NULL;
  self->project = g_steal_pointer (&project);
  self->database = g_steal_pointer (&database);
  self->emulator = host != NULL;
  self->host = host ? g_strdup (host) : g_strdup ("firestore.googleapis.com");
  self->rest_base = g_strdup_printf ("%s://%s/v1/", host ? "http" : "https", self->host);
  self->docs = g_strdup_printf ("projects/%s/databases/%s/documents", self->project, self->database);
  self->participants = g_strdup_printf ("%s/calls/%s/participants", self->docs, params->call_id);
  self->http = mc_http_new (self->base.context);
  self->peers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                       (GDestroyNotify) mc_firestore_participant_free);
  self->roster = mc_roster_new (0);
  self->inbox_rules = mc_firestore_inbox_new ();
  self->seqs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->fetch_ops = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->awaiting = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->gone_paths = g_ptr_array_new_with_free_func (g_free);
  self->in_flight = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);
  g_queue_init (&self->queue);
  if (!set_up_auth (self, params, auth_host, error)) {
    mc_signaling_free (&self->base);
    return NULL;
  }
  MC_INFO ("signaling: Firestore project %s, database %s, at %s%s", self->project, self->database, self->rest_base,
           self->emulator ? " (emulator)" : "");
  return &self->base;
}

static McSignaling *
create (const char *url, const McSignalingParams *params, GError **error)
{
  return mc_signal_firestore_new (url, params, process_config_set ? &process_config : NULL, error);
}

guint64
mc_signal_firestore_get_request_count (McSignaling *sig)
{
  return mc_http_get_request_count (((FsSignaling *) sig)->http);
}

const McSignalingBackend mc_signal_firestore_backend = {
  .name = "firestore",
  .schemes = "firestore",
  .usage = "firestore://PROJECT_ID[/DATABASE] (Firestore)",
  .check_url = check_url,
  .create = create,
};

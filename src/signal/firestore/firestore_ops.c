/* One Firestore REST request with its retries (see firestore_private.h).
 *
 * 429, 5xx, no answer at all and a garbage answer are retried with
 * back-off (250 ms doubling to 8 s, +-50 % jitter), unlimited: the call
 * goes on meanwhile and the user is told once (fs_outage). A 401 gets a
 * fresh token and one more try per new token; a 401 nothing can fix, or a
 * 403 on a request the call needs, is final, with a message that names the
 * credential. */
#include "firestore_private.h"
#include "meshcall/base/backoff.h"
#include "meshcall/base/log.h"
#include "meshcall/proto/call_protocol.h"

#include <string.h>

#define MC_LOG_CATEGORY (&mc_log_signal)

#define REQUEST_TIMEOUT_MS 15000
#define MAX_UNAUTHORIZED 3

static const McBackoff retry_backoff = { 250, 8000, 0.5 };

static void op_send (FsOp *op);

static void
op_free (FsOp *op)
{
  if (op->slot != NULL && *op->slot == op)
    *op->slot = NULL;
  mc_http_cancel (op->request);
  mc_signaling_clear_source (&op->timer);
  if (op->data_free != NULL)
    op->data_free (op->data);
  g_free (op->what);
  g_free (op->method);
  g_free (op->url);
  g_free (op->body);
  g_free (op);
}

void
fs_op_cancel (FsOp *op)
{
  if (op != NULL)
    op_free (op);
}

char *
fs_describe_status (const McHttpResponse *r)
{
  g_autofree char *status = NULL, *message = NULL;

  if (r->status == 0)
    return g_strdup (r->error ? r->error : "no answer");
  if (mc_firestore_parse_error (r->body, r->body_len, &status, &message)) {
    /* Server messages can be long (the emulator's hold whole paths). */
    g_autofree char *one_line = g_strndup (message ? message : "", 200);
    g_strdelimit (one_line, "\r\n", ' ');
    return g_strdup_printf ("HTTP %ld %s: %s", r->status, status ? status : "", one_line);
  }
  return g_strdup_printf ("HTTP %ld", r->status);
}

gboolean
fs_answer_is (const McHttpResponse *r, const char *status)
{
  g_autofree char *s = NULL, *message = NULL;

  return mc_firestore_parse_error (r->body, r->body_len, &s, &message) && g_strcmp0 (s, status) == 0;
}

static gboolean
on_retry_timer (gpointer data)
{
  FsOp *op = data;

  g_clear_pointer (&op->timer, g_source_unref);
  op_send (op);
  return G_SOURCE_REMOVE;
}

static void
arm (FsOp *op, guint ms)
{
  mc_signaling_clear_source (&op->timer);
  op->timer = g_timeout_source_new (ms);
  g_source_set_callback (op->timer, on_retry_timer, op, NULL);
  g_source_attach (op->timer, op->self->base.context);
}

static void
retry (FsOp *op, const char *why, gboolean no_answer)
{
  FsSignaling *self = op->self;
  guint delay = mc_backoff_delay_ms (&retry_backoff, op->attempts, g_random_double ());
  /* Never reached yet: say what to check. */
  const char *hint = !no_answer || self->joined_once ? ""
                     : self->emulator ? ". Is the Firestore emulator running there (FIRESTORE_EMULATOR_HOST)?"
                                      : ". Check this machine's network access to firestore.googleapis.com (HTTPS)";
  g_autofree char *message = g_strdup_printf ("Firestore at %s: %s failed (%s); retrying in %.1f s (retry %u)%s",
                                              self->host, op->what, why, delay / 1000.0, op->attempts + 1, hint);

  op->attempts++;
  arm (op, delay);
  fs_outage (self, message);
}

static void
refused (FsOp *op, const McHttpResponse *r)
{
  FsSignaling *self = op->self;
  g_autofree char *status = fs_describe_status (r);
  const char *cred = fs_auth_describe (self->auth);

  if (r->status == 401)
    fs_fail (self, MC_PROTOCOL_ERROR, MC_PROTOCOL_ERROR_BAD_TOKEN,
             "Firestore refused %s (%s) for %s: the token is not valid for project %s; %s", cred, status, op->what,
             self->project,
             self->cfg.id_token_file ? "write a fresh ID token of this project into the file"
                                     : "check [firestore] api-key and that Authentication is enabled");
  else
    fs_fail (self, MC_PROTOCOL_ERROR, MC_PROTOCOL_ERROR_BAD_TOKEN,
             "Firestore's security rules refused %s as uid %s (%s): deploy conf/firestore.rules to project %s "
             "(firebase deploy --only firestore:rules), and check that %s belongs to that project",
             op->what, fs_auth_get_uid (self->auth), status, self->project, cred);
}

static void
on_done (McHttpRequest *request, const McHttpResponse *r, gpointer data)
{
  FsOp *op = data;
  FsSignaling *self = op->self;
  g_autoptr (GError) garbage = NULL;
  g_autofree char *why = NULL;
  FsOp **slot;

  op->request = NULL;
  if ((r->status == 0 || r->status == 429 || r->status >= 500) && !op->no_retry) {
    why = fs_describe_status (r);
    retry (op, why, r->status == 0);
    return;
  }
  if (r->status == 401 && op->unauthorized++ < MAX_UNAUTHORIZED && fs_auth_refresh (self->auth)) {
    MC_INFO ("firestore: %s: 401, trying a fresh token", op->what);
    arm (op, 200 * op->unauthorized);
    return;
  }
  if (r->status == 401 || (r->status == 403 && op->critical)) {
    refused (op, r);
    return;
  }
  /* Out of its slot while its handler runs, which may start the next op there. */
  slot = op->slot;
  if (slot != NULL && *slot == op)
    *slot = NULL;
  op->slot = NULL;
  if (!op->done (self, op, r, &garbage) && garbage != NULL && (slot == NULL || *slot == NULL) &&
      self->phase != PHASE_FAILED) {
    why = g_strdup_printf ("the answer was not what Firestore sends: %s", garbage->message);
    op->slot = slot;
    if (slot != NULL)
      *slot = op;
    retry (op, why, FALSE);
    return;
  }
  if (op->attempts > 0 || op->unauthorized > 0)
    fs_recovered (self);
  op_free (op);
}

static void
op_send (FsOp *op)
{
  FsSignaling *self = op->self;
  g_autofree char *url = g_strconcat (self->rest_base, op->url, NULL);
  g_autofree char *auth = NULL;
  const char *token = fs_auth_get_token (self->auth);
  const char *headers[3] = { "Content-Type: application/json", NULL, NULL };

  if (token != NULL) {
    auth = g_strdup_printf ("Authorization: Bearer %s", token);
    headers[1] = auth;
  }
  op->request = mc_http_request (self->http, op->method, url, headers, op->body, op->body ? strlen (op->body) : 0,
                                 REQUEST_TIMEOUT_MS, on_done, op);
}

gboolean
fs_op_retry_now (FsOp *op)
{
  if (op == NULL || op->timer == NULL || op->request != NULL)
    return FALSE;
  mc_signaling_clear_source (&op->timer);
  op_send (op);
  return TRUE;
}

FsOp *
fs_op_start (FsSignaling *self, FsOp **slot, const char *what, const char *method, const char *url, char *body,
             gboolean critical, FsOpDone done)
{
  FsOp *op = g_new0 (FsOp, 1);

  op->self = self;
  op->slot = slot;
  op->what = g_strdup (what);
  op->method = g_strdup (method);
  op->url = g_strdup (url);
  op->body = body;
  op->critical = critical;
  op->done = done;
  if (slot != NULL) {
    fs_op_cancel (*slot);
    *slot = op;
  }
  op_send (op);
  return op;
}

FsOp *
fs_op_commit (FsSignaling *self, FsOp **slot, const char *what, GPtrArray *writes, gboolean critical, FsOpDone done)
{
  g_autofree char *url = g_strconcat (self->docs, ":commit", NULL);

  return fs_op_start (self, slot, what, "POST", url, mc_firestore_commit_body (writes), critical, done);
}

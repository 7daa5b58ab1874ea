/* The Firestore back end's credentials (see firestore_auth.h). */
#include "firestore_auth.h"
#include "meshcall/base/backoff.h"
#include "meshcall/base/log.h"
#include "meshcall/signal/signaling.h"
#include "meshcall/signal/firestore/firestore_doc.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>

#define MC_LOG_CATEGORY (&mc_log_signal)

#define AUTH_TIMEOUT_MS 15000
/* Refresh this long before expiry (the SDKs use 5 minutes too). */
#define REFRESH_MARGIN_S 300

static const McBackoff auth_backoff = { 500, 15000, 0.5 };

struct _FsAuth {
  McHttp *http;
  GMainContext *context;
  FsAuthMode mode;
  char *project, *api_key, *token_file, *auth_base, *token_base;
  char *describe;
  FsAuthEvent event;
  gpointer user_data;

  char *token;
  char *uid;
  char *refresh_token;
  gint64 expires_at_s;
  McHttpRequest *request;
  GSource *timer;
  guint attempts;
  /* the token file as last read */
  gint64 file_mtime;
  goffset file_size;
  gint64 file_checked_us;
};

static void
arm (FsAuth *auth, guint ms, GSourceFunc func)
{
  mc_signaling_clear_source (&auth->timer);
  auth->timer = g_timeout_source_new (ms);
  g_source_set_callback (auth->timer, func, auth, NULL);
  g_source_attach (auth->timer, auth->context);
}

static void
emit (FsAuth *auth, gboolean final, gint code, const char *format, ...) G_GNUC_PRINTF (4, 5);

static void
emit (FsAuth *auth, gboolean final, gint code, const char *format, ...)
{
  g_autoptr (GError) error = NULL;
  va_list args;

  va_start (args, format);
  error = g_error_new_valist (MC_FIRESTORE_ERROR, code, format, args);
  va_end (args);
  auth->event (auth, error, final, auth->user_data);
}

/* ---- the token file ---------------------------------------------------------------- */

static gboolean
read_token_file (FsAuth *auth, GError **error)
{
  g_autofree char *text = NULL;
  g_autofree char *uid = NULL, *project = NULL;
  g_autoptr (GError) local = NULL;
  GStatBuf st;
  gint64 exp = 0;

  if (g_stat (auth->token_file, &st) != 0 || !g_file_get_contents (auth->token_file, &text, NULL, &local)) {
    g_set_error (error, MC_FIRESTORE_ERROR, MC_FIRESTORE_ERROR_CONFIG, "the ID-token file %s cannot be read: %s",
                 auth->token_file, local ? local->message : g_strerror (errno));
    return FALSE;
  }
  auth->file_mtime = (gint64) st.st_mtime;
  auth->file_size = st.st_size;
  g_strstrip (text);
  if (!mc_firestore_token_claims (text, &uid, &exp, &local)) {
    g_set_error (error, MC_FIRESTORE_ERROR, MC_FIRESTORE_ERROR_CONFIG, "the ID-token file %s: %s", auth->token_file,
                 local->message);
    return FALSE;
  }
  /* Production refuses a token of another project (401); the emulator takes
   * any: say so here, for both. */
  project = mc_firestore_token_project (text);
  if (project != NULL && strcmp (project, auth->project) != 0) {
    g_set_error (error, MC_FIRESTORE_ERROR, MC_FIRESTORE_ERROR_AUTH,
                 "the ID token in %s is for Firebase project %s, not %s: write a token of project %s there, or "
                 "join with --signal firestore://%s", auth->token_file, project, auth->project, auth->project,
                 project);
    return FALSE;
  }
  if (exp <= g_get_real_time () / G_USEC_PER_SEC) {
    g_autoptr (GDateTime) t = g_date_time_new_from_unix_utc (exp);
    g_autofree char *when = t ? g_date_time_format_iso8601 (t) : g_strdup ("?");
    g_set_error (error, MC_FIRESTORE_ERROR, MC_FIRESTORE_ERROR_AUTH,
                 "the ID token in %s expired at %s: write a fresh one there (meshcall re-reads the file when it "
                 "changes)", auth->token_file, when);
    return FALSE;
  }
  if (auth->uid != NULL && strcmp (auth->uid, uid) != 0) {
    g_set_error (error, MC_FIRESTORE_ERROR, MC_FIRESTORE_ERROR_AUTH,
                 "the ID token now in %s is for uid %s, but this participant is %s: a call keeps its peer id",
                 auth->token_file, uid, auth->uid);
    return FALSE;
  }
  g_free (auth->token);
  auth->token = g_steal_pointer (&text);
  if (auth->uid == NULL)
    auth->uid = g_steal_pointer (&uid);
  auth->expires_at_s = exp;
  MC_INFO ("firestore: ID token for %s from %s, valid until %" G_GINT64_FORMAT, auth->uid, auth->token_file, exp);
  return TRUE;
}

/* The file changed since we read it (checked at most once a second). */
static gboolean
token_file_changed (FsAuth *auth)
{
  gint64 now = g_get_monotonic_time ();
  GStatBuf st;

  if (now - auth->file_checked_us < G_USEC_PER_SEC)
    return FALSE;
  auth->file_checked_us = now;
  return g_stat (auth->token_file, &st) == 0 && ((gint64) st.st_mtime != auth->file_mtime || st.st_size != auth->file_size);
}

/* ---- anonymous sign-in ------------------------------------------------------------------ */

static void sign_in (FsAuth *auth);

static gboolean
on_timer (gpointer data)
{
  FsAuth *auth = data;

  g_clear_pointer (&auth->timer, g_source_unref);
  sign_in (auth);
  return G_SOURCE_REMOVE;
}

static gboolean
on_ready_timer (gpointer data)
{
  FsAuth *auth = data;
  g_autoptr (GError) error = NULL;

  g_clear_pointer (&auth->timer, g_source_unref);
  if (auth->mode == FS_AUTH_TOKEN_FILE && !read_token_file (auth, &error)) {
    auth->event (auth, error, TRUE, auth->user_data);
    return G_SOURCE_REMOVE;
  }
  auth->event (auth, NULL, FALSE, auth->user_data);
  return G_SOURCE_REMOVE;
}

/* What Identity Toolkit's refusals mean for the user. */
static void
refused (FsAuth *auth, const McHttpResponse *r)
{
  g_autofree char *status = NULL, *message = NULL;
  const char *what = message;

  mc_firestore_parse_error (r->body, r->body_len, &status, &message);
  what = message ? message : "(no message)";
  if (strstr (what, "API_KEY") || strstr (what, "API key"))
    emit (auth, TRUE, MC_FIRESTORE_ERROR_AUTH,
          "the anonymous sign-in refused [firestore] api-key (%s): use the Web API key of project %s (Firebase "
          "console, Project settings)", what, auth->project);
  else if (strstr (what, "OPERATION_NOT_ALLOWED") || strstr (what, "ADMIN_ONLY"))
    emit (auth, TRUE, MC_FIRESTORE_ERROR_AUTH,
          "anonymous sign-in is disabled for project %s (%s): enable it (Firebase console, Authentication, "
          "Sign-in method), or give an ID token with --id-token-file", auth->project, what);
  else if (strstr (what, "TOKEN_EXPIRED") || strstr (what, "INVALID_REFRESH_TOKEN") || strstr (what, "USER_"))
    emit (auth, TRUE, MC_FIRESTORE_ERROR_AUTH, "the anonymous account can no longer refresh its token (%s)", what);
  else
    emit (auth, TRUE, MC_FIRESTORE_ERROR_AUTH, "the sign-in with [firestore] api-key was refused: HTTP %ld %s",
          r->status, what);
}

static void
on_sign_in_done (McHttpRequest *request, const McHttpResponse *r, gpointer data)
{
  FsAuth *auth = data;
  g_autoptr (McFirestoreSignIn) s = NULL;
  g_autoptr (GError) error = NULL;
  gint64 lifetime;
  guint delay;

  auth->request = NULL;
  if (r->status == 200)
    s = mc_firestore_parse_sign_in (r->body, r->body_len, &error);
  if (r->status >= 400 && r->status < 500 && r->status != 429) {
    refused (auth, r);
    return;
  }
  if (s == NULL) {
    delay = mc_backoff_delay_ms (&auth_backoff, auth->attempts++, g_random_double ());
    emit (auth, FALSE, MC_FIRESTORE_ERROR_UNAVAILABLE, "the sign-in at %s failed (%s); retrying in %.1f s",
          auth->refresh_token ? auth->token_base : auth->auth_base,
          r->error ? r->error : error ? error->message : "HTTP error", delay / 1000.0);
    if (r->status != 0 && error == NULL)
      MC_INFO ("firestore: sign-in answered HTTP %ld", r->status);
    arm (auth, delay, on_timer);
    return;
  }
  auth->attempts = 0;
  if (s->uid != NULL && auth->uid != NULL && strcmp (s->uid, auth->uid) != 0) {
    emit (auth, TRUE, MC_FIRESTORE_ERROR_AUTH, "the token refresh changed the uid from %s to %s", auth->uid, s->uid);
    return;
  }
  g_free (auth->token);
  auth->token = g_strdup (s->id_token);
  g_free (auth->refresh_token);
  auth->refresh_token = g_strdup (s->refresh_token);
  if (auth->uid == NULL) {
    g_autofree char *uid = NULL;
    gint64 exp;
    if (s->uid == NULL && !mc_firestore_token_claims (s->id_token, &uid, &exp, &error)) {
      emit (auth, TRUE, MC_FIRESTORE_ERROR_AUTH, "the sign-in gave no uid: %s", error->message);
      return;
    }
    auth->uid = s->uid ? g_strdup (s->uid) : g_steal_pointer (&uid);
  }
  auth->expires_at_s = g_get_real_time () / G_USEC_PER_SEC + s->expires_in_s;
  lifetime = s->expires_in_s > 2 * REFRESH_MARGIN_S ? s->expires_in_s - REFRESH_MARGIN_S : s->expires_in_s / 2;
  MC_INFO ("firestore: signed in as %s; refreshing in %" G_GINT64_FORMAT " s", auth->uid, lifetime);
  arm (auth, (guint) MAX (1, lifetime) * 1000, on_timer);
  auth->event (auth, NULL, FALSE, auth->user_data);
}

static void
sign_in (FsAuth *auth)
{
  static const char *const json[] = { "Content-Type: application/json", NULL };
  static const char *const form[] = { "Content-Type: application/x-www-form-urlencoded", NULL };
  g_autofree char *url = NULL;
  g_autofree char *body = NULL;

  if (auth->request != NULL)
    return;
  mc_signaling_clear_source (&auth->timer);
  if (auth->refresh_token != NULL) {
    g_autofree char *escaped = g_uri_escape_string (auth->refresh_token, NULL, FALSE);
    url = g_strdup_printf ("%sv1/token?key=%s", auth->token_base, auth->api_key);
    body = g_strdup_printf ("grant_type=refresh_token&refresh_token=%s", escaped);
    auth->request = mc_http_request (auth->http, "POST", url, form, body, strlen (body), AUTH_TIMEOUT_MS,
                                     on_sign_in_done, auth);
  } else {
    url = g_strdup_printf ("%sv1/accounts:signUp?key=%s", auth->auth_base, auth->api_key);
    body = g_strdup ("{\"returnSecureToken\":true}");
    auth->request = mc_http_request (auth->http, "POST", url, json, body, strlen (body), AUTH_TIMEOUT_MS,
                                     on_sign_in_done, auth);
  }
}

/* ---- the API --------------------------------------------------------------------------- */

FsAuth *
fs_auth_new (McHttp *http, GMainContext *context, const FsAuthConfig *cfg, FsAuthEvent event, gpointer user_data)
{
  FsAuth *auth = g_new0 (FsAuth, 1);
  g_autofree char *escaped = NULL;

  auth->http = http;
  auth->context = g_main_context_ref (context);
  auth->mode = cfg->mode;
  auth->project = g_strdup (cfg->project);
  auth->api_key = g_uri_escape_string (cfg->api_key ? cfg->api_key : "", NULL, FALSE);
  auth->token_file = g_strdup (cfg->token_file);
  auth->auth_base = g_strdup (cfg->auth_base);
  auth->token_base = g_strdup (cfg->token_base);
  auth->event = event;
  auth->user_data = user_data;
  switch (cfg->mode) {
  case FS_AUTH_MOCK:
    auth->uid = g_strdup (cfg->uid);
    auth->token = mc_firestore_mock_token (cfg->project, cfg->uid, g_get_real_time () / G_USEC_PER_SEC);
    auth->describe = g_strdup_printf ("the emulator's unsigned token for uid %s", cfg->uid);
    break;
  case FS_AUTH_ANONYMOUS:
    auth->describe = g_strdup_printf ("the anonymous sign-in with [firestore] api-key (project %s)", cfg->project);
    break;
  case FS_AUTH_TOKEN_FILE:
    auth->describe = g_strdup_printf ("the ID token in %s", cfg->token_file);
    break;
  }
  return auth;
}

void
fs_auth_free (FsAuth *auth)
{
  if (auth == NULL)
    return;
  mc_http_cancel (auth->request);
  mc_signaling_clear_source (&auth->timer);
  g_main_context_unref (auth->context);
  g_free (auth->project);
  g_free (auth->api_key);
  g_free (auth->token_file);
  g_free (auth->auth_base);
  g_free (auth->token_base);
  g_free (auth->describe);
  g_free (auth->token);
  g_free (auth->uid);
  g_free (auth->refresh_token);
  g_free (auth);
}

void
fs_auth_start (FsAuth *auth)
{
  if (auth->mode == FS_AUTH_ANONYMOUS)
    sign_in (auth);
  else
    arm (auth, 0, on_ready_timer);   /* the event comes from the loop, as promised */
}

const char *
fs_auth_get_token (FsAuth *auth)
{
  if (auth->mode == FS_AUTH_TOKEN_FILE && auth->token != NULL && token_file_changed (auth)) {
    g_autoptr (GError) error = NULL;
    if (read_token_file (auth, &error))
      MC_INFO ("firestore: re-read the ID token in %s", auth->token_file);
    else
      mc_log_error ("%s (keeping the previous token)", error->message);
  }
  return auth->token;
}

const char *
fs_auth_get_uid (FsAuth *auth)
{
  return auth->uid;
}

gboolean
fs_auth_refresh (FsAuth *auth)
{
  switch (auth->mode) {
  case FS_AUTH_MOCK:
    g_free (auth->token);
    auth->token = mc_firestore_mock_token (auth->project, auth->uid, g_get_real_time () / G_USEC_PER_SEC);
    return TRUE;
  case FS_AUTH_ANONYMOUS:
    sign_in (auth);
    return TRUE;
  case FS_AUTH_TOKEN_FILE:
    auth->file_checked_us = 0;
    return token_file_changed (auth) && fs_auth_get_token (auth) != NULL;
  }
  return FALSE;
}

const char *
fs_auth_describe (FsAuth *auth)
{
  return auth->describe;
}

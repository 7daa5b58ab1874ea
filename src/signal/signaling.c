/* Signaling, the back-end-neutral part (see signaling.h): the table lookup,
 * dispatch through the vtable, and the encoding and checking of signals on
 * their way out and in. */
#include "meshcall/signal/signaling.h"
#include "meshcall/base/log.h"

#include <string.h>

#define MC_LOG_CATEGORY (&mc_log_signal)

G_DEFINE_QUARK (mc-signaling-error-quark, mc_signaling_error)

const char *
mc_signaling_error_code (const GError *error)
{
  if (error == NULL)
    return "error";
  if (error->domain == MC_PROTOCOL_ERROR)
    return mc_protocol_error_to_code ((McProtocolError) error->code);
  if (error->domain == MC_SIGNALING_ERROR && error->code == MC_SIGNALING_ERROR_BAD_URL)
    return "bad-url";
  if (error->domain == MC_SIGNALING_ERROR && error->code == MC_SIGNALING_ERROR_CONNECT)
    return "connect";
  if (error->domain == MC_SIGNALING_ERROR && error->code == MC_SIGNALING_ERROR_CERTIFICATE)
    return "certificate";
  return "error";
}

const char *
mc_signaling_state_to_string (McSignalingState state)
{
  switch (state) {
  case MC_SIGNALING_STATE_IDLE:
    return "idle";
  case MC_SIGNALING_STATE_CONNECTING:
    return "connecting";
  case MC_SIGNALING_STATE_JOINED:
    return "joined";
  case MC_SIGNALING_STATE_RECONNECTING:
    return "reconnecting";
  case MC_SIGNALING_STATE_FAILED:
    return "failed";
  }
  return "unknown";
}

/* ---- the table --------------------------------------------------------------- */

/* "A, B or C" from every row's usage. */
static char *
accepted_forms (const McSignalingBackend *const *backends)
{
  GString *s = g_string_new (NULL);
  guint n = 0;

  while (backends && backends[n])
    n++;
  for (guint i = 0; i < n; i++) {
    if (i > 0)
      g_string_append (s, i + 1 == n ? " or " : ", ");
    g_string_append (s, backends[i]->usage);
  }
  if (n == 0)
    g_string_append (s, "(no signaling back end is built in)");
  return g_string_free (s, FALSE);
}

static gboolean
serves_scheme (const McSignalingBackend *backend, const char *scheme, gsize len)
{
  g_auto (GStrv) schemes = g_strsplit (backend->schemes, "|", -1);

  for (guint i = 0; schemes[i]; i++) {
    if (strlen (schemes[i]) == len && g_ascii_strncasecmp (schemes[i], scheme, len) == 0)
      return TRUE;
  }
  return FALSE;
}

static const McSignalingBackend *
find_backend (const McSignalingBackend *const *backends, const char *url, GError **error)
{
  const char *sep = url ? strstr (url, "://") : NULL;
  g_autofree char *forms = accepted_forms (backends);

  if (url == NULL || url[0] == '\0') {
    g_set_error (error, MC_SIGNALING_ERROR, MC_SIGNALING_ERROR_BAD_URL, "no signaling URL given; use %s", forms);
    return NULL;
  }
  for (guint i = 0; sep != NULL && backends && backends[i]; i++) {
    if (serves_scheme (backends[i], url, (gsize) (sep - url)))
      return backends[i];
  }
  g_set_error (error, MC_SIGNALING_ERROR, MC_SIGNALING_ERROR_BAD_URL, "unsupported signaling URL '%s': accepted are %s",
               url, forms);
  return NULL;
}

static gboolean
validate_params (const McSignalingParams *params, GError **error)
{
  if (params == NULL) {
    g_set_error (error, MC_PROTOCOL_ERROR, MC_PROTOCOL_ERROR_MALFORMED, "no call parameters given");
    return FALSE;
  }
  if (!mc_protocol_validate_id ("callId", params->call_id, error))
    return FALSE;
  if (params->peer_id != NULL && !mc_protocol_validate_id ("peerId", params->peer_id, error))
    return FALSE;
  if (params->name != NULL && !mc_protocol_validate_name (params->name, error))
    return FALSE;
  return TRUE;
}

gboolean
mc_signaling_check (const McSignalingBackend *const *backends, const char *url, const McSignalingParams *params,
                    GError **error)
{
  const McSignalingBackend *backend = find_backend (backends, url, error);

  if (backend == NULL)
    return FALSE;
  if (backend->check_url != NULL && !backend->check_url (url, error))
    return FALSE;
  return validate_params (params, error);
}

McSignaling *
mc_signaling_new (const McSignalingBackend *const *backends, const char *url, const McSignalingParams *params,
                  GError **error)
{
  const McSignalingBackend *backend;
  McSignaling *sig;

  if (!mc_signaling_check (backends, url, params, error))
    return NULL;
  backend = find_backend (backends, url, NULL);
  sig = backend->create (url, params, error);
  if (sig != NULL)
    MC_DEBUG ("signaling %s: %s back end for %s", sig->params.peer_id, backend->name, url);
  return sig;
}

/* ---- the common part ------------------------------------------------------------ */

char *
mc_signaling_generate_peer_id (void)
{
  /* 64 random bits: collisions in a call of six are not a concern. */
  return g_strdup_printf ("p-%08x%08x", g_random_int (), g_random_int ());
}

void
mc_signaling_params_clear (McSignalingParams *params)
{
  if (params == NULL)
    return;
  g_clear_pointer (&params->call_id, g_free);
  g_clear_pointer (&params->peer_id, g_free);
  g_clear_pointer (&params->name, g_free);
  g_clear_pointer (&params->token, g_free);
}

void
mc_signaling_init_base (McSignaling *sig, const McSignalingClass *klass, const char *url,
                        const McSignalingParams *params)
{
  sig->klass = klass;
  sig->url = g_strdup (url);
  sig->params.call_id = g_strdup (params->call_id);
  sig->params.peer_id = params->peer_id != NULL ? g_strdup (params->peer_id) : mc_signaling_generate_peer_id ();
  sig->params.name = g_strdup (params->name != NULL ? params->name : sig->params.peer_id);
  sig->params.token = params->token != NULL && params->token[0] != '\0' ? g_strdup (params->token) : NULL;
  sig->context = g_main_context_ref_thread_default ();
  sig->state = MC_SIGNALING_STATE_IDLE;
}

void
mc_signaling_set_events (McSignaling *sig, const McSignalingEvents *events, gpointer user_data)
{
  if (events != NULL)
    sig->events = *events;
  else
    memset (&sig->events, 0, sizeof sig->events);
  sig->user_data = user_data;
}

void
mc_signaling_clear_source (GSource **source)
{
  if (*source != NULL) {
    g_source_destroy (*source);
    g_clear_pointer (source, g_source_unref);
  }
}

void
mc_signaling_set_state (McSignaling *sig, McSignalingState state)
{
  if (sig->state == state)
    return;
  MC_INFO ("signaling %s: state %s -> %s", sig->params.peer_id, mc_signaling_state_to_string (sig->state),
           mc_signaling_state_to_string (state));
  sig->state = state;
  if (sig->events.state_changed != NULL)
    sig->events.state_changed (sig, state, sig->user_data);
}

void
mc_signaling_set_peer_id (McSignaling *sig, const char *peer_id)
{
  g_return_if_fail (sig->state != MC_SIGNALING_STATE_JOINED);
  if (g_strcmp0 (sig->params.peer_id, peer_id) == 0)
    return;
  MC_INFO ("signaling %s: our peer id is %s", sig->params.peer_id, peer_id);
  g_free (sig->params.peer_id);
  sig->params.peer_id = g_strdup (peer_id);
}

gboolean
mc_signaling_in_call (McSignaling *sig)
{
  return !sig->leaving && sig->state != MC_SIGNALING_STATE_FAILED;
}

void
mc_signaling_emit_error (McSignaling *sig, gboolean final, GQuark domain, gint code, const char *format, ...)
{
  g_autoptr (GError) error = NULL;
  va_list args;

  va_start (args, format);
  error = g_error_new_valist (domain, code, format, args);
  va_end (args);
  MC_WARNING ("signaling %s: %s: %s", sig->params.peer_id, mc_signaling_error_code (error), error->message);
  if (sig->events.error != NULL)
    sig->events.error (sig, error, final, sig->user_data);
}

void
mc_signaling_emit_joined (McSignaling *sig, const char *peer_id, const char *name, gboolean existing)
{
  if (sig->events.peer_joined != NULL)
    sig->events.peer_joined (sig, peer_id, name, existing, sig->user_data);
}

void
mc_signaling_emit_left (McSignaling *sig, const char *peer_id)
{
  if (sig->events.peer_left != NULL)
    sig->events.peer_left (sig, peer_id, sig->user_data);
}

void
mc_signaling_emit_signal (McSignaling *sig, const char *from_peer_id, JsonNode *node)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (McSignal) signal = NULL;

  if (!mc_protocol_validate_id ("fromPeerId", from_peer_id, &error)) {
    MC_WARNING ("signaling %s: dropping a signal: %s", sig->params.peer_id, error->message);
    return;
  }
  signal = mc_signal_from_json (node, &error);
  if (signal == NULL) {
    MC_INFO ("signaling %s: malformed signal from %s: %s", sig->params.peer_id, from_peer_id, error->message);
    if (sig->events.signal_rejected != NULL)
      sig->events.signal_rejected (sig, from_peer_id, error, sig->user_data);
    return;
  }
  if (sig->events.signal_received != NULL)
    sig->events.signal_received (sig, from_peer_id, signal, sig->user_data);
}

/* ---- dispatch --------------------------------------------------------------------- */

gboolean
mc_signaling_join (McSignaling *sig, GError **error)
{
  g_return_val_if_fail (sig != NULL, FALSE);
  if (sig->started || sig->leaving) {
    g_set_error (error, MC_SIGNALING_ERROR, MC_SIGNALING_ERROR_OTHER, "already joined (or leaving) call %s",
                 sig->params.call_id);
    return FALSE;
  }
  sig->started = TRUE;
  if (!sig->klass->join (sig, error)) {
    sig->started = FALSE;
    return FALSE;
  }
  return TRUE;
}

gboolean
mc_signaling_send_signal (McSignaling *sig, const char *to_peer_id, const McSignal *signal, GError **error)
{
  g_autoptr (JsonNode) node = NULL;

  g_return_val_if_fail (sig != NULL && signal != NULL, FALSE);
  if (!mc_protocol_validate_id ("targetPeerId", to_peer_id, error))
    return FALSE;
  node = mc_signal_to_json (signal);
  if (!mc_signal_validate_json (node, error))
    return FALSE;
  if (!sig->started || !mc_signaling_in_call (sig)) {
    g_set_error (error, MC_SIGNALING_ERROR, MC_SIGNALING_ERROR_OTHER, "cannot send a signal: not in call %s (%s)",
                 sig->params.call_id, mc_signaling_state_to_string (sig->state));
    return FALSE;
  }
  return sig->klass->send_signal (sig, to_peer_id, node, error);
}

static void
on_left (McSignaling *sig, gpointer data)
{
  McSignalingDoneFunc done = sig->leave_done;
  gpointer user_data = sig->leave_data;

  sig->leave_done = NULL;
  sig->leave_data = NULL;
  sig->leaving = FALSE;
  sig->started = FALSE;
  if (done != NULL)
    done (sig, user_data);
}

void
mc_signaling_leave (McSignaling *sig, McSignalingDoneFunc done, gpointer user_data)
{
  g_return_if_fail (sig != NULL);
  if (sig->leaving) {
    MC_WARNING ("signaling %s: leave called twice; the second done callback is not called", sig->params.peer_id);
    return;
  }
  sig->leaving = TRUE;
  sig->leave_done = done;
  sig->leave_data = user_data;
  sig->klass->leave (sig, on_left, NULL);
}

void
mc_signaling_check_connection (McSignaling *sig)
{
  if (sig != NULL && sig->klass->check_connection != NULL)
    sig->klass->check_connection (sig);
}

void
mc_signaling_free (McSignaling *sig)
{
  if (sig == NULL)
    return;
  sig->klass->finalize (sig);
  mc_signaling_params_clear (&sig->params);
  g_free (sig->url);
  g_main_context_unref (sig->context);
  g_free (sig);
}

const McSignalingParams *
mc_signaling_get_params (McSignaling *sig)
{
  return &sig->params;
}

const char *
mc_signaling_get_unreachable_hint (McSignaling *sig)
{
  return sig->klass->unreachable_hint;
}

const char *
mc_signaling_get_peer_id (McSignaling *sig)
{
  return sig->params.peer_id;
}

McSignalingState
mc_signaling_get_state (McSignaling *sig)
{
  return sig->state;
}

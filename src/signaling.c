/* Signaling: the back-end-neutral part. Chooses a back end from the URL,
 * dispatches through its vtable, and holds the validators that the server
 * and every client share (docs/protocol.md). */
#include "meshcall/signaling.h"
#include "meshcall/log.h"
#include "meshcall/media_state.h"
#include "meshcall/sio_packet.h"

#include <string.h>

#define GST_CAT_DEFAULT mc_cat_signal

#define ACCEPTED_SCHEMES \
  "ws://HOST:PORT, wss://HOST:PORT, http://HOST:PORT, https://HOST:PORT (Socket.IO) " \
  "or firestore://PROJECT_ID"

G_DEFINE_QUARK (mc-signaling-error-quark, mc_signaling_error)

static const struct {
  McSignalingError error;
  const char *code;
} error_codes[] = {
  { MC_SIGNALING_ERROR_OTHER, "error" },
  { MC_SIGNALING_ERROR_BAD_URL, "bad-url" },
  { MC_SIGNALING_ERROR_CONNECT, "connect" },
  { MC_SIGNALING_ERROR_CALL_FULL, "call-full" },
  { MC_SIGNALING_ERROR_DUPLICATE_PEER, "duplicate-peer" },
  { MC_SIGNALING_ERROR_BAD_TOKEN, "bad-token" },
  { MC_SIGNALING_ERROR_MALFORMED, "malformed" },
  { MC_SIGNALING_ERROR_NOT_IN_CALL, "not-in-call" },
  { MC_SIGNALING_ERROR_RATE_LIMITED, "rate-limited" },
  { MC_SIGNALING_ERROR_TOO_MANY_CALLS, "too-many-calls" },
};

McSignalingError
mc_signaling_error_from_code (const char *code)
{
  if (code == NULL)
    return MC_SIGNALING_ERROR_OTHER;
  for (gsize i = 0; i < G_N_ELEMENTS (error_codes); i++) {
    if (strcmp (code, error_codes[i].code) == 0)
      return error_codes[i].error;
  }
  return MC_SIGNALING_ERROR_OTHER;
}

const char *
mc_signaling_error_to_code (McSignalingError error)
{
  for (gsize i = 0; i < G_N_ELEMENTS (error_codes); i++) {
    if (error_codes[i].error == error)
      return error_codes[i].code;
  }
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

/* ---- validators --------------------------------------------------------- */

#define MAX_ID_CHARS 64
#define MAX_NAME_CHARS 64

gboolean
mc_signaling_validate_id (const char *what, const char *id, GError **error)
{
  gsize len;

  if (what == NULL)
    what = "id";
  if (id == NULL || id[0] == '\0') {
    g_set_error (error, MC_SIGNALING_ERROR, MC_SIGNALING_ERROR_MALFORMED, "%s is missing or empty", what);
    return FALSE;
  }
  len = strlen (id);
  if (len > MAX_ID_CHARS) {
    g_set_error (error, MC_SIGNALING_ERROR, MC_SIGNALING_ERROR_MALFORMED,
                 "%s is %" G_GSIZE_FORMAT " characters long; at most %d are allowed", what, len, MAX_ID_CHARS);
    return FALSE;
  }
  for (gsize i = 0; i < len; i++) {
    char c = id[i];
    if (!g_ascii_isalnum (c) && c != '_' && c != '.' && c != '-') {
      g_set_error (error, MC_SIGNALING_ERROR, MC_SIGNALING_ERROR_MALFORMED,
                   "%s contains a character other than A-Z, a-z, 0-9, '_', '.', '-' at position %" G_GSIZE_FORMAT,
                   what, i + 1);
      return FALSE;
    }
  }
  return TRUE;
}

gboolean
mc_signaling_validate_name (const char *name, GError **error)
{
  glong n_chars;

  if (name == NULL || name[0] == '\0') {
    g_set_error (error, MC_SIGNALING_ERROR, MC_SIGNALING_ERROR_MALFORMED, "name is missing or empty");
    return FALSE;
  }
  /* Bound the work before walking the string: 64 chars are at most 256 bytes. */
  if (strnlen (name, MAX_NAME_CHARS * 4 + 1) > MAX_NAME_CHARS * 4 || !g_utf8_validate (name, -1, NULL)) {
    g_set_error (error, MC_SIGNALING_ERROR, MC_SIGNALING_ERROR_MALFORMED,
                 "name is not valid UTF-8 of at most %d characters", MAX_NAME_CHARS);
    return FALSE;
  }
  n_chars = g_utf8_strlen (name, -1);
  if (n_chars > MAX_NAME_CHARS) {
    g_set_error (error, MC_SIGNALING_ERROR, MC_SIGNALING_ERROR_MALFORMED,
                 "name is %ld characters long; at most %d are allowed", n_chars, MAX_NAME_CHARS);
    return FALSE;
  }
  for (const char *p = name; *p != '\0'; p = g_utf8_next_char (p)) {
    if (g_unichar_iscntrl (g_utf8_get_char (p))) {
      g_set_error (error, MC_SIGNALING_ERROR, MC_SIGNALING_ERROR_MALFORMED, "name contains a control character");
      return FALSE;
    }
  }
  return TRUE;
}

static gboolean
malformed (GError **error, const char *message)
{
  g_set_error (error, MC_SIGNALING_ERROR, MC_SIGNALING_ERROR_MALFORMED, "signal %s", message);
  return FALSE;
}

static gboolean
member_is_string (JsonObject *obj, const char *member)
{
  JsonNode *node = json_object_get_member (obj, member);
  return node != NULL && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING;
}

/* Absent, null, or of the given value type. */
static gboolean
member_is_optional (JsonObject *obj, const char *member, GType type)
{
  JsonNode *node = json_object_get_member (obj, member);
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  return JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == type;
}

static gboolean
validate_candidate (JsonObject *signal, GError **error)
{
  JsonNode *node = json_object_get_member (signal, "candidate");
  JsonObject *cand;

  /* null (or absent candidate string, below) is the end-of-candidates marker. */
  if (node == NULL)
    return malformed (error, "of type \"candidate\" has no \"candidate\" member");
  if (JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_OBJECT (node))
    return malformed (error, "member \"candidate\" is neither an object nor null");
  cand = json_node_get_object (node);
  if (!member_is_string (cand, "candidate"))
    return malformed (error, "member \"candidate.candidate\" is missing or not a string");
  if (!member_is_optional (cand, "sdpMid", G_TYPE_STRING))
    return malformed (error, "member \"candidate.sdpMid\" is neither a string nor null");
  if (!member_is_optional (cand, "sdpMLineIndex", G_TYPE_INT64))
    return malformed (error, "member \"candidate.sdpMLineIndex\" is neither an integer nor null");
  if (json_object_get_member (cand, "sdpMLineIndex") != NULL && !json_object_get_null_member (cand, "sdpMLineIndex")) {
    gint64 index = json_object_get_int_member (cand, "sdpMLineIndex");
    if (index < 0 || index > G_MAXUINT16)
      return malformed (error, "member \"candidate.sdpMLineIndex\" is out of range 0..65535");
  }
  return TRUE;
}

gboolean
mc_signaling_validate_signal (JsonNode *signal, GError **error)
{
  JsonObject *obj;
  const char *type;
  g_autofree char *text = NULL;
  gsize len;

  if (signal == NULL || !JSON_NODE_HOLDS_OBJECT (signal))
    return malformed (error, "is not a JSON object");
  obj = json_node_get_object (signal);
  if (!member_is_string (obj, "type"))
    return malformed (error, "has no string member \"type\"");
  type = json_object_get_string_member (obj, "type");
  if (strcmp (type, "offer") == 0 || strcmp (type, "answer") == 0) {
    if (!member_is_string (obj, "sdp"))
      return malformed (error, "of type offer/answer has no string member \"sdp\"");
  } else if (strcmp (type, "candidate") == 0) {
    if (!validate_candidate (obj, error))
      return FALSE;
  } else if (strcmp (type, MC_MEDIA_STATE_TYPE) == 0) {
    /* meshcall extension: mute / camera-off marks (media_state.h). */
    if (!mc_media_state_validate (obj, error))
      return FALSE;
  } else {
    g_set_error (error, MC_SIGNALING_ERROR, MC_SIGNALING_ERROR_MALFORMED,
                 "signal type \"%.32s\" is not one of \"offer\", \"answer\", \"candidate\", \"media-state\"",
                 type);
    return FALSE;
  }

  /* Measured as it goes on the wire. */
  text = mc_sio_json_encode (signal);
  len = strlen (text);
  if (len > MC_SIGNALING_MAX_SIGNAL_BYTES) {
    g_set_error (error, MC_SIGNALING_ERROR, MC_SIGNALING_ERROR_MALFORMED,
                 "signal is %" G_GSIZE_FORMAT " bytes of JSON; at most %d are allowed", len,
                 MC_SIGNALING_MAX_SIGNAL_BYTES);
    return FALSE;
  }
  return TRUE;
}

/* ---- construction and dispatch ------------------------------------------ */

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
                        const McSignalingParams *params, const McSignalingEvents *events, gpointer user_data)
{
  sig->klass = klass;
  sig->url = g_strdup (url);
  sig->params.call_id = g_strdup (params->call_id);
  sig->params.peer_id = params->peer_id != NULL ? g_strdup (params->peer_id) : mc_signaling_generate_peer_id ();
  sig->params.name = g_strdup (params->name != NULL ? params->name : sig->params.peer_id);
  sig->params.token = params->token != NULL && params->token[0] != '\0' ? g_strdup (params->token) : NULL;
  if (events != NULL)
    sig->events = *events;
  sig->user_data = user_data;
  sig->context = g_main_context_ref_thread_default ();
  sig->state = MC_SIGNALING_STATE_IDLE;
}

void
mc_signaling_set_state (McSignaling *sig, McSignalingState state)
{
  if (sig->state == state)
    return;
  GST_INFO ("signaling %s: state %s -> %s", sig->params.peer_id, mc_signaling_state_to_string (sig->state),
            mc_signaling_state_to_string (state));
  sig->state = state;
  if (sig->events.state_changed != NULL)
    sig->events.state_changed (sig, state, sig->user_data);
}

static gboolean
validate_params (const McSignalingParams *params, GError **error)
{
  if (params == NULL) {
    g_set_error (error, MC_SIGNALING_ERROR, MC_SIGNALING_ERROR_MALFORMED, "no call parameters given");
    return FALSE;
  }
  if (!mc_signaling_validate_id ("callId", params->call_id, error))
    return FALSE;
  if (params->peer_id != NULL && !mc_signaling_validate_id ("peerId", params->peer_id, error))
    return FALSE;
  if (params->name != NULL && !mc_signaling_validate_name (params->name, error))
    return FALSE;
  return TRUE;
}

static gboolean
has_scheme (const char *url, const char *scheme)
{
  gsize n = strlen (scheme);
  return g_ascii_strncasecmp (url, scheme, n) == 0 && strncmp (url + n, "://", 3) == 0;
}

gboolean
mc_signaling_check (const char *url, const McSignalingParams *params, GError **error)
{
  if (url == NULL || url[0] == '\0') {
    g_set_error (error, MC_SIGNALING_ERROR, MC_SIGNALING_ERROR_BAD_URL,
                 "no signaling URL given; use " ACCEPTED_SCHEMES);
    return FALSE;
  }
  if (has_scheme (url, "ws") || has_scheme (url, "wss") || has_scheme (url, "http") || has_scheme (url, "https"))
    return validate_params (params, error);
  if (has_scheme (url, "firestore")) {
    const char *project = url + strlen ("firestore://");
    if (!mc_signaling_validate_id ("Firestore project id", project, NULL)) {
      g_set_error (error, MC_SIGNALING_ERROR, MC_SIGNALING_ERROR_BAD_URL,
                   "signaling URL '%s' does not name a Firestore project: use firestore://PROJECT_ID", url);
      return FALSE;
    }
    g_set_error (error, MC_SIGNALING_ERROR, MC_SIGNALING_ERROR_OTHER,
                 "the Firestore back end is not built yet (signaling URL '%s'); use a ws:// or http:// "
                 "Socket.IO server such as 'meshcall serve'", url);
    return FALSE;
  }
  g_set_error (error, MC_SIGNALING_ERROR, MC_SIGNALING_ERROR_BAD_URL,
               "unsupported signaling URL '%s': accepted are " ACCEPTED_SCHEMES, url);
  return FALSE;
}

McSignaling *
mc_signaling_new (const char *url, const McSignalingParams *params, const McSignalingEvents *events,
                  gpointer user_data, GError **error)
{
  if (!mc_signaling_check (url, params, error))
    return NULL;
  /* Every scheme mc_signaling_check accepts today is Socket.IO. */
  return mc_signal_socketio_new (url, params, events, user_data, error);
}

gboolean
mc_signaling_join (McSignaling *sig, GError **error)
{
  g_return_val_if_fail (sig != NULL, FALSE);
  return sig->klass->join (sig, error);
}

gboolean
mc_signaling_send_signal (McSignaling *sig, const char *to_peer_id, JsonNode *signal, GError **error)
{
  g_return_val_if_fail (sig != NULL, FALSE);
  if (!mc_signaling_validate_id ("targetPeerId", to_peer_id, error))
    return FALSE;
  if (!mc_signaling_validate_signal (signal, error))
    return FALSE;
  return sig->klass->send_signal (sig, to_peer_id, signal, error);
}

void
mc_signaling_leave (McSignaling *sig, McSignalingDoneFunc done, gpointer user_data)
{
  g_return_if_fail (sig != NULL);
  sig->klass->leave (sig, done, user_data);
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

/* The call protocol's codes, validators and typed signal (see
 * call_protocol.h and docs/protocol.md). */
#include "meshcall/proto/call_protocol.h"
#include "meshcall/base/json.h"
#include "meshcall/base/text.h"

#include <stdio.h>
#include <string.h>

G_DEFINE_QUARK (mc-protocol-error-quark, mc_protocol_error)

static const char *const error_codes[] = {
  [MC_PROTOCOL_ERROR_OTHER] = "error",
  [MC_PROTOCOL_ERROR_MALFORMED] = "malformed",
  [MC_PROTOCOL_ERROR_CALL_FULL] = "call-full",
  [MC_PROTOCOL_ERROR_DUPLICATE_PEER] = "duplicate-peer",
  [MC_PROTOCOL_ERROR_BAD_TOKEN] = "bad-token",
  [MC_PROTOCOL_ERROR_NOT_IN_CALL] = "not-in-call",
  [MC_PROTOCOL_ERROR_RATE_LIMITED] = "rate-limited",
  [MC_PROTOCOL_ERROR_TOO_MANY_CALLS] = "too-many-calls",
  [MC_PROTOCOL_ERROR_ALREADY_IN_CALL] = "already-in-call",
  [MC_PROTOCOL_ERROR_UNKNOWN_EVENT] = "unknown-event",
  [MC_PROTOCOL_ERROR_REPLACED] = "replaced",
};

McProtocolError
mc_protocol_error_from_code (const char *code)
{
  for (guint i = 0; code != NULL && i < G_N_ELEMENTS (error_codes); i++) {
    if (strcmp (code, error_codes[i]) == 0)
      return (McProtocolError) i;
  }
  return MC_PROTOCOL_ERROR_OTHER;
}

const char *
mc_protocol_error_to_code (McProtocolError error)
{
  return (guint) error < G_N_ELEMENTS (error_codes) ? error_codes[error] : "error";
}

/* ---- validators ------------------------------------------------------------ */

static gboolean G_GNUC_PRINTF (2, 3)
malformed (GError **error, const char *format, ...)
{
  va_list args;

  va_start (args, format);
  g_propagate_error (error, g_error_new_valist (MC_PROTOCOL_ERROR, MC_PROTOCOL_ERROR_MALFORMED, format, args));
  va_end (args);
  return FALSE;
}

gboolean
mc_protocol_validate_id (const char *what, const char *id, GError **error)
{
  gsize len;

  if (what == NULL)
    what = "id";
  if (id == NULL || id[0] == '\0')
    return malformed (error, "%s is missing or empty", what);
  len = strlen (id);
  if (len > MC_PROTOCOL_MAX_ID_CHARS)
    return malformed (error, "%s is %" G_GSIZE_FORMAT " characters long; at most %d are allowed", what, len,
                      MC_PROTOCOL_MAX_ID_CHARS);
  for (gsize i = 0; i < len; i++) {
    char c = id[i];
    if (!g_ascii_isalnum (c) && c != '_' && c != '.' && c != '-')
      return malformed (error,
                        "%s contains a character other than A-Z, a-z, 0-9, '_', '.', '-' at position %" G_GSIZE_FORMAT,
                        what, i + 1);
  }
  return TRUE;
}

gboolean
mc_protocol_validate_resume (const char *resume, GError **error)
{
  gsize len = resume ? strlen (resume) : 0;

  if (len < MC_PROTOCOL_MIN_RESUME_CHARS || len > MC_PROTOCOL_MAX_RESUME_CHARS)
    return malformed (error, "resume must be %d to %d characters long (it is %" G_GSIZE_FORMAT ")",
                      MC_PROTOCOL_MIN_RESUME_CHARS, MC_PROTOCOL_MAX_RESUME_CHARS, len);
  for (gsize i = 0; i < len; i++) {
    if (!g_ascii_isalnum (resume[i]) && resume[i] != '_' && resume[i] != '-')
      return malformed (error, "resume contains a character other than A-Z, a-z, 0-9, '_', '-' at position %" G_GSIZE_FORMAT,
                        i + 1);
  }
  return TRUE;
}

char *
mc_protocol_generate_resume_secret (void)
{
  guint8 bytes[16];
  GString *s = g_string_sized_new (33);
  gsize got = 0;

  /* /dev/urandom: a secret that guards a seat, not GLib's PRNG. */
  {
    FILE *f = fopen ("/dev/urandom", "rb");
    if (f != NULL) {
      got = fread (bytes, 1, sizeof bytes, f);
      fclose (f);
    }
  }
  for (gsize i = got; i < sizeof bytes; i++)
    bytes[i] = (guint8) g_random_int_range (0, 256);
  for (gsize i = 0; i < sizeof bytes; i++)
    g_string_append_printf (s, "%02x", bytes[i]);
  return g_string_free (s, FALSE);
}

/* Characters that reorder the text around them (Unicode's bidirectional
 * embeddings, overrides, isolates and marks): a name with one can make the
 * names shown next to it read as something else. */
static gboolean
is_bidi_control (gunichar c)
{
  return c == 0x061C || c == 0x200E || c == 0x200F || (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069);
}

/* Nothing shows: spaces, zero-width and other format characters, and marks
 * that only combine with a base character. */
static gboolean
is_invisible (gunichar c)
{
  switch (g_unichar_type (c)) {
  case G_UNICODE_SPACE_SEPARATOR:
  case G_UNICODE_LINE_SEPARATOR:
  case G_UNICODE_PARAGRAPH_SEPARATOR:
  case G_UNICODE_FORMAT:
  case G_UNICODE_NON_SPACING_MARK:
  case G_UNICODE_ENCLOSING_MARK:
  case G_UNICODE_SPACING_MARK:
    return TRUE;
  default:
    return c == 0x3164 || c == 0xFFA0 || c == 0x115F || c == 0x1160; /* Hangul fillers: drawn as nothing */
  }
}

gboolean
mc_protocol_validate_name (const char *name, GError **error)
{
  glong n_chars;
  gboolean visible = FALSE;

  if (name == NULL || name[0] == '\0')
    return malformed (error, "name is missing or empty");
  /* Bound the work before walking the string: 64 chars are at most 256 bytes. */
  if (strnlen (name, MC_PROTOCOL_MAX_NAME_CHARS * 4 + 1) > MC_PROTOCOL_MAX_NAME_CHARS * 4 ||
      !g_utf8_validate (name, -1, NULL))
    return malformed (error, "name is not valid UTF-8 of at most %d characters", MC_PROTOCOL_MAX_NAME_CHARS);
  n_chars = g_utf8_strlen (name, -1);
  if (n_chars > MC_PROTOCOL_MAX_NAME_CHARS)
    return malformed (error, "name is %ld characters long; at most %d are allowed", n_chars,
                      MC_PROTOCOL_MAX_NAME_CHARS);
  for (const char *p = name; *p != '\0'; p = g_utf8_next_char (p)) {
    gunichar c = g_utf8_get_char (p);
    if (g_unichar_iscntrl (c))
      return malformed (error, "name contains a control character");
    if (is_bidi_control (c))
      return malformed (error, "name contains the bidirectional control character U+%04X, which would reorder "
                               "the text shown around it", c);
    visible = visible || !is_invisible (c);
  }
  if (!visible)
    return malformed (error, "name has no visible character (only spaces, zero-width or combining characters)");
  return TRUE;
}

static JsonNode *string_object (const char *name, ...) G_GNUC_NULL_TERMINATED;

gboolean
mc_protocol_parse_peer (JsonNode *node, const char **peer_id, const char **name, GError **error)
{
  JsonObject *obj;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return malformed (error, "a peer entry is %s, not an object {peerId, name}", mc_json_describe_kind (node));
  obj = json_node_get_object (node);
  *peer_id = mc_json_get_string (obj, "peerId");
  if (!mc_protocol_validate_id ("peerId", *peer_id, error))
    return FALSE;
  /* A name this side would refuse (from a server that does not check them)
   * is shown as the peer id instead. */
  *name = mc_json_get_string (obj, "name");
  if (*name == NULL || !mc_protocol_validate_name (*name, NULL))
    *name = *peer_id;
  return TRUE;
}

JsonNode *
mc_protocol_peer_to_json (const char *peer_id, const char *name)
{
  return string_object ("peerId", peer_id, "name", name ? name : peer_id, NULL);
}

/* An object of string members, NULL-terminated name/value pairs; a NULL
 * value leaves its member out. */
static JsonNode *
string_object (const char *name, ...)
{
  JsonObject *obj = json_object_new ();
  JsonNode *node = json_node_init_object (json_node_alloc (), obj);
  va_list args;

  va_start (args, name);
  for (const char *n = name; n != NULL; n = va_arg (args, const char *)) {
    const char *value = va_arg (args, const char *);
    if (value != NULL)
      json_object_set_string_member (obj, n, value);
  }
  va_end (args);
  json_object_unref (obj);
  return node;
}

JsonNode *
mc_protocol_auth_payload (const char *token)
{
  return string_object ("token", token, NULL);
}

JsonNode *
mc_protocol_join_payload (const char *call_id, const char *peer_id, const char *name, const char *token,
                          const char *resume)
{
  return string_object ("callId", call_id, "peerId", peer_id, "name", name, "token", token, "resume", resume, NULL);
}

static JsonNode *
with_signal (JsonNode *node, JsonNode *signal)
{
  json_object_set_member (json_node_get_object (node), "signal", json_node_copy (signal));
  return node;
}

JsonNode *
mc_protocol_signal_payload (const char *target_peer_id, JsonNode *signal)
{
  return with_signal (string_object ("targetPeerId", target_peer_id, NULL), signal);
}

JsonNode *
mc_protocol_relay_payload (const char *from_peer_id, JsonNode *signal)
{
  return with_signal (string_object ("fromPeerId", from_peer_id, NULL), signal);
}

JsonNode *
mc_protocol_peer_left_payload (const char *peer_id)
{
  return string_object ("peerId", peer_id, NULL);
}

JsonNode *
mc_protocol_error_payload (const char *code, const char *message)
{
  return string_object ("code", code, "message", message, NULL);
}

JsonNode *
mc_protocol_ack_ok (JsonNode *peers)
{
  JsonObject *obj = json_object_new ();
  JsonNode *node = json_node_init_object (json_node_alloc (), obj);

  json_object_set_boolean_member (obj, "ok", TRUE);
  if (peers)
    json_object_set_member (obj, "peers", peers);
  json_object_unref (obj);
  return node;
}

JsonNode *
mc_protocol_ack_refused (const char *code, const char *message)
{
  JsonObject *obj = json_object_new ();
  JsonNode *node = json_node_init_object (json_node_alloc (), obj);

  json_object_set_boolean_member (obj, "ok", FALSE);
  json_object_set_string_member (obj, "error", code);
  json_object_set_string_member (obj, "message", message);
  json_object_unref (obj);
  return node;
}

/* ---- signals ----------------------------------------------------------------- */

McSignal *
mc_signal_new_description (McSignalType type, const char *sdp)
{
  McSignal *s = g_new0 (McSignal, 1);

  g_return_val_if_fail (type == MC_SIGNAL_OFFER || type == MC_SIGNAL_ANSWER, NULL);
  s->type = type;
  s->sdp = g_strdup (sdp ? sdp : "");
  s->sdp_mline_index = -1;
  s->audio_muted = s->video_off = MC_SIGNAL_UNCHANGED;
  return s;
}

McSignal *
mc_signal_new_candidate (const char *candidate, const char *mid, gint mline)
{
  McSignal *s = g_new0 (McSignal, 1);

  s->type = MC_SIGNAL_CANDIDATE;
  s->candidate = g_strdup (candidate);
  s->sdp_mid = g_strdup (mid);
  s->sdp_mline_index = mline >= 0 && mline <= G_MAXUINT16 ? mline : -1;
  s->audio_muted = s->video_off = MC_SIGNAL_UNCHANGED;
  return s;
}

McSignal *
mc_signal_new_media_state (const McMediaState *state)
{
  McSignal *s = g_new0 (McSignal, 1);

  s->type = MC_SIGNAL_MEDIA_STATE;
  s->sdp_mline_index = -1;
  s->audio_muted = state->audio_muted ? TRUE : FALSE;
  s->video_off = state->video_off ? TRUE : FALSE;
  return s;
}

McSignal *
mc_signal_new_recording (gboolean active)
{
  McSignal *s = g_new0 (McSignal, 1);

  s->type = MC_SIGNAL_RECORDING;
  s->sdp_mline_index = -1;
  s->audio_muted = s->video_off = MC_SIGNAL_UNCHANGED;
  s->recording = active ? TRUE : FALSE;
  return s;
}

McSignal *
mc_signal_copy (const McSignal *signal)
{
  McSignal *s = g_new (McSignal, 1);

  *s = *signal;
  s->sdp = g_strdup (signal->sdp);
  s->candidate = g_strdup (signal->candidate);
  s->sdp_mid = g_strdup (signal->sdp_mid);
  return s;
}

void
mc_signal_free (McSignal *signal)
{
  if (signal == NULL)
    return;
  g_free (signal->sdp);
  g_free (signal->candidate);
  g_free (signal->sdp_mid);
  g_free (signal);
}

static const char *const signal_types[] = {
  [MC_SIGNAL_OFFER] = "offer",
  [MC_SIGNAL_ANSWER] = "answer",
  [MC_SIGNAL_CANDIDATE] = "candidate",
  [MC_SIGNAL_MEDIA_STATE] = "media-state",
  [MC_SIGNAL_RECORDING] = "recording",
};

const char *
mc_signal_type_to_string (McSignalType type)
{
  return (guint) type < G_N_ELEMENTS (signal_types) ? signal_types[type] : "unknown";
}

gboolean
mc_signal_is_end_of_candidates (const McSignal *signal)
{
  return signal->type == MC_SIGNAL_CANDIDATE && (signal->candidate == NULL || signal->candidate[0] == '\0');
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
read_candidate (JsonObject *obj, McSignal *s, GError **error)
{
  JsonNode *node = json_object_get_member (obj, "candidate");
  JsonObject *cand;

  /* null is the end-of-candidates marker. */
  if (node == NULL)
    return malformed (error, "signal of type \"candidate\" has no \"candidate\" member");
  if (JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_OBJECT (node))
    return malformed (error, "signal member \"candidate\" is neither an object nor null");
  cand = json_node_get_object (node);
  if (mc_json_get_string (cand, "candidate") == NULL)
    return malformed (error, "signal member \"candidate.candidate\" is missing or not a string");
  if (!member_is_optional (cand, "sdpMid", G_TYPE_STRING))
    return malformed (error, "signal member \"candidate.sdpMid\" is neither a string nor null");
  if (!member_is_optional (cand, "sdpMLineIndex", G_TYPE_INT64))
    return malformed (error, "signal member \"candidate.sdpMLineIndex\" is neither an integer nor null");
  if (!mc_json_member_is_null (cand, "sdpMLineIndex")) {
    gint64 index = json_object_get_int_member (cand, "sdpMLineIndex");
    if (index < 0 || index > G_MAXUINT16)
      return malformed (error, "signal member \"candidate.sdpMLineIndex\" is out of range 0..65535");
    s->sdp_mline_index = (gint) index;
  }
  s->candidate = g_strdup (mc_json_get_string (cand, "candidate"));
  s->sdp_mid = g_strdup (mc_json_get_string (cand, "sdpMid"));
  return TRUE;
}

/* member: absent (MC_SIGNAL_UNCHANGED), or TRUE for off_word, FALSE for "live". */
static gboolean
read_media_member (JsonObject *obj, const char *member, const char *off_word, gint *value, GError **error)
{
  JsonNode *n = json_object_get_member (obj, member);
  const char *s;

  *value = MC_SIGNAL_UNCHANGED;
  if (n == NULL)
    return TRUE;
  s = mc_json_get_string (obj, member);
  if (s == NULL)
    return malformed (error, "media-state signal: \"%s\" is not a string", member);
  if (strcmp (s, "live") == 0)
    *value = FALSE;
  else if (strcmp (s, off_word) == 0)
    *value = TRUE;
  else {
    g_autofree char *shown = mc_text_shorten (s, 16);
    return malformed (error, "media-state signal: \"%s\" is \"%s\", not \"%s\" or \"live\"", member, shown, off_word);
  }
  return TRUE;
}

static gboolean
read_media_state (JsonObject *obj, McSignal *s, GError **error)
{
  if (!read_media_member (obj, "audio", "muted", &s->audio_muted, error) ||
      !read_media_member (obj, "video", "off", &s->video_off, error))
    return FALSE;
  if (s->audio_muted == MC_SIGNAL_UNCHANGED && s->video_off == MC_SIGNAL_UNCHANGED)
    return malformed (error, "media-state signal has neither \"audio\" nor \"video\"");
  return TRUE;
}

/* "active": a boolean, required. */
static gboolean
read_recording (JsonObject *obj, McSignal *s, GError **error)
{
  JsonNode *n = json_object_get_member (obj, "active");

  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_BOOLEAN)
    return malformed (error, "recording signal: \"active\" is missing or not true/false");
  s->recording = json_node_get_boolean (n);
  return TRUE;
}

McSignal *
mc_signal_from_json (JsonNode *node, GError **error)
{
  g_autoptr (McSignal) s = g_new0 (McSignal, 1);
  g_autofree char *text = NULL;
  JsonObject *obj;
  const char *type;
  gsize len;

  s->sdp_mline_index = -1;
  s->audio_muted = s->video_off = MC_SIGNAL_UNCHANGED;
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node)) {
    malformed (error, "signal is not a JSON object");
    return NULL;
  }
  obj = json_node_get_object (node);
  type = mc_json_get_string (obj, "type");
  if (type == NULL) {
    malformed (error, "signal has no string member \"type\"");
    return NULL;
  }
  if (strcmp (type, "offer") == 0 || strcmp (type, "answer") == 0) {
    s->type = type[0] == 'o' ? MC_SIGNAL_OFFER : MC_SIGNAL_ANSWER;
    s->sdp = g_strdup (mc_json_get_string (obj, "sdp"));
    if (s->sdp == NULL) {
      malformed (error, "signal of type offer/answer has no string member \"sdp\"");
      return NULL;
    }
  } else if (strcmp (type, "candidate") == 0) {
    s->type = MC_SIGNAL_CANDIDATE;
    if (!read_candidate (obj, s, error))
      return NULL;
  } else if (strcmp (type, "media-state") == 0) {
    s->type = MC_SIGNAL_MEDIA_STATE;
    if (!read_media_state (obj, s, error))
      return NULL;
  } else if (strcmp (type, "recording") == 0) {
    s->type = MC_SIGNAL_RECORDING;
    if (!read_recording (obj, s, error))
      return NULL;
  } else {
    /* Cut by characters: a byte cut could split one and make the message invalid UTF-8. */
    g_autofree char *shown = mc_text_shorten (type, 32);
    malformed (error,
               "signal type \"%s\" is not one of \"offer\", \"answer\", \"candidate\", \"media-state\", "
               "\"recording\"", shown);
    return NULL;
  }

  /* Measured as it goes on the wire. */
  text = mc_json_encode (node);
  len = strlen (text);
  if (len > MC_PROTOCOL_MAX_SIGNAL_BYTES) {
    malformed (error, "signal is %" G_GSIZE_FORMAT " bytes of JSON; at most %d are allowed", len,
               MC_PROTOCOL_MAX_SIGNAL_BYTES);
    return NULL;
  }
  return g_steal_pointer (&s);
}

gboolean
mc_signal_validate_json (JsonNode *node, GError **error)
{
  g_autoptr (McSignal) s = mc_signal_from_json (node, error);
  return s != NULL;
}

JsonNode *
mc_signal_to_json (const McSignal *s)
{
  JsonObject *obj = json_object_new ();
  JsonNode *node = json_node_init_object (json_node_alloc (), obj);

  json_object_set_string_member (obj, "type", mc_signal_type_to_string (s->type));
  switch (s->type) {
  case MC_SIGNAL_OFFER:
  case MC_SIGNAL_ANSWER:
    json_object_set_string_member (obj, "sdp", s->sdp ? s->sdp : "");
    break;
  case MC_SIGNAL_CANDIDATE:
    if (s->candidate == NULL) {
      json_object_set_null_member (obj, "candidate");
    } else {
      JsonObject *c = json_object_new ();
      json_object_set_string_member (c, "candidate", s->candidate);
      if (s->sdp_mid)
        json_object_set_string_member (c, "sdpMid", s->sdp_mid);
      else
        json_object_set_null_member (c, "sdpMid");
      if (s->sdp_mline_index >= 0)
        json_object_set_int_member (c, "sdpMLineIndex", s->sdp_mline_index);
      else
        json_object_set_null_member (c, "sdpMLineIndex");
      json_object_set_object_member (obj, "candidate", c);
    }
    break;
  case MC_SIGNAL_MEDIA_STATE:
    if (s->audio_muted != MC_SIGNAL_UNCHANGED)
      json_object_set_string_member (obj, "audio", s->audio_muted ? "muted" : "live");
    if (s->video_off != MC_SIGNAL_UNCHANGED)
      json_object_set_string_member (obj, "video", s->video_off ? "off" : "live");
    break;
  case MC_SIGNAL_RECORDING:
    json_object_set_boolean_member (obj, "active", s->recording);
    break;
  }
  json_object_unref (obj);
  return node;
}

gboolean
mc_media_state_apply (McMediaState *state, const McSignal *signal)
{
  if (signal->type != MC_SIGNAL_MEDIA_STATE)
    return FALSE;
  if (signal->audio_muted != MC_SIGNAL_UNCHANGED)
    state->audio_muted = signal->audio_muted;
  if (signal->video_off != MC_SIGNAL_UNCHANGED)
    state->video_off = signal->video_off;
  return TRUE;
}

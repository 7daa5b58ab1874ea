/* File names and the manifest document (manifest.h), pure. */
#include "meshcall/record/manifest.h"

#include <string.h>

static GDateTime *
utc_from_us (gint64 utc_us)
{
  /* Whole seconds (GLib 2.74 has no microsecond constructor); the
   * milliseconds are added by the caller that shows them. */
  return g_date_time_new_from_unix_utc (utc_us / G_USEC_PER_SEC);
}

char *
mc_record_format_utc (gint64 utc_us)
{
  g_autoptr (GDateTime) t = utc_from_us (utc_us);
  g_autofree char *base = t ? g_date_time_format (t, "%Y-%m-%dT%H:%M:%S") : NULL;

  if (base == NULL)
    return g_strdup ("1970-01-01T00:00:00.000Z");
  return g_strdup_printf ("%s.%03dZ", base, (int) ((utc_us / 1000) % 1000 + 1000) % 1000);
}

char *
mc_record_format_utc_compact (gint64 utc_us)
{
  g_autoptr (GDateTime) t = utc_from_us (utc_us);
  char *s = t ? g_date_time_format (t, "%Y%m%dT%H%M%SZ") : NULL;

  return s ? s : g_strdup ("19700101T000000Z");
}

char *
mc_record_sanitize (const char *text, gsize max_bytes)
{
  GString *out = g_string_new (NULL);

  for (const char *p = text ? text : ""; *p; p = g_utf8_next_char (p)) {
    gunichar c = g_utf8_get_char_validated (p, -1);
    char buf[6];
    gint len;

    if (c == (gunichar) -1 || c == (gunichar) -2)
      break;   /* not UTF-8 past here: keep what was */
    if (!(g_unichar_isalnum (c) || c == '-' || c == '_' || (c == '.' && out->len > 0)))
      c = '_';
    len = g_unichar_to_utf8 (c, buf);
    if (out->len + (gsize) len > max_bytes)
      break;
    g_string_append_len (out, buf, len);
  }
  if (out->len == 0)
    g_string_append_c (out, '_');
  return g_string_free (out, FALSE);
}

char *
mc_record_file_name (gint64 start_utc_us, const char *name, const char *peer_id, const char *suffix, const char *ext)
{
  g_autofree char *when = mc_record_format_utc_compact (start_utc_us);
  g_autofree char *safe_name = mc_record_sanitize (name, 48);
  g_autofree char *safe_id = mc_record_sanitize (peer_id, 64);

  return g_strdup_printf ("%s-%s-%s%s.%s", when, safe_name, safe_id, suffix ? suffix : "", ext);
}

const char *
mc_record_file_state_to_string (McRecordFileState state)
{
  switch (state) {
  case MC_RECORD_FILE_RECORDING: return "recording";
  case MC_RECORD_FILE_FINISHED: return "finished";
  case MC_RECORD_FILE_FAILED: return "failed";
  }
  return "unknown";
}

static void
set_utc (JsonObject *obj, const char *member, gint64 utc_us)
{
  g_autofree char *text = NULL;

  if (utc_us <= 0) {
    json_object_set_null_member (obj, member);
    return;
  }
  text = mc_record_format_utc (utc_us);
  json_object_set_string_member (obj, member, text);
}

static void
set_string_or_null (JsonObject *obj, const char *member, const char *value)
{
  if (value)
    json_object_set_string_member (obj, member, value);
  else
    json_object_set_null_member (obj, member);
}

/* Seconds with millisecond precision: what a timeline needs, and stable text. */
static double
round_ms (double s)
{
  return (double) (gint64) (s * 1000.0 + (s >= 0 ? 0.5 : -0.5)) / 1000.0;
}

/* Whole milliseconds of a UTC time, as mc_record_format_utc shows it. */
static gint64
utc_ms (gint64 utc_us)
{
  return utc_us / 1000;
}

/* duration and offset from the times as written (whole milliseconds), so
 * that a reader's end - start and start - manifest start give them exactly. */
static JsonNode *
file_node (const McRecordManifestFile *f, gint64 recording_start_utc_us)
{
  JsonObject *o = json_object_new ();
  JsonNode *node = json_node_init_object (json_node_alloc (), o);
  gint64 end_us = f->end_utc_us > f->start_utc_us ? f->end_utc_us : f->start_utc_us;
  double offset = recording_start_utc_us > 0
                    ? (double) (utc_ms (f->start_utc_us) - utc_ms (recording_start_utc_us)) / 1000.0
                    : round_ms (f->offset_s);

  json_object_set_string_member (o, "file", f->file);
  json_object_set_string_member (o, "peerId", f->peer_id);
  json_object_set_string_member (o, "name", f->name);
  json_object_set_string_member (o, "container", f->container);
  set_string_or_null (o, "video", f->video_codec);
  set_string_or_null (o, "audio", f->audio_codec);
  set_utc (o, "start", f->start_utc_us);
  set_utc (o, "end", end_us);
  json_object_set_double_member (o, "offset", offset);
  json_object_set_double_member (o, "duration", (double) (utc_ms (end_us) - utc_ms (f->start_utc_us)) / 1000.0);
  json_object_set_string_member (o, "state", mc_record_file_state_to_string (f->state));
  set_string_or_null (o, "error", f->error);
  json_object_set_int_member (o, "videoFrames", (gint64) f->video_frames);
  json_object_set_int_member (o, "audioFrames", (gint64) f->audio_frames);
  json_object_set_int_member (o, "bytes", (gint64) f->bytes);
  json_object_unref (o);
  return node;
}

JsonNode *
mc_record_manifest_build (const McRecordManifestInfo *info, const McRecordManifestFile *files, guint n_files)
{
  JsonObject *o = json_object_new ();
  JsonNode *node = json_node_init_object (json_node_alloc (), o);
  JsonArray *list = json_array_new ();

  json_object_set_int_member (o, "version", MC_RECORD_MANIFEST_VERSION);
  json_object_set_string_member (o, "callId", info->call_id);
  json_object_set_string_member (o, "recorderPeerId", info->recorder_peer_id);
  json_object_set_string_member (o, "recorderName", info->recorder_name);
  set_utc (o, "start", info->start_utc_us);
  set_utc (o, "end", info->end_utc_us);
  set_utc (o, "updated", info->updated_utc_us);
  if (info->compose_file) {
    JsonObject *c = json_object_new ();
    json_object_set_string_member (c, "file", info->compose_file);
    json_object_set_double_member (c, "offset", round_ms (info->compose_offset_s));
    json_object_set_string_member (c, "state", mc_record_file_state_to_string (info->compose_state));
    set_string_or_null (c, "error", info->compose_error);
    json_object_set_object_member (o, "composed", c);
  } else {
    json_object_set_null_member (o, "composed");
  }
  set_string_or_null (o, "chat", info->chat_file);
  for (guint i = 0; i < n_files; i++)
    json_array_add_element (list, file_node (&files[i], info->start_utc_us));
  json_object_set_array_member (o, "files", list);
  json_object_unref (o);
  return node;
}

/* The media-state signal (see media_state.h). */
#include "meshcall/media_state.h"
#include "meshcall/signaling.h"

#include <string.h>

JsonNode *
mc_media_state_to_signal (const McMediaState *state)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, MC_MEDIA_STATE_TYPE);
  json_builder_set_member_name (b, "audio");
  json_builder_add_string_value (b, state->audio_muted ? "muted" : "live");
  json_builder_set_member_name (b, "video");
  json_builder_add_string_value (b, state->video_off ? "off" : "live");
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

gboolean
mc_media_state_is_signal (JsonNode *signal)
{
  JsonObject *obj = signal && JSON_NODE_HOLDS_OBJECT (signal) ? json_node_get_object (signal) : NULL;
  JsonNode *type = obj ? json_object_get_member (obj, "type") : NULL;

  return type && json_node_get_value_type (type) == G_TYPE_STRING &&
         g_strcmp0 (json_node_get_string (type), MC_MEDIA_STATE_TYPE) == 0;
}

/* member: absent (-1), or which of the two words it is (0 = off_word, 1 = "live"). */
static gboolean
read_member (JsonObject *obj, const char *member, const char *off_word, int *value, GError **error)
{
  JsonNode *n = json_object_get_member (obj, member);
  const char *s;

  *value = -1;
  if (n == NULL)
    return TRUE;
  if (json_node_get_value_type (n) != G_TYPE_STRING) {
    g_set_error (error, MC_SIGNALING_ERROR, MC_SIGNALING_ERROR_MALFORMED,
                 "media-state signal: \"%s\" is not a string", member);
    return FALSE;
  }
  s = json_node_get_string (n);
  if (strcmp (s, "live") == 0) {
    *value = 1;
  } else if (strcmp (s, off_word) == 0) {
    *value = 0;
  } else {
    g_set_error (error, MC_SIGNALING_ERROR, MC_SIGNALING_ERROR_MALFORMED,
                 "media-state signal: \"%s\" is \"%.16s\", not \"%s\" or \"live\"", member, s, off_word);
    return FALSE;
  }
  return TRUE;
}

gboolean
mc_media_state_validate (JsonObject *signal, GError **error)
{
  int audio, video;

  if (!read_member (signal, "audio", "muted", &audio, error) || !read_member (signal, "video", "off", &video, error))
    return FALSE;
  if (audio < 0 && video < 0) {
    g_set_error (error, MC_SIGNALING_ERROR, MC_SIGNALING_ERROR_MALFORMED,
                 "media-state signal has neither \"audio\" nor \"video\"");
    return FALSE;
  }
  return TRUE;
}

gboolean
mc_media_state_apply (JsonNode *signal, McMediaState *state, GError **error)
{
  JsonObject *obj;
  int audio, video;

  if (!mc_media_state_is_signal (signal)) {
    g_set_error (error, MC_SIGNALING_ERROR, MC_SIGNALING_ERROR_MALFORMED, "not a media-state signal");
    return FALSE;
  }
  obj = json_node_get_object (signal);
  if (!mc_media_state_validate (obj, error))
    return FALSE;
  read_member (obj, "audio", "muted", &audio, NULL);
  read_member (obj, "video", "off", &video, NULL);
  if (audio >= 0)
    state->audio_muted = audio == 0;
  if (video >= 0)
    state->video_off = video == 0;
  return TRUE;
}

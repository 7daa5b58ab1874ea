/* The call's events on the renderer, hotkeys back: see join_view.h. */
#include "meshcall/cli/join_view.h"

#include "meshcall/base/text.h"

#include <string.h>

static void
on_video_frame (McCall *call, const char *peer_id, GstSample *sample, gpointer user_data)
{
  McJoinView *v = user_data;
  mc_renderer_push_frame (v->renderer, peer_id, sample);   /* swaps a pointer, never blocks */
}

static void
on_self_frame (McCall *call, GstSample *sample, gpointer user_data)
{
  McJoinView *v = user_data;
  mc_renderer_push_self_frame (v->renderer, sample);
}

static void
on_peer_added (McCall *call, const char *peer_id, const char *name, gpointer user_data)
{
  McJoinView *v = user_data;

  if (!mc_call_peer_is_recording (call, peer_id))   /* a recorder shows no picture: it has a mark */
    mc_renderer_add_tile (v->renderer, peer_id, name);
}

static void
on_peer_removed (McCall *call, const char *peer_id, gpointer user_data)
{
  McJoinView *v = user_data;
  mc_renderer_remove_tile (v->renderer, peer_id);
}

static void
on_audio_level (McCall *call, const char *peer_id, double rms_db, gpointer user_data)
{
  McJoinView *v = user_data;
  mc_renderer_set_tile_level (v->renderer, peer_id, rms_db);
}

static guint
tile_flags (const McMediaState *state)
{
  return (state->audio_muted ? MC_TILE_MUTED : 0) | (state->video_off ? MC_TILE_CAMERA_OFF : 0);
}

static void
on_remote_media_state (McCall *call, const char *peer_id, const McMediaState *state, gpointer user_data)
{
  McJoinView *v = user_data;
  mc_renderer_change_tile_flags (v->renderer, peer_id, MC_TILE_MUTED | MC_TILE_CAMERA_OFF, tile_flags (state));
}

/* A connection being made again keeps its tile and last picture, marked. */
static void
on_peer_state (McCall *call, const char *peer_id, McCallPeerState state, gpointer user_data)
{
  McJoinView *v = user_data;
  mc_renderer_change_tile_flags (v->renderer, peer_id, MC_TILE_RECONNECTING,
                                 state == MC_CALL_PEER_RECONNECTING ? MC_TILE_RECONNECTING : 0);
}

static void
on_peer_stats (McCall *call, const McCallStatsPeer *p, gpointer user_data)
{
  McJoinView *v = user_data;
  McTileStats stats = { p->inbound_kbps, p->outbound_kbps, p->rtt_ms, p->fraction_lost,
                        MAX (p->estimate_kbps, 0), p->tier, p->tier_width, p->tier_height, p->tier_fps };
  mc_renderer_set_tile_stats (v->renderer, p->peer_id, &stats);
}

static void
on_chat_message (McCall *call, const McChatMessage *msg, gboolean local, gpointer user_data)
{
  McJoinView *v = user_data;
  mc_renderer_add_chat (v->renderer, local ? "You" : msg->name, msg->text);
}

static void
on_signaling_state (McCall *call, McSignalingState state, gpointer user_data)
{
  McJoinView *v = user_data;

  if (state == MC_SIGNALING_STATE_RECONNECTING)
    mc_renderer_set_status (v->renderer, "Reconnecting to signaling\xe2\x80\xa6");
  else if (state == MC_SIGNALING_STATE_JOINED)
    mc_renderer_set_status (v->renderer, NULL);
}

/* Who records the call, for the mark: the names of every recorder in it. */
static void
on_remote_recording (McCall *call, const char *peer_id, const char *name, gboolean recording, gpointer user_data)
{
  McJoinView *v = user_data;
  g_autofree char *who = mc_call_format_recorders (call);

  if (recording)
    mc_renderer_remove_tile (v->renderer, peer_id);
  mc_renderer_set_recording (v->renderer, who);
}

void
mc_join_view_set_callbacks (McJoinView *view, McCallCallbacks *callbacks)
{
  g_return_if_fail (view->renderer != NULL);
  callbacks->on_video_frame = on_video_frame;
  callbacks->on_self_frame = on_self_frame;
  callbacks->peer_added = on_peer_added;
  callbacks->peer_removed = on_peer_removed;
  callbacks->audio_level = on_audio_level;
  callbacks->remote_media_state = on_remote_media_state;
  callbacks->peer_stats = on_peer_stats;
  callbacks->signaling_state_changed = on_signaling_state;
  callbacks->remote_recording = on_remote_recording;
  callbacks->peer_state_changed = on_peer_state;
  callbacks->chat_message = on_chat_message;
}

void
mc_join_view_show_self_state (McJoinView *view)
{
  McMediaState state;

  if (!view->renderer || !view->call)
    return;
  mc_call_get_media_state (view->call, &state);
  mc_renderer_set_self_flags (view->renderer, tile_flags (&state));
}

/* Hotkeys (main thread). The renderer must not be freed from here. */
void
mc_join_view_on_action (McRenderer *r, McRenderAction action, gpointer user_data)
{
  McJoinView *view = user_data;
  McMediaState state;

  switch (action) {
  case MC_RENDER_ACTION_MUTE:
  case MC_RENDER_ACTION_CAMERA:
    if (view->call == NULL)
      return;
    mc_call_get_media_state (view->call, &state);
    if (action == MC_RENDER_ACTION_MUTE)
      state.audio_muted = !state.audio_muted;
    else
      state.video_off = !state.video_off;
    mc_call_set_media_state (view->call, &state);
    mc_join_view_show_self_state (view);
    break;
  case MC_RENDER_ACTION_QUIT:
    view->quit (view->data);
    break;
  case MC_RENDER_ACTION_ACCEPT:
  case MC_RENDER_ACTION_REFUSE:
    /* The oldest offer asked about. */
    if (view->call != NULL && view->asked != NULL && view->asked->len > 0) {
      g_autofree char *id = g_ptr_array_steal_index (view->asked, 0);
      mc_call_answer_file (view->call, id, action == MC_RENDER_ACTION_ACCEPT);
    }
    break;
  default:
    break;
  }
}

static void
forget_asked (McJoinView *view, const char *id)
{
  for (guint i = 0; view->asked && id && i < view->asked->len; i++)
    if (g_str_equal (g_ptr_array_index (view->asked, i), id)) {
      g_ptr_array_remove_index (view->asked, i);
      return;
    }
}

/* The transfers line: every transfer under way, in a stable order. */
static void
show_transfers (McJoinView *view)
{
  g_autoptr (GList) keys = view->transfers ? g_list_sort (g_hash_table_get_keys (view->transfers),
                                                          (GCompareFunc) strcmp) : NULL;
  g_autoptr (GString) s = g_string_new (NULL);

  for (GList *l = keys; l; l = l->next)
    g_string_append_printf (s, "%s%s", s->len ? "  \xc2\xb7  " : "",
                            (char *) g_hash_table_lookup (view->transfers, l->data));
  mc_renderer_set_transfers (view->renderer, s->len ? s->str : NULL);
}

static void
track_transfer (McJoinView *view, const McCallFileEvent *ev)
{
  g_autofree char *key = g_strdup_printf ("%s|%s|%c", ev->id ? ev->id : ev->name, ev->peer_id,
                                          ev->sending ? 's' : 'r');

  if (view->transfers == NULL)
    view->transfers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  if (ev->state == MC_CALL_FILE_PROGRESS) {
    g_autofree char *who = mc_text_sanitize (ev->peer_name);
    g_autofree char *name = mc_text_sanitize (ev->name);
    int pct = ev->size > 0 ? (int) MIN (100, ev->done * 100 / ev->size) : 100;

    g_hash_table_replace (view->transfers, g_steal_pointer (&key),
                          g_strdup_printf ("%s %s %s %d%%", name, ev->sending ? "to" : "from", who, pct));
  } else if (ev->state == MC_CALL_FILE_DONE || ev->state == MC_CALL_FILE_FAILED) {
    g_hash_table_remove (view->transfers, key);
  } else {
    return;
  }
  show_transfers (view);
}

void
mc_join_view_file_event (McJoinView *view, const McCallFileEvent *ev, const char *line)
{
  if (view->renderer == NULL)
    return;
  track_transfer (view, ev);
  if (ev->ask && ev->id) {
    g_autofree char *who = mc_text_sanitize (ev->peer_name);
    g_autofree char *name = mc_text_sanitize (ev->name);
    g_autofree char *q = g_strdup_printf ("%s offers %s (%" G_GUINT64_FORMAT " bytes): y to save it, n to refuse",
                                          who, name, ev->size);
    if (view->asked == NULL)
      view->asked = g_ptr_array_new_with_free_func (g_free);
    g_ptr_array_add (view->asked, g_strdup (ev->id));
    mc_renderer_add_chat (view->renderer, NULL, q);
    return;
  }
  if (ev->state == MC_CALL_FILE_DONE || ev->state == MC_CALL_FILE_FAILED)
    forget_asked (view, ev->id);
  if (line)
    mc_renderer_add_chat (view->renderer, NULL, line);
}

void
mc_join_view_clear (McJoinView *view)
{
  g_clear_pointer (&view->asked, g_ptr_array_unref);
  g_clear_pointer (&view->transfers, g_hash_table_unref);
}

/* Enter in the chat input (main thread). */
void
mc_join_view_on_chat (McRenderer *r, const char *text, gpointer user_data)
{
  McJoinView *view = user_data;
  g_autoptr (GError) error = NULL;

  if (view->call == NULL)
    return;
  /* "/send PATH": the file to everyone, as --send does. */
  if (g_str_has_prefix (text, "/send ")) {
    g_autofree char *path = g_strstrip (g_strdup (text + 6));
    g_autofree char *expanded = path[0] == '~' && path[1] == '/' ? g_build_filename (g_get_home_dir (), path + 2, NULL)
                                                                  : g_strdup (path);
    if (!mc_call_send_file (view->call, expanded, NULL, &error))
      mc_renderer_add_chat (r, NULL, error->message);
    return;
  }
  if (!mc_call_send_chat (view->call, text, &error))
    mc_renderer_add_chat (r, NULL, error->message);
}

void
mc_join_view_set_signal_url (McJoinView *view, const char *call_id, const char *url)
{
  g_autofree char *waiting = g_strdup_printf ("Waiting for others to join %s \xe2\x80\x94 run: meshcall join %s --signal %s",
                                              call_id, call_id, url);

  if (view->renderer)
    mc_renderer_set_waiting_text (view->renderer, waiting);
}

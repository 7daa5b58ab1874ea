/* The renderer's input: the hotkeys (renderer.h's table of keys) and the
 * chat's input line and overlay toggles, on the model of renderer_private.h. */
#include "meshcall/base/log.h"
#include "renderer_private.h"

#define MC_LOG_CATEGORY (&mc_log_render)

static void
emit_action (McRenderer *r, McRenderAction action)
{
  MC_DEBUG ("action %s", mc_render_action_to_string (action));
  if (r->options.action)
    r->options.action (r, action, r->options.user_data);
}

/* ---- chat ------------------------------------------------------------------ */

void
mc_renderer_add_chat (McRenderer *r, const char *name, const char *text)
{
  g_mutex_lock (&r->lock);
  if (name)
    mc_chat_overlay_add (r->chat, name, text, g_get_monotonic_time ());
  else
    mc_chat_overlay_notice (r->chat, text, g_get_monotonic_time ());
  r->dirty = TRUE;
  g_mutex_unlock (&r->lock);
}

gboolean
mc_renderer_chat_input_is_open (McRenderer *r)
{
  gboolean open;

  g_mutex_lock (&r->lock);
  open = mc_chat_overlay_input_is_open (r->chat);
  g_mutex_unlock (&r->lock);
  return open;
}

/* A key or text for the open input line: TRUE when it took it. Enter
 * hands the line to chat_send (outside the lock). */
static gboolean
chat_input (McRenderer *r, int key, const char *text)
{
  McChatInputResult res;
  g_autofree char *line = NULL;

  g_mutex_lock (&r->lock);
  res = text ? mc_chat_overlay_input_text (r->chat, text) : mc_chat_overlay_input_key (r->chat, key);
  if (res == MC_CHAT_INPUT_SUBMIT)
    line = mc_chat_overlay_take_input (r->chat);
  if (res != MC_CHAT_INPUT_IGNORED)
    r->dirty = TRUE;
  g_mutex_unlock (&r->lock);
  if (line && r->options.chat_send)
    r->options.chat_send (r, line, r->options.user_data);
  return res != MC_CHAT_INPUT_IGNORED;
}

gboolean
mc_renderer_handle_text (McRenderer *r, const char *utf8)
{
  return chat_input (r, 0, utf8);
}

/* 't' opens the input (when the program takes chat), 'c' hides or shows
 * the chat, 'y' and 'n' answer what it asks. */
static gboolean
chat_key (McRenderer *r, int key)
{
  if (r->options.chat_send != NULL && (key == 'y' || key == 'Y' || key == 'n' || key == 'N')) {
    emit_action (r, key == 'y' || key == 'Y' ? MC_RENDER_ACTION_ACCEPT : MC_RENDER_ACTION_REFUSE);
    return TRUE;
  }
  if (r->options.chat_send == NULL || (key != 't' && key != 'T' && key != 'c' && key != 'C'))
    return FALSE;
  g_mutex_lock (&r->lock);
  if (key == 't' || key == 'T')
    mc_chat_overlay_open_input (r->chat);
  else
    mc_chat_overlay_toggle (r->chat, g_get_monotonic_time ());
  r->dirty = TRUE;
  g_mutex_unlock (&r->lock);
  return TRUE;
}

gboolean
mc_renderer_handle_key (McRenderer *r, int key)
{
  gboolean on;

  if (chat_input (r, key, NULL) || chat_key (r, key))
    return TRUE;
  switch (key) {
  case 'm': case 'M':
    emit_action (r, MC_RENDER_ACTION_MUTE);
    return TRUE;
  case 'v': case 'V':
    emit_action (r, MC_RENDER_ACTION_CAMERA);
    return TRUE;
  case 'f': case 'F':
    g_mutex_lock (&r->lock);
    on = r->fullscreen = !r->fullscreen;
    r->dirty = TRUE;
    g_mutex_unlock (&r->lock);
    if (r->started && r->klass->set_fullscreen)
      r->klass->set_fullscreen (r, on);
    emit_action (r, MC_RENDER_ACTION_FULLSCREEN);
    return TRUE;
  case 's': case 'S':
    g_mutex_lock (&r->lock);
    r->show_stats = !r->show_stats;
    r->dirty = TRUE;
    g_mutex_unlock (&r->lock);
    emit_action (r, MC_RENDER_ACTION_STATS);
    return TRUE;
  case 'p': case 'P':
    g_mutex_lock (&r->lock);
    r->self_view = !r->self_view;
    r->dirty = TRUE;
    g_mutex_unlock (&r->lock);
    emit_action (r, MC_RENDER_ACTION_SELF_VIEW);
    return TRUE;
  case 'q': case 'Q': case 27:
    emit_action (r, MC_RENDER_ACTION_QUIT);
    return TRUE;
  default:
    return FALSE;
  }
}

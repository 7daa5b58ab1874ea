/* What meshcall join shows: the call's events drawn by its renderer (a
 * tile per peer as they come and go, frames, audio levels for the speaker
 * border, mute and camera marks, stats, the reconnecting banner) and the
 * renderer's hotkeys back to the call (m mute, v camera) or to the command
 * (q, Esc, the window closed: quit).
 *
 * Threading: main thread, except the frame callbacks, which run on
 * streaming threads and only hand the sample over (never blocking). */
#pragma once

#include "meshcall/call/call.h"
#include "meshcall/render/renderer.h"

G_BEGIN_DECLS

typedef struct {
  McRenderer *renderer;          /* what draws; not NULL once callbacks are set */
  McCall *call;                  /* NULL: m and v do nothing (not in the call yet, or leaving) */
  void (*quit) (gpointer data);  /* the renderer's quit action */
  gpointer data;
  GPtrArray *asked;              /* ids of files offered to us that wait for y or n, oldest first */
  GHashTable *transfers;         /* transfers under way: "id|peer|direction" -> "NAME to PEER 42%" */
} McJoinView;

/* The drawing callbacks of mc_call_new; its user_data must be view. */
void mc_join_view_set_callbacks (McJoinView *view, McCallCallbacks *callbacks);
/* McRendererOptions.action, with user_data view. */
void mc_join_view_on_action (McRenderer *r, McRenderAction action, gpointer view);
/* McRendererOptions.chat_send, with user_data view: the typed line to the
 * call's chat (a refusal, e.g. a line over 4 KiB, shows as a notice);
 * "/send PATH" sends that file to everyone instead. */
void mc_join_view_on_chat (McRenderer *r, const char *text, gpointer view);
/* A file transfer's news on the picture (a notice; an offer asked about
 * waits for y or n; progress on the transfers line until it ends). */
void mc_join_view_file_event (McJoinView *view, const McCallFileEvent *ev, const char *line);
/* Frees what the view keeps (not the renderer or the call). */
void mc_join_view_clear (McJoinView *view);
/* Our own microphone and camera state, on the self view. */
void mc_join_view_show_self_state (McJoinView *view);
/* The empty screen tells the whole command to run, server included. */
void mc_join_view_set_signal_url (McJoinView *view, const char *call_id, const char *url);

G_END_DECLS

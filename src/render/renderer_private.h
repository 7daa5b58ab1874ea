/* The renderer's model, shared by renderer.c (tiles, views, ticks) and
 * renderer_input.c (hotkeys, the chat input). Private to mc_render. */
#pragma once

#include "meshcall/render/chat_overlay.h"
#include "meshcall/render/renderer.h"
#include "meshcall/render/speaker.h"

G_BEGIN_DECLS

typedef struct {
  char *id;
  char *name;
  guint flags;
  GstSample *sample;
  guint64 seq;
  gint64 push_us;
  McTileStats stats;
  gboolean has_stats;
  guint64 frames_at_mark;
  double fps;
  GstCaps *geometry_caps;  /* caps the geometry below was computed from */
  int width, height;
  double aspect;
  GstSample *prepared;     /* the class's prepare of `sample`, or NULL */
  McRendererTarget target; /* what the back end draws the picture at */
  gint64 interval_us;      /* between pushes, smoothed; 0 until two frames came */
  gint64 first_push_us;    /* when its first frame came; 0: none yet */
  gboolean shown;          /* a frame of it was presented */
} Tile;

struct _McRenderer {
  const McRendererClass *klass;
  McRendererOptions options;   /* strings owned (copied) */
  gpointer backend_data;
  GSource *tick_source;
  GMainContext *context;       /* the ticks' (the main loop's) */
  gboolean started;

  GMutex lock;                 /* protects everything below */
  GPtrArray *tiles;            /* Tile* in order of arrival */
  Tile self;
  guint self_flags;
  gboolean dirty;              /* the model changed: drawn on the next tick */
  gboolean frames_dirty;       /* only new frames: drawn at the redraw rate */
  char *status;
  char *waiting;
  char *transfers;      /* file transfers under way (mc_renderer_set_transfers), or NULL */
  char *recording;      /* who records the call (the recording mark), or NULL */
  gboolean self_view;
  gboolean show_stats;
  gboolean fullscreen;
  McSpeaker *speaker;
  char *active_id;
  gint64 fps_mark_us;
  gint64 last_view_us;         /* when a back end last took a view */
  GSource *wake_source;        /* a tick now: a tile's first picture */
  McChatOverlay *chat;         /* messages, unread count, the input line */
  double chat_alpha;           /* the chat's opacity in the last view */
};

G_END_DECLS

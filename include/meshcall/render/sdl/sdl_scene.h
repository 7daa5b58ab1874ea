/* What the SDL grid shows, drawn from a renderer view (internal to
 * render/sdl): the tiles in their layout, each picture with its speaking
 * border, name, marks and stats, the self view, the status banner, and the
 * waiting message of an empty call.
 *
 * On a target that keeps its pixels between presents (the window surface)
 * only what changed is repainted: a tile with a new frame or new words, the
 * self view with a new frame; anything that moves the layout or lies over
 * several tiles (window size, tiles coming and going, a new aspect, the
 * banner, the stats toggle) repaints the whole window. Each repainted region
 * is drawn in z-order from the latest frames, so what lies over it (the self
 * view, the banner) stays on top. On an SDL_Renderer everything is drawn
 * for every present. It also tells the renderer core the size each picture
 * is drawn at, for the stream threads to prepare frames at that size.
 *
 * Threading: the SDL thread. */
#pragma once

#include "meshcall/render/layout.h"
#include "meshcall/render/renderer.h"
#include "meshcall/render/sdl/sdl_paint.h"
#include "meshcall/render/sdl/sdl_video.h"

G_BEGIN_DECLS

typedef struct {
  McSdlVideo video;
  McRendererTarget target;  /* last told to the core */
  char *overlay;            /* the words and marks as last drawn */
  guint64 seq;              /* the frame last drawn */
  gboolean used;            /* in the current view (else dropped) */
} McSdlSceneTile;

typedef struct {
  McSdlPaint paint;
  GHashTable *tiles;        /* id -> McSdlSceneTile* */
  McSdlSceneTile self;
  char *layout;             /* everything that makes a full repaint, as last drawn */
  gboolean retained;        /* the target keeps its pixels: repaint only what changed */
} McSdlScene;

/* What a draw did. */
typedef struct {
  guint n_uploaded;         /* frames shown for the first time */
  guint n_drawn;            /* pictures repainted */
  gboolean full;            /* the whole window */
  gint64 oldest_push_us;    /* of the frames shown for the first time; G_MAXINT64: none */
  SDL_Rect regions[MC_LAYOUT_MAX_TILES + 2];  /* what to present (retained targets) */
  SDL_Rect holes[MC_LAYOUT_MAX_TILES + 2];    /* in each, what a picture covers (no background) */
  guint n_regions;
} McSdlSceneResult;

/* paint must be initialised (mc_sdl_paint_init) by the caller first. */
void mc_sdl_scene_init (McSdlScene *sc, gboolean retained);
void mc_sdl_scene_clear (McSdlScene *sc);
/* The next draw repaints everything (the window was exposed or resized). */
void mc_sdl_scene_invalidate (McSdlScene *sc);
/* The renderer lost its textures: everything is made again and repainted. */
void mc_sdl_scene_forget (McSdlScene *sc);

/* Draws what changed in view on an out_w x out_h target (fonts open). */
void mc_sdl_scene_draw (McSdlScene *sc, McRenderer *r, const McRendererView *view, int out_w, int out_h,
                        McSdlSceneResult *result);

G_END_DECLS

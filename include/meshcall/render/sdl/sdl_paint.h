/* What the SDL grid paints with (internal to render/sdl): colours,
 * rectangles, and text through SDL_ttf, each piece of text rendered once
 * and kept for as long as it is drawn every frame. It paints either through
 * an SDL_Renderer (text as textures) or straight on the window surface
 * (text as surfaces, translucent boxes blended), always clipped to the
 * region being repainted. The grid (grid_sdl.c) does the layout, the
 * pictures are sdl_video.h's.
 *
 * Threading: the thread of the SDL renderer (the main loop's). */
#pragma once

#include "meshcall/render/renderer.h"

#include <SDL.h>
#include <SDL_ttf.h>
#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  Uint8 r, g, b, a;
} McSdlColor;

typedef struct {
  SDL_Texture *tex;      /* through a renderer */
  SDL_Surface *surf;     /* on the window surface */
  int w, h;
  guint64 used;          /* the frame it was last drawn in */
} McSdlText;

typedef struct {
  SDL_Renderer *ren;     /* borrowed: paints through it, or */
  SDL_Surface *surface;  /* borrowed: paints on it (the window surface) */
  SDL_Rect region;       /* what is repainted now: everything is clipped to it */
  char *font_path;
  TTF_Font *font;        /* names, badges, stats */
  TTF_Font *font_big;    /* waiting message, status banner */
  int font_px;
  guint64 frame;         /* counts mc_sdl_paint_begin_frame */
  GHashTable *texts;     /* cache key -> McSdlText* */
} McSdlPaint;

/* The font file to use: `font` itself if it names an existing file, else the
 * best fontconfig match for it as a pattern (NULL = "DejaVu Sans:bold"). */
char *mc_sdl_paint_find_font (const char *font, GError **error);

/* font_path is taken; no font is open until mc_sdl_paint_open_fonts. One of
 * ren and surface (the window's; mc_sdl_paint_set_surface when it is
 * replaced after a resize). */
void mc_sdl_paint_init (McSdlPaint *p, SDL_Renderer *ren, SDL_Surface *surface, char *font_path);
void mc_sdl_paint_set_surface (McSdlPaint *p, SDL_Surface *surface);
/* The region repainted from now on (every draw is clipped to it). */
void mc_sdl_paint_set_region (McSdlPaint *p, SDL_Rect region);
/* Clips to r inside the region (NULL: the region alone). */
void mc_sdl_paint_clip (McSdlPaint *p, const SDL_Rect *r);
void mc_sdl_paint_clear (McSdlPaint *p);
/* Fonts sized for an output out_h pixels tall (reopened when that size
 * changes, which drops the cached text). FALSE: the font cannot be opened. */
gboolean mc_sdl_paint_open_fonts (McSdlPaint *p, int out_h);
/* Around a frame: at the end of a full repaint the text not drawn in it is
 * dropped; after a partial one, text not drawn for a few seconds. */
void mc_sdl_paint_begin_frame (McSdlPaint *p);
void mc_sdl_paint_end_frame (McSdlPaint *p, gboolean full);
/* The renderer lost its textures (device reset). */
void mc_sdl_paint_forget (McSdlPaint *p);

void mc_sdl_paint_set_color (McSdlPaint *p, McSdlColor c);
void mc_sdl_paint_fill (McSdlPaint *p, int x, int y, int w, int h, McSdlColor c);
void mc_sdl_paint_frame (McSdlPaint *p, SDL_Rect r, int thickness, McSdlColor c);
/* The texture of a piece of text (wrap > 0: wrapped at that width), or NULL
 * for none or no text. */
McSdlText *mc_sdl_paint_text (McSdlPaint *p, TTF_Font *font, const char *text, McSdlColor c, int wrap);
void mc_sdl_paint_draw_text (McSdlPaint *p, McSdlText *t, int x, int y);
/* Text on a box of bg, clipped to max_w; returns the box width. */
int mc_sdl_paint_label (McSdlPaint *p, TTF_Font *font, const char *text, McSdlColor fg, McSdlColor bg, int x, int y,
                        int max_w);
/* The chat overlay, its input line and unread badge (sdl_chat.c). */
void mc_sdl_paint_chat (McSdlPaint *p, const McRendererView *view, int out_w, int out_h);
void mc_sdl_paint_centered (McSdlPaint *p, TTF_Font *font, const char *text, McSdlColor c, SDL_Rect box, int wrap);

G_END_DECLS

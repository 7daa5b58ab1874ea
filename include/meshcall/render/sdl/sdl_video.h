/* The pictures of the SDL grid (internal to render/sdl): a decoded frame
 * made into what a drawing path shows.
 *
 * - On an SDL_Renderer (opengl, opengles2, software) a frame is uploaded at
 *   the stream's size into a streaming texture (I420/YV12 -> IYUV, NV12/NV21
 *   natively, packed formats as they are) and the renderer scales it.
 * - On the window surface (no GPU: the cheapest path measured, see
 *   docs/bench-render.md) a frame is converted to XRGB8888 at the size of
 *   the tile by mc_sdl_video_prepare, on the stream's own thread (libyuv,
 *   as Chromium does: the conversion at the stream's size, then a bilinear
 *   scale when the sizes differ), and blitted 1:1.
 *
 * Threading: mc_sdl_video_prepare is thread-safe (its scratch buffers and
 * scaler are per thread); everything else runs on the SDL thread. */
#pragma once

#include "meshcall/render/renderer.h"
#include "meshcall/render/sdl/sdl_paint.h"

#include <SDL.h>
#include <gst/gst.h>

G_BEGIN_DECLS

/* The target format mc_sdl_video_prepare makes (McRendererTarget.format). */
#define MC_SDL_VIDEO_PREPARED_FORMAT SDL_PIXELFORMAT_XRGB8888

/* One picture's drawing state. */
typedef struct {
  SDL_Texture *tex;     /* renderer paths */
  Uint32 format;
  int w, h;
  guint64 seq;          /* seq of the frame last uploaded (renderer) or blitted (surface) */
  gboolean bad_format;  /* warned once */
  GstSample *fallback;  /* surface path: the frame made on this thread for a size prepare did not know */
  guint64 fallback_seq;
} McSdlVideo;

void mc_sdl_video_clear (McSdlVideo *v);

/* The class's prepare hook: a BGRx (XRGB8888) sample of target's size, or
 * NULL when the target is not set or the frame cannot be converted. */
GstSample *mc_sdl_video_prepare (GstSample *sample, const McRendererTarget *target);

/* Draws the tile's latest frame into dst (the frame's aspect already fitted
 * by the layout). *uploaded: a frame not shown before went to the screen.
 * FALSE: no picture (none yet, or a format that cannot be shown). */
gboolean mc_sdl_video_draw (McSdlVideo *v, McSdlPaint *p, const McRendererTileView *tile, SDL_Rect dst,
                            gboolean *uploaded);

G_END_DECLS

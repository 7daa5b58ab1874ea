/* SDL2 grid renderer: see grid_sdl.h.
 *
 * Runs entirely on the main context's thread: the renderer core's tick polls
 * SDL events and redraws only when the model changed. Frames are uploaded
 * straight from the mapped GstVideoFrame planes into streaming textures
 * (I420/YV12 -> IYUV, NV12/NV21 natively, packed formats as they are), which
 * is the only copy a frame sees on its way to the screen. */
#include "meshcall/render/sdl/grid_sdl.h"

#include "meshcall/base/log.h"
#include "meshcall/render/layout.h"
#include "meshcall/render/overlay.h"

#include "meshcall/render/sdl/sdl_paint.h"

#include <SDL.h>
#include <gst/video/video.h>
#include <string.h>

#define MC_LOG_CATEGORY (&mc_log_render)

#define TILE_PADDING 4
#define BORDER 4

typedef struct {
  SDL_Texture *tex;
  Uint32 format;
  int w, h;
  guint64 seq;          /* seq of the uploaded frame */
  gboolean used;        /* seen in the current view (else dropped) */
  gboolean bad_format;  /* warned once */
} TileTex;

typedef struct {
  SDL_Window *win;
  SDL_Renderer *ren;
  char *font_path;      /* until the renderer exists; then paint's */
  McSdlPaint paint;     /* colours, rectangles, text and its textures */
  GHashTable *tiles;    /* id -> TileTex* */
  TileTex self;
  gboolean sdl_up, ttf_up;
  gboolean skip_text;   /* the next SDL_TEXTINPUT is the key that opened the chat input */
} Sdl;

static const McSdlColor COLOR_BG = { 0x14, 0x14, 0x14, 0xff };
static const McSdlColor COLOR_TILE = { 0x2a, 0x2a, 0x2e, 0xff };
static const McSdlColor COLOR_TEXT = { 0xf0, 0xf0, 0xf0, 0xff };
static const McSdlColor COLOR_LABEL_BG = { 0x00, 0x00, 0x00, 0xa0 };
static const McSdlColor COLOR_SPEAKING = { 0x3c, 0xd0, 0x5a, 0xff };
static const McSdlColor COLOR_MUTED = { 0xd8, 0x30, 0x30, 0xff };
static const McSdlColor COLOR_STATUS = { 0xe0, 0x8a, 0x00, 0xe8 };
static const McSdlColor COLOR_SELF_BORDER = { 0xd0, 0xd0, 0xd0, 0xff };

static void
tile_tex_free (gpointer data)
{
  TileTex *t = data;

  if (t->tex)
    SDL_DestroyTexture (t->tex);
  g_free (t);
}

static Uint32
sdl_format_for (GstVideoFormat f)
{
  switch (f) {
  case GST_VIDEO_FORMAT_I420:
  case GST_VIDEO_FORMAT_YV12: return SDL_PIXELFORMAT_IYUV;
  case GST_VIDEO_FORMAT_NV12: return SDL_PIXELFORMAT_NV12;
  case GST_VIDEO_FORMAT_NV21: return SDL_PIXELFORMAT_NV21;
  case GST_VIDEO_FORMAT_YUY2: return SDL_PIXELFORMAT_YUY2;
  case GST_VIDEO_FORMAT_UYVY: return SDL_PIXELFORMAT_UYVY;
  case GST_VIDEO_FORMAT_RGBA:
  case GST_VIDEO_FORMAT_RGBx: return SDL_PIXELFORMAT_RGBA32;
  case GST_VIDEO_FORMAT_BGRA:
  case GST_VIDEO_FORMAT_BGRx: return SDL_PIXELFORMAT_BGRA32;
  case GST_VIDEO_FORMAT_RGB: return SDL_PIXELFORMAT_RGB24;
  case GST_VIDEO_FORMAT_BGR: return SDL_PIXELFORMAT_BGR24;
  default: return SDL_PIXELFORMAT_UNKNOWN;
  }
}

/* Uploads the sample into the tile's texture (re-created when the size or
 * format changes). The mapped planes go straight to SDL. */
static gboolean
upload (Sdl *s, TileTex *tt, GstSample *sample, const char *who)
{
  GstVideoInfo info;
  GstVideoFrame frame;
  GstBuffer *buf = gst_sample_get_buffer (sample);
  GstCaps *caps = gst_sample_get_caps (sample);
  Uint32 fmt;
  int ok;

  if (!buf || !caps || !gst_video_info_from_caps (&info, caps))
    return FALSE;
  fmt = sdl_format_for (GST_VIDEO_INFO_FORMAT (&info));
  if (fmt == SDL_PIXELFORMAT_UNKNOWN) {
    if (!tt->bad_format)
      mc_log_error ("video of %s is %s, which the SDL grid cannot show (convert to I420 or NV12)", who,
                    gst_video_format_to_string (GST_VIDEO_INFO_FORMAT (&info)));
    tt->bad_format = TRUE;
    return FALSE;
  }
  if (!tt->tex || tt->format != fmt || tt->w != GST_VIDEO_INFO_WIDTH (&info) || tt->h != GST_VIDEO_INFO_HEIGHT (&info)) {
    if (tt->tex)
      SDL_DestroyTexture (tt->tex);
    tt->format = fmt;
    tt->w = GST_VIDEO_INFO_WIDTH (&info);
    tt->h = GST_VIDEO_INFO_HEIGHT (&info);
    tt->tex = SDL_CreateTexture (s->ren, fmt, SDL_TEXTUREACCESS_STREAMING, tt->w, tt->h);
    if (!tt->tex) {
      MC_WARNING ("cannot create %dx%d texture for %s: %s", tt->w, tt->h, who, SDL_GetError ());
      return FALSE;
    }
    SDL_SetTextureBlendMode (tt->tex, SDL_BLENDMODE_NONE);
  }
  if (!gst_video_frame_map (&frame, &info, buf, GST_MAP_READ))
    return FALSE;
  switch (fmt) {
  case SDL_PIXELFORMAT_IYUV:
    ok = SDL_UpdateYUVTexture (tt->tex, NULL,
                               GST_VIDEO_FRAME_COMP_DATA (&frame, 0), GST_VIDEO_FRAME_COMP_STRIDE (&frame, 0),
                               GST_VIDEO_FRAME_COMP_DATA (&frame, 1), GST_VIDEO_FRAME_COMP_STRIDE (&frame, 1),
                               GST_VIDEO_FRAME_COMP_DATA (&frame, 2), GST_VIDEO_FRAME_COMP_STRIDE (&frame, 2));
    break;
  case SDL_PIXELFORMAT_NV12:
  case SDL_PIXELFORMAT_NV21:
    ok = SDL_UpdateNVTexture (tt->tex, NULL,
                              GST_VIDEO_FRAME_PLANE_DATA (&frame, 0), GST_VIDEO_FRAME_PLANE_STRIDE (&frame, 0),
                              GST_VIDEO_FRAME_PLANE_DATA (&frame, 1), GST_VIDEO_FRAME_PLANE_STRIDE (&frame, 1));
    break;
  default:
    ok = SDL_UpdateTexture (tt->tex, NULL, GST_VIDEO_FRAME_PLANE_DATA (&frame, 0),
                            GST_VIDEO_FRAME_PLANE_STRIDE (&frame, 0));
    break;
  }
  gst_video_frame_unmap (&frame);
  if (ok != 0)
    MC_WARNING ("texture upload for %s failed: %s", who, SDL_GetError ());
  return ok == 0;
}

static TileTex *
tile_tex_for (Sdl *s, const char *id)
{
  TileTex *tt = g_hash_table_lookup (s->tiles, id);

  if (!tt) {
    tt = g_new0 (TileTex, 1);
    g_hash_table_insert (s->tiles, g_strdup (id), tt);
  }
  tt->used = TRUE;
  return tt;
}

static SDL_Rect
to_sdl (McRect r)
{
  return (SDL_Rect) { r.x, r.y, r.w, r.h };
}

/* Name and state marks along the bottom of the picture. */
static void
draw_name (Sdl *s, const McRendererTileView *v, SDL_Rect area)
{
  int pad = MAX (2, s->paint.font_px / 4);
  int h = TTF_FontHeight (s->paint.font) + 2 * pad;
  int x = area.x + pad, y = area.y + area.h - h - pad;
  int right = area.x + area.w - pad;
  McOverlayMark marks[MC_OVERLAY_MAX_MARKS];
  guint n_marks = mc_overlay_marks (v->flags, marks);

  if (area.h < h + 2 * pad)
    y = area.y;
  x += mc_sdl_paint_label (&s->paint, s->paint.font, v->name, COLOR_TEXT, COLOR_LABEL_BG, x, y, right - x) + pad;
  /* The microphone mark in red, the others on the name's dark label. */
  for (guint i = 0; i < n_marks && x < right; i++)
    x += mc_sdl_paint_label (&s->paint, s->paint.font, marks[i].text, COLOR_TEXT,
                     marks[i].flag == MC_TILE_MUTED ? COLOR_MUTED : COLOR_LABEL_BG, x, y, right - x) + pad;
}

static void
draw_picture (Sdl *s, TileTex *tt, const McRendererTileView *v, SDL_Rect video, SDL_Rect cell,
              guint *n_uploaded, gint64 *oldest_push)
{
  gboolean have = FALSE;

  if (v->sample && !(v->flags & MC_TILE_CAMERA_OFF)) {
    if (tt->seq != v->seq) {
      if (upload (s, tt, v->sample, v->name)) {
        (*n_uploaded)++;
        *oldest_push = MIN (*oldest_push, v->push_us);
      }
      tt->seq = v->seq;
    }
    have = tt->tex != NULL && !tt->bad_format;
  }
  if (have) {
    SDL_RenderCopy (s->ren, tt->tex, NULL, &video);
  } else {
    SDL_Rect box = video.w > 0 ? video : cell;

    mc_sdl_paint_fill (&s->paint, box.x, box.y, box.w, box.h, COLOR_TILE);
    mc_sdl_paint_centered (&s->paint, s->paint.font, mc_overlay_placeholder (v->flags), COLOR_TEXT, box, 0);
  }
}

static void
draw_tile (Sdl *s, const McRendererTileView *v, const McLayoutTile *lt, gboolean show_stats,
           guint *n_uploaded, gint64 *oldest_push)
{
  TileTex *tt = tile_tex_for (s, v->id);
  SDL_Rect video = to_sdl (lt->video), cell = to_sdl (lt->cell);

  if (video.w <= 0 || video.h <= 0)
    return;
  draw_picture (s, tt, v, video, cell, n_uploaded, oldest_push);
  if (v->flags & MC_TILE_SPEAKING) {
    SDL_Rect b = { video.x - BORDER + 1, video.y - BORDER + 1, video.w + 2 * BORDER - 2, video.h + 2 * BORDER - 2 };

    SDL_IntersectRect (&b, &cell, &b);
    mc_sdl_paint_frame (&s->paint, b, BORDER, COLOR_SPEAKING);
  }
  draw_name (s, v, video);
  if (show_stats) {
    g_auto (GStrv) lines = mc_overlay_stats_lines (v);
    g_autofree char *text = g_strjoinv ("\n", lines);
    McSdlText *t = mc_sdl_paint_text (&s->paint, s->paint.font, text, COLOR_TEXT, video.w - 8);
    int pad = MAX (2, s->paint.font_px / 4);

    if (t) {
      SDL_RenderSetClipRect (s->ren, &video);
      mc_sdl_paint_fill (&s->paint, video.x + pad, video.y + pad, t->w + 2 * pad, t->h + 2 * pad, COLOR_LABEL_BG);
      mc_sdl_paint_draw_text (&s->paint, t, video.x + 2 * pad, video.y + 2 * pad);
      SDL_RenderSetClipRect (s->ren, NULL);
    }
  }
}

static void
draw_self (Sdl *s, const McRendererView *view, int out_w, int out_h, guint *n_uploaded, gint64 *oldest_push)
{
  const McRendererTileView *v = &view->self;
  double aspect = v->aspect > 0 ? v->aspect : 4.0 / 3.0;
  int margin = MAX (8, out_w / 80);
  int w = CLAMP (out_w / 5, 96, 480);
  int h = (int) (w / aspect);
  SDL_Rect video, border;
  McRendererTileView named = *v;

  if (!v->sample && !(v->flags & (MC_TILE_CAMERA_OFF | MC_TILE_MUTED)))
    return;  /* nothing to show yet */
  if (h > out_h / 3) {
    h = out_h / 3;
    w = (int) (h * aspect);
  }
  video = (SDL_Rect) { out_w - w - margin, out_h - h - margin, w, h };
  border = (SDL_Rect) { video.x - 2, video.y - 2, video.w + 4, video.h + 4 };
  mc_sdl_paint_frame (&s->paint, border, 2, COLOR_SELF_BORDER);
  draw_picture (s, &s->self, v, video, video, n_uploaded, oldest_push);
  named.name = (char *) MC_OVERLAY_SELF_NAME;
  draw_name (s, &named, video);
}

static void
render (McRenderer *r, Sdl *s, McRendererView *view)
{
  gint64 start = g_get_monotonic_time ();
  gint64 oldest_push = G_MAXINT64;
  guint n_uploaded = 0, n = view->tiles->len;
  int out_w = 0, out_h = 0;
  GHashTableIter iter;
  gpointer value;

  SDL_GetRendererOutputSize (s->ren, &out_w, &out_h);
  if (out_w <= 0 || out_h <= 0)
    return;
  if (!mc_sdl_paint_open_fonts (&s->paint, out_h))
    return;
  mc_sdl_paint_begin_frame (&s->paint);
  g_hash_table_iter_init (&iter, s->tiles);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    ((TileTex *) value)->used = FALSE;

  SDL_SetRenderDrawBlendMode (s->ren, SDL_BLENDMODE_BLEND);
  mc_sdl_paint_set_color (&s->paint, COLOR_BG);
  SDL_RenderClear (s->ren);

  if (n == 0) {
    SDL_Rect all = { 0, 0, out_w, out_h };
    mc_sdl_paint_centered (&s->paint, s->paint.font_big, view->waiting, COLOR_TEXT, all, out_w * 4 / 5);
  } else {
    McLayoutTile lt[MC_LAYOUT_MAX_TILES];
    double aspects[MC_LAYOUT_MAX_TILES];
    McLayoutParams params = { TILE_PADDING, 0 };

    n = MIN (n, MC_LAYOUT_MAX_TILES);
    for (guint i = 0; i < n; i++)
      aspects[i] = g_array_index (view->tiles, McRendererTileView, i).aspect;
    mc_layout_compute (out_w, out_h, n, aspects, &params, lt, NULL);
    for (guint i = 0; i < n; i++)
      draw_tile (s, &g_array_index (view->tiles, McRendererTileView, i), &lt[i], view->show_stats,
                 &n_uploaded, &oldest_push);
  }
  if (view->self_view)
    draw_self (s, view, out_w, out_h, &n_uploaded, &oldest_push);
  mc_sdl_paint_chat (&s->paint, view, out_w, out_h);
  if (view->status) {
    McSdlText *t = mc_sdl_paint_text (&s->paint, s->paint.font_big, view->status, COLOR_TEXT, out_w - 40);

    if (t) {
      int pad = s->paint.font_px / 2;
      int x = (out_w - t->w) / 2;

      mc_sdl_paint_fill (&s->paint, x - pad, pad, t->w + 2 * pad, t->h + 2 * pad, COLOR_STATUS);
      mc_sdl_paint_draw_text (&s->paint, t, x, 2 * pad);
    }
  }
  SDL_RenderPresent (s->ren);

  /* Drop what no longer shows: textures of tiles that left, stale text. */
  mc_sdl_paint_end_frame (&s->paint);
  g_hash_table_iter_init (&iter, s->tiles);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (!((TileTex *) value)->used)
      g_hash_table_iter_remove (&iter);

  {
    gint64 now = g_get_monotonic_time ();
    mc_renderer_report_present (r, view, n_uploaded, n_uploaded ? now - oldest_push : -1, now - start);
  }
}

static void
drop_textures (Sdl *s)
{
  g_hash_table_remove_all (s->tiles);
  mc_sdl_paint_forget (&s->paint);
  if (s->self.tex)
    SDL_DestroyTexture (s->self.tex);
  memset (&s->self, 0, sizeof s->self);
}

static int
key_for (SDL_Keycode sym)
{
  switch (sym) {
  case SDLK_ESCAPE: return 27;
  case SDLK_m: return 'm';
  case SDLK_v: return 'v';
  case SDLK_f: return 'f';
  case SDLK_s: return 's';
  case SDLK_p: return 'p';
  case SDLK_q: return 'q';
  case SDLK_t: return 't';
  case SDLK_c: return 'c';
  case SDLK_y: return 'y';
  case SDLK_n: return 'n';
  default: return 0;
  }
}

/* The input line's editing keys (its text comes as SDL_TEXTINPUT). */
static void
chat_key (McRenderer *r, SDL_Keycode sym)
{
  if (sym == SDLK_RETURN || sym == SDLK_KP_ENTER)
    mc_renderer_handle_key (r, '\r');
  else if (sym == SDLK_BACKSPACE)
    mc_renderer_handle_key (r, 127);
  else if (sym == SDLK_ESCAPE)
    mc_renderer_handle_key (r, 27);
}

static void
sdl_tick (McRenderer *r)
{
  Sdl *s = mc_renderer_get_backend_data (r);
  McRendererView view;
  SDL_Event ev;

  /* A hotkey's action may stop the renderer (freeing s): re-check after each. */
  while ((s = mc_renderer_get_backend_data (r)) && SDL_PollEvent (&ev)) {
    switch (ev.type) {
    case SDL_QUIT:
      mc_renderer_handle_key (r, 'q');
      break;
    case SDL_KEYDOWN:
      if (mc_renderer_chat_input_is_open (r)) {
        chat_key (r, ev.key.keysym.sym);
      } else if (!ev.key.repeat && key_for (ev.key.keysym.sym)) {
        mc_renderer_handle_key (r, key_for (ev.key.keysym.sym));
        /* The key that opened the input comes as text too when text input
         * is on (SDL turns it on by default): not typed. */
        s = mc_renderer_get_backend_data (r);
        if (s && mc_renderer_chat_input_is_open (r))
          s->skip_text = SDL_IsTextInputActive ();
      }
      if (s && mc_renderer_chat_input_is_open (r) && !SDL_IsTextInputActive ())
        SDL_StartTextInput ();
      break;
    case SDL_TEXTINPUT:
      if (s->skip_text)
        s->skip_text = FALSE;
      else
        mc_renderer_handle_text (r, ev.text.text);
      break;
    case SDL_WINDOWEVENT:
      mc_renderer_invalidate (r);
      break;
    case SDL_RENDER_TARGETS_RESET:
    case SDL_RENDER_DEVICE_RESET:
      drop_textures (s);
      mc_renderer_invalidate (r);
      break;
    default:
      break;
    }
  }
  if (!s)
    return;
  if (!mc_renderer_take_view (r, &view))
    return;
  render (r, s, &view);
  mc_renderer_view_clear (&view);
}

static void
sdl_set_fullscreen (McRenderer *r, gboolean on)
{
  Sdl *s = mc_renderer_get_backend_data (r);

  if (!s || !s->win)
    return;
  if (SDL_SetWindowFullscreen (s->win, on ? SDL_WINDOW_FULLSCREEN_DESKTOP : 0) != 0)
    MC_WARNING ("fullscreen toggle failed: %s", SDL_GetError ());
  SDL_ShowCursor (on ? SDL_DISABLE : SDL_ENABLE);
  mc_renderer_invalidate (r);
}

static void
sdl_teardown (Sdl *s)
{
  g_clear_pointer (&s->tiles, g_hash_table_unref);
  if (s->self.tex)
    SDL_DestroyTexture (s->self.tex);
  mc_sdl_paint_clear (&s->paint);   /* its textures and fonts before the renderer */
  g_clear_pointer (&s->ren, SDL_DestroyRenderer);
  g_clear_pointer (&s->win, SDL_DestroyWindow);
  if (s->ttf_up)
    TTF_Quit ();
  if (s->sdl_up)
    SDL_QuitSubSystem (SDL_INIT_VIDEO);
  g_free (s->font_path);
  g_free (s);
}

static gboolean
sdl_start (McRenderer *r, GError **error)
{
  const McRendererOptions *o = mc_renderer_get_options (r);
  Sdl *s = g_new0 (Sdl, 1);
  Uint32 flags = SDL_WINDOW_RESIZABLE | SDL_WINDOW_ALLOW_HIGHDPI;

  s->font_path = mc_sdl_paint_find_font (o->font, error);
  if (!s->font_path)
    goto fail;
  /* The program owns the signals (it leaves the call cleanly); SDL must not. */
  SDL_SetHint (SDL_HINT_NO_SIGNAL_HANDLERS, "1");
  SDL_SetHint (SDL_HINT_RENDER_SCALE_QUALITY, "linear");
  if (SDL_InitSubSystem (SDL_INIT_VIDEO) != 0) {
    g_set_error (error, MC_RENDERER_ERROR, MC_RENDERER_ERROR_UNAVAILABLE,
                 "cannot open a display: %s (use --render text or --headless)", SDL_GetError ());
    goto fail;
  }
  s->sdl_up = TRUE;
  {
    /* With no display SDL falls back to its invisible drivers: that is no
     * picture, unless asked for by name (benchmarks). */
    const char *driver = SDL_GetCurrentVideoDriver ();
    const char *wanted = g_getenv ("SDL_VIDEODRIVER");
    if (driver && (g_str_equal (driver, "offscreen") || g_str_equal (driver, "dummy")) &&
        !(wanted && g_ascii_strcasecmp (wanted, driver) == 0)) {
      g_set_error (error, MC_RENDERER_ERROR, MC_RENDERER_ERROR_UNAVAILABLE,
                   "cannot open a display (no $DISPLAY, $WAYLAND_DISPLAY or KMS/DRM; SDL offered only its "
                   "'%s' driver): use --render text or --headless", driver);
      goto fail;
    }
  }
  if (TTF_Init () != 0) {
    g_set_error (error, MC_RENDERER_ERROR, MC_RENDERER_ERROR_UNAVAILABLE, "SDL_ttf: %s", TTF_GetError ());
    goto fail;
  }
  s->ttf_up = TRUE;
  {
    int x = SDL_WINDOWPOS_CENTERED, y = SDL_WINDOWPOS_CENTERED, w = o->width, h = o->height;
    SDL_DisplayMode mode;

    if (o->fullscreen) {
      flags |= SDL_WINDOW_FULLSCREEN_DESKTOP | SDL_WINDOW_BORDERLESS;
      /* A kiosk often has no window manager to honour the fullscreen
       * request (X11 started straight into meshcall): cover the screen. */
      if (SDL_GetDesktopDisplayMode (0, &mode) == 0 && mode.w > 0 && mode.h > 0) {
        x = y = 0;
        w = mode.w;
        h = mode.h;
      }
    }
    s->win = SDL_CreateWindow (o->title, x, y, w, h, flags);
  }
  if (!s->win) {
    g_set_error (error, MC_RENDERER_ERROR, MC_RENDERER_ERROR_UNAVAILABLE, "cannot create a window: %s",
                 SDL_GetError ());
    goto fail;
  }
  /* No vsync: presenting must never block the main loop for a frame. */
  s->ren = SDL_CreateRenderer (s->win, -1, SDL_RENDERER_ACCELERATED);
  if (!s->ren)
    s->ren = SDL_CreateRenderer (s->win, -1, SDL_RENDERER_SOFTWARE);
  if (!s->ren) {
    g_set_error (error, MC_RENDERER_ERROR, MC_RENDERER_ERROR_UNAVAILABLE, "cannot create an SDL renderer: %s",
                 SDL_GetError ());
    goto fail;
  }
  if (o->fullscreen)
    SDL_ShowCursor (SDL_DISABLE);
  s->tiles = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, tile_tex_free);
  mc_sdl_paint_init (&s->paint, s->ren, g_steal_pointer (&s->font_path));
  {
    SDL_RendererInfo info;

    if (SDL_GetRendererInfo (s->ren, &info) == 0)
      MC_INFO ("SDL video driver %s, renderer %s, font %s", SDL_GetCurrentVideoDriver (), info.name,
                s->paint.font_path);
  }
  mc_renderer_set_backend_data (r, s);
  mc_renderer_invalidate (r);
  return TRUE;

fail:
  sdl_teardown (s);
  return FALSE;
}

static void
sdl_stop (McRenderer *r)
{
  Sdl *s = mc_renderer_get_backend_data (r);

  if (!s)
    return;
  mc_renderer_set_backend_data (r, NULL);
  sdl_teardown (s);
}

/* A display to open a window on: X11, Wayland, or KMS/DRM asked for. */
static gboolean
sdl_probe (GError **error)
{
  const char *driver = g_getenv ("SDL_VIDEODRIVER");
  const char *display = g_getenv ("DISPLAY");
  const char *wayland = g_getenv ("WAYLAND_DISPLAY");

  if ((display && *display) || (wayland && *wayland) || (driver && g_ascii_strcasecmp (driver, "kmsdrm") == 0))
    return TRUE;
  g_set_error (error, MC_RENDERER_ERROR, MC_RENDERER_ERROR_UNAVAILABLE,
               "no display ($DISPLAY, $WAYLAND_DISPLAY or SDL_VIDEODRIVER=kmsdrm)");
  return FALSE;
}

const McRendererClass mc_grid_sdl_class = {
  .name = "sdl",
  .where = "a window",
  .when = "when there is a display",
  .probe = sdl_probe,
  .default_max_fps = 60,
  .self_view_width = 320,
  .start = sdl_start,
  .stop = sdl_stop,
  .tick = sdl_tick,
  .set_fullscreen = sdl_set_fullscreen,
};

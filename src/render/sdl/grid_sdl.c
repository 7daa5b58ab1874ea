/* SDL2 grid renderer: see grid_sdl.h.
 *
 * Runs entirely on the main context's thread: the renderer core's tick polls
 * SDL events and draws when the core hands it a view (something changed,
 * at most at the fastest incoming frame rate). What is drawn and where is
 * the scene's (sdl_scene.h), the pictures sdl_video.h's; here are the
 * window, the drawing path and the events.
 *
 * The paths (measured side by side in docs/bench-render.md):
 * - surface: the window's own surface (X11: shared memory), no GL. Frames
 *   are converted and scaled to the tile's size by the streams' threads,
 *   blitted 1:1, and only the rectangles that changed are presented.
 * - software, opengl, opengles2: an SDL_Renderer with that driver; every
 *   present redraws the window, frames are uploaded as YUV textures at the
 *   stream's size and the renderer scales them.
 * auto takes a GL renderer only when it is backed by a GPU (llvmpipe and
 * the other software rasterisers cost several times the surface path). */
#include "meshcall/render/sdl/grid_sdl.h"

#include "meshcall/base/log.h"
#include "meshcall/render/sdl/sdl_scene.h"

#include <SDL.h>
#include <SDL_syswm.h>
#include <string.h>

#define MC_LOG_CATEGORY (&mc_log_render)

typedef enum {
  PATH_AUTO,
  PATH_SURFACE,
  PATH_SOFTWARE,
  PATH_OPENGL,
  PATH_OPENGLES2,
} Path;

static const char *const path_names[] = { "auto", "surface", "software", "opengl", "opengles2", NULL };

typedef struct {
  SDL_Window *win;
  SDL_Renderer *ren;    /* NULL on the surface path */
  Path path;
  char *font_path;      /* until the scene paints; then paint's */
  McSdlScene scene;     /* the paint, the pictures, what was drawn */
  gboolean scene_up;
  gboolean sdl_up, ttf_up;
  gboolean skip_text;   /* the next SDL_TEXTINPUT is the key that opened the chat input */
} Sdl;

gboolean
mc_grid_sdl_check_path (const char *name)
{
  for (guint i = 0; path_names[i]; i++)
    if (g_ascii_strcasecmp (name ? name : "auto", path_names[i]) == 0)
      return TRUE;
  return FALSE;
}

const char *const *
mc_grid_sdl_path_names (void)
{
  return path_names;
}

static Path
path_from_string (const char *name)
{
  for (guint i = 0; path_names[i]; i++)
    if (g_ascii_strcasecmp (name ? name : "auto", path_names[i]) == 0)
      return (Path) i;
  return PATH_AUTO;
}

static void
render (McRenderer *r, Sdl *s, McRendererView *view)
{
  gint64 start = g_get_monotonic_time ();
  McRenderPresentInfo info = { 0 };
  McSdlSceneResult res;
  McSdlPaint *p = &s->scene.paint;
  int out_w = 0, out_h = 0;

  if (s->ren) {
    SDL_GetRendererOutputSize (s->ren, &out_w, &out_h);
  } else {
    /* A new surface after a resize; the new size repaints everything. */
    SDL_Surface *surface = SDL_GetWindowSurface (s->win);

    if (!surface)
      return;
    mc_sdl_paint_set_surface (p, surface);
    out_w = surface->w;
    out_h = surface->h;
  }
  if (out_w <= 0 || out_h <= 0 || !mc_sdl_paint_open_fonts (p, out_h))
    return;
  mc_sdl_paint_begin_frame (p);
  if (s->ren)
    SDL_SetRenderDrawBlendMode (s->ren, SDL_BLENDMODE_BLEND);
  mc_sdl_scene_draw (&s->scene, r, view, out_w, out_h, &res);
  if (s->ren)
    SDL_RenderPresent (s->ren);
  else if (res.n_regions > 0)
    SDL_UpdateWindowSurfaceRects (s->win, res.regions, (int) res.n_regions);
  mc_sdl_paint_end_frame (p, res.full);

  info.n_uploaded = res.n_uploaded;
  info.n_drawn = res.n_drawn;
  info.full = res.full;
  info.render_us = g_get_monotonic_time () - start;
  info.max_latency_us = res.n_uploaded ? g_get_monotonic_time () - res.oldest_push_us : -1;
  mc_renderer_report_present_info (r, view, &info);
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
      /* Exposed, resized, shown: the surface path repaints it all too. */
      if (s->scene_up)
        mc_sdl_scene_invalidate (&s->scene);
      mc_renderer_invalidate (r);
      break;
    case SDL_RENDER_TARGETS_RESET:
    case SDL_RENDER_DEVICE_RESET:
      if (s->scene_up)
        mc_sdl_scene_forget (&s->scene);
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
  if (s->scene_up) {
    mc_sdl_scene_clear (&s->scene);      /* textures before the renderer */
    mc_sdl_paint_clear (&s->scene.paint);
  }
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
open_display (Sdl *s, GError **error)
{
  const char *driver, *wanted = g_getenv ("SDL_VIDEODRIVER");

  /* The program owns the signals (it leaves the call cleanly); SDL must not. */
  SDL_SetHint (SDL_HINT_NO_SIGNAL_HANDLERS, "1");
  SDL_SetHint (SDL_HINT_RENDER_SCALE_QUALITY, "linear");
  /* The window surface as the display's own memory (X11: MIT-SHM), not a
   * GL texture SDL would draw it through. */
  SDL_SetHint (SDL_HINT_FRAMEBUFFER_ACCELERATION, "0");
  if (SDL_InitSubSystem (SDL_INIT_VIDEO) != 0) {
    g_set_error (error, MC_RENDERER_ERROR, MC_RENDERER_ERROR_UNAVAILABLE,
                 "cannot open a display: %s (use --render text or --headless)", SDL_GetError ());
    return FALSE;
  }
  s->sdl_up = TRUE;
  /* With no display SDL falls back to its invisible drivers: that is no
   * picture, unless asked for by name (benchmarks, tests). */
  driver = SDL_GetCurrentVideoDriver ();
  if (driver && (g_str_equal (driver, "offscreen") || g_str_equal (driver, "dummy")) &&
      !(wanted && g_ascii_strcasecmp (wanted, driver) == 0)) {
    g_set_error (error, MC_RENDERER_ERROR, MC_RENDERER_ERROR_UNAVAILABLE,
                 "cannot open a display (no $DISPLAY, $WAYLAND_DISPLAY or KMS/DRM; SDL offered only its "
                 "'%s' driver): use --render text or --headless", driver);
    return FALSE;
  }
  if (TTF_Init () != 0) {
    g_set_error (error, MC_RENDERER_ERROR, MC_RENDERER_ERROR_UNAVAILABLE, "SDL_ttf: %s", TTF_GetError ());
    return FALSE;
  }
  s->ttf_up = TRUE;
  return TRUE;
}

/* Whether a window manager runs on the window's X display (it owns the
 * WM_S0 selection). Other video drivers: taken as yes. */
static gboolean
have_window_manager (SDL_Window *win)
{
#ifdef SDL_VIDEO_DRIVER_X11
  SDL_SysWMinfo info;

  SDL_VERSION (&info.version);
  if (SDL_GetWindowWMInfo (win, &info) && info.subsystem == SDL_SYSWM_X11) {
    Display *dpy = info.info.x11.display;

    return XGetSelectionOwner (dpy, XInternAtom (dpy, "WM_S0", False)) != None;
  }
#endif
  return TRUE;
}

static gboolean
create_window (Sdl *s, const McRendererOptions *o, GError **error)
{
  Uint32 flags = SDL_WINDOW_RESIZABLE | SDL_WINDOW_ALLOW_HIGHDPI;
  int x = SDL_WINDOWPOS_CENTERED, y = SDL_WINDOWPOS_CENTERED, w = o->width, h = o->height;
  SDL_DisplayMode mode;

  if (o->fullscreen) {
    flags |= SDL_WINDOW_BORDERLESS;
    /* A kiosk often has no window manager to honour the fullscreen
     * request (X11 started straight into meshcall): cover the screen. */
    if (SDL_GetDesktopDisplayMode (0, &mode) == 0 && mode.w > 0 && mode.h > 0) {
      x = y = 0;
      w = mode.w;
      h = mode.h;
    }
  }
  s->win = SDL_CreateWindow (o->title, x, y, w, h, flags);
  if (!s->win) {
    g_set_error (error, MC_RENDERER_ERROR, MC_RENDERER_ERROR_UNAVAILABLE, "cannot create a window: %s",
                 SDL_GetError ());
    return FALSE;
  }
  /* Fullscreen is asked of the window manager, and SDL waits 100 ms for an
   * answer that never comes without one (the join would wait with it): the
   * borderless window over the whole screen is the kiosk's picture then. */
  if (o->fullscreen && have_window_manager (s->win) &&
      SDL_SetWindowFullscreen (s->win, SDL_WINDOW_FULLSCREEN_DESKTOP) != 0)
    MC_WARNING ("fullscreen failed: %s", SDL_GetError ());
  return TRUE;
}

/* A GPU for GL to use: a DRM device or NVIDIA's. Without one, Mesa's GL is
 * llvmpipe, which costs several times the window surface. */
static gboolean
have_gpu_device (void)
{
  g_autoptr (GDir) dir = g_dir_open ("/dev/dri", 0, NULL);
  const char *name;

  while (dir && (name = g_dir_read_name (dir)))
    if (g_str_has_prefix (name, "renderD") || g_str_has_prefix (name, "card"))
      return TRUE;
  return g_file_test ("/dev/nvidia0", G_FILE_TEST_EXISTS);
}

/* The current GL context's GL_RENDERER names a software rasteriser. */
static gboolean
gl_is_software (void)
{
  typedef const unsigned char *(*GetString) (unsigned int);
  GetString get_string = (GetString) SDL_GL_GetProcAddress ("glGetString");
  const char *name = get_string ? (const char *) get_string (0x1F01 /* GL_RENDERER */) : NULL;
  static const char *const software[] = { "llvmpipe", "softpipe", "swrast", "SwiftShader", "Software Rasterizer" };

  MC_INFO ("GL renderer: %s", name ? name : "(unknown)");
  if (!name)
    return TRUE;
  for (gsize i = 0; i < G_N_ELEMENTS (software); i++)
    if (strstr (name, software[i]))
      return TRUE;
  return FALSE;
}

/* An SDL_Renderer of that driver (NULL: SDL's first accelerated one). No
 * vsync: presenting must never block the main loop for a frame. */
static gboolean
open_renderer (Sdl *s, const char *driver, GError **error)
{
  int index = -1;

  for (int i = 0; driver && i < SDL_GetNumRenderDrivers (); i++) {
    SDL_RendererInfo info;

    if (SDL_GetRenderDriverInfo (i, &info) == 0 && g_str_equal (info.name, driver))
      index = i;
  }
  if (driver && index < 0) {
    g_set_error (error, MC_RENDERER_ERROR, MC_RENDERER_ERROR_UNAVAILABLE,
                 "this SDL has no '%s' renderer (--render-path surface needs none)", driver);
    return FALSE;
  }
  s->ren = SDL_CreateRenderer (s->win, index, g_strcmp0 (driver, "software") == 0 ? SDL_RENDERER_SOFTWARE : 0);
  if (!s->ren) {
    g_set_error (error, MC_RENDERER_ERROR, MC_RENDERER_ERROR_UNAVAILABLE, "cannot create an SDL %s renderer: %s",
                 driver ? driver : "accelerated", SDL_GetError ());
    return FALSE;
  }
  return TRUE;
}

/* auto: a GL renderer where a GPU backs it, else the window surface. */
static gboolean
open_auto (Sdl *s)
{
  SDL_RendererInfo info;

  if (!have_gpu_device () && g_strcmp0 (g_getenv ("SDL_VIDEODRIVER"), "kmsdrm") != 0)
    return FALSE;
  if (!open_renderer (s, NULL, NULL))
    return FALSE;
  if (SDL_GetRendererInfo (s->ren, &info) == 0 && (info.flags & SDL_RENDERER_ACCELERATED) &&
      g_str_has_prefix (info.name, "opengl") && !gl_is_software ())
    return TRUE;
  g_clear_pointer (&s->ren, SDL_DestroyRenderer);
  return FALSE;
}

static gboolean
open_path (Sdl *s, const McRendererOptions *o, GError **error)
{
  s->path = path_from_string (o->path);
  if (s->path == PATH_AUTO)
    s->path = open_auto (s) ? PATH_OPENGL : PATH_SURFACE;
  else if (s->path != PATH_SURFACE && !open_renderer (s, path_names[s->path], error))
    return FALSE;
  if (s->path == PATH_SURFACE && !SDL_GetWindowSurface (s->win)) {
    g_set_error (error, MC_RENDERER_ERROR, MC_RENDERER_ERROR_UNAVAILABLE, "the window has no surface to draw on: %s",
                 SDL_GetError ());
    return FALSE;
  }
  return TRUE;
}

typedef struct {
  const char *font;
  GError *error;
} FontLookup;

static gpointer
find_font_thread (gpointer data)
{
  FontLookup *f = data;

  return mc_sdl_paint_find_font (f->font, &f->error);
}

static gboolean
sdl_start (McRenderer *r, GError **error)
{
  const McRendererOptions *o = mc_renderer_get_options (r);
  Sdl *s = g_new0 (Sdl, 1);
  SDL_RendererInfo info;
  FontLookup font = { o->font, NULL };
  GThread *font_thread;
  gboolean up;

  /* Fontconfig's start (10-15 ms: its configuration and caches) runs beside
   * the display's and the window's: both are on the join's path to its
   * first picture. */
  font_thread = g_thread_new ("mc-font", find_font_thread, &font);
  up = open_display (s, error) && create_window (s, o, error) && open_path (s, o, error);
  s->font_path = g_thread_join (font_thread);
  if (up && !s->font_path)
    g_propagate_error (error, g_steal_pointer (&font.error));
  g_clear_error (&font.error);
  if (!up || !s->font_path) {
    sdl_teardown (s);
    return FALSE;
  }
  if (o->fullscreen)
    SDL_ShowCursor (SDL_DISABLE);
  mc_sdl_paint_init (&s->scene.paint, s->ren, s->ren ? NULL : SDL_GetWindowSurface (s->win),
                     g_steal_pointer (&s->font_path));
  mc_sdl_scene_init (&s->scene, s->ren == NULL);
  s->scene_up = TRUE;
  MC_INFO ("SDL video driver %s, drawing on %s, font %s", SDL_GetCurrentVideoDriver (),
           s->ren && SDL_GetRendererInfo (s->ren, &info) == 0 ? info.name : "the window surface",
           s->scene.paint.font_path);
  mc_renderer_set_backend_data (r, s);
  mc_renderer_invalidate (r);
  return TRUE;
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
  .prepare = mc_sdl_video_prepare,
  .default_max_fps = 60,
  .self_view_width = 320,
  .start = sdl_start,
  .stop = sdl_stop,
  .tick = sdl_tick,
  .set_fullscreen = sdl_set_fullscreen,
};

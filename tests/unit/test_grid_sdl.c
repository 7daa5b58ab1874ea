/* Unit tests for the SDL grid on SDL's dummy video driver (a real window
 * surface in memory, no display): on the surface path a tile whose frame
 * and words did not change is not repainted, a new frame repaints only its
 * tile (and what lies over it), a change of layout repaints everything; the
 * pixels on the surface are the frames' colours after each kind of
 * repaint; the software renderer path redraws everything; and prepare
 * converts and scales frames of every layout to the tile's size. Real
 * samples from videotestsrc pipelines. */
#include "meshcall/render/renderer.h"
#include "meshcall/render/sdl/grid_sdl.h"
#include "meshcall/render/sdl/sdl_video.h"

#include "video_sample.h"

#include <SDL.h>
#include <gst/app/gstappsink.h>
#include <gst/video/video.h>

static GstSample *
make_sample (const char *format, int width, int height, guint32 argb)
{
  return test_video_sample (format, width, height, argb);
}

static gint64 now_us;

static gint64
test_clock (void)
{
  return now_us;
}

typedef struct {
  guint presents;
  McRenderPresentInfo last;
} Presents;

static void
on_presented (McRenderer *r, const McRenderPresentInfo *info, gpointer data)
{
  Presents *p = data;

  p->presents++;
  p->last = *info;
}

static McRenderer *
start_grid (const char *path, Presents *presents)
{
  McRendererOptions opts = { 0 };
  g_autoptr (GError) error = NULL;
  McRenderer *r;

  opts.path = path;
  opts.width = 640;
  opts.height = 360;
  opts.max_fps = 60;
  opts.call_id = "unit";
  opts.clock = test_clock;
  opts.presented = on_presented;
  opts.user_data = presents;
  r = mc_renderer_new (&mc_grid_sdl_class, &opts, &error);
  g_assert_no_error (error);
  g_assert_true (mc_renderer_start (r, &error));
  g_assert_no_error (error);
  return r;
}

/* One tick of the back end, a second of fake time after the last: any frame
 * is due. */
static void
tick (McRenderer *r)
{
  now_us += G_TIME_SPAN_SECOND;
  mc_grid_sdl_class.tick (r);
}

/* "R G B" of the window surface at (x, y). */
static void
pixel_at (int x, int y, guint8 rgb[3])
{
  SDL_Window *win = SDL_GetWindowFromID (1);
  SDL_Surface *s;
  Uint32 px;

  g_assert_nonnull (win);
  s = SDL_GetWindowSurface (win);
  g_assert_nonnull (s);
  g_assert_cmpint (s->format->BytesPerPixel, ==, 4);
  px = ((Uint32 *) ((Uint8 *) s->pixels + y * s->pitch))[x];
  SDL_GetRGB (px, s->format, &rgb[0], &rgb[1], &rgb[2]);
}

static void
assert_color (int x, int y, guint8 r, guint8 g, guint8 b)
{
  guint8 rgb[3];

  pixel_at (x, y, rgb);
  if (ABS (rgb[0] - r) > 40 || ABS (rgb[1] - g) > 40 || ABS (rgb[2] - b) > 40)
    g_error ("pixel (%d,%d) is %u %u %u, want about %u %u %u", x, y, rgb[0], rgb[1], rgb[2], r, g, b);
}

/* 640x360, two 4:3 tiles side by side: cells 320 wide, pictures about
 * 312x234 centred in them (y 63..297). */
static void
test_surface_repaints (void)
{
  Presents p = { 0 };
  g_autoptr (McRenderer) r = start_grid ("surface", &p);
  g_autoptr (GstSample) red = make_sample ("I420", 320, 240, 0xffff0000);
  g_autoptr (GstSample) blue = make_sample ("I420", 320, 240, 0xff0000ff);
  g_autoptr (GstSample) green = make_sample ("NV12", 320, 240, 0xff00ff00);
  guint presents;

  now_us = G_TIME_SPAN_SECOND;
  mc_renderer_add_tile (r, "a", "Alice");
  mc_renderer_add_tile (r, "b", "Bob");
  mc_renderer_push_frame (r, "a", red);
  mc_renderer_push_frame (r, "b", blue);
  tick (r);
  g_assert_cmpuint (p.presents, ==, 1);
  g_assert_true (p.last.full);
  g_assert_cmpuint (p.last.n_drawn, ==, 2);
  g_assert_cmpuint (p.last.n_uploaded, ==, 2);
  assert_color (160, 180, 255, 0, 0);
  assert_color (480, 180, 0, 0, 255);
  assert_color (320, 20, 0x14, 0x14, 0x14);  /* the background above */

  /* Nothing new: nothing drawn, nothing presented. */
  tick (r);
  tick (r);
  g_assert_cmpuint (p.presents, ==, 1);

  /* A new frame for a alone (prepared at the tile's size by the push):
   * only a is repainted, b's pixels stay. */
  mc_renderer_push_frame (r, "a", green);
  tick (r);
  g_assert_cmpuint (p.presents, ==, 2);
  g_assert_false (p.last.full);
  g_assert_cmpuint (p.last.n_drawn, ==, 1);
  g_assert_cmpuint (p.last.n_uploaded, ==, 1);
  assert_color (160, 180, 0, 255, 0);
  assert_color (480, 180, 0, 0, 255);

  /* New words on b (a mark): b alone again. */
  mc_renderer_set_tile_flags (r, "b", MC_TILE_MUTED);
  tick (r);
  g_assert_false (p.last.full);
  g_assert_cmpuint (p.last.n_drawn, ==, 1);
  g_assert_cmpuint (p.last.n_uploaded, ==, 0);
  assert_color (480, 180, 0, 0, 255);

  /* The banner lies over both: everything, drawn from the frames kept. */
  mc_renderer_set_status (r, "Reconnecting");
  presents = p.presents;
  tick (r);
  g_assert_cmpuint (p.presents, ==, presents + 1);
  g_assert_true (p.last.full);
  g_assert_cmpuint (p.last.n_drawn, ==, 2);
  assert_color (160, 180, 0, 255, 0);
  assert_color (480, 180, 0, 0, 255);

  /* b leaves: a fills the window (a new layout, the frame made again at its new size). */
  mc_renderer_set_status (r, NULL);
  mc_renderer_remove_tile (r, "b");
  tick (r);
  g_assert_true (p.last.full);
  g_assert_cmpuint (p.last.n_drawn, ==, 1);
  assert_color (480, 180, 0, 255, 0);
  assert_color (200, 100, 0, 255, 0);
}

/* The software renderer redraws the whole window for every present. */
static void
test_software_redraws_all (void)
{
  Presents p = { 0 };
  g_autoptr (McRenderer) r = start_grid ("software", &p);
  g_autoptr (GstSample) red = make_sample ("I420", 320, 240, 0xffff0000);

  now_us = G_TIME_SPAN_SECOND;
  mc_renderer_add_tile (r, "a", "Alice");
  mc_renderer_add_tile (r, "b", "Bob");
  mc_renderer_push_frame (r, "a", red);
  mc_renderer_push_frame (r, "b", red);
  tick (r);
  mc_renderer_push_frame (r, "a", red);
  tick (r);
  g_assert_cmpuint (p.presents, ==, 2);
  g_assert_true (p.last.full);
  g_assert_cmpuint (p.last.n_drawn, ==, 2);
  g_assert_cmpuint (p.last.n_uploaded, ==, 1);
}

/* prepare: every format the grid takes, odd sizes (planes padded), scaled
 * down and up, to BGRx of the target's size and the frame's colour. */
static void
test_prepare_formats (void)
{
  static const struct {
    const char *format;
    int w, h, tw, th;
  } cases[] = {
    { "I420", 320, 240, 160, 120 }, { "I420", 318, 238, 211, 157 }, { "YV12", 320, 240, 640, 480 },
    { "NV12", 318, 238, 100, 75 },  { "NV21", 320, 240, 320, 240 }, { "YUY2", 320, 240, 300, 200 },
    { "UYVY", 320, 240, 160, 120 }, { "BGRx", 320, 240, 160, 120 }, { "RGBA", 320, 240, 161, 121 },
    { "RGB", 320, 240, 320, 240 },  { "BGR", 322, 242, 160, 120 },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr (GstSample) in = make_sample (cases[i].format, cases[i].w, cases[i].h, 0xffff8000);
    McRendererTarget target = { cases[i].tw, cases[i].th, MC_SDL_VIDEO_PREPARED_FORMAT };
    g_autoptr (GstSample) out = mc_sdl_video_prepare (in, &target);
    GstVideoInfo info;
    GstVideoFrame f;
    const guint8 *px;

    g_assert_nonnull (out);
    g_assert_true (gst_video_info_from_caps (&info, gst_sample_get_caps (out)));
    g_assert_cmpint (GST_VIDEO_INFO_FORMAT (&info), ==, GST_VIDEO_FORMAT_BGRx);
    g_assert_cmpint (GST_VIDEO_INFO_WIDTH (&info), ==, cases[i].tw);
    g_assert_cmpint (GST_VIDEO_INFO_HEIGHT (&info), ==, cases[i].th);
    g_assert_true (gst_video_frame_map (&f, &info, gst_sample_get_buffer (out), GST_MAP_READ));
    px = (const guint8 *) GST_VIDEO_FRAME_PLANE_DATA (&f, 0) + (cases[i].th / 2) * GST_VIDEO_FRAME_PLANE_STRIDE (&f, 0) +
         (cases[i].tw / 2) * 4;
    /* Orange: B, G, R in memory. */
    if (px[0] > 50 || ABS (px[1] - 0x80) > 40 || px[2] < 200)
      g_error ("%s %dx%d -> %dx%d: centre is B%u G%u R%u, want orange", cases[i].format, cases[i].w, cases[i].h,
               cases[i].tw, cases[i].th, px[0], px[1], px[2]);
    gst_video_frame_unmap (&f);
  }
  {
    /* No target yet, or a format it does not make: NULL (drawn from the frame). */
    g_autoptr (GstSample) in = make_sample ("I420", 64, 48, 0xff000000);
    McRendererTarget none = { 0 }, other = { 64, 48, SDL_PIXELFORMAT_RGB565 };

    g_assert_null (mc_sdl_video_prepare (in, &none));
    g_assert_null (mc_sdl_video_prepare (in, &other));
  }
}

int
main (int argc, char **argv)
{
  /* Asked for by name, the grid accepts SDL's invisible driver. */
  g_setenv ("SDL_VIDEODRIVER", "dummy", TRUE);
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/grid-sdl/surface-repaints", test_surface_repaints);
  g_test_add_func ("/grid-sdl/software-redraws-all", test_software_redraws_all);
  g_test_add_func ("/grid-sdl/prepare-formats", test_prepare_formats);
  return g_test_run ();
}

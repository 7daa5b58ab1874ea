/* render-convert: what it costs to make a 640x480 I420 frame into the
 * XRGB8888 picture of a tile, by each way the SDL grid could do it (issue
 * 13: "I420/NV12 textures against a conversion in GStreamer"), for the tile
 * sizes of 2, 3 and 6 participants in a 1280x720 window and the self view:
 *   gst-convert    one GstVideoConverter, I420 -> BGRx at the tile's size (linear)
 *   gst-2step      GstVideoConverter I420 -> BGRx, then BGRx scaled (linear)
 *   sdl            SDL_ConvertPixels, then SDL_SoftStretchLinear
 *   libyuv         I420ToARGB, then ARGBScale (bilinear): what the grid does
 *   libyuv-planes  I420Scale (bilinear), then I420ToARGB at the tile's size
 * Milliseconds per frame, the median of REPEAT batches of ITERATIONS.
 *   render-convert [ITERATIONS] [REPEAT] > bench/results/render-convert.json */
#include <SDL.h>
#include <gst/gst.h>
#include <gst/video/video.h>
#include <libyuv.h>
#include <stdio.h>
#include <stdlib.h>

#define SRC_W 640
#define SRC_H 480

typedef struct {
  guint8 *y, *u, *v;        /* the source frame */
  guint8 *rgb;              /* the source in XRGB */
  guint8 *ty, *tu, *tv;     /* the source scaled, planar */
  guint8 *out;              /* the tile */
  int w, h;
  GstVideoConverter *conv, *to_rgb, *scale;
  GstVideoFrame src_frame, rgb_frame, out_frame;
} Job;

static GstStructure *
linear (void)
{
  return gst_structure_new ("options", GST_VIDEO_CONVERTER_OPT_RESAMPLER_METHOD, GST_TYPE_VIDEO_RESAMPLER_METHOD,
                            GST_VIDEO_RESAMPLER_METHOD_LINEAR, NULL);
}

static void
map_wrapped (GstVideoFrame *f, GstVideoFormat format, int w, int h, guint8 *data)
{
  GstVideoInfo info;
  GstBuffer *buf;

  gst_video_info_set_format (&info, format, w, h);
  buf = gst_buffer_new_wrapped_full (0, data, info.size, 0, info.size, NULL, NULL);
  gst_video_frame_map (f, &info, buf, GST_MAP_READWRITE);
  gst_buffer_unref (buf);   /* the frame holds its own reference */
}

static void
job_init (Job *j, int w, int h)
{
  GstVideoInfo src, rgb, out;

  j->w = w;
  j->h = h;
  j->y = g_malloc (SRC_W * SRC_H * 3 / 2);
  for (int i = 0; i < SRC_W * SRC_H * 3 / 2; i++)
    j->y[i] = (guint8) (i * 7 + i / 641);
  j->u = j->y + SRC_W * SRC_H;
  j->v = j->u + SRC_W * SRC_H / 4;
  j->rgb = g_malloc (SRC_W * SRC_H * 4);
  j->ty = g_malloc ((gsize) w * h * 2);
  j->tu = j->ty + (gsize) w * h;
  j->tv = j->tu + (gsize) ((w + 1) / 2) * ((h + 1) / 2);
  j->out = g_malloc ((gsize) w * h * 4);
  gst_video_info_set_format (&src, GST_VIDEO_FORMAT_I420, SRC_W, SRC_H);
  gst_video_info_set_format (&rgb, GST_VIDEO_FORMAT_BGRx, SRC_W, SRC_H);
  gst_video_info_set_format (&out, GST_VIDEO_FORMAT_BGRx, w, h);
  j->conv = gst_video_converter_new (&src, &out, linear ());
  j->to_rgb = gst_video_converter_new (&src, &rgb, NULL);
  j->scale = gst_video_converter_new (&rgb, &out, linear ());
  map_wrapped (&j->src_frame, GST_VIDEO_FORMAT_I420, SRC_W, SRC_H, j->y);
  map_wrapped (&j->rgb_frame, GST_VIDEO_FORMAT_BGRx, SRC_W, SRC_H, j->rgb);
  map_wrapped (&j->out_frame, GST_VIDEO_FORMAT_BGRx, w, h, j->out);
}

static void
job_clear (Job *j)
{
  gst_video_frame_unmap (&j->src_frame);
  gst_video_frame_unmap (&j->rgb_frame);
  gst_video_frame_unmap (&j->out_frame);
  gst_video_converter_free (j->conv);
  gst_video_converter_free (j->to_rgb);
  gst_video_converter_free (j->scale);
  g_free (j->y);
  g_free (j->rgb);
  g_free (j->ty);
  g_free (j->out);
}

static void
way_gst_convert (Job *j)
{
  gst_video_converter_frame (j->conv, &j->src_frame, &j->out_frame);
}

static void
way_gst_2step (Job *j)
{
  gst_video_converter_frame (j->to_rgb, &j->src_frame, &j->rgb_frame);
  gst_video_converter_frame (j->scale, &j->rgb_frame, &j->out_frame);
}

static void
way_sdl (Job *j)
{
  SDL_Surface *src, *dst;

  SDL_ConvertPixels (SRC_W, SRC_H, SDL_PIXELFORMAT_IYUV, j->y, SRC_W, SDL_PIXELFORMAT_XRGB8888, j->rgb, SRC_W * 4);
  src = SDL_CreateRGBSurfaceWithFormatFrom (j->rgb, SRC_W, SRC_H, 32, SRC_W * 4, SDL_PIXELFORMAT_XRGB8888);
  dst = SDL_CreateRGBSurfaceWithFormatFrom (j->out, j->w, j->h, 32, j->w * 4, SDL_PIXELFORMAT_XRGB8888);
  SDL_SoftStretchLinear (src, NULL, dst, NULL);
  SDL_FreeSurface (src);
  SDL_FreeSurface (dst);
}

static void
way_libyuv (Job *j)
{
  I420ToARGB (j->y, SRC_W, j->u, SRC_W / 2, j->v, SRC_W / 2, j->rgb, SRC_W * 4, SRC_W, SRC_H);
  ARGBScale (j->rgb, SRC_W * 4, SRC_W, SRC_H, j->out, j->w * 4, j->w, j->h, kFilterBilinear);
}

static void
way_libyuv_planes (Job *j)
{
  int cw = (j->w + 1) / 2;

  I420Scale (j->y, SRC_W, j->u, SRC_W / 2, j->v, SRC_W / 2, SRC_W, SRC_H, j->ty, j->w, j->tu, cw, j->tv, cw, j->w,
             j->h, kFilterBilinear);
  I420ToARGB (j->ty, j->w, j->tu, cw, j->tv, cw, j->out, j->w * 4, j->w, j->h);
}

static int
cmp_double (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

int
main (int argc, char **argv)
{
  static const struct {
    const char *name;
    void (*run) (Job *j);
  } ways[] = {
    { "gst-convert", way_gst_convert }, { "gst-2step", way_gst_2step }, { "sdl", way_sdl },
    { "libyuv", way_libyuv }, { "libyuv-planes", way_libyuv_planes },
  };
  /* 2, 3 and 6 participants fullscreen at 1280x720, the self view, and 1:1. */
  static const int sizes[][2] = { { 960, 720 }, { 628, 471 }, { 418, 313 }, { 256, 192 }, { 640, 480 } };
  int iterations = argc > 1 ? atoi (argv[1]) : 100, repeat = argc > 2 ? atoi (argv[2]) : 5;
  double loads[3] = { 0 };
  FILE *f = fopen ("/proc/loadavg", "r");

  gst_init (&argc, &argv);
  if (f) {
    if (fscanf (f, "%lf %lf %lf", &loads[0], &loads[1], &loads[2]) != 3)
      loads[0] = -1;
    fclose (f);
  }
  printf ("{\n  \"benchmark\": \"render-convert\",\n  \"source\": \"640x480 I420\",\n  \"iterations\": %d, \"repeat\": %d,\n"
          "  \"load_average_at_start\": [%.2f, %.2f, %.2f],\n  \"unit\": \"ms per frame, median of the batches\",\n"
          "  \"results\": [\n", iterations, repeat, loads[0], loads[1], loads[2]);
  for (gsize s = 0; s < G_N_ELEMENTS (sizes); s++) {
    Job j;

    job_init (&j, sizes[s][0], sizes[s][1]);
    printf ("    { \"tile\": \"%dx%d\"", j.w, j.h);
    for (gsize w = 0; w < G_N_ELEMENTS (ways); w++) {
      double batch[64];
      int n = MIN (repeat, 64);

      for (int r = 0; r < n; r++) {
        gint64 t = g_get_monotonic_time ();
        for (int i = 0; i < iterations; i++)
          ways[w].run (&j);
        batch[r] = (g_get_monotonic_time () - t) / 1000.0 / iterations;
      }
      qsort (batch, n, sizeof batch[0], cmp_double);
      printf (", \"%s\": %.3f", ways[w].name, batch[n / 2]);
    }
    printf (" }%s\n", s + 1 < G_N_ELEMENTS (sizes) ? "," : "");
    job_clear (&j);
  }
  printf ("  ]\n}\n");
  return 0;
}

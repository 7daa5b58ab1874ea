/* Unit tests for the grid layout (layout.c): expected arrangements for 0-5
 * remotes, and properties over many window shapes: every tile inside the
 * window, no two cells overlapping, video inside its cell with its aspect. */
#include "meshcall/render/layout.h"
#include "meshcall/base/log.h"

#include <math.h>

static gboolean
rect_inside (McRect in, McRect out)
{
  return in.x >= out.x && in.y >= out.y && in.x + in.w <= out.x + out.w && in.y + in.h <= out.y + out.h;
}

static gboolean
rects_overlap (McRect a, McRect b)
{
  return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

static void
check_properties (int w, int h, guint n, const double *aspects, const McLayoutParams *p)
{
  McLayoutTile t[MC_LAYOUT_MAX_TILES];
  McRect win = { 0, 0, w, h };
  int cols = 0;
  int rows = mc_layout_compute (w, h, n, aspects, p, t, &cols);

  if (n == 0) {
    g_assert_cmpint (rows, ==, 0);
    return;
  }
  if (rows == 0) {
    /* Only allowed when the window cannot give every tile a pixel. */
    g_assert_true (w <= 0 || h <= 0 || (guint) w * (guint) h < n);
    return;
  }
  g_assert_cmpint (rows * cols, >=, (int) n);
  g_assert_cmpint ((rows - 1) * cols, <, (int) n);
  for (guint i = 0; i < n; i++) {
    double a = aspects ? aspects[i] : 4.0 / 3.0;

    if (!isfinite (a) || a <= 0.01 || a > 100.0)
      a = 4.0 / 3.0;
    g_assert_true (rect_inside (t[i].cell, win));
    g_assert_cmpint (t[i].cell.w, >, 0);
    g_assert_cmpint (t[i].cell.h, >, 0);
    for (guint j = 0; j < i; j++)
      g_assert_false (rects_overlap (t[i].cell, t[j].cell));
    if (t[i].video.w == 0)
      continue;  /* cell smaller than padding + label: nothing drawn */
    g_assert_true (rect_inside (t[i].video, t[i].cell));
    g_assert_true (rect_inside (t[i].label, t[i].cell));
    g_assert_false (rects_overlap (t[i].video, t[i].label));
    /* Aspect kept up to rounding: one dimension fills the box, the other
     * is within a pixel of the exact value (or clamped to >= 1). */
    if (t[i].video.w > 2 && t[i].video.h > 2) {
      double exact_w = t[i].video.h * a;
      double exact_h = t[i].video.w / a;
      g_assert_true (fabs (t[i].video.w - exact_w) <= 1.0 || fabs (t[i].video.h - exact_h) <= 1.0);
    }
  }
}

static void
test_empty (void)
{
  McLayoutTile t[1];
  int cols = 7;

  g_assert_cmpint (mc_layout_compute (800, 600, 0, NULL, NULL, t, &cols), ==, 0);
  g_assert_cmpint (cols, ==, 0);
  g_assert_cmpint (mc_layout_compute (0, 600, 1, NULL, NULL, t, &cols), ==, 0);
  g_assert_cmpint (mc_layout_compute (800, -5, 1, NULL, NULL, t, &cols), ==, 0);
}

static void
test_one_fills_window (void)
{
  McLayoutTile t[1];
  double a = 4.0 / 3.0;

  g_assert_cmpint (mc_layout_compute (800, 600, 1, &a, NULL, t, NULL), ==, 1);
  g_assert_cmpint (t[0].cell.x, ==, 0);
  g_assert_cmpint (t[0].cell.y, ==, 0);
  g_assert_cmpint (t[0].cell.w, ==, 800);
  g_assert_cmpint (t[0].cell.h, ==, 600);
  g_assert_cmpint (t[0].video.w, ==, 800);
  g_assert_cmpint (t[0].video.h, ==, 600);

  /* 16:9 window, 4:3 video: pillarboxed, centred. */
  g_assert_cmpint (mc_layout_compute (1920, 1080, 1, &a, NULL, t, NULL), ==, 1);
  g_assert_cmpint (t[0].video.w, ==, 1440);
  g_assert_cmpint (t[0].video.h, ==, 1080);
  g_assert_cmpint (t[0].video.x, ==, 240);
  g_assert_cmpint (t[0].video.y, ==, 0);
}

static void
test_two (void)
{
  McLayoutTile t[2];
  int cols;

  /* Wide window: side by side. */
  g_assert_cmpint (mc_layout_compute (1280, 720, 2, NULL, NULL, t, &cols), ==, 1);
  g_assert_cmpint (cols, ==, 2);
  g_assert_cmpint (t[0].cell.y, ==, t[1].cell.y);
  g_assert_cmpint (t[0].cell.x, <, t[1].cell.x);
  /* 4:3 window, 4:3 video: equal area either way, side by side preferred. */
  g_assert_cmpint (mc_layout_compute (800, 600, 2, NULL, NULL, t, &cols), ==, 1);
  /* Tall (portrait) window: stacked. */
  g_assert_cmpint (mc_layout_compute (600, 1000, 2, NULL, NULL, t, &cols), ==, 2);
  g_assert_cmpint (cols, ==, 1);
  g_assert_cmpint (t[0].cell.x, ==, t[1].cell.x);
  g_assert_cmpint (t[0].cell.y, <, t[1].cell.y);
}

static void
test_three_four_are_2x2 (void)
{
  static const int sizes[][2] = { { 1920, 1080 }, { 1024, 768 }, { 800, 600 }, { 1280, 1024 } };
  McLayoutTile t[4];

  for (gsize s = 0; s < G_N_ELEMENTS (sizes); s++) {
    for (guint n = 3; n <= 4; n++) {
      int cols;
      int rows = mc_layout_compute (sizes[s][0], sizes[s][1], n, NULL, NULL, t, &cols);

      g_assert_cmpint (rows, ==, 2);
      g_assert_cmpint (cols, ==, 2);
    }
  }
  /* With 3 tiles the lone tile of the bottom row is centred. */
  mc_layout_compute (1000, 600, 3, NULL, NULL, t, NULL);
  g_assert_cmpint (t[2].cell.x, ==, 250);
  g_assert_cmpint (t[2].cell.w, ==, 500);
}

static void
test_five (void)
{
  McLayoutTile t[5];
  int cols;

  /* 16:9: 3 + 2, bottom row centred. */
  g_assert_cmpint (mc_layout_compute (1920, 1080, 5, NULL, NULL, t, &cols), ==, 2);
  g_assert_cmpint (cols, ==, 3);
  g_assert_cmpint (t[3].cell.y, ==, t[4].cell.y);
  g_assert_cmpint (t[3].cell.x, ==, 320);
  g_assert_cmpint (t[4].cell.x + t[4].cell.w, ==, 1600);
  /* Portrait: 2 x 3. */
  g_assert_cmpint (mc_layout_compute (1080, 1920, 5, NULL, NULL, t, &cols), ==, 3);
  g_assert_cmpint (cols, ==, 2);
  g_assert_cmpint (t[4].cell.x, ==, 270);
}

static void
test_extreme_shapes (void)
{
  McLayoutTile t[5];
  int cols;

  /* A very wide strip: one row. */
  g_assert_cmpint (mc_layout_compute (5000, 100, 5, NULL, NULL, t, &cols), ==, 1);
  g_assert_cmpint (cols, ==, 5);
  /* A very tall strip: one column. */
  g_assert_cmpint (mc_layout_compute (100, 5000, 5, NULL, NULL, t, &cols), ==, 5);
  g_assert_cmpint (cols, ==, 1);
  /* Too small for every tile to get a pixel: nothing laid out. */
  g_assert_cmpint (mc_layout_compute (1, 1, 5, NULL, NULL, t, &cols), ==, 0);
  g_assert_cmpint (mc_layout_compute (2, 2, 3, NULL, NULL, t, &cols), ==, 2);
}

static void
test_properties (void)
{
  static const int sizes[][2] = {
    { 1, 1 }, { 2, 1 }, { 1, 7 }, { 3, 3 }, { 7, 5 }, { 13, 97 }, { 97, 13 },
    { 641, 479 }, { 799, 601 }, { 1023, 767 }, { 1919, 1081 }, { 4000, 37 },
    { 37, 4000 }, { 80, 24 }, { 160, 48 }, { 333, 333 }, { 10001, 9 },
  };
  static const double aspects[] = { 16.0 / 9.0, 4.0 / 3.0, 9.0 / 16.0, 1.0, NAN, 0.0, -3.0, 2.39, 1e9 };
  static const McLayoutParams params[] = { { 0, 0 }, { 3, 0 }, { 2, 18 }, { 0, 1 } };

  for (gsize s = 0; s < G_N_ELEMENTS (sizes); s++)
    for (guint n = 0; n <= 6; n++)
      for (gsize p = 0; p < G_N_ELEMENTS (params); p++) {
        double a[6];

        for (guint i = 0; i < 6; i++)
          a[i] = aspects[(s + i + p) % G_N_ELEMENTS (aspects)];
        check_properties (sizes[s][0], sizes[s][1], n, a, &params[p]);
        check_properties (sizes[s][0], sizes[s][1], n, NULL, &params[p]);
      }
}

static void
test_label_strip (void)
{
  McLayoutTile t[1];
  McLayoutParams p = { 4, 20 };

  mc_layout_compute (400, 300, 1, NULL, &p, t, NULL);
  g_assert_cmpint (t[0].label.h, ==, 20);
  g_assert_cmpint (t[0].label.y, ==, 300 - 4 - 20);
  g_assert_cmpint (t[0].video.y + t[0].video.h, <=, t[0].label.y);
}

static void
test_fit (void)
{
  McRect box = { 10, 20, 100, 100 };
  McRect r = mc_layout_fit (box, 2.0);

  g_assert_cmpint (r.w, ==, 100);
  g_assert_cmpint (r.h, ==, 50);
  g_assert_cmpint (r.x, ==, 10);
  g_assert_cmpint (r.y, ==, 45);
  r = mc_layout_fit ((McRect) { 0, 0, 0, 10 }, 1.0);
  g_assert_cmpint (r.w, ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  mc_log_init ();
  g_test_add_func ("/layout/empty", test_empty);
  g_test_add_func ("/layout/one-fills-window", test_one_fills_window);
  g_test_add_func ("/layout/two", test_two);
  g_test_add_func ("/layout/three-four-2x2", test_three_four_are_2x2);
  g_test_add_func ("/layout/five", test_five);
  g_test_add_func ("/layout/extreme-shapes", test_extreme_shapes);
  g_test_add_func ("/layout/properties", test_properties);
  g_test_add_func ("/layout/label-strip", test_label_strip);
  g_test_add_func ("/layout/fit", test_fit);
  return g_test_run ();
}

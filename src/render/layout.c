/* Grid layout: see layout.h. Pure integer geometry, no allocation. */
#include "meshcall/render/layout.h"

#include <math.h>
#include <string.h>

#define DEFAULT_ASPECT (4.0 / 3.0)

static double
sane_aspect (const double *aspects, guint i)
{
  double a = aspects ? aspects[i] : 0.0;

  if (!isfinite (a) || a <= 0.01 || a > 100.0)
    return DEFAULT_ASPECT;
  return a;
}

McRect
mc_layout_fit (McRect box, double aspect)
{
  McRect r = { box.x, box.y, 0, 0 };

  if (box.w <= 0 || box.h <= 0)
    return r;
  if (!isfinite (aspect) || aspect <= 0.0)
    aspect = DEFAULT_ASPECT;
  if ((double) box.w / box.h > aspect) {
    r.h = box.h;
    r.w = (int) lround (box.h * aspect);
  } else {
    r.w = box.w;
    r.h = (int) lround (box.w / aspect);
  }
  r.w = CLAMP (r.w, 1, box.w);
  r.h = CLAMP (r.h, 1, box.h);
  r.x = box.x + (box.w - r.w) / 2;
  r.y = box.y + (box.h - r.h) / 2;
  return r;
}

/* Cells for n tiles in rows x cols; the last row (which may hold fewer
 * tiles) is centred horizontally. */
static void
place_cells (int win_w, int win_h, guint n, int rows, int cols, McLayoutTile *out)
{
  for (guint i = 0; i < n; i++) {
    int row = (int) i / cols;
    int col = (int) i % cols;
    int in_row = MIN (cols, (int) n - row * cols);
    McRect *c = &out[i].cell;

    c->y = row * win_h / rows;
    c->h = (row + 1) * win_h / rows - c->y;
    if (in_row == cols) {
      c->x = col * win_w / cols;
      c->w = (col + 1) * win_w / cols - c->x;
    } else {
      int cw = win_w / cols;
      int offset = (win_w - in_row * cw) / 2;

      c->x = offset + col * cw;
      c->w = cw;
    }
  }
}

static void
place_inside (guint n, const double *aspects, const McLayoutParams *p, McLayoutTile *out)
{
  for (guint i = 0; i < n; i++) {
    McRect inner = out[i].cell;

    inner.x += p->padding;
    inner.y += p->padding;
    inner.w -= 2 * p->padding;
    inner.h -= 2 * p->padding + p->label_h;
    if (inner.w <= 0 || inner.h <= 0) {
      out[i].video = (McRect) { out[i].cell.x, out[i].cell.y, 0, 0 };
      out[i].label = (McRect) { out[i].cell.x, out[i].cell.y, 0, 0 };
      continue;
    }
    out[i].video = mc_layout_fit (inner, sane_aspect (aspects, i));
    /* The name sits right under the picture (fit centred the pair). */
    out[i].label = (McRect) { inner.x, out[i].video.y + out[i].video.h, inner.w, p->label_h };
  }
}

static double
shown_area (guint n, const McLayoutTile *t)
{
  double sum = 0;

  for (guint i = 0; i < n; i++)
    sum += (double) t[i].video.w * t[i].video.h;
  return sum;
}

int
mc_layout_compute (int win_w, int win_h, guint n, const double *aspects,
                   const McLayoutParams *params, McLayoutTile *out, int *cols_out)
{
  static const McLayoutParams no_params = { 0, 0 };
  McLayoutTile trial[MC_LAYOUT_MAX_TILES];
  int best_rows = 0, best_cols = 0;
  double best_area = -1.0;

  if (!params)
    params = &no_params;
  n = MIN (n, MC_LAYOUT_MAX_TILES);
  if (out)
    memset (out, 0, n * sizeof *out);
  if (cols_out)
    *cols_out = 0;
  if (n == 0 || win_w <= 0 || win_h <= 0 || !out)
    return 0;

  for (int rows = 1; rows <= (int) n; rows++) {
    int cols = ((int) n + rows - 1) / rows;
    double area;

    if ((rows - 1) * cols >= (int) n)
      continue;  /* same as a smaller row count with an empty last row */
    if (rows > win_h || cols > win_w)
      continue;
    place_cells (win_w, win_h, n, rows, cols, trial);
    place_inside (n, aspects, params, trial);
    area = shown_area (n, trial);
    /* Ties (within 1 %) go to fewer rows: side by side before stacked. */
    if (area > best_area * 1.01) {
      best_area = area;
      best_rows = rows;
      best_cols = cols;
      memcpy (out, trial, n * sizeof *out);
    }
  }
  if (best_rows == 0)
    return 0;  /* window smaller than one pixel per tile */
  if (cols_out)
    *cols_out = best_cols;
  return best_rows;
}

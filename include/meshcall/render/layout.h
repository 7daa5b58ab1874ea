/* Grid layout of the remote participants: a pure function from the window
 * size, the number of tiles and their video aspect ratios to rectangles.
 * Used by both renderers (the terminal one works in "virtual pixels").
 *
 * Tiles are arranged in `rows` rows of up to `cols` cells, all cells the same
 * size; a last row with fewer tiles is centred. Among all row counts the one
 * that shows the most video area (after letterboxing) wins, so 2 tiles are
 * side by side in a wide window and stacked in a tall one, 3-4 make a 2x2 and
 * 5 a 3+2 or 2x3 in ordinary windows. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define MC_LAYOUT_MAX_TILES 16

typedef struct {
  int x, y, w, h;
} McRect;

typedef struct {
  McRect cell;   /* the tile's share of the window (never overlaps another cell) */
  McRect video;  /* the video inside the cell, letterboxed to the video's aspect */
  McRect label;  /* the strip right under the video for the name (h = label_h, cell's inner width) */
} McLayoutTile;

typedef struct {
  int padding;   /* space kept free inside each cell on every side (border) */
  int label_h;   /* height reserved at the bottom of each cell for the name */
} McLayoutParams;

/* Lays out n tiles (0..MC_LAYOUT_MAX_TILES) in a win_w x win_h window.
 * aspects[i] is width/height of tile i's video; NULL, 0 or a non-finite
 * value means 4:3 (no frame yet). Fills out[0..n-1] and returns the number
 * of rows used (0 for n == 0 or an empty window, in which case every
 * rectangle is zero-sized). *cols_out (nullable) receives the column count. */
int mc_layout_compute (int win_w, int win_h, guint n, const double *aspects,
                       const McLayoutParams *params, McLayoutTile *out, int *cols_out);

/* The largest rectangle of the given aspect centred in box. */
McRect mc_layout_fit (McRect box, double aspect);

G_END_DECLS

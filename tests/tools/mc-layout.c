/* mc-layout: where the grid layout (render/layout.h, the one both renderers
 * and the composed recording use) puts N tiles of 4:3 video in a WxH frame,
 * for tests that check pictures against it:
 *
 *   mc-layout WIDTH HEIGHT N PADDING LABEL_H
 *   -> one line per tile: "video X Y W H label X Y W H" */
#include "meshcall/render/layout.h"

#include <stdio.h>
#include <stdlib.h>

int
main (int argc, char **argv)
{
  McLayoutTile lt[MC_LAYOUT_MAX_TILES];
  McLayoutParams params;
  int w, h, n;

  if (argc != 6) {
    fprintf (stderr, "usage: mc-layout WIDTH HEIGHT N PADDING LABEL_H\n");
    return 2;
  }
  w = atoi (argv[1]);
  h = atoi (argv[2]);
  n = atoi (argv[3]);
  params.padding = atoi (argv[4]);
  params.label_h = atoi (argv[5]);
  if (n < 0 || n > MC_LAYOUT_MAX_TILES)
    return 2;
  mc_layout_compute (w, h, (guint) n, NULL, &params, lt, NULL);
  for (int i = 0; i < n; i++)
    printf ("video %d %d %d %d label %d %d %d %d\n", lt[i].video.x, lt[i].video.y, lt[i].video.w, lt[i].video.h,
            lt[i].label.x, lt[i].label.y, lt[i].label.w, lt[i].label.h);
  return 0;
}

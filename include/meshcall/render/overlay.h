/* What every grid writes on a tile, worded once: the stats overlay ('s'),
 * the state marks and the placeholder of a tile without a picture. The
 * grids only lay the words out (SDL: a box of lines over the video; text: a
 * label line under it). Pure functions of a tile view; any thread. */
#pragma once

#include "meshcall/render/renderer.h"

G_BEGIN_DECLS

/* The overlay's lines, NULL-terminated (free with g_strfreev):
 *   "640x480  30 fps" (or "no video")
 *   "in 812 kbps  out 790 kbps"         when either rate is known
 *   "RTT 12 ms  loss 0.5 %"             each part when known */
char **mc_overlay_stats_lines (const McRendererTileView *v);

/* The marks a tile's flags call for, in display order: "reconnecting…"
 * (MC_TILE_RECONNECTING), "mic off" (MC_TILE_MUTED), "camera off"
 * (MC_TILE_CAMERA_OFF). Fills marks and returns how many; the texts are
 * static. */
#define MC_OVERLAY_MAX_MARKS 3

typedef struct {
  guint flag;
  const char *text;
} McOverlayMark;

guint mc_overlay_marks (guint flags, McOverlayMark marks[MC_OVERLAY_MAX_MARKS]);

/* What stands in for the picture: "camera off", "reconnecting…" or "connecting…". */
const char *mc_overlay_placeholder (guint flags);

/* The recording mark every grid shows while someone records the call:
 * "● REC  recorded by WHO" (free with g_free). */
char *mc_overlay_recording_mark (const char *who);

/* The name on the self view. */
#define MC_OVERLAY_SELF_NAME "You"

G_END_DECLS

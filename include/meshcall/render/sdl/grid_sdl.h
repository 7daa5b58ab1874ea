/* The SDL2 grid renderer (the default when a display is available): remote
 * participants in a letterboxed grid, I420/NV12 streaming textures updated
 * straight from the mapped frames, SDL2_ttf text, picture-in-picture self
 * view, kiosk fullscreen. Driven through renderer.h; SDL runs on the thread
 * that owns the main loop, which must be the process's main thread. */
#pragma once

#include "meshcall/render/renderer.h"

G_BEGIN_DECLS

/* The row for a program's table of renderers (cli/backends.c). */
extern const McRendererClass mc_grid_sdl_class;

/* The font file to use: `font` itself if it names an existing file, else the
 * best fontconfig match for it as a pattern (NULL = "DejaVu Sans:bold"). */
char *mc_grid_sdl_find_font (const char *font, GError **error);

G_END_DECLS

/* The SDL2 grid renderer (the default when a display is available): remote
 * participants in a letterboxed grid, I420/NV12 streaming textures updated
 * straight from the mapped frames, SDL2_ttf text, picture-in-picture self
 * view, kiosk fullscreen (text and boxes are painted by sdl_paint.h).
 * Driven through renderer.h; SDL runs on the thread
 * that owns the main loop, which must be the process's main thread. */
#pragma once

#include "meshcall/render/renderer.h"

G_BEGIN_DECLS

/* The row for a program's table of renderers (cli/backends.c). */
extern const McRendererClass mc_grid_sdl_class;

G_END_DECLS

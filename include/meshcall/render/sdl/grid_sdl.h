/* The SDL2 grid renderer (the default when a display is available): remote
 * participants in a letterboxed grid, SDL2_ttf text, picture-in-picture self
 * view, kiosk fullscreen. Without a GPU it draws on the window surface and
 * repaints only what changed, with frames prepared at the tile's size in
 * the streams' threads; with one, through SDL's GL renderer (grid_sdl.c says
 * how it chooses, sdl_scene.h what it draws, sdl_video.h the pictures).
 * Driven through renderer.h; SDL runs on the thread
 * that owns the main loop, which must be the process's main thread. */
#pragma once

#include "meshcall/render/renderer.h"

G_BEGIN_DECLS

/* The row for a program's table of renderers (cli/backends.c). */
extern const McRendererClass mc_grid_sdl_class;

/* The drawing paths McRendererOptions.path names (NULL-terminated: auto,
 * surface, software, opengl, opengles2), and whether one is among them. */
const char *const *mc_grid_sdl_path_names (void);
gboolean mc_grid_sdl_check_path (const char *name);

G_END_DECLS

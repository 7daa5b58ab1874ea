/* The terminal grid renderer: the same grid drawn with libchafa, truecolor
 * symbols by default, sixel or kitty graphics where the terminal supports
 * them. Takes over the terminal (alternate screen, raw input for hotkeys)
 * between start and stop and restores it on stop, at exit, and when the
 * process is stopped by SIGINT/SIGTERM through the core's handlers. */
#pragma once

#include "meshcall/render/renderer.h"

G_BEGIN_DECLS

const McRendererClass *mc_grid_text_get_class (void);

/* The graphics mode the terminal supports, judged from the environment
 * (TERM, TERM_PROGRAM, KITTY_WINDOW_ID, ... through chafa's terminal
 * database); never returns MC_TEXT_MODE_AUTO. */
McTextMode mc_grid_text_detect_mode (void);

G_END_DECLS

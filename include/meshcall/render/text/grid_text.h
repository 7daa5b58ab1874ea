/* The terminal grid renderer: the same grid drawn with libchafa, truecolor
 * symbols by default, sixel or kitty graphics where the terminal supports
 * them (--render text[:symbols|sixel|kitty|auto]).
 *
 * It only draws: between start and stop it takes the terminal from the
 * program through McRendererHost (take_terminal with the sequence that
 * undoes its drawing), switches to the alternate screen, hides the cursor,
 * prints chafa's output and asks the terminal its size and, in auto mode,
 * whether it draws sixels. Raw input, keys, SIGWINCH, the signals that end
 * the process and restoring the terminal on every exit path are the
 * program's (cli/terminal.h), which hands keys to mc_renderer_handle_key
 * and resizes to mc_renderer_invalidate. Threading as renderer.h. */
#pragma once

#include "meshcall/render/renderer.h"

G_BEGIN_DECLS

/* The row for a program's table of renderers (cli/backends.c). */
extern const McRendererClass mc_grid_text_class;

typedef enum {
  MC_TEXT_MODE_AUTO,     /* sixel or kitty when the terminal supports it, else symbols */
  MC_TEXT_MODE_SYMBOLS,  /* truecolor block/half-block symbols */
  MC_TEXT_MODE_SIXEL,
  MC_TEXT_MODE_KITTY,
} McTextMode;

/* A variant of "text:VARIANT" ("auto", "symbols", "sixel", "kitty"; NULL
 * is auto); FALSE for anything else. */
gboolean mc_grid_text_mode_from_variant (const char *variant, McTextMode *mode);

/* The graphics mode the terminal supports, judged from the environment
 * (TERM, TERM_PROGRAM, KITTY_WINDOW_ID, TMUX); never MC_TEXT_MODE_AUTO. */
McTextMode mc_grid_text_detect_mode (void);

/* Whether auto may draw in this terminal: stdin and stdout are terminals
 * and TERM names one that is not "dumb". FALSE with the reason. */
gboolean mc_grid_text_probe (GError **error);

G_END_DECLS

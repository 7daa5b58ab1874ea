/* The terminal and the signals of a command that runs until told to stop
 * (join; the render demo): one owner for each of these process concerns.
 *
 *  - Keys. When stdin is a terminal it is put in raw mode (no echo, no
 *    canonical mode; ISIG stays, so Ctrl-C still signals) and read on the
 *    main loop. Keys go to the renderer set with
 *    mc_cli_terminal_set_renderer (mc_renderer_handle_key); 'q', 'Q' and
 *    Ctrl-D with no renderer, and a Ctrl-D the renderer does not take, ask
 *    to quit. A lone Esc is the key; Esc with more bytes (arrow keys,
 *    terminal replies) is dropped with whatever follows it in that read.
 *  - Signals. SIGINT, SIGTERM and SIGHUP ask to quit; SIGWINCH redraws the
 *    renderer (mc_renderer_invalidate). GLib signal sources, so the quit
 *    function runs on the main loop, never in a handler.
 *  - The screen. A renderer that draws on the terminal takes it through
 *    the McRendererHost this gives (mc_cli_terminal_get_host), with the
 *    sequence that undoes its drawing. While it has it, user log lines go
 *    quiet (mc_log_set_quiet, for good: a picture was shown) and errors
 *    reported with mc_cli_terminal_error wait until it is given back.
 *  - Restoring. The terminal is given back (the renderer's sequence, the
 *    waiting errors, then the saved terminal modes) when the renderer
 *    releases it, at mc_cli_terminal_free, and at exit, a safety net for a
 *    path that never gets there.
 *
 * One at a time per process (the atexit net knows it). The quit function
 * and the renderer's key handling must not free the terminal.
 *
 * Threading: main thread; the sources go to the thread-default context. */
#pragma once

#include "meshcall/render/renderer.h"

G_BEGIN_DECLS

typedef struct _McCliTerminal McCliTerminal;

typedef enum {
  MC_CLI_QUIT_KEY,     /* q or Ctrl-D typed */
  MC_CLI_QUIT_SIGNAL,  /* SIGINT, SIGTERM or SIGHUP */
} McCliQuitReason;

typedef void (*McCliQuitFunc) (McCliQuitReason reason, gpointer user_data);

/* The process's terminal: stdin and stdout. */
McCliTerminal *mc_cli_terminal_new (McCliQuitFunc quit, gpointer user_data);
/* Another one (tests: a pty); in_fd and out_fd stay the caller's. */
McCliTerminal *mc_cli_terminal_new_for_fds (int in_fd, int out_fd, McCliQuitFunc quit, gpointer user_data);
/* Gives the terminal back and removes the signal sources. */
void mc_cli_terminal_free (McCliTerminal *term);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (McCliTerminal, mc_cli_terminal_free)

/* Whether keys are read (stdin is a terminal, now in raw mode). */
gboolean mc_cli_terminal_reads_keys (McCliTerminal *term);

/* Where keys and SIGWINCH go; NULL: nowhere (q and Ctrl-D quit). Borrowed:
 * set it back to NULL before the renderer is freed. */
void mc_cli_terminal_set_renderer (McCliTerminal *term, McRenderer *renderer);

/* For McRendererOptions.host; valid until mc_cli_terminal_free. */
const McRendererHost *mc_cli_terminal_get_host (McCliTerminal *term);
/* Whether a renderer draws on the terminal now. */
gboolean mc_cli_terminal_is_taken (McCliTerminal *term);

/* An error line (mc_log_error): now, or once the renderer that draws on
 * the terminal has given it back. */
void mc_cli_terminal_error (McCliTerminal *term, const char *format, ...) G_GNUC_PRINTF (2, 3);

G_END_DECLS

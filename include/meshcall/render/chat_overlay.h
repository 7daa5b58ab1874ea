/* The chat as both grids show it, pure (time passed in): the last few
 * messages in an overlay that fades, the count of those that came while
 * it was hidden ('c'), and the one-line input ('t': typing, Backspace,
 * Enter sends, Esc cancels). The renderer keeps one behind its lock; the
 * grids draw what mc_renderer_take_view copies out of it.
 *
 * Threading: none of its own (the renderer's lock). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define MC_CHAT_OVERLAY_LINES 5                       /* messages shown at once */
#define MC_CHAT_OVERLAY_SHOW_US (10 * G_USEC_PER_SEC) /* a message stays this long... */
#define MC_CHAT_OVERLAY_FADE_US (2 * G_USEC_PER_SEC)  /* ... then fades out over this */
#define MC_CHAT_OVERLAY_INPUT_MAX 4096                /* bytes of the input line (the chat's limit) */

typedef struct _McChatOverlay McChatOverlay;

McChatOverlay *mc_chat_overlay_new (void);
void mc_chat_overlay_free (McChatOverlay *o);

/* A message: shown as "NAME: TEXT" (made safe to print, newlines as
 * spaces). While the overlay is hidden it counts as unread instead. */
void mc_chat_overlay_add (McChatOverlay *o, const char *name, const char *text, gint64 now_us);
/* A line of our own (an error about what we typed): shown like a message, never unread. */
void mc_chat_overlay_notice (McChatOverlay *o, const char *text, gint64 now_us);

/* 'c': hides or shows the overlay; showing it shows the last messages
 * again and clears the unread count. Returns whether it is now shown. */
gboolean mc_chat_overlay_toggle (McChatOverlay *o, gint64 now_us);
guint mc_chat_overlay_unread (McChatOverlay *o);

/* The lines to draw now, oldest first (NULL-terminated, free with
 * g_strfreev; NULL when none), and their opacity 0..1 in *alpha. */
char **mc_chat_overlay_visible (McChatOverlay *o, gint64 now_us, double *alpha);
/* That opacity alone (no copy of the lines). */
double mc_chat_overlay_alpha (McChatOverlay *o, gint64 now_us);
/* TRUE while what mc_chat_overlay_visible gives changes with time alone (fading). */
gboolean mc_chat_overlay_animating (McChatOverlay *o, gint64 now_us);

/* The input line. */
typedef enum {
  MC_CHAT_INPUT_IGNORED,   /* not for the input (it is closed) */
  MC_CHAT_INPUT_CHANGED,   /* typed, erased, opened or cancelled */
  MC_CHAT_INPUT_SUBMIT,    /* Enter with text: take it with mc_chat_overlay_take_input */
} McChatInputResult;

void mc_chat_overlay_open_input (McChatOverlay *o);
gboolean mc_chat_overlay_input_is_open (McChatOverlay *o);
/* A key while the input is open: Enter ('\r', '\n') submits, Backspace
 * (127, 8) erases a character, Esc (27) cancels, Ctrl-U clears, other
 * control keys are ignored; bytes >= 0x20 are typed (a terminal's UTF-8
 * comes byte by byte). */
McChatInputResult mc_chat_overlay_input_key (McChatOverlay *o, int key);
/* Typed text (SDL's text input): appended as long as it fits. */
McChatInputResult mc_chat_overlay_input_text (McChatOverlay *o, const char *utf8);
/* What is typed so far, safe to print, or NULL when the input is closed. */
char *mc_chat_overlay_input_display (McChatOverlay *o);
/* The submitted text (closes the input), or NULL. */
char *mc_chat_overlay_take_input (McChatOverlay *o);

G_END_DECLS

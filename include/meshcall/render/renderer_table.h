/* Choosing a renderer from a program's table, the way baresip's vidisp
 * list is searched by name: the table (NULL-terminated McRendererClass
 * rows, cli/backends.h) fixes what a build contains and the order auto
 * tries; this module is what is generic about it and knows no row.
 *
 *   --render auto          each class of the table whose probe passes, in
 *                          table order; a class that fails to start is
 *                          followed by one notice ("...; drawing in the
 *                          terminal instead"), the last by "...; going on
 *                          without a picture", and then there is none
 *   --render none          no renderer
 *   --render NAME[:VARIANT]  that class (its check_variant accepts the
 *                          variant); failing to start is an error
 *
 * Names and variants are matched without regard to case.
 *
 * Threading: main thread (opening starts the renderer, see renderer.h). */
#pragma once

#include "meshcall/render/renderer.h"

G_BEGIN_DECLS

typedef struct {
  gboolean automatic;            /* "auto" */
  const McRendererClass *klass;  /* the class asked for; NULL with !automatic: "none" */
  char *variant;                 /* NAME:VARIANT's variant, lower case; NULL = the class's default */
} McRendererChoice;

/* A --render value (NULL is refused). On error (MC_RENDERER_ERROR_BAD_KIND,
 * "unknown renderer 'X': expected auto, ..., or none") choice is untouched. */
gboolean mc_renderer_choice_parse (McRendererChoice *choice, const McRendererClass *const *table, const char *spec,
                                   GError **error);
void mc_renderer_choice_set_none (McRendererChoice *choice);
void mc_renderer_choice_clear (McRendererChoice *choice);

/* What --render accepts: "auto, sdl, text, text:symbols, text:sixel,
 * text:kitty or none", with auto_note (may be NULL) right after "auto". */
char *mc_renderer_table_describe (const McRendererClass *const *table, const char *auto_note);
/* What auto does with this table, for help: "a window when there is a
 * display, else the terminal" (each class's where and when). */
char *mc_renderer_table_describe_auto (const McRendererClass *const *table);

/* The renderer the choice names, created from options (its variant is the
 * choice's) and started. NULL without error: nothing to draw on (none, or
 * auto found nothing that starts; the notices said why). NULL with error:
 * the class asked for by name cannot start. */
McRenderer *mc_renderer_open (const McRendererClass *const *table, const McRendererChoice *choice,
                              const McRendererOptions *options, GError **error);

G_END_DECLS

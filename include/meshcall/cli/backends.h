/* What this build of meshcall contains, as static tables (the way baresip's
 * module table fixes its modules at build time): the signaling back ends,
 * picked by URL scheme, and the renderers, picked by name, in the order
 * --render auto tries them. Adding a back end is one row here plus its own
 * library; a build without SDL (-DMESHCALL_WITH_SDL=OFF, a recorder) simply
 * has no "sdl" row. */
#pragma once

#include "meshcall/render/renderer_table.h"
#include "meshcall/signal/signaling.h"

G_BEGIN_DECLS

/* NULL-terminated, for mc_signaling_new() and mc_signaling_check(). */
extern const McSignalingBackend *const mc_cli_signaling_backends[];

/* NULL-terminated, for renderer_table.h: the SDL window first, then the
 * terminal. */
extern const McRendererClass *const mc_cli_renderers[];

/* mc_renderer_choice_parse() against mc_cli_renderers, which also says so
 * when the name is a renderer this build left out ("this build of meshcall
 * has no SDL renderer ..."). */
gboolean mc_cli_renderer_choice_parse (McRendererChoice *choice, const char *spec, GError **error);

/* Whether path is a drawing path of this build's window renderer (auto,
 * surface, software, opengl, opengles2; only auto without SDL). */
gboolean mc_cli_render_path_check (const char *path, GError **error);

G_END_DECLS

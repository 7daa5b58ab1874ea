/* What this build of meshcall contains, as static tables (the way baresip's
 * module table fixes its modules at build time): the signaling back ends,
 * picked by URL scheme, and the renderers, picked by name. Adding a back end
 * is one row here plus its own library; a build without SDL
 * (-DMESHCALL_WITH_SDL=OFF) simply has no "sdl" row. */
#pragma once

#include "meshcall/render/renderer.h"
#include "meshcall/signal/signaling.h"

G_BEGIN_DECLS

/* NULL-terminated, for mc_signaling_new() and mc_signaling_check(). */
extern const McSignalingBackend *const mc_cli_signaling_backends[];

/* The renderer class for a kind, or NULL when this build has none (or for
 * MC_RENDER_NONE). */
const McRendererClass *mc_cli_renderer_class (McRenderKind kind);

G_END_DECLS

/* The static tables of this build (see backends.h). */
#include "meshcall/cli/backends.h"
#include "meshcall/proto/call_protocol.h"
#include "meshcall/signal/firestore/signal_firestore.h"
#include "meshcall/signal/socketio/signal_socketio.h"

#include <string.h>
#ifdef MESHCALL_WITH_SDL
#include "meshcall/render/sdl/grid_sdl.h"
#endif
#ifdef MESHCALL_WITH_CHAFA
#include "meshcall/render/text/grid_text.h"
#endif

const McSignalingBackend *const mc_cli_signaling_backends[] = {
  &mc_signal_socketio_backend,
  &mc_signal_firestore_backend,
  NULL,
};

const McRendererClass *const mc_cli_renderers[] = {
#ifdef MESHCALL_WITH_SDL
  &mc_grid_sdl_class,
#endif
#ifdef MESHCALL_WITH_CHAFA
  &mc_grid_text_class,
#endif
  NULL,
};

/* Renderers meshcall has that a build may leave out, for a refusal that
 * says so rather than "unknown". */
static const struct {
  const char *name;
  const char *why;
} left_out[] = {
#ifndef MESHCALL_WITH_SDL
  { "sdl", "this build of meshcall has no SDL renderer (it was configured with -DMESHCALL_WITH_SDL=OFF)" },
#endif
#ifndef MESHCALL_WITH_CHAFA
  { "text", "this build of meshcall has no terminal renderer (it was configured with -DMESHCALL_WITH_CHAFA=OFF)" },
#endif
  { NULL, NULL },
};

gboolean
mc_cli_renderer_choice_parse (McRendererChoice *choice, const char *spec, GError **error)
{
  g_autoptr (GError) local = NULL;
  g_autofree char *name = NULL;

  if (mc_renderer_choice_parse (choice, mc_cli_renderers, spec, &local))
    return TRUE;
  name = spec ? g_strndup (spec, strcspn (spec, ":")) : g_strdup ("");
  for (guint i = 0; left_out[i].name; i++) {
    if (g_ascii_strcasecmp (name, left_out[i].name) == 0) {
      g_autofree char *accepted = mc_renderer_table_describe (mc_cli_renderers, NULL);

      g_set_error (error, MC_RENDERER_ERROR, MC_RENDERER_ERROR_BAD_KIND, "%s: expected %s", left_out[i].why,
                   accepted);
      return FALSE;
    }
  }
  g_propagate_error (error, g_steal_pointer (&local));
  return FALSE;
}

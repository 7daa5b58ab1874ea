/* The static tables of this build (see backends.h). */
#include "meshcall/cli/backends.h"
#include "meshcall/proto/call_protocol.h"
#include "meshcall/signal/socketio/signal_socketio.h"

#include <string.h>
#ifdef MESHCALL_WITH_SDL
#include "meshcall/render/sdl/grid_sdl.h"
#endif
#ifdef MESHCALL_WITH_CHAFA
#include "meshcall/render/text/grid_text.h"
#endif

/* Until the Firestore back end lands (its issue), firestore:// URLs are
 * recognised and refused with a message that says so. */
static gboolean
firestore_check_url (const char *url, GError **error)
{
  const char *project = url + strlen ("firestore://");

  if (!mc_protocol_validate_id ("Firestore project id", project, NULL)) {
    g_set_error (error, MC_SIGNALING_ERROR, MC_SIGNALING_ERROR_BAD_URL,
                 "signaling URL '%s' does not name a Firestore project: use firestore://PROJECT_ID", url);
    return FALSE;
  }
  g_set_error (error, MC_SIGNALING_ERROR, MC_SIGNALING_ERROR_OTHER,
               "the Firestore back end is not built yet (signaling URL '%s'); use a ws:// or http:// "
               "Socket.IO server such as 'meshcall serve'", url);
  return FALSE;
}

static const McSignalingBackend firestore_not_built = {
  .name = "firestore",
  .schemes = "firestore",
  .usage = "firestore://PROJECT_ID",
  .check_url = firestore_check_url,
  .create = NULL,
};

const McSignalingBackend *const mc_cli_signaling_backends[] = {
  &mc_signal_socketio_backend,
  &firestore_not_built,
  NULL,
};

const McRendererClass *
mc_cli_renderer_class (McRenderKind kind)
{
  switch (kind) {
#ifdef MESHCALL_WITH_SDL
  case MC_RENDER_SDL:
    return mc_grid_sdl_get_class ();
#endif
#ifdef MESHCALL_WITH_CHAFA
  case MC_RENDER_TEXT:
    return mc_grid_text_get_class ();
#endif
  default:
    return NULL;
  }
}

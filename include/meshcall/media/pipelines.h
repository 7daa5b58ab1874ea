/* Pipeline descriptions kept as text files (pipelines/NAME.pipeline) so a
 * user can adapt capture and encoding to their hardware (a hardware encoder
 * on a kiosk board, a camera that needs a special caps filter) without
 * rebuilding. Lines starting with '#' are comments; @NAME@ placeholders are
 * replaced by the caller's values (each file's header lists the ones it
 * uses).
 *
 * Search order for NAME.pipeline:
 *   1. $XDG_CONFIG_HOME/meshcall/pipelines   (a user's own overrides)
 *   2. MESHCALL_PIPELINES_DIR                 (installed copies)
 *   3. MESHCALL_SOURCE_DIR/pipelines          (uninstalled runs and tests)
 */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define MC_PIPELINES_ERROR (mc_pipelines_error_quark ())
GQuark mc_pipelines_error_quark (void);

typedef enum {
  MC_PIPELINES_ERROR_NOT_FOUND,
  MC_PIPELINES_ERROR_PLACEHOLDER,  /* unknown or unterminated @NAME@ */
  MC_PIPELINES_ERROR_PARSE,        /* gst_parse rejected the description */
  MC_PIPELINES_ERROR_MISSING_ELEMENT, /* a GStreamer element is not installed */
  MC_PIPELINES_ERROR_LINK,         /* elements would not link */
  MC_PIPELINES_ERROR_STATE,        /* a pipeline would not start */
} McPipelinesError;

/* Full path of NAME.pipeline in the search order, or NULL. */
char *mc_pipelines_find (const char *name);

/* Strips comments and replaces placeholders. vars is a NULL-terminated list
 * of name/value pairs without the '@' ("WIDTH", "640", ..., NULL). An @NAME@
 * not in vars is an error naming it; "@@" is a literal '@'. */
char *mc_pipelines_expand (const char *text, const char *const *vars, const char *origin, GError **error);

/* Loads and expands NAME.pipeline. */
char *mc_pipelines_load (const char *name, const char *const *vars, GError **error);

/* A bin from a description (ghost pads for the unlinked ends), with a
 * message naming where the text came from on failure. */
GstElement *mc_pipelines_parse_bin (const char *description, const char *origin, GError **error);

G_END_DECLS

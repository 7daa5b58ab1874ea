/* Logging: GStreamer debug categories (GST_DEBUG=meshcall*:5) for developers,
 * and mc_log_user() for the concise lines a user reads on stderr. */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

GST_DEBUG_CATEGORY_EXTERN (mc_cat_main);    /* "meshcall": command line, config, lifecycle */
GST_DEBUG_CATEGORY_EXTERN (mc_cat_server);  /* "meshcall-server": meshcall serve */
GST_DEBUG_CATEGORY_EXTERN (mc_cat_signal);  /* "meshcall-signal": signaling clients */
GST_DEBUG_CATEGORY_EXTERN (mc_cat_media);   /* "meshcall-media": capture, encoders, peers */
GST_DEBUG_CATEGORY_EXTERN (mc_cat_render);  /* "meshcall-render": SDL grid, terminal renderer */

/* Registers the categories; safe to call more than once, before or after gst_init(). */
void mc_log_init (void);

/* One line on stderr, prefixed "meshcall: ", unless quiet mode is on. */
void mc_log_user (const char *format, ...) G_GNUC_PRINTF (1, 2);
/* Always printed (errors). */
void mc_log_error (const char *format, ...) G_GNUC_PRINTF (1, 2);
void mc_log_set_quiet (gboolean quiet);

G_END_DECLS

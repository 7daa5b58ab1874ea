/* Sends meshcall's debug categories (base/log.h) through GStreamer's debug
 * system, where they interleave with GStreamer's own messages and follow its
 * settings (GST_DEBUG, GST_DEBUG_FILE, colours, gst_debug_add_log_function).
 * Call once after gst_init(), before other threads log. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

void mc_gst_log_install (void);

G_END_DECLS

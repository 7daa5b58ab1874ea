/* meshcall's log categories on GStreamer's debug system (see gst_log.h). */
#include "meshcall/media/gst_log.h"
#include "meshcall/base/log.h"

#include <gst/gst.h>

static void
gst_writer (McLogCategory *cat, McLogLevel level, const char *file, const char *func, int line,
            const char *message)
{
  gst_debug_log (cat->backend, (GstDebugLevel) level, file, func, line, NULL, "%s", message);
}

void
mc_gst_log_install (void)
{
  static gsize once;
  McLogCategory *const *cats = mc_log_get_categories ();

  if (!g_once_init_enter (&once))
    return;
  for (guint i = 0; cats[i]; i++) {
    GstDebugCategory *gcat = NULL;
    GST_DEBUG_CATEGORY_INIT (gcat, cats[i]->name, 0, cats[i]->description);
    cats[i]->backend = gcat;
    /* GStreamer parsed GST_DEBUG too; its verdict wins from now on. */
    g_atomic_int_set (&cats[i]->threshold, MAX ((gint) gst_debug_category_get_threshold (gcat),
                                                g_atomic_int_get (&cats[i]->threshold)));
  }
  mc_log_set_writer (gst_writer);
  g_once_init_leave (&once, 1);
}

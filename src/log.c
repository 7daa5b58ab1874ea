#include "meshcall/log.h"

#include <stdio.h>

GST_DEBUG_CATEGORY (mc_cat_main);
GST_DEBUG_CATEGORY (mc_cat_server);
GST_DEBUG_CATEGORY (mc_cat_signal);
GST_DEBUG_CATEGORY (mc_cat_media);
GST_DEBUG_CATEGORY (mc_cat_render);

static gboolean quiet;

void
mc_log_init (void)
{
  static gsize once;

  if (g_once_init_enter (&once)) {
    GST_DEBUG_CATEGORY_INIT (mc_cat_main, "meshcall", 0, "meshcall command line, config and lifecycle");
    GST_DEBUG_CATEGORY_INIT (mc_cat_server, "meshcall-server", 0, "meshcall LAN signaling server");
    GST_DEBUG_CATEGORY_INIT (mc_cat_signal, "meshcall-signal", 0, "meshcall signaling clients");
    GST_DEBUG_CATEGORY_INIT (mc_cat_media, "meshcall-media", 0, "meshcall capture, encoders and peers");
    GST_DEBUG_CATEGORY_INIT (mc_cat_render, "meshcall-render", 0, "meshcall renderers");
    g_once_init_leave (&once, 1);
  }
}

void
mc_log_set_quiet (gboolean q)
{
  quiet = q;
}

static void
log_line (const char *format, va_list args)
{
  g_autofree char *msg = g_strdup_vprintf (format, args);
  fprintf (stderr, "meshcall: %s\n", msg);
}

void
mc_log_user (const char *format, ...)
{
  va_list args;

  if (quiet)
    return;
  va_start (args, format);
  log_line (format, args);
  va_end (args);
}

void
mc_log_error (const char *format, ...)
{
  va_list args;

  va_start (args, format);
  log_line (format, args);
  va_end (args);
}

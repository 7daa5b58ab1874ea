/* Debug categories and user lines (see log.h). */
#include "meshcall/base/log.h"
#include "meshcall/base/text.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

McLogCategory mc_log_main = { "meshcall", "meshcall command line, config and lifecycle", 0, NULL };
McLogCategory mc_log_server = { "meshcall-server", "meshcall LAN signaling server", 0, NULL };
McLogCategory mc_log_signal = { "meshcall-signal", "meshcall signaling clients", 0, NULL };
McLogCategory mc_log_media = { "meshcall-media", "meshcall capture, encoders, peers and the call", 0, NULL };
McLogCategory mc_log_render = { "meshcall-render", "meshcall renderers", 0, NULL };

static McLogCategory *const categories[] = {
  &mc_log_main, &mc_log_server, &mc_log_signal, &mc_log_media, &mc_log_render, NULL,
};

static McLogWriter writer;
static FILE *log_file;
static gint64 start_us;
static gboolean quiet;

McLogCategory *const *
mc_log_get_categories (void)
{
  return categories;
}

void
mc_log_set_threshold (const char *pattern, McLogLevel level)
{
  for (guint i = 0; categories[i]; i++) {
    if (g_pattern_match_simple (pattern, categories[i]->name))
      g_atomic_int_set (&categories[i]->threshold, (gint) level);
  }
}

static gboolean
parse_level (const char *text, McLogLevel *level)
{
  static const char *const names[] = { "NONE", "ERROR", "WARNING", "FIXME", "INFO", "DEBUG", "LOG", "TRACE", NULL,
                                       "MEMDUMP" };
  guint64 n;

  if (g_ascii_string_to_unsigned (text, 10, 0, 9, &n, NULL)) {
    *level = (McLogLevel) n;
    return TRUE;
  }
  for (guint i = 0; i < G_N_ELEMENTS (names); i++) {
    if (names[i] && g_ascii_strcasecmp (text, names[i]) == 0) {
      *level = (McLogLevel) i;
      return TRUE;
    }
  }
  return FALSE;
}

void
mc_log_init (void)
{
  const char *spec = g_getenv ("GST_DEBUG");
  const char *file = g_getenv ("GST_DEBUG_FILE");
  g_auto (GStrv) entries = NULL;

  if (start_us == 0)
    start_us = g_get_monotonic_time ();
  if (log_file == NULL && file != NULL && file[0] != '\0')
    log_file = fopen (file, "a");
  if (spec == NULL)
    return;
  entries = g_strsplit (spec, ",", -1);
  for (guint i = 0; entries[i]; i++) {
    char *entry = g_strstrip (entries[i]);
    char *colon = strrchr (entry, ':');
    McLogLevel level;

    if (colon == NULL) {
      if (parse_level (entry, &level))
        mc_log_set_threshold ("*", level);
      continue;
    }
    *colon = '\0';
    if (parse_level (colon + 1, &level))
      mc_log_set_threshold (g_strstrip (entry), level);
  }
}

/* Thresholds from GST_DEBUG as soon as the program starts, so that every
 * program linking this (tests and tools too) honours the variable. */
static void __attribute__ ((constructor))
log_init_at_load (void)
{
  mc_log_init ();
}

void
mc_log_set_writer (McLogWriter w)
{
  writer = w;
}

static const char *
level_name (McLogLevel level)
{
  static const char *const names[] = { "NONE", "ERROR", "WARN", "FIXME", "INFO", "DEBUG", "LOG", "TRACE", "?",
                                       "MEMDUMP" };
  return (guint) level < G_N_ELEMENTS (names) ? names[level] : "?";
}

/* GStreamer's default layout without colours: time since start, pid,
 * thread, level, category, file:line:function: message. */
static void
default_writer (McLogCategory *cat, McLogLevel level, const char *file, const char *func, int line,
                const char *message)
{
  gint64 t = g_get_monotonic_time () - start_us;
  const char *base = strrchr (file, '/');

  fprintf (log_file ? log_file : stderr, "%u:%02u:%02u.%06u000 %5d %p %-7s %20s %s:%d:%s: %s\n",
           (guint) (t / G_USEC_PER_SEC / 3600), (guint) (t / G_USEC_PER_SEC / 60 % 60),
           (guint) (t / G_USEC_PER_SEC % 60), (guint) (t % G_USEC_PER_SEC), (int) getpid (),
           (void *) g_thread_self (), level_name (level), cat->name, base ? base + 1 : file, line, func, message);
  if (log_file)
    fflush (log_file);
}

void
mc_log_write (McLogCategory *cat, McLogLevel level, const char *file, const char *func, int line,
              const char *format, ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  if (start_us == 0)
    start_us = g_get_monotonic_time ();
  /* Messages quote what remote parties sent (names, server errors, SDP):
   * nothing they wrote reaches a terminal or a log file as escape codes. */
  if (!mc_text_is_safe (message)) {
    char *safe = mc_text_sanitize (message);
    g_free (message);
    message = safe;
  }
  (writer ? writer : default_writer) (cat, level, file, func, line, message);
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
  g_autofree char *safe = mc_text_sanitize (msg);

  fprintf (stderr, "meshcall: %s\n", safe);
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

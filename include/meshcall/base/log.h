/* Logging, for two readers.
 *
 *  - Developers: debug categories in GStreamer's style, switched on by the
 *    same variable (GST_DEBUG=meshcall*:5, GST_DEBUG=meshcall-server:INFO),
 *    one category per concern. This module does not need GStreamer, so the
 *    server links none: without it, messages are written to stderr (or
 *    GST_DEBUG_FILE) in GStreamer's layout. A process that runs GStreamer
 *    installs a writer (media/gst_log.h) and the messages go through
 *    GStreamer's debug system, interleaved with its own.
 *  - Users: mc_log_user() and mc_log_error(), one concise line on stderr.
 *
 * A source file names its category once, before using the macros:
 *
 *   #define MC_LOG_CATEGORY (&mc_log_media)
 *   ...
 *   MC_INFO ("peer %s: connected", id);
 *
 * The level test is one atomic read, so disabled messages cost nothing and
 * the macros may be used from any thread.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The same numbers as GstDebugLevel, so thresholds mean the same thing. */
typedef enum {
  MC_LEVEL_NONE = 0,
  MC_LEVEL_ERROR = 1,
  MC_LEVEL_WARNING = 2,
  MC_LEVEL_FIXME = 3,
  MC_LEVEL_INFO = 4,
  MC_LEVEL_DEBUG = 5,
  MC_LEVEL_LOG = 6,
  MC_LEVEL_TRACE = 7,
  MC_LEVEL_MEMDUMP = 9,
} McLogLevel;

typedef struct {
  const char *name;          /* "meshcall-media": what GST_DEBUG patterns match */
  const char *description;
  gint threshold;            /* atomic: messages at or below this level are written */
  gpointer backend;          /* the installed writer's handle (a GstDebugCategory) */
} McLogCategory;

extern McLogCategory mc_log_main;    /* "meshcall": command line, config, lifecycle */
extern McLogCategory mc_log_server;  /* "meshcall-server": meshcall serve */
extern McLogCategory mc_log_signal;  /* "meshcall-signal": signaling clients */
extern McLogCategory mc_log_media;   /* "meshcall-media": capture, encoders, peers, the call */
extern McLogCategory mc_log_render;  /* "meshcall-render": SDL grid, terminal renderer */

void mc_log_write (McLogCategory *cat, McLogLevel level, const char *file, const char *func, int line,
                   const char *format, ...) G_GNUC_PRINTF (6, 7);

#define MC_LOG_AT(cat, level, ...)                                                              \
  G_STMT_START {                                                                                \
    if (G_UNLIKELY ((int) (level) <= g_atomic_int_get (&(cat)->threshold)))                     \
      mc_log_write ((cat), (level), __FILE__, G_STRFUNC, __LINE__, __VA_ARGS__);                \
  } G_STMT_END

#define MC_ERROR(...) MC_LOG_AT (MC_LOG_CATEGORY, MC_LEVEL_ERROR, __VA_ARGS__)
#define MC_WARNING(...) MC_LOG_AT (MC_LOG_CATEGORY, MC_LEVEL_WARNING, __VA_ARGS__)
#define MC_FIXME(...) MC_LOG_AT (MC_LOG_CATEGORY, MC_LEVEL_FIXME, __VA_ARGS__)
#define MC_INFO(...) MC_LOG_AT (MC_LOG_CATEGORY, MC_LEVEL_INFO, __VA_ARGS__)
#define MC_DEBUG(...) MC_LOG_AT (MC_LOG_CATEGORY, MC_LEVEL_DEBUG, __VA_ARGS__)
#define MC_LOG(...) MC_LOG_AT (MC_LOG_CATEGORY, MC_LEVEL_LOG, __VA_ARGS__)
#define MC_TRACE(...) MC_LOG_AT (MC_LOG_CATEGORY, MC_LEVEL_TRACE, __VA_ARGS__)

/* Sets every category's threshold from GST_DEBUG (a comma-separated list of
 * LEVEL or PATTERN:LEVEL, PATTERN with '*' wildcards, LEVEL a number or a
 * name such as INFO; a later entry wins over an earlier one, as in
 * GStreamer). Safe to call more than once. */
void mc_log_init (void);
/* All categories, NULL-terminated (for writers that register them). */
McLogCategory *const *mc_log_get_categories (void);
/* Overrides the threshold of the categories matching pattern. */
void mc_log_set_threshold (const char *pattern, McLogLevel level);

/* Where messages go. The default writes GStreamer's layout to stderr or to
 * the file named by GST_DEBUG_FILE. Install a writer once, at start-up, before
 * other threads log. NULL restores the default. */
typedef void (*McLogWriter) (McLogCategory *cat, McLogLevel level, const char *file, const char *func, int line,
                             const char *message);
void mc_log_set_writer (McLogWriter writer);

/* One line on stderr, prefixed "meshcall: ", unless quiet mode is on. */
void mc_log_user (const char *format, ...) G_GNUC_PRINTF (1, 2);
/* Always printed (errors). */
void mc_log_error (const char *format, ...) G_GNUC_PRINTF (1, 2);
void mc_log_set_quiet (gboolean quiet);

G_END_DECLS

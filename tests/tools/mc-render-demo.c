/* mc-render-demo: drives a renderer with synthetic participants, for the
 * render integration tests, the benchmark and for trying the renderers by
 * hand. Each tile is a real GStreamer pipeline (videotestsrc -> appsink)
 * whose appsink pushes samples from its streaming thread, as the call does.
 *
 *   mc-render-demo --render sdl --tiles Alice:red,Bob:green --script "3:remove Bob;6:quit"
 *
 * Commands (--script "SECONDS:COMMAND;...", or one per line on --control FIFO):
 *   add NAME:PATTERN   remove NAME   flags NAME muted,camoff,speaking   level NAME DB
 *   status TEXT        status        key CHAR         quit
 * PATTERN: red green blue yellow cyan magenta white orange black, 0xRRGGBB,
 * or a videotestsrc pattern name (smpte, ball, snow, ...).
 *
 * Events, one per line on --events FILE (default stdout when not drawing
 * in the terminal): "ready renderer=KIND pid=PID", "presented tiles=N frames=M", "action NAME",
 * "stopped".
 *
 * --frames N (bench/render-callgrind.sh): the sources are not live; each
 * sends N frames paced by the clock, none dropped, and the demo quits once
 * all have ended, so that a run's instruction count depends on N alone.
 *
 * It is a program like meshcall join: the renderers come from the same
 * table (cli/backends.h), and the terminal and the signals are its own
 * through cli/terminal.h (keys typed go to the renderer; SIGINT, SIGTERM
 * and SIGHUP quit; the terminal is restored on every way out). */
#include "meshcall/base/log.h"
#include "meshcall/cli/backends.h"
#include "meshcall/cli/terminal.h"
#include "meshcall/render/renderer.h"

#include <fcntl.h>
#include <gst/app/gstappsink.h>
#include <gst/gst.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct {
  char *name;
  GstElement *pipeline;
} Source;

typedef struct {
  McRenderer *renderer;
  GMainLoop *loop;
  GHashTable *sources;   /* name -> Source* */
  Source *self;
  int width, height, fps;
  char *format;
  const char *path;
  FILE *events;
  guint self_flags;
  guint last_tiles, last_frames;
  gboolean reported;
  /* bench */
  GArray *latencies;     /* gint64 us per present with uploads */
  GArray *render_costs;  /* gint64 us */
  guint64 uploads;
  guint64 drawn, full_repaints, presents_all;
  gint64 first_present_us;  /* monotonic, of the first present with every tile's frame */
  gint64 start_us;
  int exit_code;
  /* --frames: every source sends this many frames, paced by the clock, then
   * the demo quits once each has ended (instruction counts per frame). */
  int frames;
  guint n_sources, n_ended;
} Demo;

static void
emit (Demo *d, const char *fmt, ...) G_GNUC_PRINTF (2, 3);

static void
emit (Demo *d, const char *fmt, ...)
{
  va_list ap;

  if (!d->events)
    return;
  va_start (ap, fmt);
  vfprintf (d->events, fmt, ap);
  va_end (ap);
  fputc ('\n', d->events);
  fflush (d->events);
}

static GstFlowReturn
new_sample (GstAppSink *sink, gpointer data)
{
  Demo *d = data;
  const char *id = g_object_get_data (G_OBJECT (sink), "tile-id");
  GstSample *sample = gst_app_sink_pull_sample (sink);

  if (!sample)
    return GST_FLOW_OK;
  if (id)
    mc_renderer_push_frame (d->renderer, id, sample);
  else
    mc_renderer_push_self_frame (d->renderer, sample);
  gst_sample_unref (sample);
  return GST_FLOW_OK;
}

static char *
source_description (const Demo *d, const char *pattern)
{
  g_autofree char *live = d->frames > 0 ? g_strdup_printf ("is-live=false num-buffers=%d", d->frames)
                                        : g_strdup ("is-live=true");
  static const struct {
    const char *name;
    guint32 rgb;
  } colors[] = {
    { "red", 0xff0000 }, { "green", 0x00ff00 }, { "blue", 0x0000ff }, { "yellow", 0xffff00 },
    { "cyan", 0x00ffff }, { "magenta", 0xff00ff }, { "white", 0xffffff }, { "orange", 0xff8000 },
    { "black", 0x000000 },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (colors); i++)
    if (g_ascii_strcasecmp (pattern, colors[i].name) == 0)
      return g_strdup_printf ("videotestsrc %s pattern=solid-color foreground-color=0x%08x", live,
                              0xff000000u | colors[i].rgb);
  if (g_str_has_prefix (pattern, "0x") && strlen (pattern) == 8)
    return g_strdup_printf ("videotestsrc %s pattern=solid-color foreground-color=0xff%s", live, pattern + 2);
  return g_strdup_printf ("videotestsrc %s pattern=%s", live, pattern);
}

static gboolean
quit_soon (gpointer data)
{
  g_main_loop_quit (((Demo *) data)->loop);
  return G_SOURCE_REMOVE;
}

/* --frames: a source has sent its frames. The last ones are drawn on the
 * next ticks; then the demo quits. */
static gboolean
source_bus_cb (GstBus *bus, GstMessage *msg, gpointer data)
{
  Demo *d = data;

  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS && ++d->n_ended == d->n_sources)
    g_timeout_add (300, quit_soon, d);
  return G_SOURCE_CONTINUE;
}

static Source *
source_new (Demo *d, const char *name, const char *pattern, GError **error)
{
  g_autofree char *src = source_description (d, pattern);
  /* Live sources are never waited for; counted frames are paced by the
   * clock instead (sync), and none is dropped when the renderer is late. */
  g_autofree char *desc = g_strdup_printf (
      "%s ! video/x-raw,format=%s,width=%d,height=%d,framerate=%d/1 ! "
      "appsink name=sink %s",
      src, d->format, d->width, d->height, d->fps,
      d->frames > 0 ? "sync=true max-buffers=1" : "sync=false max-buffers=1 drop=true");
  GstAppSinkCallbacks cb = { 0 };
  GstElement *pipeline = gst_parse_launch (desc, error);
  GstElement *sink;
  Source *s;

  if (!pipeline)
    return NULL;
  sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  if (name)
    g_object_set_data_full (G_OBJECT (sink), "tile-id", g_strdup (name), g_free);
  cb.new_sample = new_sample;
  gst_app_sink_set_callbacks (GST_APP_SINK (sink), &cb, d, NULL);
  gst_object_unref (sink);
  if (d->frames > 0) {
    GstBus *bus = gst_element_get_bus (pipeline);

    gst_bus_add_watch (bus, source_bus_cb, d);
    gst_object_unref (bus);
    d->n_sources++;
  }
  if (gst_element_set_state (pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_STATE_CHANGE, "cannot play '%s'", desc);
    gst_object_unref (pipeline);
    return NULL;
  }
  s = g_new0 (Source, 1);
  s->name = g_strdup (name);
  s->pipeline = pipeline;
  return s;
}

static void
source_free (gpointer data)
{
  Source *s = data;
  GstBus *bus = gst_element_get_bus (s->pipeline);

  gst_bus_remove_watch (bus);   /* --frames only; else there is none */
  gst_object_unref (bus);
  gst_element_set_state (s->pipeline, GST_STATE_NULL);
  gst_object_unref (s->pipeline);
  g_free (s->name);
  g_free (s);
}

static guint
parse_flags (const char *spec)
{
  guint flags = 0;
  g_auto (GStrv) parts = g_strsplit (spec ? spec : "", ",", -1);

  for (guint i = 0; parts[i]; i++) {
    if (strcmp (parts[i], "muted") == 0)
      flags |= MC_TILE_MUTED;
    else if (strcmp (parts[i], "camoff") == 0)
      flags |= MC_TILE_CAMERA_OFF;
    else if (strcmp (parts[i], "speaking") == 0)
      flags |= MC_TILE_SPEAKING;
  }
  return flags;
}

static void
add_tile (Demo *d, const char *spec)
{
  g_auto (GStrv) kv = g_strsplit (spec, ":", 2);
  g_autoptr (GError) error = NULL;
  Source *s;

  if (!kv[0] || !*kv[0])
    return;
  if (g_hash_table_contains (d->sources, kv[0]))
    g_hash_table_remove (d->sources, kv[0]);
  mc_renderer_add_tile (d->renderer, kv[0], kv[0]);
  s = source_new (d, kv[0], kv[1] ? kv[1] : "smpte", &error);
  if (!s) {
    fprintf (stderr, "mc-render-demo: %s\n", error->message);
    return;
  }
  g_hash_table_insert (d->sources, g_strdup (kv[0]), s);
}

static void
run_command (Demo *d, const char *line)
{
  g_autofree char *cmd = g_strstrip (g_strdup (line));
  char *arg = strchr (cmd, ' ');

  if (arg)
    *arg++ = '\0';
  if (strcmp (cmd, "add") == 0 && arg) {
    add_tile (d, arg);
  } else if (strcmp (cmd, "remove") == 0 && arg) {
    mc_renderer_remove_tile (d->renderer, arg);
    g_hash_table_remove (d->sources, arg);
  } else if (strcmp (cmd, "flags") == 0 && arg) {
    char *f = strchr (arg, ' ');
    if (f)
      *f++ = '\0';
    mc_renderer_set_tile_flags (d->renderer, arg, parse_flags (f));
  } else if (strcmp (cmd, "level") == 0 && arg) {
    char *db = strchr (arg, ' ');
    if (db) {
      *db++ = '\0';
      mc_renderer_set_tile_level (d->renderer, arg, g_ascii_strtod (db, NULL));
    }
  } else if (strcmp (cmd, "status") == 0) {
    mc_renderer_set_status (d->renderer, arg);
  } else if (strcmp (cmd, "key") == 0 && arg) {
    mc_renderer_handle_key (d->renderer, strcmp (arg, "Esc") == 0 ? 27 : arg[0]);
  } else if (strcmp (cmd, "stats") == 0 && arg) {
    double v[4] = { -1, -1, -1, -1 };
    char *name = arg, *rest = strchr (arg, ' ');
    McTileStats st;

    if (rest) {
      *rest++ = '\0';
      sscanf (rest, "%lf %lf %lf %lf", &v[0], &v[1], &v[2], &v[3]);
    }
    st = (McTileStats) { v[0], v[1], v[2], v[3] };
    mc_renderer_set_tile_stats (d->renderer, name, &st);
  } else if (strcmp (cmd, "quit") == 0) {
    g_main_loop_quit (d->loop);
  } else if (*cmd) {
    fprintf (stderr, "mc-render-demo: unknown command '%s'\n", line);
  }
}

typedef struct {
  Demo *d;
  char *command;
} Scheduled;

static gboolean
scheduled_cb (gpointer data)
{
  Scheduled *s = data;

  run_command (s->d, s->command);
  return G_SOURCE_REMOVE;
}

static void
scheduled_free (gpointer data)
{
  Scheduled *s = data;

  g_free (s->command);
  g_free (s);
}

static gboolean
schedule_script (Demo *d, const char *script)
{
  g_auto (GStrv) steps = g_strsplit (script, ";", -1);

  for (guint i = 0; steps[i]; i++) {
    char *colon = strchr (steps[i], ':');
    Scheduled *s;
    double at;

    if (!*g_strstrip (steps[i]))
      continue;
    if (!colon) {
      fprintf (stderr, "mc-render-demo: script step '%s' is not SECONDS:COMMAND\n", steps[i]);
      return FALSE;
    }
    *colon = '\0';
    at = g_ascii_strtod (steps[i], NULL);
    s = g_new0 (Scheduled, 1);
    s->d = d;
    s->command = g_strdup (colon + 1);
    g_timeout_add_full (G_PRIORITY_DEFAULT, (guint) (at * 1000), scheduled_cb, s, scheduled_free);
  }
  return TRUE;
}

static gboolean
control_cb (GIOChannel *ch, GIOCondition cond, gpointer data)
{
  Demo *d = data;
  g_autofree char *line = NULL;
  GIOStatus st;

  while ((st = g_io_channel_read_line (ch, &line, NULL, NULL, NULL)) == G_IO_STATUS_NORMAL) {
    run_command (d, line);
    g_clear_pointer (&line, g_free);
  }
  return st != G_IO_STATUS_ERROR;
}

static void
on_action (McRenderer *r, McRenderAction action, gpointer data)
{
  Demo *d = data;

  emit (d, "action %s", mc_render_action_to_string (action));
  switch (action) {
  case MC_RENDER_ACTION_MUTE:
    d->self_flags ^= MC_TILE_MUTED;
    mc_renderer_set_self_flags (r, d->self_flags);
    emit (d, "self muted=%d", !!(d->self_flags & MC_TILE_MUTED));
    break;
  case MC_RENDER_ACTION_CAMERA:
    d->self_flags ^= MC_TILE_CAMERA_OFF;
    mc_renderer_set_self_flags (r, d->self_flags);
    break;
  case MC_RENDER_ACTION_QUIT:
    g_main_loop_quit (d->loop);
    break;
  default:
    break;
  }
}

static void
on_presented (McRenderer *r, const McRenderPresentInfo *info, gpointer data)
{
  Demo *d = data;

  d->presents_all++;
  d->drawn += info->n_drawn;
  d->full_repaints += info->full ? 1 : 0;
  if (d->first_present_us == 0 && info->n_tiles > 0 && info->n_with_frames == info->n_tiles)
    d->first_present_us = g_get_monotonic_time ();
  if (info->n_uploaded > 0) {
    d->uploads += info->n_uploaded;
    if (d->latencies) {
      g_array_append_val (d->latencies, info->max_latency_us);
      g_array_append_val (d->render_costs, info->render_us);
    }
  }
  if (!d->reported || info->n_tiles != d->last_tiles || info->n_with_frames != d->last_frames) {
    emit (d, "presented tiles=%u frames=%u", info->n_tiles, info->n_with_frames);
    d->last_tiles = info->n_tiles;
    d->last_frames = info->n_with_frames;
    d->reported = TRUE;
  }
}

static gboolean
quit_cb (gpointer data)
{
  g_main_loop_quit (((Demo *) data)->loop);
  return G_SOURCE_CONTINUE;
}

static void
on_terminal_quit (McCliQuitReason reason, gpointer data)
{
  quit_cb (data);
}

static int
cmp_i64 (gconstpointer a, gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;
  return x < y ? -1 : x > y;
}

static double
percentile (GArray *a, double p)
{
  if (a->len == 0)
    return -1;
  g_array_sort (a, cmp_i64);
  return (double) g_array_index (a, gint64, MIN (a->len - 1, (guint) (p * a->len))) / 1000.0;
}

static void
write_bench (Demo *d, const char *path, const char *kind, guint n_tiles, double seconds, double cpu_s)
{
  FILE *f = fopen (path, "w");

  if (!f) {
    fprintf (stderr, "mc-render-demo: cannot write %s\n", path);
    return;
  }
  fprintf (f,
           "{\"renderer\":\"%s\",\"path\":\"%s\",\"tiles\":%u,\"width\":%d,\"height\":%d,\"fps\":%d,"
           "\"seconds\":%.2f,\"uploads\":%" G_GUINT64_FORMAT ",\"presents\":%u,\"presents_all\":%" G_GUINT64_FORMAT ","
           "\"pictures_drawn\":%" G_GUINT64_FORMAT ",\"full_repaints\":%" G_GUINT64_FORMAT ","
           "\"first_picture_ms\":%.1f,\"cpu_seconds\":%.3f,\"cpu_percent\":%.2f,"
           "\"latency_ms\":{\"p50\":%.2f,\"p90\":%.2f,\"p99\":%.2f},"
           "\"render_ms\":{\"p50\":%.2f,\"p90\":%.2f,\"p99\":%.2f}}\n",
           kind, d->path ? d->path : "auto", n_tiles, d->width, d->height, d->fps, seconds, d->uploads,
           d->latencies->len, d->presents_all, d->drawn, d->full_repaints,
           d->first_present_us ? (d->first_present_us - d->start_us) / 1000.0 : -1.0, cpu_s,
           seconds > 0 ? 100.0 * cpu_s / seconds : 0.0, percentile (d->latencies, 0.5),
           percentile (d->latencies, 0.9), percentile (d->latencies, 0.99), percentile (d->render_costs, 0.5),
           percentile (d->render_costs, 0.9), percentile (d->render_costs, 0.99));
  fclose (f);
}

static double
cpu_seconds (void)
{
  double user = 0, sys = 0;
  FILE *f = fopen ("/proc/self/stat", "r");
  char buf[1024];

  if (f && fgets (buf, sizeof buf, f)) {
    char *p = strrchr (buf, ')');
    unsigned long ut = 0, st = 0;
    if (p && sscanf (p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) == 2) {
      user = (double) ut / sysconf (_SC_CLK_TCK);
      sys = (double) st / sysconf (_SC_CLK_TCK);
    }
  }
  if (f)
    fclose (f);
  return user + sys;
}

int
main (int argc, char **argv)
{
  g_autofree char *render = NULL, *tiles = NULL, *script = NULL, *control = NULL, *events = NULL;
  g_autofree char *window = NULL, *size = NULL, *call_id = NULL, *font = NULL, *bench = NULL, *format = NULL;
  g_autofree char *render_path = NULL;
  gboolean fullscreen = FALSE, self_view = FALSE, stats = FALSE;
  double duration = 0;
  int fps = 30;
  Demo d = { 0 };
  GOptionEntry entries[] = {
    { "render", 'r', 0, G_OPTION_ARG_STRING, &render, "Renderer: auto, sdl, text, text:symbols|sixel|kitty, none", "KIND" },
    { "render-path", 0, 0, G_OPTION_ARG_STRING, &render_path,
      "How the SDL grid draws: auto, surface, software, opengl, opengles2", "PATH" },
    { "tiles", 't', 0, G_OPTION_ARG_STRING, &tiles, "Participants: NAME:PATTERN,...", "LIST" },
    { "size", 0, 0, G_OPTION_ARG_STRING, &size, "Video size of every source (default 320x240)", "WxH" },
    { "fps", 0, 0, G_OPTION_ARG_INT, &fps, "Frame rate of every source (default 30)", "N" },
    { "format", 0, 0, G_OPTION_ARG_STRING, &format, "Raw format of the sources (default I420)", "FMT" },
    { "window", 'w', 0, G_OPTION_ARG_STRING, &window, "Window size (default 960x540)", "WxH" },
    { "fullscreen", 0, 0, G_OPTION_ARG_NONE, &fullscreen, "Kiosk fullscreen", NULL },
    { "self-view", 0, 0, G_OPTION_ARG_NONE, &self_view, "Show a self view (ball pattern)", NULL },
    { "stats", 0, 0, G_OPTION_ARG_NONE, &stats, "Start with the stats overlay on", NULL },
    { "call-id", 0, 0, G_OPTION_ARG_STRING, &call_id, "Call id for the waiting message", "ID" },
    { "font", 0, 0, G_OPTION_ARG_STRING, &font, "Font file or fontconfig pattern", "FONT" },
    { "script", 's', 0, G_OPTION_ARG_STRING, &script, "Timed commands: SECONDS:COMMAND;...", "SCRIPT" },
    { "control", 'c', 0, G_OPTION_ARG_FILENAME, &control, "Read commands, one per line, from this FIFO", "FIFO" },
    { "events", 'e', 0, G_OPTION_ARG_FILENAME, &events, "Write events to FILE (default stdout unless text)", "FILE" },
    { "duration", 'd', 0, G_OPTION_ARG_DOUBLE, &duration, "Quit after SECONDS", "SECONDS" },
    { "frames", 0, 0, G_OPTION_ARG_INT, &d.frames,
      "Every source sends N frames (not live, paced by the clock, none dropped), then quit", "N" },
    { "bench", 0, 0, G_OPTION_ARG_FILENAME, &bench, "Write render cost and latency JSON to FILE at exit", "FILE" },
    { NULL }
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("- drive a meshcall renderer with synthetic tiles");
  g_autoptr (GError) error = NULL;
  McRendererOptions opts = { 0 };
  McRendererChoice choice = { 0 };
  McCliTerminal *term;
  gint64 t0;
  double cpu0;
  int ch_fd = -1;
  GIOChannel *ch = NULL;

  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_add_group (ctx, gst_init_get_option_group ());
  if (!g_option_context_parse (ctx, &argc, &argv, &error)) {
    fprintf (stderr, "mc-render-demo: %s\n", error->message);
    return 2;
  }
  gst_init (NULL, NULL);
  mc_log_init ();

  if (!mc_cli_renderer_choice_parse (&choice, render ? render : "auto", &error)) {
    fprintf (stderr, "mc-render-demo: %s\n", error->message);
    return 2;
  }
  d.width = 320;
  d.height = 240;
  if (size && sscanf (size, "%dx%d", &d.width, &d.height) != 2) {
    fprintf (stderr, "mc-render-demo: --size must be WxH\n");
    return 2;
  }
  d.fps = MAX (1, fps);
  d.format = g_strdup (format ? format : "I420");
  if (window && sscanf (window, "%dx%d", &opts.width, &opts.height) != 2) {
    fprintf (stderr, "mc-render-demo: --window must be WxH\n");
    return 2;
  }
  if (events)
    d.events = fopen (events, "w");

  opts.path = render_path;
  opts.fullscreen = fullscreen;
  opts.self_view = self_view;
  opts.show_stats = stats;
  opts.call_id = call_id ? call_id : "demo";
  opts.font = font;
  opts.title = "meshcall render demo";
  opts.action = on_action;
  opts.presented = on_presented;
  opts.user_data = &d;

  d.path = render_path;
  d.start_us = g_get_monotonic_time ();
  d.loop = g_main_loop_new (NULL, FALSE);
  d.sources = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, source_free);
  d.latencies = g_array_new (FALSE, FALSE, sizeof (gint64));
  d.render_costs = g_array_new (FALSE, FALSE, sizeof (gint64));
  /* Commands run from the loop, once the renderer is up. */
  if (script && !schedule_script (&d, script))
    return 2;
  if (control) {
    ch_fd = open (control, O_RDWR | O_NONBLOCK);  /* RDWR: no EOF when a writer closes */
    if (ch_fd < 0) {
      fprintf (stderr, "mc-render-demo: cannot open %s\n", control);
      return 2;
    }
    ch = g_io_channel_unix_new (ch_fd);
    g_io_add_watch (ch, G_IO_IN | G_IO_HUP, control_cb, &d);
  }
  term = mc_cli_terminal_new (on_terminal_quit, &d);
  opts.host = mc_cli_terminal_get_host (term);
  d.renderer = mc_renderer_open (mc_cli_renderers, &choice, &opts, &error);
  mc_renderer_choice_clear (&choice);
  if (!d.renderer && !error)
    d.renderer = mc_renderer_new (NULL, &opts, &error);   /* nothing to draw on: none */
  if (!d.renderer || !mc_renderer_start (d.renderer, &error)) {
    mc_cli_terminal_free (term);
    fprintf (stderr, "mc-render-demo: %s\n", error ? error->message : "cannot create the renderer");
    return 1;
  }
  mc_cli_terminal_set_renderer (term, d.renderer);
  if (!events && !mc_cli_terminal_is_taken (term))
    d.events = stdout;
  if (tiles) {
    g_auto (GStrv) list = g_strsplit (tiles, ",", -1);
    for (guint i = 0; list[i]; i++)
      add_tile (&d, list[i]);
  }
  if (self_view) {
    d.self = source_new (&d, NULL, "ball", &error);
    if (!d.self)
      fprintf (stderr, "mc-render-demo: %s\n", error->message);
  }
  if (duration > 0)
    g_timeout_add ((guint) (duration * 1000), quit_cb, &d);

  emit (&d, "ready renderer=%s pid=%d", mc_renderer_get_name (d.renderer), (int) getpid ());
  t0 = g_get_monotonic_time ();
  cpu0 = cpu_seconds ();
  g_main_loop_run (d.loop);
  if (bench)
    write_bench (&d, bench, mc_renderer_get_name (d.renderer),
                 mc_renderer_get_n_tiles (d.renderer), (g_get_monotonic_time () - t0) / 1e6,
                 cpu_seconds () - cpu0);

  mc_cli_terminal_set_renderer (term, NULL);
  mc_renderer_stop (d.renderer);
  mc_cli_terminal_free (term);
  g_hash_table_unref (d.sources);
  if (d.self)
    source_free (d.self);
  mc_renderer_free (d.renderer);
  emit (&d, "stopped");
  if (ch)
    g_io_channel_unref (ch);
  if (ch_fd >= 0)
    close (ch_fd);
  if (d.events && d.events != stdout)
    fclose (d.events);
  g_array_unref (d.latencies);
  g_array_unref (d.render_costs);
  g_main_loop_unref (d.loop);
  g_free (d.format);
  return d.exit_code;
}

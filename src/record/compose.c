/* The composed recording (record.h, --compose): one pipeline, live,
 *
 *   videotestsrc black ────────────────────────────┐
 *   appsrc (a participant's video) ! decoder ──────┤ compositor ! vp8enc ─┐
 *   videotestsrc ! textoverlay (its name) ─────────┘                      ├─ webmmux ! filesink
 *   audiotestsrc silence ──────────────────────────┐                      │
 *   appsrc (its audio) ! opusdec ──────────────────┴ audiomixer ! opusenc ┘
 *
 * Tiles are placed by the grid layout both renderers use (render/layout.h):
 * the video in the tile's video rectangle, the name in the strip under it.
 * The aggregators run on the clock with a latency of AGGREGATOR_LATENCY:
 * the file lags the call by about that much and never holds it back (the
 * appsrcs drop rather than block). Its timestamps are the call's timeline
 * (its t = 0 is the pipeline's base time, a few ms after the recording's
 * start: the manifest's composed.offset).
 *
 * Threading: new/add/remove/finish/close/free on the recorder's context;
 * push from any thread (c->lock). A participant's branches are built on the
 * streaming thread of its first frame of that kind (as pad-added handlers
 * do) and dropped from the recorder's context after their end of stream. */
#include "record_private.h"

#include "meshcall/base/log.h"
#include "meshcall/media/pipelines.h"
#include "meshcall/render/layout.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <gst/app/gstappsrc.h>
#include <unistd.h>

#define MC_LOG_CATEGORY (&mc_log_media)

#define AGGREGATOR_LATENCY (1500 * GST_MSECOND)
#define TILE_PADDING 6
/* A participant's frames in: live, in time, never blocking the pusher (at
 * 4 MiB the oldest go), then a bounded leaky queue before the decoder.
 * Properties a source only takes before it starts are set here. */
#define APPSRC "appsrc name=src format=time is-live=true block=false max-bytes=4194304 leaky-type=downstream " \
               "! queue max-size-buffers=0 max-size-bytes=0 max-size-time=2000000000 leaky=downstream"

typedef struct {
  RecordCompose *c;
  char *peer_id, *name;
  guint order;                          /* when it was added: its place in the grid */
  GstElement *bin[RECORD_N_MEDIA];      /* appsrc ! decode ! convert, ghost "src" */
  GstElement *src[RECORD_N_MEDIA];      /* the appsrc inside */
  GstPad *pad[RECORD_N_MEDIA];          /* the aggregator's request pad */
  GstElement *card;                     /* its name, for the strip under the video */
  GstPad *card_pad;
  double aspect;                        /* of its video, 0 = not known */
  gboolean need_keyframe;
  GstClockTime last_pts[RECORD_N_MEDIA];
  gboolean gone;                        /* removed: its branches are ending */
} ComposeTile;

struct _RecordCompose {
  McRecord *rec;
  char *path;
  int width, height, fps;
  GMutex lock;                          /* tiles, and the pipeline's graph while branches are added */
  GstElement *pipeline, *vmix, *amix;
  GstElement *background[RECORD_N_MEDIA];
  GHashTable *tiles;                    /* peer id -> ComposeTile* (present ones) */
  GPtrArray *ended;                     /* ComposeTile*: gone, branches to drop */
  guint n_added;
  GSource *bus_source;
  GThreadPool *eos_pool;                /* delivers end of stream off the main loop */
  char *error;
  gboolean finishing, closed;
};

static void
tile_free (ComposeTile *t)
{
  for (int m = 0; m < RECORD_N_MEDIA; m++) {
    gst_clear_object (&t->src[m]);
    gst_clear_object (&t->pad[m]);
    gst_clear_object (&t->bin[m]);
  }
  gst_clear_object (&t->card);
  gst_clear_object (&t->card_pad);
  g_free (t->peer_id);
  g_free (t->name);
  g_free (t);
}

static gint
by_order (gconstpointer a, gconstpointer b)
{
  const ComposeTile *x = *(ComposeTile *const *) a, *y = *(ComposeTile *const *) b;
  return (gint) x->order - (gint) y->order;
}

/* Under the lock: every present tile where the layout puts it. */
static void
relayout (RecordCompose *c)
{
  g_autoptr (GPtrArray) tiles = g_ptr_array_new ();
  McLayoutTile lt[MC_LAYOUT_MAX_TILES];
  double aspects[MC_LAYOUT_MAX_TILES];
  McLayoutParams params = { TILE_PADDING, MAX (16, c->height / 18) };
  GHashTableIter it;
  gpointer value;
  guint n;

  g_hash_table_iter_init (&it, c->tiles);
  while (g_hash_table_iter_next (&it, NULL, &value))
    g_ptr_array_add (tiles, value);
  g_ptr_array_sort (tiles, by_order);
  n = MIN (tiles->len, MC_LAYOUT_MAX_TILES);
  for (guint i = 0; i < n; i++)
    aspects[i] = ((ComposeTile *) g_ptr_array_index (tiles, i))->aspect;
  mc_layout_compute (c->width, c->height, n, aspects, &params, lt, NULL);
  for (guint i = 0; i < tiles->len; i++) {
    ComposeTile *t = g_ptr_array_index (tiles, i);
    gboolean shown = i < n;
    if (t->pad[MC_RECORD_VIDEO])
      g_object_set (t->pad[MC_RECORD_VIDEO], "xpos", lt[i].video.x, "ypos", lt[i].video.y, "width",
                    shown ? lt[i].video.w : 0, "height", shown ? lt[i].video.h : 0, "alpha", shown ? 1.0 : 0.0,
                    NULL);
    if (t->card_pad)
      g_object_set (t->card_pad, "xpos", lt[i].label.x, "ypos", lt[i].label.y, "width", shown ? lt[i].label.w : 0,
                    "height", shown ? lt[i].label.h : 0, "alpha", shown ? 1.0 : 0.0, NULL);
  }
}

/* A bin from a description whose last element is named "out": only its
 * source pad is ghosted (a textoverlay's unlinked text pad, ghosted, would
 * make it wait for text forever). Added to the pipeline and linked to a new
 * request pad of mix. */
static GstElement *
add_branch (RecordCompose *c, const char *desc, GstElement *mix, GstPad **pad, GError **error)
{
  g_autoptr (GError) local = NULL;
  GstElement *bin = gst_parse_bin_from_description_full (desc, FALSE, NULL, GST_PARSE_FLAG_FATAL_ERRORS, &local);
  g_autoptr (GstElement) out = NULL;
  g_autoptr (GstPad) target = NULL;
  GstPad *src;

  if (bin == NULL) {
    g_set_error (error, MC_RECORD_ERROR, MC_RECORD_ERROR_PIPELINE, "compose: %s (pipeline: %s)",
                 local ? local->message : "parse failed", desc);
    return NULL;
  }
  out = gst_bin_get_by_name (GST_BIN (bin), "out");
  target = out ? gst_element_get_static_pad (out, "src") : NULL;
  src = gst_ghost_pad_new ("src", target);
  gst_element_add_pad (bin, src);
  gst_bin_add (GST_BIN (c->pipeline), gst_object_ref (bin));
  *pad = gst_element_request_pad_simple (mix, "sink_%u");
  if (*pad == NULL || gst_pad_link (src, *pad) != GST_PAD_LINK_OK) {
    g_set_error (error, MC_RECORD_ERROR, MC_RECORD_ERROR_PIPELINE, "compose: cannot link a branch (%s)", desc);
    return bin;   /* the pipeline's teardown takes it */
  }
  gst_element_sync_state_with_parent (bin);
  return bin;
}

static void
caps_aspect (ComposeTile *t, GstCaps *caps)
{
  GstStructure *s = gst_caps_get_size (caps) ? gst_caps_get_structure (caps, 0) : NULL;
  int w = 0, h = 0;

  if (s && gst_structure_get_int (s, "width", &w) && gst_structure_get_int (s, "height", &h) && w > 0 && h > 0)
    t->aspect = (double) w / h;
}

/* Under the lock, on the first frame of a kind: its branch. */
static gboolean
build_media_branch (RecordCompose *c, ComposeTile *t, McRecordMedia media, GstCaps *caps, GError **error)
{
  gboolean h264 = gst_structure_has_name (gst_caps_get_structure (caps, 0), "video/x-h264");
  g_autofree char *dec = mc_pipelines_load (media == MC_RECORD_AUDIO ? "decoder-opus"
                                            : h264 ? "decoder-h264" : "decoder-vp8", NULL, error);
  g_autofree char *desc = NULL;

  if (dec == NULL)
    return FALSE;
  if (media == MC_RECORD_VIDEO)
    desc = g_strdup_printf ("%s ! %s ! videoconvert name=out", APPSRC, dec);
  else
    desc = g_strdup_printf ("%s ! %s ! audioconvert ! audioresample name=out", APPSRC, dec);
  t->bin[media] = add_branch (c, desc, media == MC_RECORD_VIDEO ? c->vmix : c->amix, &t->pad[media], error);
  if (t->bin[media] == NULL || t->pad[media] == NULL)
    return FALSE;
  t->src[media] = gst_bin_get_by_name (GST_BIN (t->bin[media]), "src");
  g_object_set (t->src[media], "caps", caps, NULL);
  if (media == MC_RECORD_VIDEO) {
    caps_aspect (t, caps);
    relayout (c);
  }
  return TRUE;
}

/* Under the lock: the name card under the tile. */
static void
build_card (RecordCompose *c, ComposeTile *t)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GstElement) label = NULL;
  int font = MAX (8, c->height / 36);
  g_autofree char *desc = g_strdup_printf ("videotestsrc is-live=true pattern=black ! video/x-raw,format=I420,width=%d,"
                                           "height=%d,framerate=%d/1 ! textoverlay name=out valignment=center "
                                           "halignment=center font-desc=\"Sans Bold %d\"",
                                           c->width / 3, MAX (16, c->height / 18), MAX (1, c->fps / 3), font);

  t->card = add_branch (c, desc, c->vmix, &t->card_pad, &error);
  if (error)
    MC_WARNING ("compose: no name under %s's tile: %s", t->peer_id, error->message);
  label = t->card ? gst_bin_get_by_name (GST_BIN (t->card), "out") : NULL;
  if (label)
    g_object_set (label, "text", t->name, NULL);   /* as it is: not a description, no quoting */
  relayout (c);
}

void
record_compose_push (RecordCompose *c, const char *peer_id, McRecordMedia media, GstCaps *caps, GstBuffer *buffer)
{
  GstClockTime pts = GST_BUFFER_PTS (buffer), origin = gst_element_get_base_time (c->pipeline);
  g_autoptr (GError) error = NULL;
  ComposeTile *t;
  GstBuffer *out;

  g_mutex_lock (&c->lock);
  t = c->finishing || c->closed ? NULL : g_hash_table_lookup (c->tiles, peer_id);
  if (t == NULL || pts < origin || (media == MC_RECORD_VIDEO && t->need_keyframe &&
                                    GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_DELTA_UNIT))) {
    g_mutex_unlock (&c->lock);
    return;
  }
  if (t->src[media] == NULL && t->bin[media] == NULL && !build_media_branch (c, t, media, caps, &error))
    MC_WARNING ("compose: %s's %s left out: %s", peer_id, media == MC_RECORD_VIDEO ? "video" : "audio",
                error->message);
  if (t->src[media] && (!GST_CLOCK_TIME_IS_VALID (t->last_pts[media]) || pts >= t->last_pts[media])) {
    if (media == MC_RECORD_VIDEO)
      t->need_keyframe = FALSE;
    t->last_pts[media] = pts;
    out = gst_buffer_copy (buffer);
    GST_BUFFER_PTS (out) = GST_BUFFER_DTS (out) = pts - origin;
    gst_app_src_push_buffer (GST_APP_SRC (t->src[media]), out);
  }
  g_mutex_unlock (&c->lock);
}

void
record_compose_add (RecordCompose *c, const char *peer_id, const char *name)
{
  ComposeTile *t;

  g_mutex_lock (&c->lock);
  if (c->finishing || g_hash_table_contains (c->tiles, peer_id)) {
    g_mutex_unlock (&c->lock);
    return;
  }
  t = g_new0 (ComposeTile, 1);
  t->c = c;
  t->peer_id = g_strdup (peer_id);
  t->name = g_strdup (name ? name : peer_id);
  t->order = c->n_added++;
  t->need_keyframe = TRUE;
  t->last_pts[0] = t->last_pts[1] = GST_CLOCK_TIME_NONE;
  g_hash_table_insert (c->tiles, t->peer_id, t);
  build_card (c, t);
  g_mutex_unlock (&c->lock);
}

/* End of stream into aggregator pads (taken: a GPtrArray of pad refs).
 * Sent into the aggregator's own sink pads, not through the sources (a live
 * source's lock can be held by its streaming thread), and from a thread of
 * its own: a serialized event waits until the pad's queued frames, up to
 * AGGREGATOR_LATENCY of them, are consumed, which the main loop must not. */
static void
eos_job (gpointer data, gpointer user_data)
{
  GPtrArray *pads = data;

  for (guint i = 0; i < pads->len; i++)
    gst_pad_send_event (g_ptr_array_index (pads, i), gst_event_new_eos ());
  g_ptr_array_unref (pads);
}

static void
send_eos (RecordCompose *c, GPtrArray *pads)
{
  g_thread_pool_push (c->eos_pool, pads, NULL);
}

static GPtrArray *
pad_list (void)
{
  return g_ptr_array_new_with_free_func (gst_object_unref);
}

/* Under the lock: end of stream into every input of t. */
static void
end_tile (RecordCompose *c, ComposeTile *t)
{
  GPtrArray *pads = pad_list ();

  for (int m = 0; m < RECORD_N_MEDIA; m++)
    if (t->pad[m])
      g_ptr_array_add (pads, gst_object_ref (t->pad[m]));
  if (t->card_pad)
    g_ptr_array_add (pads, gst_object_ref (t->card_pad));
  send_eos (c, pads);
}

/* The recorder's context: branches of tiles that left, out of the pipeline. */
static void
drop_ended (RecordCompose *c)
{
  for (guint i = 0; i < c->ended->len; i++) {
    ComposeTile *t = g_ptr_array_index (c->ended, i);
    for (int m = 0; m < RECORD_N_MEDIA + 1; m++) {
      GstElement *bin = m < RECORD_N_MEDIA ? t->bin[m] : t->card;
      GstPad *pad = m < RECORD_N_MEDIA ? t->pad[m] : t->card_pad;
      GstElement *mix = m == MC_RECORD_AUDIO ? c->amix : c->vmix;
      if (bin == NULL)
        continue;
      gst_element_set_state (bin, GST_STATE_NULL);
      gst_bin_remove (GST_BIN (c->pipeline), bin);
      if (pad)
        gst_element_release_request_pad (mix, pad);
    }
  }
  g_ptr_array_set_size (c->ended, 0);
}

void
record_compose_remove (RecordCompose *c, const char *peer_id)
{
  ComposeTile *t;

  g_mutex_lock (&c->lock);
  /* The previous departure's branches have ended by now (EOS reaches the
   * aggregator within its latency; this runs seconds later at the earliest). */
  drop_ended (c);
  t = g_hash_table_lookup (c->tiles, peer_id);
  if (t != NULL) {
    g_hash_table_steal (c->tiles, peer_id);
    t->gone = TRUE;
    end_tile (c, t);
    g_ptr_array_add (c->ended, t);
    relayout (c);
  }
  g_mutex_unlock (&c->lock);
}

static void
compose_closed (RecordCompose *c, const char *error)
{
  if (c->closed)
    return;
  g_mutex_lock (&c->lock);
  c->closed = TRUE;
  if (error && c->error == NULL)
    c->error = g_strdup (error);
  g_mutex_unlock (&c->lock);
  record_clear_source (&c->bus_source);
  gst_element_set_state (c->pipeline, GST_STATE_NULL);
  record_file_changed (c->rec, NULL);
}

static gboolean
on_bus_message (GstBus *bus, GstMessage *msg, gpointer user_data)
{
  RecordCompose *c = user_data;

  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS) {
    MC_INFO ("composed recording %s finalized", c->path);
    compose_closed (c, NULL);
    return G_SOURCE_REMOVE;
  }
  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
    g_autofree char *what = record_error_text (msg, c->path);
    mc_log_error ("the composed recording %s stopped: %s; the call and the other recordings go on", c->path, what);
    compose_closed (c, what);
    return G_SOURCE_REMOVE;
  }
  return G_SOURCE_CONTINUE;
}

static gboolean
compose_build (RecordCompose *c, GError **error)
{
  g_autofree char *desc = g_strdup_printf (
      "compositor name=vmix background=black latency=%" G_GUINT64_FORMAT " ignore-inactive-pads=true "
      "! video/x-raw,format=I420,width=%d,height=%d,framerate=%d/1,pixel-aspect-ratio=1/1,colorimetry=bt601,"
      "chroma-site=jpeg,interlace-mode=progressive ! queue leaky=downstream max-size-time=0 "
      "max-size-bytes=0 max-size-buffers=%d ! vp8enc deadline=1 cpu-used=-8 threads=2 target-bitrate=%d "
      "keyframe-max-dist=%d ! queue ! mux. "
      "audiomixer name=amix latency=%" G_GUINT64_FORMAT " ignore-inactive-pads=true ! audioconvert "
      "! audio/x-raw,rate=48000,channels=2 ! opusenc bitrate=64000 ! queue ! mux. "
      "webmmux name=mux max-cluster-duration=2000000000 writing-app=\"meshcall record\" "
      "! filesink name=sink sync=false async=false buffer-mode=2 "
      "videotestsrc is-live=true pattern=black ! video/x-raw,format=I420,width=%d,height=%d,framerate=%d/1 ! vmix. "
      "audiotestsrc is-live=true wave=silence samplesperbuffer=960 ! audio/x-raw,rate=48000,channels=2 ! amix.",
      AGGREGATOR_LATENCY, c->width, c->height, c->fps, c->fps * 2, c->width * c->height * 2, c->fps * 10,
      AGGREGATOR_LATENCY, c->width, c->height, c->fps);
  g_autoptr (GError) local = NULL;
  g_autoptr (GstBus) bus = NULL;
  g_autoptr (GstElement) sink = NULL;

  c->pipeline = gst_parse_launch_full (desc, NULL, GST_PARSE_FLAG_FATAL_ERRORS, &local);
  if (c->pipeline == NULL) {
    g_set_error (error, MC_RECORD_ERROR, MC_RECORD_ERROR_PIPELINE, "compose: %s", local->message);
    return FALSE;
  }
  gst_object_ref_sink (c->pipeline);
  c->vmix = gst_bin_get_by_name (GST_BIN (c->pipeline), "vmix");
  c->amix = gst_bin_get_by_name (GST_BIN (c->pipeline), "amix");
  sink = gst_bin_get_by_name (GST_BIN (c->pipeline), "sink");
  g_object_set (sink, "location", c->path, NULL);
  gst_pipeline_use_clock (GST_PIPELINE (c->pipeline), record_get_clock (c->rec));
  bus = gst_element_get_bus (c->pipeline);
  c->bus_source = gst_bus_create_watch (bus);
  g_source_set_callback (c->bus_source, (GSourceFunc) (void (*) (void)) on_bus_message, c, NULL);
  g_source_attach (c->bus_source, record_get_context (c->rec));
  if (gst_element_set_state (c->pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    /* filesink says why only on the bus: the reason, for the message. */
    int fd = g_open (c->path, O_WRONLY | O_CREAT, 0644), e = errno;

    if (fd >= 0)
      close (fd);
    g_set_error (error, MC_RECORD_ERROR, MC_RECORD_ERROR_WRITE,
                 "cannot start writing the composed recording %s%s%s; choose a --compose FILE you can write", c->path,
                 fd < 0 ? ": " : "", fd < 0 ? g_strerror (e) : "");
    return FALSE;
  }
  return TRUE;
}

RecordCompose *
record_compose_new (McRecord *rec, const char *path, int width, int height, int fps, GError **error)
{
  RecordCompose *c = g_new0 (RecordCompose, 1);

  c->rec = rec;
  c->path = g_strdup (path);
  c->width = width > 0 ? width : 1280;
  c->height = height > 0 ? height : 720;
  c->fps = fps > 0 ? fps : 15;
  g_mutex_init (&c->lock);
  c->tiles = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) tile_free);
  c->ended = g_ptr_array_new_with_free_func ((GDestroyNotify) tile_free);
  c->eos_pool = g_thread_pool_new (eos_job, c, 1, FALSE, NULL);
  if (!compose_build (c, error)) {
    record_compose_free (c);
    return NULL;
  }
  MC_INFO ("composing %dx%d@%d into %s", c->width, c->height, c->fps, c->path);
  return c;
}

static void
add_sink_pad (const GValue *item, gpointer data)
{
  g_ptr_array_add (data, g_value_dup_object (item));
}

void
record_compose_finish (RecordCompose *c)
{
  GPtrArray *pads = pad_list ();
  GstIterator *it;

  g_mutex_lock (&c->lock);
  if (c->finishing || c->closed) {
    g_mutex_unlock (&c->lock);
    g_ptr_array_unref (pads);
    return;
  }
  c->finishing = TRUE;
  /* Every input of both aggregators (backgrounds, tiles, names): then they end. */
  for (int m = 0; m < 2; m++) {
    it = gst_element_iterate_sink_pads (m == 0 ? c->vmix : c->amix);
    while (gst_iterator_foreach (it, add_sink_pad, pads) == GST_ITERATOR_RESYNC)
      gst_iterator_resync (it);
    gst_iterator_free (it);
  }
  g_mutex_unlock (&c->lock);
  send_eos (c, pads);
}

gboolean
record_compose_is_closed (RecordCompose *c)
{
  return c->closed;
}

const char *
record_compose_get_error (RecordCompose *c)
{
  return c->error;
}

GstClockTime
record_compose_get_origin (RecordCompose *c)
{
  return gst_element_get_base_time (c->pipeline);
}

const char *
record_compose_get_path (RecordCompose *c)
{
  return c->path;
}

void
record_compose_close (RecordCompose *c)
{
  if (c->pipeline != NULL && !c->closed)
    compose_closed (c, NULL);
}

void
record_compose_free (RecordCompose *c)
{
  if (c == NULL)
    return;
  record_clear_source (&c->bus_source);
  if (c->pipeline)
    gst_element_set_state (c->pipeline, GST_STATE_NULL);
  /* Down, the pads flush: an end of stream still on its way returns now. */
  if (c->eos_pool)
    g_thread_pool_free (c->eos_pool, FALSE, TRUE);
  g_clear_pointer (&c->tiles, g_hash_table_destroy);
  g_clear_pointer (&c->ended, g_ptr_array_unref);
  gst_clear_object (&c->vmix);
  gst_clear_object (&c->amix);
  gst_clear_object (&c->pipeline);
  g_mutex_clear (&c->lock);
  g_free (c->path);
  g_free (c->error);
  g_free (c);
}

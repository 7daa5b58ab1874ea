/* Renderer core: the model every back end draws (tiles, latest samples,
 * flags, overlays) behind one mutex and the tick source that drives the
 * back end on the main context (keys and the chat input: renderer_input.c).
 * See renderer.h. */
#include "meshcall/render/renderer.h"
#include "renderer_private.h"

#include "meshcall/base/log.h"

#include <errno.h>
#include <gst/video/video.h>
#include <string.h>
#include <unistd.h>

#define MC_LOG_CATEGORY (&mc_log_render)

G_DEFINE_QUARK (mc-renderer-error-quark, mc_renderer_error)

static const McRendererClass none_class = { .name = "none" };

const char *
mc_render_action_to_string (McRenderAction action)
{
  switch (action) {
  case MC_RENDER_ACTION_MUTE: return "mute";
  case MC_RENDER_ACTION_CAMERA: return "camera";
  case MC_RENDER_ACTION_FULLSCREEN: return "fullscreen";
  case MC_RENDER_ACTION_STATS: return "stats";
  case MC_RENDER_ACTION_SELF_VIEW: return "self-view";
  case MC_RENDER_ACTION_QUIT: return "quit";
  case MC_RENDER_ACTION_ACCEPT: return "accept";
  case MC_RENDER_ACTION_REFUSE: return "refuse";
  }
  return "unknown";
}

static gint64
renderer_now (McRenderer *r)
{
  return r->options.clock ? r->options.clock () : g_get_monotonic_time ();
}

static void
tile_clear (Tile *t)
{
  g_clear_pointer (&t->id, g_free);
  g_clear_pointer (&t->name, g_free);
  g_clear_pointer (&t->sample, gst_sample_unref);
  g_clear_pointer (&t->prepared, gst_sample_unref);
  g_clear_pointer (&t->geometry_caps, gst_caps_unref);
}

static void
tile_free (gpointer data)
{
  Tile *t = data;

  tile_clear (t);
  g_free (t);
}

McRenderer *
mc_renderer_new (const McRendererClass *klass, const McRendererOptions *options, GError **error)
{
  McRenderer *r;

  r = g_new0 (McRenderer, 1);
  r->klass = klass ? klass : &none_class;
  r->options = *options;
  r->options.variant = g_strdup (options->variant);
  r->options.font = g_strdup (options->font);
  r->options.call_id = g_strdup (options->call_id);
  r->options.title = g_strdup (options->title ? options->title : "meshcall");
  r->options.path = g_strdup (options->path);
  if (r->options.width <= 0 || r->options.height <= 0) {
    r->options.width = 960;
    r->options.height = 540;
  }
  if (r->options.max_fps == 0)
    r->options.max_fps = r->klass->default_max_fps ? r->klass->default_max_fps : 60;
  r->options.max_fps = CLAMP (r->options.max_fps, 1, 240);

  g_mutex_init (&r->lock);
  r->tiles = g_ptr_array_new_with_free_func (tile_free);
  r->self_view = options->self_view;
  r->show_stats = options->show_stats;
  r->fullscreen = options->fullscreen;
  r->speaker = mc_speaker_new (NULL);
  r->chat = mc_chat_overlay_new ();
  r->dirty = TRUE;
  r->fps_mark_us = renderer_now (r);
  MC_INFO ("renderer %s created", r->klass->name);
  (void) error;
  return r;
}

static gboolean
tick_cb (gpointer data)
{
  McRenderer *r = data;

  r->klass->tick (r);
  return G_SOURCE_CONTINUE;
}

gboolean
mc_renderer_start (McRenderer *r, GError **error)
{
  g_return_val_if_fail (r != NULL, FALSE);
  if (r->started)
    return TRUE;
  if (r->klass->start && !r->klass->start (r, error))
    return FALSE;
  r->started = TRUE;
  if (r->klass->tick) {
    r->tick_source = g_timeout_source_new (MAX (1u, 1000u / r->options.max_fps));
    g_source_set_priority (r->tick_source, G_PRIORITY_DEFAULT);
    g_source_set_callback (r->tick_source, tick_cb, r, NULL);
    g_source_set_name (r->tick_source, "mc-renderer-tick");
    r->context = g_main_context_ref_thread_default ();
    g_source_attach (r->tick_source, r->context);
  }
  return TRUE;
}

static gboolean
wake_cb (gpointer data)
{
  McRenderer *r = data;

  g_mutex_lock (&r->lock);
  g_clear_pointer (&r->wake_source, g_source_unref);
  g_mutex_unlock (&r->lock);
  r->klass->tick (r);
  return G_SOURCE_REMOVE;
}

/* Call with the lock held (any thread): a tick at once rather than up to
 * 1/max_fps later, for a tile's first picture (the join's first picture on
 * screen). Ticks run on the main context only; stop cancels a pending one. */
static void
wake_now (McRenderer *r)
{
  if (!r->context || r->wake_source)
    return;
  r->wake_source = g_idle_source_new ();
  g_source_set_priority (r->wake_source, G_PRIORITY_DEFAULT);
  g_source_set_callback (r->wake_source, wake_cb, r, NULL);
  g_source_set_name (r->wake_source, "mc-renderer-first-picture");
  g_source_attach (r->wake_source, r->context);
}

void
mc_renderer_stop (McRenderer *r)
{
  if (!r || !r->started)
    return;
  if (r->tick_source) {
    g_source_destroy (r->tick_source);
    g_clear_pointer (&r->tick_source, g_source_unref);
  }
  g_mutex_lock (&r->lock);
  if (r->wake_source) {
    g_source_destroy (r->wake_source);
    g_clear_pointer (&r->wake_source, g_source_unref);
  }
  g_clear_pointer (&r->context, g_main_context_unref);
  g_mutex_unlock (&r->lock);
  if (r->klass->stop)
    r->klass->stop (r);
  r->started = FALSE;
}

void
mc_renderer_free (McRenderer *r)
{
  if (!r)
    return;
  mc_renderer_stop (r);
  if (r->klass->finalize)
    r->klass->finalize (r);
  g_ptr_array_unref (r->tiles);
  tile_clear (&r->self);
  g_free (r->status);
  g_free (r->recording);
  g_free (r->transfers);
  g_free (r->waiting);
  g_free (r->active_id);
  mc_speaker_free (r->speaker);
  mc_chat_overlay_free (r->chat);
  g_free ((char *) r->options.variant);
  g_free ((char *) r->options.font);
  g_free ((char *) r->options.call_id);
  g_free ((char *) r->options.title);
  g_free ((char *) r->options.path);
  g_mutex_clear (&r->lock);
  g_free (r);
}

const char *
mc_renderer_get_name (McRenderer *r)
{
  return r->klass->name;
}

const McRendererClass *
mc_renderer_get_class (McRenderer *r)
{
  return r->klass;
}

const McRendererOptions *
mc_renderer_get_options (McRenderer *r)
{
  return &r->options;
}

gpointer
mc_renderer_get_backend_data (McRenderer *r)
{
  return r->backend_data;
}

void
mc_renderer_set_backend_data (McRenderer *r, gpointer data)
{
  r->backend_data = data;
}

/* Call with the lock held. */
static Tile *
find_tile (McRenderer *r, const char *id, guint *index)
{
  if (!id)
    return NULL;
  for (guint i = 0; i < r->tiles->len; i++) {
    Tile *t = g_ptr_array_index (r->tiles, i);

    if (strcmp (t->id, id) == 0) {
      if (index)
        *index = i;
      return t;
    }
  }
  return NULL;
}

void
mc_renderer_add_tile (McRenderer *r, const char *id, const char *name)
{
  Tile *t;

  g_return_if_fail (id != NULL);
  g_mutex_lock (&r->lock);
  t = find_tile (r, id, NULL);
  if (!t) {
    t = g_new0 (Tile, 1);
    t->id = g_strdup (id);
    g_ptr_array_add (r->tiles, t);
    MC_INFO ("tile %s added (%u tiles)", id, r->tiles->len);
  }
  g_free (t->name);
  t->name = g_strdup (name && *name ? name : id);
  r->dirty = TRUE;
  g_mutex_unlock (&r->lock);
}

void
mc_renderer_rename_tile (McRenderer *r, const char *id, const char *name)
{
  Tile *t;

  g_mutex_lock (&r->lock);
  t = find_tile (r, id, NULL);
  if (t) {
    g_free (t->name);
    t->name = g_strdup (name && *name ? name : id);
    r->dirty = TRUE;
  }
  g_mutex_unlock (&r->lock);
}

void
mc_renderer_remove_tile (McRenderer *r, const char *id)
{
  guint index;

  g_mutex_lock (&r->lock);
  if (find_tile (r, id, &index)) {
    g_ptr_array_remove_index (r->tiles, index);
    mc_speaker_remove (r->speaker, id);
    if (g_strcmp0 (r->active_id, id) == 0)
      g_clear_pointer (&r->active_id, g_free);
    r->dirty = TRUE;
    MC_INFO ("tile %s removed (%u tiles)", id, r->tiles->len);
  }
  g_mutex_unlock (&r->lock);
}

guint
mc_renderer_get_n_tiles (McRenderer *r)
{
  guint n;

  g_mutex_lock (&r->lock);
  n = r->tiles->len;
  g_mutex_unlock (&r->lock);
  return n;
}

/* Call with the lock held: the tile a push is for (id NULL: the self view). */
static Tile *
push_target (McRenderer *r, const char *id)
{
  return id ? find_tile (r, id, NULL) : &r->self;
}

/* Swaps in the new sample (and what prepare made of it); the old ones are
 * released outside the lock. The interval between pushes is smoothed over
 * about four frames: the redraw rate follows it. */
static void
push_into (McRenderer *r, Tile *t, GstSample *sample, GstSample **prepared, GstSample *old[2])
{
  gint64 now = renderer_now (r);

  old[0] = t->sample;
  old[1] = t->prepared;
  t->sample = gst_sample_ref (sample);
  t->prepared = g_steal_pointer (prepared);
  t->seq++;
  if (t->push_us > 0) {
    gint64 dt = CLAMP (now - t->push_us, G_TIME_SPAN_MILLISECOND, G_TIME_SPAN_SECOND);
    t->interval_us = t->interval_us ? (3 * t->interval_us + dt) / 4 : dt;
  }
  t->push_us = now;
  if (t->first_push_us == 0)
    t->first_push_us = now;
}

/* push_frame and push_self_frame: the class's prepare runs here, on the
 * pushing thread, for the target read under the lock (none for a hidden
 * self view: it is drawn from the frame when shown again). */
static void
push (McRenderer *r, const char *id, GstSample *sample)
{
  McRendererTarget target = { 0 };
  GstSample *prepared = NULL, *old[2] = { NULL, NULL };
  gboolean wanted = FALSE;
  Tile *t;

  g_return_if_fail (sample != NULL);
  if (r->klass->prepare) {
    g_mutex_lock (&r->lock);
    t = push_target (r, id);
    wanted = t != NULL && (id != NULL || r->self_view);
    if (t)
      target = t->target;
    g_mutex_unlock (&r->lock);
    if (wanted)
      prepared = r->klass->prepare (sample, &target);
  }
  g_mutex_lock (&r->lock);
  t = push_target (r, id);
  if (t) {
    gboolean first = t->first_push_us == 0;

    push_into (r, t, sample, &prepared, old);
    if (id != NULL || r->self_view)
      r->frames_dirty = TRUE;  /* a hidden self view is kept for when it is shown again */
    if (first && id != NULL) {
      r->dirty = TRUE;         /* the placeholder gives way to the picture: not rate-limited */
      wake_now (r);
    }
  }
  g_mutex_unlock (&r->lock);
  g_clear_pointer (&prepared, gst_sample_unref);
  g_clear_pointer (&old[0], gst_sample_unref);
  g_clear_pointer (&old[1], gst_sample_unref);
}

void
mc_renderer_push_frame (McRenderer *r, const char *id, GstSample *sample)
{
  g_return_if_fail (id != NULL);
  push (r, id, sample);
}

void
mc_renderer_push_self_frame (McRenderer *r, GstSample *sample)
{
  push (r, NULL, sample);
}

void
mc_renderer_set_tile_target (McRenderer *r, const char *id, const McRendererTarget *target)
{
  Tile *t;

  g_mutex_lock (&r->lock);
  t = push_target (r, id);
  if (t)
    t->target = *target;
  g_mutex_unlock (&r->lock);
}

void
mc_renderer_set_tile_flags (McRenderer *r, const char *id, guint flags)
{
  mc_renderer_change_tile_flags (r, id, G_MAXUINT, flags);
}

void
mc_renderer_change_tile_flags (McRenderer *r, const char *id, guint mask, guint flags)
{
  Tile *t;
  guint now;

  g_mutex_lock (&r->lock);
  t = find_tile (r, id, NULL);
  now = t ? (t->flags & ~mask) | (flags & mask) : 0;
  if (t && t->flags != now) {
    t->flags = now;
    r->dirty = TRUE;
  }
  g_mutex_unlock (&r->lock);
}

void
mc_renderer_set_tile_stats (McRenderer *r, const char *id, const McTileStats *stats)
{
  Tile *t;

  g_mutex_lock (&r->lock);
  t = find_tile (r, id, NULL);
  if (t) {
    t->stats = *stats;
    t->has_stats = TRUE;
    if (r->show_stats)
      r->dirty = TRUE;
  }
  g_mutex_unlock (&r->lock);
}

/* Call with the lock held. */
static void
update_active (McRenderer *r)
{
  const char *active = mc_speaker_get_active (r->speaker);

  if (g_strcmp0 (active, r->active_id) != 0) {
    g_free (r->active_id);
    r->active_id = g_strdup (active);
    r->dirty = TRUE;
  }
}

void
mc_renderer_set_tile_level (McRenderer *r, const char *id, double level_db)
{
  g_mutex_lock (&r->lock);
  if (find_tile (r, id, NULL)) {
    mc_speaker_update (r->speaker, id, level_db, renderer_now (r));
    update_active (r);
  }
  g_mutex_unlock (&r->lock);
}

void
mc_renderer_set_self_flags (McRenderer *r, guint flags)
{
  g_mutex_lock (&r->lock);
  if (r->self_flags != flags) {
    r->self_flags = flags;
    r->dirty = TRUE;
  }
  g_mutex_unlock (&r->lock);
}

void
mc_renderer_set_status (McRenderer *r, const char *text)
{
  g_mutex_lock (&r->lock);
  if (g_strcmp0 (r->status, text) != 0) {
    g_free (r->status);
    r->status = g_strdup (text);
    r->dirty = TRUE;
  }
  g_mutex_unlock (&r->lock);
}

void
mc_renderer_set_transfers (McRenderer *r, const char *text)
{
  g_mutex_lock (&r->lock);
  if (g_strcmp0 (r->transfers, text) != 0) {
    g_free (r->transfers);
    r->transfers = g_strdup (text);
    r->dirty = TRUE;
  }
  g_mutex_unlock (&r->lock);
}

void
mc_renderer_set_recording (McRenderer *r, const char *who)
{
  g_mutex_lock (&r->lock);
  if (g_strcmp0 (r->recording, who) != 0) {
    g_free (r->recording);
    r->recording = g_strdup (who);
    r->dirty = TRUE;
  }
  g_mutex_unlock (&r->lock);
}

void
mc_renderer_set_waiting_text (McRenderer *r, const char *text)
{
  g_mutex_lock (&r->lock);
  g_free (r->waiting);
  r->waiting = g_strdup (text);
  r->dirty = TRUE;
  g_mutex_unlock (&r->lock);
}

void
mc_renderer_invalidate (McRenderer *r)
{
  g_mutex_lock (&r->lock);
  r->dirty = TRUE;
  g_mutex_unlock (&r->lock);
}

void
mc_renderer_write_all (int fd, const char *buf, gsize len)
{
  while (len > 0) {
    ssize_t n = write (fd, buf, len);

    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return;
    buf += n;
    len -= (gsize) n;
  }
}

gboolean
mc_renderer_sample_geometry (GstSample *sample, int *width, int *height, double *aspect)
{
  GstVideoInfo info;
  GstCaps *caps = sample ? gst_sample_get_caps (sample) : NULL;

  if (!caps || !gst_video_info_from_caps (&info, caps))
    return FALSE;
  if (width)
    *width = GST_VIDEO_INFO_WIDTH (&info);
  if (height)
    *height = GST_VIDEO_INFO_HEIGHT (&info);
  if (aspect) {
    int par_n = MAX (1, GST_VIDEO_INFO_PAR_N (&info));
    int par_d = MAX (1, GST_VIDEO_INFO_PAR_D (&info));

    *aspect = GST_VIDEO_INFO_HEIGHT (&info) > 0
        ? (double) GST_VIDEO_INFO_WIDTH (&info) * par_n / ((double) GST_VIDEO_INFO_HEIGHT (&info) * par_d)
        : 0.0;
  }
  return TRUE;
}

/* Call with the lock held: caps rarely change, so parse them only then. */
static void
tile_update_geometry (Tile *t)
{
  GstCaps *caps = t->sample ? gst_sample_get_caps (t->sample) : NULL;

  if (!caps || caps == t->geometry_caps)
    return;
  gst_caps_replace (&t->geometry_caps, caps);
  if (!mc_renderer_sample_geometry (t->sample, &t->width, &t->height, &t->aspect)) {
    t->width = t->height = 0;
    t->aspect = 0.0;
  }
}

static void
tile_to_view (Tile *t, McRendererTileView *v)
{
  tile_update_geometry (t);
  v->id = g_strdup (t->id);
  v->name = g_strdup (t->name);
  v->flags = t->flags;
  v->sample = t->sample ? gst_sample_ref (t->sample) : NULL;
  v->prepared = t->prepared ? gst_sample_ref (t->prepared) : NULL;
  v->seq = t->seq;
  v->push_us = t->push_us;
  v->stats = t->stats;
  v->has_stats = t->has_stats;
  v->fps = t->fps;
  v->width = t->width;
  v->height = t->height;
  v->aspect = t->aspect;
}

static void
tile_view_clear (McRendererTileView *v)
{
  g_clear_pointer (&v->id, g_free);
  g_clear_pointer (&v->name, g_free);
  g_clear_pointer (&v->sample, gst_sample_unref);
  g_clear_pointer (&v->prepared, gst_sample_unref);
}

static void
tile_view_clear_func (gpointer data)
{
  tile_view_clear (data);
}

/* Call with the lock held: once a second, frame rates for the overlay. */
static void
measure_fps (McRenderer *r, gint64 now)
{
  gint64 elapsed = now - r->fps_mark_us;

  if (elapsed < G_TIME_SPAN_SECOND)
    return;
  for (guint i = 0; i < r->tiles->len; i++) {
    Tile *t = g_ptr_array_index (r->tiles, i);

    t->fps = (double) (t->seq - t->frames_at_mark) * G_TIME_SPAN_SECOND / elapsed;
    t->frames_at_mark = t->seq;
  }
  r->self.fps = (double) (r->self.seq - r->self.frames_at_mark) * G_TIME_SPAN_SECOND / elapsed;
  r->self.frames_at_mark = r->self.seq;
  r->fps_mark_us = now;
  if (r->show_stats)
    r->dirty = TRUE;
}

/* Call with the lock held: the shortest frame interval of the pictures
 * shown that still come in (a stalled stream stops counting after four of
 * its intervals), never below 1/max_fps. */
static gint64
redraw_interval (McRenderer *r, gint64 now)
{
  gint64 floor = G_TIME_SPAN_SECOND / r->options.max_fps, fastest = 0;

  for (guint i = 0; i <= r->tiles->len; i++) {
    Tile *t = i < r->tiles->len ? g_ptr_array_index (r->tiles, i) : (r->self_view ? &r->self : NULL);

    if (t && t->interval_us > 0 && now - t->push_us < MAX (4 * t->interval_us, 250 * G_TIME_SPAN_MILLISECOND))
      fastest = fastest ? MIN (fastest, t->interval_us) : t->interval_us;
  }
  return MAX (floor, fastest);
}

gint64
mc_renderer_get_redraw_interval (McRenderer *r)
{
  gint64 interval;

  g_mutex_lock (&r->lock);
  interval = redraw_interval (r, renderer_now (r));
  g_mutex_unlock (&r->lock);
  return interval;
}

/* Call with the lock held: whether new frames may be drawn now (a change
 * of the model is drawn at once: keys, marks and names do not wait). The
 * ticks come every 1/max_fps, so half a tick of slack keeps a 30 fps stream
 * at 30 redraws a second rather than every third tick. */
static gboolean
redraw_due (McRenderer *r, gint64 now)
{
  gint64 slack = G_TIME_SPAN_SECOND / r->options.max_fps / 2;

  if (r->dirty)
    return TRUE;
  return r->frames_dirty && (r->last_view_us == 0 || now - r->last_view_us >= redraw_interval (r, now) - slack);
}

gboolean
mc_renderer_take_view (McRenderer *r, McRendererView *view)
{
  gint64 now = renderer_now (r);

  memset (view, 0, sizeof *view);
  g_mutex_lock (&r->lock);
  if (mc_speaker_tick (r->speaker, now))
    update_active (r);
  measure_fps (r, now);
  /* Its opacity every tick (fading, or faded out), its lines only for a view. */
  if (mc_chat_overlay_alpha (r->chat, now) != r->chat_alpha)
    r->dirty = TRUE;
  if (!redraw_due (r, now)) {
    g_mutex_unlock (&r->lock);
    return FALSE;
  }
  r->last_view_us = now;
  view->chat = mc_chat_overlay_visible (r->chat, now, &view->chat_alpha);
  view->tiles = g_array_sized_new (FALSE, TRUE, sizeof (McRendererTileView), r->tiles->len);
  g_array_set_clear_func (view->tiles, tile_view_clear_func);
  for (guint i = 0; i < r->tiles->len; i++) {
    Tile *t = g_ptr_array_index (r->tiles, i);
    McRendererTileView v = { 0 };

    tile_to_view (t, &v);
    if (g_strcmp0 (r->active_id, t->id) == 0)
      v.flags |= MC_TILE_SPEAKING;
    g_array_append_val (view->tiles, v);
  }
  tile_to_view (&r->self, &view->self);
  view->self.flags = r->self_flags;
  view->self_view = r->self_view;
  view->show_stats = r->show_stats;
  view->fullscreen = r->fullscreen;
  view->status = g_strdup (r->status);
  view->recording = g_strdup (r->recording);
  view->transfers = g_strdup (r->transfers);
  if (r->waiting)
    view->waiting = g_strdup (r->waiting);
  else if (r->options.call_id)
    view->waiting = g_strdup_printf ("Waiting for others to join %s \xe2\x80\x94 run: meshcall join %s",
                                     r->options.call_id, r->options.call_id);
  else
    view->waiting = g_strdup ("Waiting for others to join");
  view->chat_unread = mc_chat_overlay_unread (r->chat);
  view->chat_input = mc_chat_overlay_input_display (r->chat);
  r->chat_alpha = view->chat_alpha;
  r->dirty = r->frames_dirty = FALSE;
  g_mutex_unlock (&r->lock);
  return TRUE;
}

void
mc_renderer_view_clear (McRendererView *view)
{
  g_clear_pointer (&view->tiles, g_array_unref);
  tile_view_clear (&view->self);
  g_clear_pointer (&view->status, g_free);
  g_clear_pointer (&view->waiting, g_free);
  g_clear_pointer (&view->recording, g_free);
  g_clear_pointer (&view->transfers, g_free);
  g_clear_pointer (&view->chat, g_strfreev);
  g_clear_pointer (&view->chat_input, g_free);
}

/* The first picture of each tile on screen, with the wall clock (the join
 * benchmark compares it with the first decoded frame) and how long it took
 * from the frame's arrival. */
static void
note_first_pictures (McRenderer *r, const McRendererView *view)
{
  gint64 now = renderer_now (r);

  g_mutex_lock (&r->lock);
  for (guint i = 0; view->tiles && i < view->tiles->len; i++) {
    McRendererTileView *v = &g_array_index (view->tiles, McRendererTileView, i);
    Tile *t = v->seq > 0 ? find_tile (r, v->id, NULL) : NULL;

    if (t && !t->shown) {
      t->shown = TRUE;
      MC_INFO ("first picture of %s on screen at %.6f (wall clock), %.1f ms after its first frame came", t->id,
               g_get_real_time () / 1e6, (now - t->first_push_us) / 1000.0);
    }
  }
  g_mutex_unlock (&r->lock);
}

void
mc_renderer_report_present_info (McRenderer *r, const McRendererView *view, const McRenderPresentInfo *drawn)
{
  McRenderPresentInfo info = *drawn;

  note_first_pictures (r, view);
  if (!r->options.presented)
    return;
  info.n_tiles = view->tiles ? view->tiles->len : 0;
  info.n_with_frames = 0;
  for (guint i = 0; i < info.n_tiles; i++) {
    McRendererTileView *v = &g_array_index (view->tiles, McRendererTileView, i);

    if (v->seq > 0)
      info.n_with_frames++;
  }
  r->options.presented (r, &info, r->options.user_data);
}

void
mc_renderer_report_present (McRenderer *r, const McRendererView *view, guint n_uploaded,
                            gint64 max_latency_us, gint64 render_us)
{
  McRenderPresentInfo info = { 0 };

  info.n_uploaded = n_uploaded;
  info.n_drawn = n_uploaded;
  info.full = TRUE;
  info.max_latency_us = max_latency_us;
  info.render_us = render_us;
  mc_renderer_report_present_info (r, view, &info);
}


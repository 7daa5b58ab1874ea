/* The recorder's context (record.h): participants, when their files open,
 * the call's timeline, the manifest, finishing. One file's pipeline is
 * record_file.c's. */
#include "record_private.h"

#include "meshcall/base/json.h"
#include "meshcall/base/log.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <unistd.h>

#define MC_LOG_CATEGORY (&mc_log_media)

#define DEFAULT_STREAM_WAIT_MS 2000
/* Frames held while a participant's file waits for its other track. */
#define MAX_PENDING 1000
/* The manifest is rewritten on every change and this often (the ends so
 * far), so that after a crash it says up to when each file goes. */
#define MANIFEST_REFRESH_S 5

G_DEFINE_QUARK (mc-record-error-quark, mc_record_error)

typedef struct {
  McRecordMedia media;
  GstBuffer *buffer;
} Pending;

typedef struct {
  char *peer_id, *name;
  GstCaps *caps[RECORD_N_MEDIA];   /* as first seen, before the file opens */
  GstClockTime first_pts[RECORD_N_MEDIA];
  GQueue pending;                  /* Pending*: frames before the file opens */
  gint64 first_us;                 /* monotonic time of the first frame; 0 = none yet */
  gboolean open_scheduled;
  gboolean failed;                 /* its file could not be opened: its frames are dropped */
  RecordFile *file;                /* the current file (also in rec->files), NULL before */
} Participant;

struct _McRecord {
  char *dir, *call_id, *recorder_peer_id, *recorder_name;
  guint stream_wait_ms;
  GMainContext *context;
  GMutex lock;                     /* participants, their pending frames, files' counters */
  GHashTable *participants;        /* peer id -> Participant* */
  GPtrArray *files;                /* RecordFile*: every file of this recording, in order */
  GstClock *clock;
  GstClockTime origin_clock;       /* the timeline's 0 ... */
  gint64 origin_utc_us;            /* ... in UTC */
  gint64 end_utc_us;               /* set by finish */
  GSource *manifest_timer;
  gboolean manifest_failing;
  gboolean finishing;
  McRecordDoneFunc done;
  gpointer done_data;
  GSource *finish_timer;
  RecordCompose *compose;          /* --compose, or NULL */
  char *chat_file;                 /* the manifest's "chat", NULL until a message came */
};

/* ---- for record_file.c -------------------------------------------------------- */

gint64
record_clock_to_utc (McRecord *rec, GstClockTime t)
{
  return rec->origin_utc_us + GST_CLOCK_DIFF (rec->origin_clock, t) / 1000;
}

double
record_clock_to_offset (McRecord *rec, GstClockTime t)
{
  return (double) GST_CLOCK_DIFF (rec->origin_clock, t) / GST_SECOND;
}

GMainContext *
record_get_context (McRecord *rec)
{
  return rec->context;
}

GstClock *
record_get_clock (McRecord *rec)
{
  return rec->clock;
}

GstClockTime
record_get_origin (McRecord *rec)
{
  return rec->origin_clock;
}

char *
record_error_text (GstMessage *msg, const char *path)
{
  g_autoptr (GError) err = NULL;
  g_autofree char *dbg = NULL;

  gst_message_parse_error (msg, &err, &dbg);
  MC_WARNING ("writing %s: %s (%s)", path, err->message, dbg ? dbg : "");
  if (g_error_matches (err, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NO_SPACE_LEFT))
    return g_strdup ("the disk is full (no space left on device)");
  return g_strdup (err->message);
}

void
record_clear_source (GSource **source)
{
  if (*source == NULL)
    return;
  g_source_destroy (*source);
  g_clear_pointer (source, g_source_unref);
}

void
record_lock (McRecord *rec)
{
  g_mutex_lock (&rec->lock);
}

void
record_unlock (McRecord *rec)
{
  g_mutex_unlock (&rec->lock);
}

/* ---- the manifest -------------------------------------------------------------- */

static JsonNode *
build_manifest (McRecord *rec)
{
  g_autofree McRecordManifestFile *files = g_new0 (McRecordManifestFile, MAX (rec->files->len, 1));
  McRecordManifestInfo info = {
    .call_id = rec->call_id,
    .recorder_peer_id = rec->recorder_peer_id,
    .recorder_name = rec->recorder_name,
    .start_utc_us = rec->origin_utc_us,
    .end_utc_us = rec->end_utc_us,
    .updated_utc_us = g_get_real_time (),
    .compose_file = rec->compose ? record_compose_get_path (rec->compose) : NULL,
    .compose_error = rec->compose ? record_compose_get_error (rec->compose) : NULL,
    .compose_offset_s = rec->compose ? record_clock_to_offset (rec, record_compose_get_origin (rec->compose)) : 0,
    .chat_file = rec->chat_file,
    .compose_state = !rec->compose ? MC_RECORD_FILE_RECORDING
                     : record_compose_get_error (rec->compose) ? MC_RECORD_FILE_FAILED
                     : record_compose_is_closed (rec->compose) ? MC_RECORD_FILE_FINISHED : MC_RECORD_FILE_RECORDING,
  };

  g_mutex_lock (&rec->lock);
  for (guint i = 0; i < rec->files->len; i++)
    files[i] = ((RecordFile *) g_ptr_array_index (rec->files, i))->info;
  /* The strings the entries point to only change on this thread. */
  g_mutex_unlock (&rec->lock);
  return mc_record_manifest_build (&info, files, rec->files->len);
}

static gboolean
write_manifest (McRecord *rec, GError **error)
{
  g_autoptr (JsonNode) doc = build_manifest (rec);
  g_autofree char *text = mc_json_encode_pretty (doc);
  g_autofree char *path = g_build_filename (rec->dir, MC_RECORD_MANIFEST_NAME, NULL);

  /* Written beside it and renamed: a reader never sees half a manifest. */
  if (!g_file_set_contents (path, text, -1, error)) {
    g_prefix_error (error, "cannot write the manifest: ");
    return FALSE;
  }
  return TRUE;
}

static void
update_manifest (McRecord *rec)
{
  g_autoptr (GError) error = NULL;

  if (write_manifest (rec, &error)) {
    if (rec->manifest_failing)
      mc_log_user ("the recording's manifest is written again (%s)", rec->dir);
    rec->manifest_failing = FALSE;
    return;
  }
  if (!rec->manifest_failing)
    mc_log_error ("%s; trying again on every change", error->message);
  rec->manifest_failing = TRUE;
}

static gboolean
on_manifest_timer (gpointer data)
{
  update_manifest (data);
  return G_SOURCE_CONTINUE;
}

/* ---- finishing ----------------------------------------------------------------- */

static gboolean
all_closed (McRecord *rec)
{
  if (rec->compose && !record_compose_is_closed (rec->compose))
    return FALSE;
  for (guint i = 0; i < rec->files->len; i++)
    if (!((RecordFile *) g_ptr_array_index (rec->files, i))->closed)
      return FALSE;
  return TRUE;
}

static void
finish_done (McRecord *rec)
{
  McRecordDoneFunc done = rec->done;

  record_clear_source (&rec->finish_timer);
  rec->end_utc_us = g_get_real_time ();
  update_manifest (rec);
  rec->done = NULL;
  if (done)
    done (rec, rec->done_data);
}

static gboolean
on_finish_timeout (gpointer data)
{
  McRecord *rec = data;

  g_clear_pointer (&rec->finish_timer, g_source_unref);
  MC_WARNING ("recording: files did not finish in time; closing them as they are");
  for (guint i = 0; i < rec->files->len; i++)
    record_file_close (g_ptr_array_index (rec->files, i));
  if (rec->compose)
    record_compose_close (rec->compose);
  if (rec->done)
    finish_done (rec);
  return G_SOURCE_REMOVE;
}

void
record_file_changed (McRecord *rec, RecordFile *f)
{
  update_manifest (rec);
  if (rec->finishing && rec->done && all_closed (rec))
    finish_done (rec);
}

/* ---- participants -------------------------------------------------------------- */

static void
pending_clear (GQueue *q)
{
  Pending *p;

  while ((p = g_queue_pop_head (q)) != NULL) {
    gst_buffer_unref (p->buffer);
    g_free (p);
  }
}

static void
participant_free (Participant *p)
{
  pending_clear (&p->pending);
  for (int m = 0; m < RECORD_N_MEDIA; m++)
    gst_clear_caps (&p->caps[m]);
  g_free (p->peer_id);
  g_free (p->name);
  g_free (p);
}

static Participant *
participant_new (const char *peer_id, const char *name)
{
  Participant *p = g_new0 (Participant, 1);

  p->peer_id = g_strdup (peer_id);
  p->name = g_strdup (name ? name : peer_id);
  g_queue_init (&p->pending);
  for (int m = 0; m < RECORD_N_MEDIA; m++)
    p->first_pts[m] = GST_CLOCK_TIME_NONE;
  return p;
}

/* rec->context: the participant's file, and the frames it waited with. */
static gboolean
open_file (gpointer data)
{
  McRecord *rec = ((gpointer *) data)[0];
  const char *peer_id = ((gpointer *) data)[1];
  g_autoptr (GError) error = NULL;
  GstCaps *caps[RECORD_N_MEDIA] = { NULL, NULL };
  GstClockTime origin = GST_CLOCK_TIME_NONE;
  g_autofree char *name = NULL;
  Participant *p;
  RecordFile *f;
  Pending *pend;

  g_mutex_lock (&rec->lock);
  p = g_hash_table_lookup (rec->participants, peer_id);
  if (p == NULL || p->file != NULL || rec->finishing) {
    g_mutex_unlock (&rec->lock);
    return G_SOURCE_REMOVE;
  }
  for (int m = 0; m < RECORD_N_MEDIA; m++) {
    caps[m] = p->caps[m] ? gst_caps_ref (p->caps[m]) : NULL;
    if (GST_CLOCK_TIME_IS_VALID (p->first_pts[m]))
      origin = GST_CLOCK_TIME_IS_VALID (origin) ? MIN (origin, p->first_pts[m]) : p->first_pts[m];
  }
  name = g_strdup (p->name);
  g_mutex_unlock (&rec->lock);

  /* The pipeline is built without the lock: pushes queue meanwhile. */
  f = record_file_open (rec, rec->dir, peer_id, name, caps, origin, &error);
  for (int m = 0; m < RECORD_N_MEDIA; m++)
    gst_clear_caps (&caps[m]);
  if (f == NULL) {
    mc_log_error ("cannot record %s (%s): %s; the call and the other recordings go on", name, peer_id,
                  error->message);
    /* Nothing held for a file that will not come (a new presence tries again). */
    g_mutex_lock (&rec->lock);
    p = g_hash_table_lookup (rec->participants, peer_id);
    if (p != NULL) {
      pending_clear (&p->pending);
      p->failed = TRUE;
    }
    g_mutex_unlock (&rec->lock);
    return G_SOURCE_REMOVE;
  }
  mc_log_user ("recording %s into %s", name, f->path);
  g_mutex_lock (&rec->lock);
  g_ptr_array_add (rec->files, f);
  p = g_hash_table_lookup (rec->participants, peer_id);
  if (p != NULL && p->file == NULL) {
    p->file = f;
    while ((pend = g_queue_pop_head (&p->pending)) != NULL) {
      record_file_push (f, pend->media, p->caps[pend->media], pend->buffer);
      gst_buffer_unref (pend->buffer);
      g_free (pend);
    }
  } else {
    record_file_finish (f);   /* removed while it opened */
  }
  g_mutex_unlock (&rec->lock);
  update_manifest (rec);
  return G_SOURCE_REMOVE;
}

static void
free_open_data (gpointer data)
{
  g_free (((gpointer *) data)[1]);
  g_free (data);
}

static void
schedule_open (McRecord *rec, Participant *p)
{
  GSource *idle = g_idle_source_new ();
  gpointer *data = g_new (gpointer, 2);

  p->open_scheduled = TRUE;
  data[0] = rec;
  data[1] = g_strdup (p->peer_id);
  g_source_set_callback (idle, open_file, data, free_open_data);
  g_source_attach (idle, rec->context);
  g_source_unref (idle);
}

/* Under the lock: a frame before the file opens. */
static void
hold (McRecord *rec, Participant *p, McRecordMedia media, GstCaps *caps, GstBuffer *buffer)
{
  Pending *pend;
  gint64 now = g_get_monotonic_time ();

  if (p->failed)
    return;
  if (p->caps[media] == NULL) {
    /* A video track starts at a keyframe: the muxer's first frame must be one. */
    if (media == MC_RECORD_VIDEO && GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_DELTA_UNIT))
      return;
    p->caps[media] = gst_caps_ref (caps);
    p->first_pts[media] = GST_BUFFER_PTS (buffer);
  }
  if (p->first_us == 0)
    p->first_us = now;
  if (g_queue_get_length (&p->pending) < MAX_PENDING) {
    pend = g_new (Pending, 1);
    pend->media = media;
    pend->buffer = gst_buffer_ref (buffer);
    g_queue_push_tail (&p->pending, pend);
  }
  if (!p->open_scheduled &&
      ((p->caps[0] && p->caps[1]) || now - p->first_us >= (gint64) rec->stream_wait_ms * 1000))
    schedule_open (rec, p);
}

void
mc_record_push (McRecord *rec, const char *peer_id, McRecordMedia media, GstCaps *caps, GstBuffer *buffer)
{
  Participant *p;

  if (caps == NULL || !GST_CLOCK_TIME_IS_VALID (GST_BUFFER_PTS (buffer)) || (guint) media >= RECORD_N_MEDIA)
    return;
  g_mutex_lock (&rec->lock);
  p = rec->finishing ? NULL : g_hash_table_lookup (rec->participants, peer_id);
  if (p != NULL && p->file != NULL)
    record_file_push (p->file, media, caps, buffer);
  else if (p != NULL)
    hold (rec, p, media, caps, buffer);
  g_mutex_unlock (&rec->lock);
  if (p != NULL && rec->compose)
    record_compose_push (rec->compose, peer_id, media, caps, buffer);
}

void
mc_record_add_participant (McRecord *rec, const char *peer_id, const char *name)
{
  Participant *p;

  g_mutex_lock (&rec->lock);
  p = g_hash_table_lookup (rec->participants, peer_id);
  if (p != NULL) {
    g_free (p->name);
    p->name = g_strdup (name ? name : peer_id);
  } else {
    g_hash_table_insert (rec->participants, g_strdup (peer_id), participant_new (peer_id, name));
  }
  g_mutex_unlock (&rec->lock);
  if (p == NULL && rec->compose)
    record_compose_add (rec->compose, peer_id, name);
}

void
mc_record_remove_participant (McRecord *rec, const char *peer_id)
{
  Participant *p;

  g_mutex_lock (&rec->lock);
  p = g_hash_table_lookup (rec->participants, peer_id);
  if (p != NULL && p->file != NULL)
    record_file_finish (p->file);
  g_hash_table_remove (rec->participants, peer_id);
  g_mutex_unlock (&rec->lock);
  if (rec->compose)
    record_compose_remove (rec->compose, peer_id);
}

/* ---- lifecycle ----------------------------------------------------------------- */

/* DIR/<call id>, made and writable, or the refusal that says what to do. */
static char *
make_dir (const char *dir, const char *call_id, GError **error)
{
  g_autofree char *safe = mc_record_sanitize (call_id, 128);
  g_autofree char *path = g_build_filename (dir, safe, NULL);
  g_autofree char *probe = NULL;
  int fd;

  if (g_mkdir_with_parents (path, 0755) != 0) {
    int e = errno;
    g_set_error (error, MC_RECORD_ERROR, MC_RECORD_ERROR_DIRECTORY,
                 "cannot make the recording directory %s: %s; choose an --out directory you can write", path,
                 g_strerror (e));
    return NULL;
  }
  /* access() says yes to root on a read-only mount: try for real. */
  probe = g_build_filename (path, ".meshcall-write-test", NULL);
  fd = g_open (probe, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) {
    int e = errno;
    g_set_error (error, MC_RECORD_ERROR, MC_RECORD_ERROR_DIRECTORY,
                 "cannot write in the recording directory %s: %s; choose an --out directory you can write", path,
                 g_strerror (e));
    return NULL;
  }
  close (fd);
  g_remove (probe);
  return g_steal_pointer (&path);
}

McRecord *
mc_record_new (const McRecordConfig *cfg, GError **error)
{
  g_autofree char *dir = make_dir (cfg->dir, cfg->call_id, error);
  g_autoptr (GError) local = NULL;
  McRecord *rec;

  if (dir == NULL)
    return NULL;
  rec = g_new0 (McRecord, 1);
  rec->dir = g_steal_pointer (&dir);
  rec->call_id = g_strdup (cfg->call_id);
  rec->recorder_peer_id = g_strdup (cfg->recorder_peer_id ? cfg->recorder_peer_id : "");
  rec->recorder_name = g_strdup (cfg->recorder_name ? cfg->recorder_name : "");
  rec->stream_wait_ms = cfg->stream_wait_ms ? cfg->stream_wait_ms : DEFAULT_STREAM_WAIT_MS;
  rec->context = g_main_context_ref_thread_default ();
  g_mutex_init (&rec->lock);
  rec->participants = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) participant_free);
  rec->files = g_ptr_array_new ();
  /* The clock every pipeline of the process runs on (the peers' too). */
  rec->clock = gst_system_clock_obtain ();
  rec->origin_clock = gst_clock_get_time (rec->clock);
  rec->origin_utc_us = g_get_real_time ();
  if (!write_manifest (rec, &local)) {
    g_set_error (error, MC_RECORD_ERROR, MC_RECORD_ERROR_DIRECTORY, "%s (%s); choose an --out directory you can write",
                 local->message, rec->dir);
    mc_record_free (rec);
    return NULL;
  }
  if (cfg->compose_path) {
    rec->compose = record_compose_new (rec, cfg->compose_path, cfg->compose_width, cfg->compose_height,
                                       cfg->compose_fps, error);
    if (rec->compose == NULL) {
      mc_record_free (rec);
      return NULL;
    }
  }
  rec->manifest_timer = g_timeout_source_new_seconds (MANIFEST_REFRESH_S);
  g_source_set_callback (rec->manifest_timer, on_manifest_timer, rec, NULL);
  g_source_attach (rec->manifest_timer, rec->context);
  MC_INFO ("recording call %s into %s", rec->call_id, rec->dir);
  return rec;
}

const char *
mc_record_get_dir (McRecord *rec)
{
  return rec->dir;
}

void
mc_record_set_chat_file (McRecord *rec, const char *name)
{
  if (g_strcmp0 (rec->chat_file, name) == 0)
    return;
  g_free (rec->chat_file);
  rec->chat_file = g_strdup (name);
  update_manifest (rec);
}

void
mc_record_finish (McRecord *rec, guint timeout_ms, McRecordDoneFunc done, gpointer user_data)
{
  g_mutex_lock (&rec->lock);
  rec->finishing = TRUE;
  rec->done = done;
  rec->done_data = user_data;
  for (guint i = 0; i < rec->files->len; i++)
    record_file_finish (g_ptr_array_index (rec->files, i));
  g_hash_table_remove_all (rec->participants);
  g_mutex_unlock (&rec->lock);
  if (rec->compose)
    record_compose_finish (rec->compose);
  if (all_closed (rec)) {
    finish_done (rec);
    return;
  }
  rec->finish_timer = g_timeout_source_new (timeout_ms);
  g_source_set_callback (rec->finish_timer, on_finish_timeout, rec, NULL);
  g_source_attach (rec->finish_timer, rec->context);
}

JsonNode *
mc_record_get_stats_json (McRecord *rec)
{
  g_autoptr (JsonNode) manifest = build_manifest (rec);
  JsonObject *m = json_node_get_object (manifest);
  JsonObject *o = json_object_new ();
  JsonNode *node = json_node_init_object (json_node_alloc (), o);
  JsonArray *files = json_object_get_array_member (m, "files");
  gint64 failed = 0;

  for (guint i = 0; i < json_array_get_length (files); i++)
    if (g_strcmp0 (mc_json_get_string (json_array_get_object_element (files, i), "state"), "failed") == 0)
      failed++;
  json_object_set_string_member (o, "dir", rec->dir);
  json_object_set_array_member (o, "files", json_array_ref (files));
  json_object_set_int_member (o, "failed", failed);
  json_object_set_member (o, "composed", json_node_copy (json_object_get_member (m, "composed")));
  json_object_unref (o);
  return node;
}

void
mc_record_free (McRecord *rec)
{
  if (rec == NULL)
    return;
  record_clear_source (&rec->manifest_timer);
  record_clear_source (&rec->finish_timer);
  rec->done = NULL;
  for (guint i = 0; i < rec->files->len; i++)
    record_file_close (g_ptr_array_index (rec->files, i));
  if (rec->compose)
    record_compose_close (rec->compose);
  if (rec->files->len > 0 || rec->compose) {
    if (rec->end_utc_us == 0)
      rec->end_utc_us = g_get_real_time ();
    update_manifest (rec);
  }
  g_hash_table_destroy (rec->participants);
  g_clear_pointer (&rec->compose, record_compose_free);
  g_ptr_array_foreach (rec->files, (GFunc) (void (*) (void)) record_file_free, NULL);
  g_ptr_array_unref (rec->files);
  gst_object_unref (rec->clock);
  g_main_context_unref (rec->context);
  g_mutex_clear (&rec->lock);
  g_free (rec->dir);
  g_free (rec->chat_file);
  g_free (rec->call_id);
  g_free (rec->recorder_peer_id);
  g_free (rec->recorder_name);
  g_free (rec);
}

/* What the files of the recorder share (private to src/record/):
 *   record.c       the context: participants, when a file opens, the
 *                  timeline, the manifest, finishing
 *   record_file.c  one file: its pipeline (appsrc ! parse ! mux ! filesink),
 *                  frames in, end of stream, write errors
 *   manifest.c     names and the manifest document, pure
 *
 * Threading: rec->lock guards the participants and every file's fields
 * that pushes touch (state, counters, end); pipelines are built, stopped
 * and freed on rec->context only. */
#pragma once

#include "meshcall/record/manifest.h"
#include "meshcall/record/record.h"

#include <gst/app/gstappsrc.h>

G_BEGIN_DECLS

#define RECORD_N_MEDIA 2

typedef struct _RecordFile RecordFile;

struct _RecordFile {
  McRecord *rec;
  McRecordManifestFile info;     /* its strings point at the fields below */
  char *path, *file, *peer_id, *name, *error;
  GstElement *pipeline;
  GstElement *src[RECORD_N_MEDIA];      /* appsrc per track, NULL: no such track */
  GstCaps *caps[RECORD_N_MEDIA];        /* what the track was opened with */
  GstClockTime last_pts[RECORD_N_MEDIA];
  GstClockTime origin;           /* clock time of the file's t = 0 */
  gboolean need_keyframe;        /* video: nothing until a keyframe */
  gboolean eos_sent;             /* finishing: no more frames */
  gboolean closed;               /* the pipeline is down (finished or failed) */
  gboolean said_caps_change;
  GSource *bus_source;
};

/* ---- record.c ---- */

/* UTC (µs since the epoch) of a clock time, on the recording's timeline. */
G_GNUC_INTERNAL gint64 record_clock_to_utc (McRecord *rec, GstClockTime t);
/* Seconds of a clock time from the recording's start. */
G_GNUC_INTERNAL double record_clock_to_offset (McRecord *rec, GstClockTime t);
G_GNUC_INTERNAL GMainContext *record_get_context (McRecord *rec);
/* The clock every pipeline of the process runs on, and the clock time of the recording's start. */
G_GNUC_INTERNAL GstClock *record_get_clock (McRecord *rec);
G_GNUC_INTERNAL GstClockTime record_get_origin (McRecord *rec);
/* A file (or, f NULL, the composed recording) finished or failed
 * (rec->context): the manifest, finishing. */
G_GNUC_INTERNAL void record_file_changed (McRecord *rec, RecordFile *f);
/* What an ERROR message from a writing pipeline says to the user ("the disk
 * is full ..." for no space left), logged for developers with its details. */
G_GNUC_INTERNAL char *record_error_text (GstMessage *msg, const char *path);
/* Destroys and drops a source, if any. */
G_GNUC_INTERNAL void record_clear_source (GSource **source);
G_GNUC_INTERNAL void record_lock (McRecord *rec);
G_GNUC_INTERNAL void record_unlock (McRecord *rec);

/* ---- record_file.c ---- */

/* A file DIR/<name>.{webm,mkv} with a track for each non-NULL caps,
 * started. rec->context. */
G_GNUC_INTERNAL RecordFile *record_file_open (McRecord *rec, const char *dir, const char *peer_id, const char *name,
                                              GstCaps *const caps[RECORD_N_MEDIA], GstClockTime origin,
                                              GError **error);
/* Under the lock, any thread: one frame in (dropped when not wanted). */
G_GNUC_INTERNAL void record_file_push (RecordFile *f, McRecordMedia media, GstCaps *caps, GstBuffer *buffer);
/* Under the lock: end of stream on every track; record_file_changed once
 * the muxer has written its index. */
G_GNUC_INTERNAL void record_file_finish (RecordFile *f);
/* rec->context: the pipeline down now, as it is (finish timeout, free). */
G_GNUC_INTERNAL void record_file_close (RecordFile *f);
G_GNUC_INTERNAL void record_file_free (RecordFile *f);

/* ---- compose.c: the composed recording ---- */

typedef struct _RecordCompose RecordCompose;

/* Started at once (a black, silent grid until someone comes). rec->context. */
G_GNUC_INTERNAL RecordCompose *record_compose_new (McRecord *rec, const char *path, int width, int height, int fps,
                                                   GError **error);
G_GNUC_INTERNAL void record_compose_add (RecordCompose *c, const char *peer_id, const char *name);
G_GNUC_INTERNAL void record_compose_remove (RecordCompose *c, const char *peer_id);
/* Any thread; takes its own lock (never rec->lock). */
G_GNUC_INTERNAL void record_compose_push (RecordCompose *c, const char *peer_id, McRecordMedia media, GstCaps *caps,
                                          GstBuffer *buffer);
/* End of stream everywhere; record_file_changed (rec, NULL) once written. */
G_GNUC_INTERNAL void record_compose_finish (RecordCompose *c);
G_GNUC_INTERNAL gboolean record_compose_is_closed (RecordCompose *c);
G_GNUC_INTERNAL const char *record_compose_get_error (RecordCompose *c);
G_GNUC_INTERNAL const char *record_compose_get_path (RecordCompose *c);
/* The clock time of its t = 0 (the pipeline's base time). */
G_GNUC_INTERNAL GstClockTime record_compose_get_origin (RecordCompose *c);
/* Down now, as it is. */
G_GNUC_INTERNAL void record_compose_close (RecordCompose *c);
G_GNUC_INTERNAL void record_compose_free (RecordCompose *c);

G_END_DECLS

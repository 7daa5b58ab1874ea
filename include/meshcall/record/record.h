/* The recorder: one file per participant without re-encoding, a manifest
 * that puts them on one timeline, optionally one composed file. A
 * standalone context (as Janus's record.h): it knows nothing of the call,
 * the peers or signaling. Whoever owns it names the participants and feeds
 * it encoded frames (the peer's receive tap, peer.h encoded_frame).
 *
 *   DIR/<callId>/manifest.json
 *   DIR/<callId>/<UTC start>-<name>-<peerId>.webm   VP8 and/or Opus
 *   DIR/<callId>/<UTC start>-<name>-<peerId>.mkv    H.264 (and Opus)
 *
 * Per file: appsrc ! [h264parse | opusparse] ! webmmux/matroskamux !
 * filesink, its own pipeline, so one file's write error stops that file
 * alone. The muxer writes cluster by cluster straight to the file, so a
 * killed recorder leaves files that play up to its last second or so;
 * mc_record_finish() (SIGINT, SIGTERM) adds the index and duration.
 *
 * A participant's file is opened when its frames come: once it has seen
 * both audio and video, or stream_wait_ms after the first frame with what
 * it has (a participant without camera gets an audio-only file). Video
 * starts at a keyframe. Timestamps are the frames' own (clock time, RTP
 * and RTCP derived: peer.h), shifted so each file starts at 0; the manifest
 * says where that 0 is on the call's timeline (0 = mc_record_new). A
 * participant removed and added again gets a new file.
 *
 * Threading: create, add, remove, finish and free on the thread whose
 * thread-default GMainContext was current at mc_record_new (bus messages
 * and the manifest are handled there); mc_record_push from any thread,
 * never blocking (a file that cannot keep up drops, it never stalls the
 * caller). */
#pragma once

#include <gst/gst.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define MC_RECORD_ERROR (mc_record_error_quark ())
GQuark mc_record_error_quark (void);

typedef enum {
  MC_RECORD_ERROR_DIRECTORY,   /* DIR/<callId> cannot be made or written */
  MC_RECORD_ERROR_WRITE,       /* a file or the manifest could not be written (disk full, I/O error) */
  MC_RECORD_ERROR_PIPELINE,    /* a GStreamer element is missing or would not start */
} McRecordError;

typedef enum {
  MC_RECORD_VIDEO,
  MC_RECORD_AUDIO,
} McRecordMedia;

typedef struct {
  const char *dir;                /* --out DIR; DIR/<call_id> is made */
  const char *call_id;
  const char *recorder_peer_id;   /* for the manifest */
  const char *recorder_name;
  guint stream_wait_ms;           /* 0 = 2000 */
  /* The composed recording (compose.h), or NULL: one grid of every
   * participant, all audio mixed, VP8 + Opus in WebM. */
  const char *compose_path;
  int compose_width, compose_height, compose_fps;   /* 0 = 1280x720@15 */
} McRecordConfig;

typedef struct _McRecord McRecord;

/* Makes DIR/<call_id> and writes the first manifest: MC_RECORD_ERROR_DIRECTORY
 * with what to do when the directory cannot be made or written. */
McRecord *mc_record_new (const McRecordConfig *cfg, GError **error);
/* Finalizes what is still open at once (no index: it plays regardless) and frees. */
void mc_record_free (McRecord *rec);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (McRecord, mc_record_free)

/* DIR/<call_id>. */
const char *mc_record_get_dir (McRecord *rec);

/* A participant to record from now on (its frames are dropped before).
 * Adding one that is there already renames it. */
void mc_record_add_participant (McRecord *rec, const char *peer_id, const char *name);
/* It left: its file is finalized (in the background; the manifest says when). */
void mc_record_remove_participant (McRecord *rec, const char *peer_id);

/* The call's chat is written to DIR/<call_id>/name (the command does the
 * writing): the manifest says so from now on. Main thread. */
#define MC_RECORD_CHAT_NAME "chat.jsonl"
void mc_record_set_chat_file (McRecord *rec, const char *name);

/* One encoded frame of a participant (peer.h's receive tap: caps and
 * buffer borrowed, PTS in clock time). Any thread, never blocks. */
void mc_record_push (McRecord *rec, const char *peer_id, McRecordMedia media, GstCaps *caps, GstBuffer *buffer);

/* Finalizes every file (end of stream: index and duration) and the
 * manifest, then calls done on the recorder's context; files that take
 * longer than timeout_ms are closed as they are. Nothing is recorded after. */
typedef void (*McRecordDoneFunc) (McRecord *rec, gpointer user_data);
void mc_record_finish (McRecord *rec, guint timeout_ms, McRecordDoneFunc done, gpointer user_data);

/* {"dir", "files": [manifest entries], "failed": N, "composed": {...}|null}:
 * for a command's --stats-json. */
JsonNode *mc_record_get_stats_json (McRecord *rec);

G_END_DECLS

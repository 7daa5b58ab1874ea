/* The recorder's words on disk, pure: file names and the manifest
 * (docs/recording.md says the format exactly). Nothing here does I/O; the
 * recorder writes what these build.
 *
 * Threading: pure functions, any thread. */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define MC_RECORD_MANIFEST_VERSION 1
#define MC_RECORD_MANIFEST_NAME "manifest.json"

/* "2024-12-01T19:41:00.123Z" (ISO 8601, UTC, milliseconds). */
char *mc_record_format_utc (gint64 utc_us);
/* "20241201T194100Z" (ISO 8601 basic form, UTC, seconds): file names. */
char *mc_record_format_utc_compact (gint64 utc_us);

/* A string made safe for one path component: letters and digits (any
 * script), '-', '_' and '.' kept, every other character (space, '/',
 * controls, ...) '_'; no leading '.'; at most max_bytes bytes of whole
 * characters; "_" for an empty result. */
char *mc_record_sanitize (const char *text, gsize max_bytes);

/* "<UTC start compact>-<name>-<peerId><suffix>.<ext>", name and peer id
 * sanitized (name at most 48 bytes, peer id 64). suffix is "" or e.g. "-2"
 * when the first choice exists already. */
char *mc_record_file_name (gint64 start_utc_us, const char *name, const char *peer_id, const char *suffix,
                           const char *ext);

typedef enum {
  MC_RECORD_FILE_RECORDING,   /* being written */
  MC_RECORD_FILE_FINISHED,    /* finalized: index and duration written */
  MC_RECORD_FILE_FAILED,      /* stopped by a write error: plays up to error_at */
} McRecordFileState;

const char *mc_record_file_state_to_string (McRecordFileState state);

/* One file as the manifest lists it. */
typedef struct {
  const char *file;            /* its name, relative to the manifest's directory */
  const char *peer_id, *name;
  const char *container;       /* "webm" or "matroska" */
  const char *video_codec;     /* "VP8", "H264" or NULL (no video track) */
  const char *audio_codec;     /* "Opus" or NULL (no audio track) */
  gint64 start_utc_us;         /* the UTC time of the file's t = 0 */
  gint64 end_utc_us;           /* the end of its last frame so far */
  double offset_s;             /* t = 0 on the call's timeline (the recording's start = 0); the
                                * manifest writes start - the recording's start, in whole ms */
  McRecordFileState state;
  const char *error;           /* FAILED: what went wrong */
  guint64 video_frames, audio_frames, bytes;
} McRecordManifestFile;

/* The recording as a whole. */
typedef struct {
  const char *call_id;
  const char *recorder_peer_id, *recorder_name;
  gint64 start_utc_us;         /* the timeline's 0 */
  gint64 end_utc_us;           /* 0 while recording */
  gint64 updated_utc_us;       /* when this document was written */
  const char *compose_file;    /* NULL: no composed recording */
  const char *compose_error;   /* NULL unless it stopped */
  double compose_offset_s;     /* its t = 0 on the call's timeline */
  McRecordFileState compose_state;
  const char *chat_file;       /* the chat log's name, NULL: no message yet */
} McRecordManifestInfo;

/* The manifest document (docs/recording.md). */
JsonNode *mc_record_manifest_build (const McRecordManifestInfo *info, const McRecordManifestFile *files, guint n_files);

G_END_DECLS

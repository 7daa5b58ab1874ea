/* Local media controls that act on the capture pipeline (capture.h) from
 * outside it, so that every peer stays negotiated and decodable:
 *
 *  - mute: the raw microphone samples entering the audio encoder are zeroed,
 *    so Opus keeps sending (silent) packets and no peer sees its audio stop;
 *  - camera off: the raw frames entering the video tee are replaced by one
 *    shared black frame, so every tier encoder keeps producing cheap,
 *    decodable frames (the other side shows its camera-off mark from the
 *    media-state signal, media_state.h);
 *  - self view: a small branch off the tee ("videotee") ending in an appsink
 *    whose samples go to a callback (the renderer's picture-in-picture).
 *
 *   ... ! capsfilter ! [camera-off probe] tee ─┬─ tiers (encoders)
 *                                              └─ queue ! videoscale ! videorate ! appsink (self view)
 *   ... ! [mute probe] opusenc ! appsink
 *
 * Threading: new, add_preview and free on the main thread; the setters from
 * any thread (the probes read atomics). Free it only after the capture
 * pipeline was stopped (mc_capture_free), since its probes and appsink call
 * into it from streaming threads. */
#pragma once

#include <gst/gst.h>

#include "meshcall/media/capture.h"

G_BEGIN_DECLS

typedef struct _McLocalMedia McLocalMedia;

/* Streaming thread; must not block (ref the sample and hand it over). */
typedef void (*McLocalMediaPreviewFunc) (GstSample *sample, gpointer user_data);

McLocalMedia *mc_local_media_new (McCapture *capture);
void mc_local_media_free (McLocalMedia *media);

/* FALSE when there is nothing to act on (no microphone / no camera). */
gboolean mc_local_media_set_audio_muted (McLocalMedia *media, gboolean muted);
gboolean mc_local_media_set_video_off (McLocalMedia *media, gboolean off);
gboolean mc_local_media_get_audio_muted (McLocalMedia *media);
gboolean mc_local_media_get_video_off (McLocalMedia *media);

/* Adds the self-view branch: at most max_width wide (capture aspect kept,
 * even sizes) at fps, I420. FALSE with error when there is no camera. */
gboolean mc_local_media_add_preview (McLocalMedia *media, int max_width, int fps, McLocalMediaPreviewFunc func,
                                     gpointer user_data, GError **error);

G_END_DECLS

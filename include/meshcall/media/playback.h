/* The one audio playback path of a process: every remote's decoded audio is
 * mixed (audiomixer) and played on the default output, through a
 * webrtcechoprobe so the microphone's webrtcdsp can cancel the echo.
 * Made only where an output device exists (mc_playback_have_output): without
 * one, nothing would be heard and nothing could echo, so the call decodes
 * remote audio for its levels alone and the microphone runs no echo canceller
 * (the mix, probe and canceller cost 4-7 % of a core for nothing).
 *
 *   audiotestsrc wave=silence ─┐
 *   appsrc (peer 1) ───────────┼─ audiomixer ! webrtcechoprobe ! autoaudiosink
 *   appsrc (peer N) ───────────┘
 *
 * Create it before the capture pipeline starts (webrtcdsp looks the probe up
 * when it starts). Threading: new/add/remove/free on the main thread;
 * mc_playback_input_push from any thread. */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

typedef struct _McPlayback McPlayback;
typedef struct _McPlaybackInput McPlaybackInput;

/* Raw audio format every input must deliver. */
#define MC_PLAYBACK_CAPS "audio/x-raw,format=S16LE,rate=48000,channels=2,layout=interleaved"

/* capture: whose clock and base time to share, or NULL. */
typedef struct _McCapture McCapture;
/* sink: the output's description, NULL for autoaudiosink (the unit test
 * gives a fakesink). */
McPlayback *mc_playback_new (McCapture *capture, const char *sink, GError **error);
void mc_playback_free (McPlayback *playback);
/* The output element (a new reference): for tests. */
GstElement *mc_playback_get_sink (McPlayback *playback);
/* TRUE when GStreamer's device monitor lists an audio sink. */
gboolean mc_playback_have_output (void);

McPlaybackInput *mc_playback_add_input (McPlayback *playback, const char *name);
/* Pushes one decoded buffer (timestamps in running time of a pipeline that
 * shares the clock and base time). */
void mc_playback_input_push (McPlaybackInput *input, GstBuffer *buffer);
void mc_playback_remove_input (McPlayback *playback, McPlaybackInput *input);

G_END_DECLS

/* The one audio playback path of a process: every remote's decoded audio is
 * mixed (audiomixer) and played on the default output, through a
 * webrtcechoprobe so the microphone's webrtcdsp can cancel the echo.
 * When no output device exists the mix ends in a fakesink (one notice).
 *
 *   audiotestsrc wave=silence ─┐
 *   appsrc (peer 1) ───────────┼─ audiomixer ! webrtcechoprobe ! autoaudiosink | fakesink
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
McPlayback *mc_playback_new (McCapture *capture, gboolean force_fakesink, GError **error);
void mc_playback_free (McPlayback *playback);
/* TRUE when there was no output device and the mix goes to a fakesink. */
gboolean mc_playback_is_fake (McPlayback *playback);

McPlaybackInput *mc_playback_add_input (McPlayback *playback, const char *name);
/* Pushes one decoded buffer (timestamps in running time of a pipeline that
 * shares the clock and base time). */
void mc_playback_input_push (McPlaybackInput *input, GstBuffer *buffer);
void mc_playback_remove_input (McPlayback *playback, McPlaybackInput *input);

G_END_DECLS

/* The one capture pipeline of a process: camera and microphone, encoded once
 * per quality tier and fanned out to every peer subscribed to that tier.
 *
 *   video source ! convert/scale/rate ! tee ─┬─ queue ! scale/rate ! encoder ! appsink   (tier 0)
 *                                            ├─ ...                                       (tier 1, 2)
 *   audio source ! convert/resample [! webrtcdsp] ! opusenc ! appsink
 *
 * A peer subscribes the appsrc of its own pipeline; every encoded buffer is
 * pushed into each subscribed appsrc as the same refcounted GstBuffer (no
 * re-encode, no copy). A new video subscriber gets no delta frames before its
 * first keyframe: the latest one, with the frames since, when it is at most
 * MC_CAPTURE_RECENT_FRAMES old (a peer asks for one as it starts connecting,
 * mc_capture_prepare_subscriber, so its picture does not wait for the next
 * camera frame and its encoding once connected); otherwise its subscription
 * forces one. Keyframe requests (the
 * upstream GstForceKeyUnit event an RTCP PLI/FIR produces at the peer's
 * appsrc) reach the subscriber's tier encoder, at most one per tier per
 * MC_CAPTURE_KEYFRAME_MIN_INTERVAL (later requests are merged into one).
 *
 * Every pipeline of the process uses the capture pipeline's clock and base
 * time (mc_capture_sync_pipeline), so buffer timestamps stay valid when they
 * cross from this pipeline into a peer's.
 *
 * Threading: create, start, add tiers and free on the main thread;
 * subscribe/unsubscribe/request from any thread. */
#pragma once

#include <gst/gst.h>
#include <gst/app/gstappsrc.h>

#include "meshcall/media/media_source.h"

G_BEGIN_DECLS

#define MC_CAPTURE_ERROR (mc_capture_error_quark ())
GQuark mc_capture_error_quark (void);

typedef enum {
  MC_CAPTURE_ERROR_BAD_CODEC,   /* a codec name meshcall does not know */
  MC_CAPTURE_ERROR_NO_CAMERA,   /* a video branch asked of a capture without video */
  MC_CAPTURE_ERROR_TIERS,       /* no tier left (MC_CAPTURE_MAX_TIERS) */
} McCaptureError;

#define MC_CAPTURE_MAX_TIERS 3
#define MC_CAPTURE_KEYFRAME_MIN_INTERVAL (500 * GST_MSECOND)
/* A subscriber that comes at most this many frames after a keyframe gets
 * that keyframe and the frames since at once, and forces none. */
#define MC_CAPTURE_RECENT_FRAMES 5

typedef enum {
  MC_VIDEO_CODEC_VP8,
  MC_VIDEO_CODEC_H264,
} McVideoCodec;

gboolean mc_video_codec_from_string (const char *s, McVideoCodec *codec, GError **error);
const char *mc_video_codec_to_string (McVideoCodec codec);
/* The caps of encoded video for the codec ("video/x-vp8", byte-stream H.264). */
GstCaps *mc_video_codec_encoded_caps (McVideoCodec codec);
/* Encoded audio caps (Opus, 48 kHz mono). */
GstCaps *mc_capture_audio_caps (void);

typedef struct {
  McMediaSource video;          /* resolved (not AUTO); NONE = no camera */
  McMediaSource audio;          /* resolved (not AUTO); NONE = no microphone */
  int width, height, fps;
  McVideoCodec codec;
  guint video_bitrate_kbps;     /* tier 0; 0 = chosen from size and rate */
  guint audio_bitrate_kbps;     /* 0 = 32 */
  gboolean audio_processing;    /* webrtcdsp: noise suppression, AGC ... */
  gboolean echo_cancel;         /* ... and echo cancellation (needs the playback's webrtcechoprobe) */
} McCaptureConfig;

typedef struct {
  int width, height, fps;
  guint bitrate_kbps;
  guint subscribers;
  guint64 frames;               /* encoded frames */
  guint64 keyframes;            /* of which keyframes */
  guint64 keyframe_requests;    /* requests received */
  guint64 keyframes_forced;     /* requests forwarded to the encoder */
} McCaptureTierInfo;

typedef struct _McCapture McCapture;

/* Default tier-0 bitrate for a size and rate (kbit/s). */
guint mc_capture_default_bitrate (int width, int height, int fps);

/* Builds the pipeline with tier 0 (when there is video). */
McCapture *mc_capture_new (const McCaptureConfig *cfg, GError **error);
/* To PLAYING. Errors later (camera unplugged) are logged and reported
 * through the error callback. */
gboolean mc_capture_start (McCapture *capture, GError **error);
void mc_capture_set_error_callback (McCapture *capture, void (*func) (McCapture *, const GError *, gpointer),
                                    gpointer user_data);
void mc_capture_free (McCapture *capture);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (McCapture, mc_capture_free)

gboolean mc_capture_has_video (McCapture *capture);
gboolean mc_capture_has_audio (McCapture *capture);
McVideoCodec mc_capture_get_codec (McCapture *capture);

/* Extra consumers of the raw media, for local controls (local_media.h:
 * mute, camera off, self view) and probes, so nothing outside looks the
 * capture's elements up by name.
 *  - The pad where raw I420 video enters the tiers (NULL without camera):
 *    a buffer probe there changes what every tier encodes.
 *  - The pad where raw audio enters the encoder (NULL without microphone).
 * Both borrowed, valid until mc_capture_free(). */
GstPad *mc_capture_get_raw_video_pad (McCapture *capture);
GstPad *mc_capture_get_raw_audio_pad (McCapture *capture);
/* Adds branch (a bin with one "sink" pad; floating refs are sunk, the
 * capture keeps it) beside the tiers: it gets every raw frame they get.
 * Make it leaky: it must not hold back the encoders. Fails without camera. */
gboolean mc_capture_add_video_branch (McCapture *capture, GstElement *branch, GError **error);
/* Unlinks and drops a branch added above (no-op for anything else). */
void mc_capture_remove_video_branch (McCapture *capture, GstElement *branch);

/* Makes another pipeline run on the capture's clock and base time. */
void mc_capture_sync_pipeline (McCapture *capture, GstElement *pipeline);

/* Adds a tier (index returned, or -1 with error when MC_CAPTURE_MAX_TIERS are in use). */
int mc_capture_add_tier (McCapture *capture, int width, int height, int fps, guint bitrate_kbps, GError **error);
guint mc_capture_get_n_tiers (McCapture *capture);
gboolean mc_capture_get_tier_info (McCapture *capture, guint tier, McCaptureTierInfo *info);
gboolean mc_capture_set_tier_bitrate (McCapture *capture, guint tier, guint kbps);
/* A tier's size and rate, changed while playing (videoscale/videorate in
 * its branch; the encoder restarts at the new size with a keyframe). */
gboolean mc_capture_set_tier_format (McCapture *capture, guint tier, int width, int height, int fps);

/* Video fan-out. Subscribing a sink already in another tier moves it: its
 * old tier goes on feeding it until the new tier's first keyframe (forced
 * now), so its picture does not freeze. Tiers past the first encode only
 * while subscribed. */
void mc_capture_subscribe (McCapture *capture, guint tier, GstAppSrc *sink);
void mc_capture_unsubscribe (McCapture *capture, GstAppSrc *sink);
/* Tier of a subscribed sink, or -1. */
int mc_capture_get_sink_tier (McCapture *capture, GstAppSrc *sink);
void mc_capture_request_keyframe (McCapture *capture, guint tier);
/* A subscriber to `tier` is on its way (a peer connecting): a keyframe now,
 * for it to start from (at most one per MC_CAPTURE_KEYFRAME_MIN_INTERVAL,
 * and apart from the requests' interval, which it does not delay). */
void mc_capture_prepare_subscriber (McCapture *capture, guint tier);

/* Audio fan-out. */
void mc_capture_subscribe_audio (McCapture *capture, GstAppSrc *sink);
void mc_capture_unsubscribe_audio (McCapture *capture, GstAppSrc *sink);

G_END_DECLS

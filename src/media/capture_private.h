/* Internals of the capture (capture.h), shared by its two files:
 * capture.c builds and runs the pipeline, capture_fanout.c encodes per tier
 * and fans the buffers out to subscribers. Private to mc_media. */
#pragma once

#include "meshcall/media/capture.h"

#include <gst/app/gstappsink.h>

G_BEGIN_DECLS

typedef struct {
  GstAppSrc *sink;
  int tier;
  int leaving;                  /* the tier it moves from, still fed until this one's keyframe; -1: none */
  gboolean need_keyframe;
  gulong probe_id;
} Sub;

typedef struct {
  McCapture *capture;
  guint index;
  GstElement *bin;
  GstElement *encoder;
  GstPad *tee_pad;
  GstElement *caps_filter;      /* the tier's size and rate */
  gint active;                  /* atomic: someone is subscribed (else its frames are dropped before the encoder) */
  int width, height, fps;
  guint bitrate_kbps;
  GPtrArray *subs;              /* Sub* (owned by capture->subs_by_sink) */
  guint64 frames, keyframes, requests, forced;
  GstClockTime last_forced;     /* monotonic, GST_CLOCK_TIME_NONE = never */
  gboolean pending;             /* a merged request waits for the interval */
  GPtrArray *recent;            /* GstBuffer*: the last keyframe and the deltas since, at most
                                 * MC_CAPTURE_RECENT_FRAMES (else empty): a new subscriber starts there */
  GstClockTime prepared;        /* monotonic time of the last mc_capture_prepare_subscriber keyframe */
} Tier;

struct _McCapture {
  McCaptureConfig cfg;
  GstElement *pipeline;
  GstElement *tee;
  GstPad *tee_sink;             /* raw video enters the tiers here */
  GstPad *encoder_sink;         /* raw audio enters the encoder here */
  GstClock *clock;
  guint bus_watch;
  Tier tiers[MC_CAPTURE_MAX_TIERS];
  guint n_tiers;
  GMutex lock;                  /* subs, tiers' subs and keyframe state */
  GHashTable *subs_by_sink;     /* GstAppSrc* -> Sub* */
  GPtrArray *audio_subs;        /* GstAppSrc* (ref) */
  void (*error_func) (McCapture *, const GError *, gpointer);
  gpointer error_data;
};

/* capture_fanout.c */
void mc_capture_setup_appsink (GstElement *sink, GstAppSinkCallbacks *cb, gpointer user_data);
GstFlowReturn mc_capture_on_audio_sample (GstAppSink *appsink, gpointer user_data);
void mc_capture_sub_free (gpointer sub);

G_END_DECLS

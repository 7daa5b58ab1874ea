/* What to capture: the --video / --audio values parsed into a source, and the
 * source turned into a GStreamer description (from pipelines/NAME.pipeline).
 *
 *   --video auto | test | v4l2[:DEVICE] | none | pipeline:DESCRIPTION
 *   --audio auto | test | pulse[:DEVICE] | alsa[:DEVICE] | none | pipeline:DESCRIPTION
 *
 * `auto` picks the first camera / microphone GstDeviceMonitor finds and falls
 * back to the test source (the caller prints the notice). */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define MC_MEDIA_SOURCE_ERROR (mc_media_source_error_quark ())
GQuark mc_media_source_error_quark (void);

typedef enum {
  MC_MEDIA_VIDEO,
  MC_MEDIA_AUDIO,
} McMediaKind;

typedef enum {
  MC_MEDIA_SOURCE_NONE,
  MC_MEDIA_SOURCE_AUTO,
  MC_MEDIA_SOURCE_TEST,
  MC_MEDIA_SOURCE_V4L2,
  MC_MEDIA_SOURCE_PULSE,
  MC_MEDIA_SOURCE_ALSA,
  MC_MEDIA_SOURCE_PIPELINE,
} McMediaSourceType;

typedef struct {
  McMediaKind kind;
  McMediaSourceType type;
  char *device;       /* v4l2/pulse/alsa: device, or NULL for the default */
  char *description;  /* pipeline: the user's description */
} McMediaSource;

/* Parses a --video/--audio value; the error names the option and lists the accepted forms. */
gboolean mc_media_source_parse (McMediaKind kind, const char *spec, McMediaSource *out, GError **error);
void mc_media_source_clear (McMediaSource *src);
/* Canonical spec string ("v4l2:/dev/video0"); free with g_free. */
char *mc_media_source_to_spec (const McMediaSource *src);

/* Replaces AUTO by the first device found, else by TEST. Returns TRUE when a
 * device was found; *notice (may be NULL) gets a one-line message for the user
 * when it fell back. */
gboolean mc_media_source_resolve_auto (McMediaSource *src, char **notice);

/* The source part of the capture pipeline (no conversion). NONE is an error. */
char *mc_media_source_to_description (const McMediaSource *src, int width, int height, int fps, GError **error);

/* One capture device as `meshcall devices` shows it. */
typedef struct {
  McMediaKind kind;
  char *display_name;
  char *spec;          /* the exact --video/--audio value */
} McMediaDevice;

void mc_media_device_free (McMediaDevice *dev);
/* Cameras (MC_MEDIA_VIDEO) or microphones (MC_MEDIA_AUDIO), in monitor order.
 * Array of McMediaDevice* (owns them). */
GPtrArray *mc_media_source_list_devices (McMediaKind kind);
/* Spec for a GstDevice, or NULL when meshcall cannot name it. */
char *mc_media_source_spec_for_device (GstDevice *device, McMediaKind kind);

G_END_DECLS

/* --video/--audio values → capture source descriptions; device discovery. */
#include "meshcall/media/media_source.h"
#include "meshcall/base/log.h"
#include "meshcall/media/pipelines.h"

#include <string.h>

#define MC_LOG_CATEGORY (&mc_log_media)

G_DEFINE_QUARK (mc-media-source-error-quark, mc_media_source_error)

static const char *
accepted_forms (McMediaKind kind)
{
  return kind == MC_MEDIA_VIDEO ? "auto, test, v4l2[:DEVICE], none or pipeline:DESCRIPTION"
                                : "auto, test, pulse[:DEVICE], alsa[:DEVICE], none or pipeline:DESCRIPTION";
}

/* Messages name the kind, not a flag: the value may come from the command
 * line or the config file, and the command says which. */
static const char *
kind_name (McMediaKind kind)
{
  return kind == MC_MEDIA_VIDEO ? "video source" : "audio source";
}

gboolean
mc_media_source_parse (McMediaKind kind, const char *spec, McMediaSource *out, GError **error)
{
  static const struct {
    const char *prefix;
    McMediaSourceType type;
    McMediaKind kind;
  } devices[] = {
    { "v4l2", MC_MEDIA_SOURCE_V4L2, MC_MEDIA_VIDEO },
    { "pulse", MC_MEDIA_SOURCE_PULSE, MC_MEDIA_AUDIO },
    { "alsa", MC_MEDIA_SOURCE_ALSA, MC_MEDIA_AUDIO },
  };

  memset (out, 0, sizeof *out);
  out->kind = kind;
  if (spec == NULL || g_str_equal (spec, "auto")) {
    out->type = MC_MEDIA_SOURCE_AUTO;
    return TRUE;
  }
  if (g_str_equal (spec, "test")) {
    out->type = MC_MEDIA_SOURCE_TEST;
    return TRUE;
  }
  if (g_str_equal (spec, "none")) {
    out->type = MC_MEDIA_SOURCE_NONE;
    return TRUE;
  }
  if (g_str_has_prefix (spec, "pipeline:")) {
    const char *desc = spec + strlen ("pipeline:");
    while (g_ascii_isspace (*desc))
      desc++;
    if (*desc == '\0') {
      g_set_error (error, MC_MEDIA_SOURCE_ERROR, 0, "%s 'pipeline:' needs a GStreamer description after the colon",
                   kind_name (kind));
      return FALSE;
    }
    out->type = MC_MEDIA_SOURCE_PIPELINE;
    out->description = g_strdup (desc);
    return TRUE;
  }
  for (gsize i = 0; i < G_N_ELEMENTS (devices); i++) {
    gsize len = strlen (devices[i].prefix);
    if (devices[i].kind != kind || strncmp (spec, devices[i].prefix, len) != 0)
      continue;
    if (spec[len] != '\0' && spec[len] != ':')
      continue;
    if (spec[len] == ':' && spec[len + 1] == '\0') {
      g_set_error (error, MC_MEDIA_SOURCE_ERROR, 0, "%s '%s' needs a device name after the colon",
                   kind_name (kind), spec);
      return FALSE;
    }
    out->type = devices[i].type;
    out->device = spec[len] == ':' ? g_strdup (spec + len + 1) : NULL;
    return TRUE;
  }
  g_set_error (error, MC_MEDIA_SOURCE_ERROR, 0, "unknown %s '%s' (expected %s)", kind_name (kind),
               spec, accepted_forms (kind));
  return FALSE;
}

void
mc_media_source_clear (McMediaSource *src)
{
  g_clear_pointer (&src->device, g_free);
  g_clear_pointer (&src->description, g_free);
}

char *
mc_media_source_to_spec (const McMediaSource *src)
{
  const char *base = NULL;

  switch (src->type) {
  case MC_MEDIA_SOURCE_NONE: return g_strdup ("none");
  case MC_MEDIA_SOURCE_AUTO: return g_strdup ("auto");
  case MC_MEDIA_SOURCE_TEST: return g_strdup ("test");
  case MC_MEDIA_SOURCE_PIPELINE: return g_strconcat ("pipeline:", src->description, NULL);
  case MC_MEDIA_SOURCE_V4L2: base = "v4l2"; break;
  case MC_MEDIA_SOURCE_PULSE: base = "pulse"; break;
  case MC_MEDIA_SOURCE_ALSA: base = "alsa"; break;
  }
  return src->device ? g_strconcat (base, ":", src->device, NULL) : g_strdup (base);
}

/* Quotes a value for a gst-launch description. */
static char *
quote_value (const char *value)
{
  GString *s = g_string_new ("\"");
  for (const char *p = value; *p; p++) {
    if (*p == '"' || *p == '\\')
      g_string_append_c (s, '\\');
    g_string_append_c (s, *p);
  }
  g_string_append_c (s, '"');
  return g_string_free (s, FALSE);
}

char *
mc_media_source_to_description (const McMediaSource *src, int width, int height, int fps, GError **error)
{
  const char *file = NULL;
  g_autofree char *w = g_strdup_printf ("%d", width);
  g_autofree char *h = g_strdup_printf ("%d", height);
  g_autofree char *f = g_strdup_printf ("%d", fps);
  g_autofree char *quoted = src->device ? quote_value (src->device) : NULL;
  g_autofree char *devprop = quoted ? g_strconcat ("device=", quoted, NULL) : g_strdup ("");

  switch (src->type) {
  case MC_MEDIA_SOURCE_PIPELINE:
    return g_strdup (src->description);
  case MC_MEDIA_SOURCE_TEST:
    file = src->kind == MC_MEDIA_VIDEO ? "video-test" : "audio-test";
    break;
  case MC_MEDIA_SOURCE_V4L2: file = "video-v4l2"; break;
  case MC_MEDIA_SOURCE_PULSE: file = "audio-pulse"; break;
  case MC_MEDIA_SOURCE_ALSA: file = "audio-alsa"; break;
  case MC_MEDIA_SOURCE_NONE:
  case MC_MEDIA_SOURCE_AUTO:
    g_set_error (error, MC_MEDIA_SOURCE_ERROR, 0, "%s: nothing to describe (%s)", kind_name (src->kind),
                 src->type == MC_MEDIA_SOURCE_NONE ? "none" : "auto not resolved");
    return NULL;
  }
  const char *vars[] = { "DEVICE_PROPERTY", devprop, "WIDTH", w, "HEIGHT", h, "FPS", f, NULL };
  return mc_pipelines_load (file, vars, error);
}

/* ---- devices ------------------------------------------------------------ */

static const char *
device_class_for (McMediaKind kind)
{
  return kind == MC_MEDIA_VIDEO ? "Video/Source" : "Audio/Source";
}

static char *
factory_name_of (GstDevice *device)
{
  g_autoptr (GstElement) element = gst_device_create_element (device, NULL);
  GstElementFactory *factory;

  if (element == NULL)
    return NULL;
  factory = gst_element_get_factory (element);
  return factory ? g_strdup (GST_OBJECT_NAME (factory)) : NULL;
}

char *
mc_media_source_spec_for_device (GstDevice *device, McMediaKind kind)
{
  g_autoptr (GstStructure) props = gst_device_get_properties (device);
  g_autofree char *factory = factory_name_of (device);
  const char *path = NULL;

  if (factory == NULL)
    return NULL;
  if (g_str_equal (factory, "v4l2src") && kind == MC_MEDIA_VIDEO) {
    path = props ? gst_structure_get_string (props, "api.v4l2.path") : NULL;
    if (path == NULL && props)
      path = gst_structure_get_string (props, "device.path");
    return path ? g_strconcat ("v4l2:", path, NULL) : g_strdup ("v4l2");
  }
  if (g_str_equal (factory, "pulsesrc") && kind == MC_MEDIA_AUDIO) {
    g_autofree char *name = NULL;
    if (g_object_class_find_property (G_OBJECT_GET_CLASS (device), "internal-name"))
      g_object_get (device, "internal-name", &name, NULL);
    return name ? g_strconcat ("pulse:", name, NULL) : g_strdup ("pulse");
  }
  if (g_str_equal (factory, "alsasrc") && kind == MC_MEDIA_AUDIO) {
    g_autofree char *name = NULL;
    if (g_object_class_find_property (G_OBJECT_GET_CLASS (device), "internal-name"))
      g_object_get (device, "internal-name", &name, NULL);
    return name ? g_strconcat ("alsa:", name, NULL) : g_strdup ("alsa");
  }
  /* Another provider (pipewire, libcamera...): its element with defaults. */
  return g_strconcat ("pipeline:", factory, NULL);
}

void
mc_media_device_free (McMediaDevice *dev)
{
  if (dev == NULL)
    return;
  g_free (dev->display_name);
  g_free (dev->spec);
  g_free (dev);
}

GPtrArray *
mc_media_source_list_devices (McMediaKind kind)
{
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) mc_media_device_free);
  g_autoptr (GstDeviceMonitor) monitor = gst_device_monitor_new ();
  GList *devices;

  gst_device_monitor_add_filter (monitor, device_class_for (kind), NULL);
  if (!gst_device_monitor_start (monitor)) {
    MC_INFO ("device monitor for %s did not start (no providers)", device_class_for (kind));
    return out;
  }
  devices = gst_device_monitor_get_devices (monitor);
  for (GList *l = devices; l != NULL; l = l->next) {
    GstDevice *device = l->data;
    char *spec = mc_media_source_spec_for_device (device, kind);
    if (spec == NULL)
      continue;
    McMediaDevice *dev = g_new0 (McMediaDevice, 1);
    dev->kind = kind;
    dev->display_name = gst_device_get_display_name (device);
    dev->spec = spec;
    g_ptr_array_add (out, dev);
  }
  g_list_free_full (devices, gst_object_unref);
  gst_device_monitor_stop (monitor);
  return out;
}

gboolean
mc_media_source_resolve_auto (McMediaSource *src, char **notice)
{
  g_autoptr (GPtrArray) devices = NULL;

  if (src->type != MC_MEDIA_SOURCE_AUTO)
    return TRUE;
  devices = mc_media_source_list_devices (src->kind);
  for (guint i = 0; i < devices->len; i++) {
    McMediaDevice *dev = g_ptr_array_index (devices, i);
    McMediaSource parsed;
    if (!mc_media_source_parse (src->kind, dev->spec, &parsed, NULL))
      continue;
    MC_INFO ("auto %s: %s (%s)", kind_name (src->kind), dev->display_name, dev->spec);
    mc_media_source_clear (src);
    *src = parsed;
    return TRUE;
  }
  src->type = MC_MEDIA_SOURCE_TEST;
  if (notice)
    *notice = g_strdup_printf ("no %s found, sending a test %s instead (%s 'test'; see 'meshcall devices')",
                               src->kind == MC_MEDIA_VIDEO ? "camera" : "microphone",
                               src->kind == MC_MEDIA_VIDEO ? "picture" : "tone", kind_name (src->kind));
  return FALSE;
}

/* meshcall devices: cameras and microphones, with the value to pass. */
#include "meshcall/cli/commands.h"
#include "meshcall/cli/cli_config.h"
#include "meshcall/base/log.h"
#include "meshcall/media/media_source.h"

#include <stdio.h>

static void
list (McMediaKind kind)
{
  g_autoptr (GPtrArray) devices = mc_media_source_list_devices (kind);
  gboolean video = kind == MC_MEDIA_VIDEO;

  printf ("%s:\n", video ? "Cameras" : "Microphones");
  if (devices->len == 0) {
    printf ("  none found: --%s auto will send a test %s (--%s test); --%s none sends nothing\n",
            video ? "video" : "audio", video ? "picture" : "tone", video ? "video" : "audio",
            video ? "video" : "audio");
  }
  for (guint i = 0; i < devices->len; i++) {
    McMediaDevice *dev = g_ptr_array_index (devices, i);
    printf ("  %-40s --%s %s%s\n", dev->display_name, video ? "video" : "audio", dev->spec,
            i == 0 ? "   (what auto picks)" : "");
  }
}

int
mc_cmd_devices (int argc, char **argv)
{
  g_autoptr (McConfig) config = NULL;
  g_autoptr (GOptionContext) ctx = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *config_path = NULL;
  GOptionEntry entries[] = {
    MC_CLI_CONFIG_OPTION_ENTRY (&config_path),
    { NULL },
  };

  config = mc_cli_config_load (argc, argv);
  if (config == NULL)
    return MC_EXIT_USAGE;
  ctx = g_option_context_new ("- list cameras and microphones");
  g_option_context_set_summary (ctx,
    "Lists the cameras and microphones GStreamer finds, each with the exact value to pass\n"
    "to 'meshcall join --video' / '--audio' (or to put in the [media] section of the config).");
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error)) {
    mc_log_error ("%s (see 'meshcall devices --help')", error->message);
    return MC_EXIT_USAGE;
  }
  if (argc > 1) {
    mc_log_error ("devices takes no arguments (see 'meshcall devices --help')");
    return MC_EXIT_USAGE;
  }
  gst_init (NULL, NULL);
  list (MC_MEDIA_VIDEO);
  printf ("\n");
  list (MC_MEDIA_AUDIO);
  return MC_EXIT_OK;
}

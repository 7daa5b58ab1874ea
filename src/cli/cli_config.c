/* --config on a command line (see cli_config.h). */
#include "meshcall/cli/cli_config.h"
#include "meshcall/base/log.h"

#include <string.h>

const char *
mc_cli_config_path (int argc, char **argv)
{
  for (int i = 1; i < argc; i++) {
    if (g_str_equal (argv[i], "--"))
      break;
    if ((g_str_equal (argv[i], "--config") || g_str_equal (argv[i], "-c")) && i + 1 < argc)
      return argv[i + 1];
    if (g_str_has_prefix (argv[i], "--config="))
      return argv[i] + strlen ("--config=");
  }
  return NULL;
}

McConfig *
mc_cli_config_load (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  McConfig *cfg = mc_config_load (mc_cli_config_path (argc, argv), &error);

  if (cfg == NULL)
    mc_log_error ("%s", error->message);
  return cfg;
}

/* The config file as the commands see it: which file --config names (read
 * before GOption parses, so the file's values can be the options' defaults),
 * and the --config entry every subcommand has. */
#pragma once

#include "meshcall/base/config.h"

G_BEGIN_DECLS

/* Value of --config FILE / --config=FILE / -c FILE in argv, or NULL; argv is
 * not changed. */
const char *mc_cli_config_path (int argc, char **argv);

/* Loads the config argv names (or the default one); on error prints it and
 * returns NULL (the caller exits with MC_EXIT_USAGE). */
McConfig *mc_cli_config_load (int argc, char **argv);

#define MC_CLI_CONFIG_OPTION_ENTRY(storage) \
  { "config", 'c', 0, G_OPTION_ARG_FILENAME, (storage), \
    "Read settings from FILE instead of $XDG_CONFIG_HOME/meshcall/meshcall.conf or /etc/meshcall/meshcall.conf", "FILE" }

G_END_DECLS

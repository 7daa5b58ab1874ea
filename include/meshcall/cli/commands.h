/* The subcommands of the meshcall binary. Each parses its own options
 * (GOption) and returns the process exit code: 0 success, 1 runtime failure,
 * 2 usage or configuration error. argv[0] is the subcommand's name. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define MC_EXIT_OK 0
#define MC_EXIT_FAILURE 1
#define MC_EXIT_USAGE 2

int mc_cmd_join (int argc, char **argv);
int mc_cmd_serve (int argc, char **argv);
int mc_cmd_record (int argc, char **argv);
int mc_cmd_devices (int argc, char **argv);
int mc_cmd_version (int argc, char **argv);

G_END_DECLS

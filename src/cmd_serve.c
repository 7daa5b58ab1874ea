/* Placeholder until the module lands. */
#include "meshcall/commands.h"
#include "meshcall/log.h"

int
mc_cmd_serve (int argc, char **argv)
{
  mc_log_error ("'serve' is not implemented yet");
  return MC_EXIT_FAILURE;
}

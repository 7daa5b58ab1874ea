/* meshcall: entry point. Dispatches to a subcommand (commands.h). */
#include "meshcall/cli/commands.h"
#include "meshcall/base/log.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>

typedef struct {
  const char *name;
  int (*run) (int argc, char **argv);
  const char *summary;
} Command;

static const Command commands[] = {
  { "join", mc_cmd_join, "Join a call: meshcall join CALL_ID" },
  { "record", mc_cmd_record, "Record a call as a bot: a file per participant and a manifest" },
  { "serve", mc_cmd_serve, "Run the LAN signaling server (Socket.IO compatible)" },
  { "devices", mc_cmd_devices, "List cameras and microphones with the value to pass to --video/--audio" },
  { "version", mc_cmd_version, "Print version information" },
};

static void
print_usage (FILE *out)
{
  fprintf (out,
           "Usage: meshcall COMMAND [OPTIONS]\n"
           "\n"
           "A mesh video-call client: every participant connects directly to every\n"
           "other one (2-6 people).\n"
           "\n"
           "Commands:\n");
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    fprintf (out, "  %-9s %s\n", commands[i].name, commands[i].summary);
  fprintf (out,
           "\n"
           "Run 'meshcall COMMAND --help' for the options of a command.\n"
           "Quick start: 'meshcall join demo' in two terminals on one machine.\n"
           "Logs for developers: GST_DEBUG=meshcall*:5 meshcall ...\n");
}

int
main (int argc, char **argv)
{
  setlocale (LC_ALL, "");
  mc_log_init ();

  if (argc < 2) {
    print_usage (stderr);
    return MC_EXIT_USAGE;
  }
  if (strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0 || strcmp (argv[1], "help") == 0) {
    print_usage (stdout);
    return MC_EXIT_OK;
  }
  if (strcmp (argv[1], "--version") == 0)
    return mc_cmd_version (argc - 1, argv + 1);

  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++) {
    if (strcmp (argv[1], commands[i].name) == 0)
      return commands[i].run (argc - 1, argv + 1);
  }
  fprintf (stderr, "meshcall: unknown command '%s'\n\n", argv[1]);
  print_usage (stderr);
  return MC_EXIT_USAGE;
}

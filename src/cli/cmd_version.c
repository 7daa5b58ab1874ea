/* meshcall version: the versions of meshcall and of the libraries it runs on. */
#include "meshcall/cli/commands.h"

#include <curl/curl.h>
#include <gst/gst.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <stdio.h>

int
mc_cmd_version (int argc, char **argv)
{
  g_autofree char *gst = gst_version_string ();

  printf ("meshcall %s\n", MESHCALL_VERSION);
  printf ("  %s, GLib %u.%u.%u, libsoup %u.%u.%u, json-glib %s, %s", gst,
          glib_major_version, glib_minor_version, glib_micro_version,
          soup_get_major_version (), soup_get_minor_version (), soup_get_micro_version (),
          JSON_VERSION_S, curl_version ());
  printf ("\n");
  return MC_EXIT_OK;
}

/* A Socket.IO echo server on McSioServer (sio_server.h, over the Engine.IO
 * server of eio_server.h), for testing those layers with stock
 * socket.io-client apart from the call protocol:
 *   "echo" with an ack      -> the ack carries the event's arguments back
 *   "ask" {text, timeout}   -> the server emits "question" text WITH an ack id,
 *                              then emits "answer" [the client's ack array] or
 *                              "answer" null when it timed out
 *   "kick"                  -> the server disconnects the client
 *   CONNECT auth {"deny":"x"} is refused with CONNECT_ERROR data.code "x".
 * Usage: mc-eio-echo PORT_FILE   (listens on 127.0.0.1, a free port)
 */
#include "meshcall/server/sio_server.h"
#include "meshcall/base/log.h"
#include "meshcall/proto/sio_packet.h"

#include <glib-unix.h>
#include <stdio.h>

static gboolean
authorize (McSioServer *server, McSioServerClient *client, JsonNode *auth, char **code, char **message,
           guint *delay_ms, gpointer user_data)
{
  if (auth && JSON_NODE_HOLDS_OBJECT (auth) && json_object_has_member (json_node_get_object (auth), "deny")) {
    *code = g_strdup (json_object_get_string_member_with_default (json_node_get_object (auth), "deny", "denied"));
    *message = g_strdup ("denied by request");
    return FALSE;
  }
  return TRUE;
}

static void
on_answer (McSioServerClient *client, JsonArray *args, gpointer user_data)
{
  g_autoptr (JsonNode) node = json_node_new (args ? JSON_NODE_ARRAY : JSON_NODE_NULL);

  if (args)
    json_node_set_array (node, args);
  mc_sio_server_client_emit (client, "answer", node);
}

static void
on_event (McSioServer *server, McSioServerClient *client, const char *name, JsonArray *args, gint64 ack_id,
          gpointer user_data)
{
  JsonNode *arg = json_array_get_length (args) > 0 ? json_array_get_element (args, 0) : NULL;

  if (g_str_equal (name, "echo")) {
    g_autoptr (JsonNode) node = json_node_new (JSON_NODE_ARRAY);
    json_node_set_array (node, args);
    mc_sio_server_client_ack (client, ack_id, node);
  } else if (g_str_equal (name, "ask") && arg && JSON_NODE_HOLDS_OBJECT (arg)) {
    JsonObject *obj = json_node_get_object (arg);
    g_autoptr (JsonNode) text = json_node_new (JSON_NODE_VALUE);
    json_node_set_string (text, json_object_get_string_member_with_default (obj, "text", ""));
    mc_sio_server_client_emit_with_ack (client, "question", text,
                                        (guint) json_object_get_int_member_with_default (obj, "timeout", 5000),
                                        on_answer, NULL);
  } else if (g_str_equal (name, "kick")) {
    mc_sio_server_client_disconnect (client, "asked to be kicked");
  }
}

static gboolean
quit_cb (gpointer loop)
{
  g_main_loop_quit (loop);
  return G_SOURCE_CONTINUE;
}

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SoupServer) soup = NULL;
  g_autoptr (GInetAddress) inet = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) addr = g_inet_socket_address_new (inet, 0);
  g_autoptr (GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoslist (GUri) uris = NULL;
  g_autofree char *port = NULL;
  McSioServerConfig cfg;
  McSioServerEvents events = { .authorize = authorize, .event = on_event };
  McSioServer *sio;

  if (argc != 2) {
    fprintf (stderr, "usage: mc-eio-echo PORT_FILE\n");
    return 2;
  }
  mc_log_init ();
  soup = soup_server_new (NULL, NULL);
  mc_sio_server_config_init (&cfg);
  sio = mc_sio_server_new (soup, "/socket.io", &cfg, &events, NULL);
  if (!soup_server_listen (soup, addr, 0, &error)) {
    fprintf (stderr, "mc-eio-echo: %s\n", error->message);
    return 1;
  }
  uris = soup_server_get_uris (soup);
  port = g_strdup_printf ("%d\n", g_uri_get_port (uris->data));
  if (!g_file_set_contents (argv[1], port, -1, &error)) {
    fprintf (stderr, "mc-eio-echo: %s\n", error->message);
    return 1;
  }
  g_unix_signal_add (SIGTERM, quit_cb, loop);
  g_unix_signal_add (SIGINT, quit_cb, loop);
  g_main_loop_run (loop);
  mc_sio_server_free (sio);
  return 0;
}

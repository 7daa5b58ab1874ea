/* GET /health and /stats (status/status_server.h) over real HTTP on
 * loopback: 200 and 503 with the health document, ?min-peers, a bad
 * min-peers (400), /stats as the --stats-json layout and 503 before a call,
 * 404 for other paths, 405 (with Allow) for other methods, HEAD, JSON
 * bodies and no caching, at most 64 connections waiting, and a port in use. */
#include "meshcall/base/json.h"
#include "meshcall/status/status_server.h"

#include <libsoup/soup.h>
#include <string.h>

typedef struct {
  JsonNode *stats;   /* what the source hands out; NULL: no call */
  McHealthPhase phase;
  McStatusServer *server;
  SoupSession *session;
  GMainLoop *loop;
} Fixture;

static JsonNode *
get_stats (gpointer data)
{
  Fixture *f = data;

  return f->stats ? json_node_ref (f->stats) : NULL;
}

static McHealthPhase
get_phase (gpointer data)
{
  return ((Fixture *) data)->phase;
}

static void
set_stats (Fixture *f, const char *text)
{
  g_clear_pointer (&f->stats, json_node_unref);
  if (text)
    f->stats = mc_json_decode (text, strlen (text), NULL);
  g_assert_true (text == NULL || f->stats != NULL);
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  static const McStatusSource source = { get_stats, get_phase };
  g_autoptr (GError) error = NULL;

  f->phase = MC_HEALTH_RUNNING;
  f->server = mc_status_server_new ("127.0.0.1", 0, 0, &source, f, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (mc_status_server_get_port (f->server), >, 0);
  f->session = soup_session_new ();
  f->loop = g_main_loop_new (NULL, FALSE);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_clear_pointer (&f->server, mc_status_server_free);
  g_clear_object (&f->session);
  g_clear_pointer (&f->stats, json_node_unref);
  g_clear_pointer (&f->loop, g_main_loop_unref);
}

typedef struct {
  Fixture *f;
  GBytes *body;
  GError *error;
} Reply;

static void
on_reply (GObject *source, GAsyncResult *result, gpointer data)
{
  Reply *r = data;

  r->body = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &r->error);
  g_main_loop_quit (r->f->loop);
}

/* One request; the body as a string and the message for its status and headers. */
static char *
request (Fixture *f, const char *method, const char *path, SoupMessage **out)
{
  g_autofree char *uri = g_strdup_printf ("http://127.0.0.1:%u%s", mc_status_server_get_port (f->server), path);
  g_autoptr (SoupMessage) msg = soup_message_new (method, uri);
  Reply r = { f, NULL, NULL };
  char *text;

  soup_session_send_and_read_async (f->session, msg, G_PRIORITY_DEFAULT, NULL, on_reply, &r);
  g_main_loop_run (f->loop);
  g_assert_no_error (r.error);
  text = g_bytes_get_size (r.body) ? g_strndup (g_bytes_get_data (r.body, NULL), g_bytes_get_size (r.body))
                                   : g_strdup ("");
  g_bytes_unref (r.body);
  *out = g_steal_pointer (&msg);
  return text;
}

/* The JSON body of a GET, checked for its status and headers. */
static JsonObject *
get_json (Fixture *f, const char *path, guint status)
{
  g_autoptr (SoupMessage) msg = NULL;
  g_autofree char *text = request (f, "GET", path, &msg);
  SoupMessageHeaders *headers = soup_message_get_response_headers (msg);
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) node = mc_json_decode (text, strlen (text), &error);

  g_assert_cmpuint (soup_message_get_status (msg), ==, status);
  g_assert_cmpstr (soup_message_headers_get_content_type (headers, NULL), ==, "application/json");
  g_assert_cmpstr (soup_message_headers_get_one (headers, "Cache-Control"), ==, "no-store");
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (node));
  return json_object_ref (json_node_get_object (node));
}

static const char joined_two[] =
  "{\"callId\":\"lobby\",\"peerId\":\"me\",\"signalingState\":\"joined\",\"participants\":2,\"time\":100.0,"
  "\"peers\":[{\"peerId\":\"a\",\"name\":\"Ann\",\"connectionState\":\"connected\",\"inboundKbps\":800.0,"
  "\"connectedAt\":50.0}]}";

static void
test_health (Fixture *f, gconstpointer data)
{
  JsonObject *obj;
  JsonObject *reason;

  set_stats (f, joined_two);
  obj = get_json (f, "/health", SOUP_STATUS_OK);
  g_assert_cmpstr (json_object_get_string_member (obj, "status"), ==, "ok");
  g_assert_cmpint (json_object_get_int_member (obj, "peersConnected"), ==, 1);
  json_object_unref (obj);

  obj = get_json (f, "/health?min-peers=2", SOUP_STATUS_SERVICE_UNAVAILABLE);
  g_assert_cmpstr (json_object_get_string_member (obj, "status"), ==, "unhealthy");
  g_assert_cmpint (json_object_get_int_member (obj, "minPeers"), ==, 2);
  reason = json_array_get_object_element (json_object_get_array_member (obj, "reasons"), 0);
  g_assert_cmpstr (json_object_get_string_member (reason, "code"), ==, "too-few-peers");
  json_object_unref (obj);

  /* The peer goes: 503 saying who and how. */
  set_stats (f, "{\"callId\":\"lobby\",\"signalingState\":\"joined\",\"participants\":2,\"time\":100.0,"
                "\"peers\":[{\"peerId\":\"a\",\"name\":\"Ann\",\"connectionState\":\"reconnecting\"}]}");
  obj = get_json (f, "/health", SOUP_STATUS_SERVICE_UNAVAILABLE);
  reason = json_array_get_object_element (json_object_get_array_member (obj, "reasons"), 0);
  g_assert_cmpstr (json_object_get_string_member (reason, "code"), ==, "peer-not-connected");
  g_assert_cmpstr (json_object_get_string_member (reason, "peerId"), ==, "a");
  g_assert_cmpstr (json_object_get_string_member (reason, "state"), ==, "reconnecting");
  json_object_unref (obj);

  f->phase = MC_HEALTH_LEAVING;
  obj = get_json (f, "/health", SOUP_STATUS_SERVICE_UNAVAILABLE);
  reason = json_array_get_object_element (json_object_get_array_member (obj, "reasons"), 0);
  g_assert_cmpstr (json_object_get_string_member (reason, "code"), ==, "leaving");
  json_object_unref (obj);

  set_stats (f, NULL);
  f->phase = MC_HEALTH_STARTING;
  obj = get_json (f, "/health", SOUP_STATUS_SERVICE_UNAVAILABLE);
  reason = json_array_get_object_element (json_object_get_array_member (obj, "reasons"), 0);
  g_assert_cmpstr (json_object_get_string_member (reason, "code"), ==, "starting");
  json_object_unref (obj);
}

static void
test_bad_min_peers (Fixture *f, gconstpointer data)
{
  const char *paths[] = { "/health?min-peers=x", "/health?min-peers=-1", "/health?min-peers=65",
                          "/health?min-peers=", "/health?min-peers=1e3" };

  set_stats (f, joined_two);
  for (gsize i = 0; i < G_N_ELEMENTS (paths); i++) {
    JsonObject *obj = get_json (f, paths[i], SOUP_STATUS_BAD_REQUEST);
    g_assert_cmpstr (json_object_get_string_member (obj, "error"), ==,
                     "min-peers must be a whole number from 0 to 64");
    json_object_unref (obj);
  }
}

static void
test_stats (Fixture *f, gconstpointer data)
{
  g_autoptr (SoupMessage) msg = NULL;
  g_autofree char *text = NULL;
  g_autofree char *expected = NULL;
  JsonObject *obj;

  obj = get_json (f, "/stats", SOUP_STATUS_SERVICE_UNAVAILABLE);
  g_assert_cmpstr (json_object_get_string_member (obj, "error"), ==, "not in a call yet: meshcall is starting");
  json_object_unref (obj);
  f->phase = MC_HEALTH_LEAVING;
  obj = get_json (f, "/stats", SOUP_STATUS_SERVICE_UNAVAILABLE);
  g_assert_cmpstr (json_object_get_string_member (obj, "error"), ==, "the call is over: meshcall is leaving");
  json_object_unref (obj);
  f->phase = MC_HEALTH_RUNNING;
  set_stats (f, joined_two);
  /* Byte for byte what --stats-json writes (call_stats.c: the pretty layout). */
  expected = mc_json_encode_pretty (f->stats);
  text = request (f, "GET", "/stats?anything=1", &msg);
  g_assert_cmpuint (soup_message_get_status (msg), ==, SOUP_STATUS_OK);
  g_assert_cmpstr (text, ==, expected);
}

static void
test_other_requests (Fixture *f, gconstpointer data)
{
  const char *methods[] = { "POST", "PUT", "DELETE", "OPTIONS" };
  JsonObject *obj;

  set_stats (f, joined_two);
  obj = get_json (f, "/", SOUP_STATUS_NOT_FOUND);
  g_assert_cmpstr (json_object_get_string_member (obj, "error"), ==,
                   "not found; this status server has /health and /stats");
  json_object_unref (obj);
  json_object_unref (get_json (f, "/health/", SOUP_STATUS_NOT_FOUND));
  json_object_unref (get_json (f, "/socket.io/", SOUP_STATUS_NOT_FOUND));
  for (gsize i = 0; i < G_N_ELEMENTS (methods); i++) {
    g_autoptr (SoupMessage) msg = NULL;
    g_autofree char *text = request (f, methods[i], "/health", &msg);
    g_assert_cmpuint (soup_message_get_status (msg), ==, SOUP_STATUS_METHOD_NOT_ALLOWED);
    g_assert_cmpstr (soup_message_headers_get_one (soup_message_get_response_headers (msg), "Allow"), ==,
                     "GET, HEAD");
    g_assert_cmpstr (text, ==, "{\"error\":\"only GET and HEAD\"}");
  }
  {
    /* HEAD: the status and headers of GET, no body. */
    g_autoptr (SoupMessage) msg = NULL;
    g_autofree char *text = request (f, "HEAD", "/health", &msg);
    g_assert_cmpuint (soup_message_get_status (msg), ==, SOUP_STATUS_OK);
    g_assert_cmpstr (text, ==, "");
  }
}

/* Iterates the default context until socket reads end-of-stream (the
 * server closed it) or timeout_ms pass; TRUE when it was closed. */
static gboolean
closed_by_server (GSocket *socket, guint timeout_ms)
{
  gint64 end = g_get_monotonic_time () + timeout_ms * 1000;
  char byte;

  while (g_get_monotonic_time () < end) {
    g_autoptr (GError) error = NULL;
    gssize n = g_socket_receive_with_blocking (socket, &byte, 1, FALSE, NULL, &error);
    if (n == 0 || (n < 0 && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK)))
      return TRUE;
    g_main_context_iteration (NULL, FALSE);
    g_usleep (1000);
  }
  return FALSE;
}

/* 64 connections that send nothing: the next one is closed at once, and
 * so is a request; once they go, requests are answered again. */
static void
test_connection_cap (Fixture *f, gconstpointer data)
{
  g_autoptr (GSocketClient) client = g_socket_client_new ();
  g_autoptr (GPtrArray) idle = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr (GSocketConnection) extra = NULL;
  guint port = mc_status_server_get_port (f->server);
  g_autoptr (GError) error = NULL;

  set_stats (f, joined_two);
  for (guint i = 0; i < 64; i++) {
    GSocketConnection *c = g_socket_client_connect_to_host (client, "127.0.0.1", port, NULL, &error);
    g_assert_no_error (error);
    g_ptr_array_add (idle, c);
    for (guint j = 0; j < 5; j++)   /* the server accepts it */
      g_main_context_iteration (NULL, FALSE);
  }
  extra = g_socket_client_connect_to_host (client, "127.0.0.1", port, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (closed_by_server (g_socket_connection_get_socket (extra), 5000));
  /* The 64 are still open: nobody closed them. */
  g_assert_false (closed_by_server (g_socket_connection_get_socket (idle->pdata[0]), 100));
  g_ptr_array_set_size (idle, 0);   /* they go: libsoup sees them close */
  for (guint i = 0; i < 50; i++)
    g_main_context_iteration (NULL, FALSE);
  json_object_unref (get_json (f, "/health", SOUP_STATUS_OK));
}

static void
test_port_in_use (Fixture *f, gconstpointer data)
{
  static const McStatusSource source = { get_stats, get_phase };
  g_autoptr (GError) error = NULL;
  guint port = mc_status_server_get_port (f->server);
  g_autofree char *expected = g_strdup_printf ("cannot listen on 127.0.0.1:%u: ", port);
  McStatusServer *second = mc_status_server_new ("127.0.0.1", port, 0, &source, f, &error);

  g_assert_null (second);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE);
  g_assert_true (g_str_has_prefix (error->message, expected));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_log_set_debug_enabled (FALSE);   /* GSocketClient's connection chatter */
#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
  ADD ("/status-server/health", test_health);
  ADD ("/status-server/bad-min-peers", test_bad_min_peers);
  ADD ("/status-server/stats", test_stats);
  ADD ("/status-server/other-requests", test_other_requests);
  ADD ("/status-server/connection-cap", test_connection_cap);
  ADD ("/status-server/port-in-use", test_port_in_use);
  return g_test_run ();
}

/* The Socket.IO server (sio_server.h) with raw Engine.IO websocket clients:
 * CONNECT accepted, refused by authorize and for another namespace, events
 * with acks both ways and the ack timeout, refusals (rate limit, binary)
 * reported as McSioRefusal without a disconnect, the connect timeout, both
 * kinds of DISCONNECT, and freeing with an ack still awaited. */
#include "meshcall/server/sio_server.h"
#include "meshcall/base/log.h"
#include "meshcall/proto/sio_packet.h"
#include "eio_test_client.h"

typedef struct {
  McServerHttp *http;
  McSioServer *sio;
  SoupSession *session;
  guint port;
  GPtrArray *log;              /* char*: "connected", "event NAME", "refused N", "ack ARGS|null", "disconnected REASON" */
  McSioServerClient *client;   /* the last connected (borrowed) */
} Fixture;

static gboolean
authorize (McSioServer *sio, McSioServerClient *client, JsonNode *auth, char **code, char **message,
           guint *delay_ms, gpointer user_data)
{
  if (auth && JSON_NODE_HOLDS_OBJECT (auth) && json_object_has_member (json_node_get_object (auth), "deny")) {
    *code = g_strdup ("no-entry");
    *message = g_strdup ("denied by the test");
    return FALSE;
  }
  return TRUE;
}

static void
on_connected (McSioServer *sio, McSioServerClient *client, gpointer user_data)
{
  Fixture *f = user_data;

  f->client = client;
  event_log_add (f->log, "connected");
}

static void
on_ack (McSioServerClient *client, JsonArray *args, gpointer user_data)
{
  Fixture *f = user_data;
  g_autoptr (JsonNode) node = NULL;
  g_autofree char *text = NULL;

  if (args == NULL) {
    event_log_add (f->log, "ack null");
    return;
  }
  node = json_node_init_array (json_node_alloc (), args);
  text = mc_json_encode (node);
  event_log_add (f->log, "ack %s", text);
}

/* "ask" makes the server emit "question" and wait 100 ms for the ack;
 * "kick" disconnects the client; anything with an ack id is acked with its
 * arguments. */
static void
on_event (McSioServer *sio, McSioServerClient *client, const char *name, JsonArray *args, gint64 ack_id,
          gpointer user_data)
{
  Fixture *f = user_data;

  event_log_add (f->log, "event %s", name);
  if (g_str_equal (name, "ask")) {
    mc_sio_server_client_emit_with_ack (client, "question", NULL, 100, on_ack, f);
  } else if (g_str_equal (name, "kick")) {
    mc_sio_server_client_disconnect (client, "asked to be kicked");
  } else if (ack_id != MC_SIO_NO_ACK) {
    g_autoptr (JsonNode) node = json_node_init_array (json_node_alloc (), args);
    mc_sio_server_client_ack (client, ack_id, node);
  }
}

static void
on_refused (McSioServer *sio, McSioServerClient *client, McSioRefusal why, const char *message, gint64 ack_id,
            gpointer user_data)
{
  g_assert_nonnull (message);
  event_log_add (((Fixture *) user_data)->log, "refused %d ack %" G_GINT64_FORMAT, why, ack_id);
}

static void
on_disconnected (McSioServer *sio, McSioServerClient *client, const char *reason, gpointer user_data)
{
  event_log_add (((Fixture *) user_data)->log, "disconnected %s", reason);
}

static void
fixture_start (Fixture *f, guint rate_limit, guint connect_timeout_ms)
{
  static const McSioServerEvents events = {
    .authorize = authorize, .connected = on_connected, .event = on_event, .refused = on_refused,
    .disconnected = on_disconnected,
  };
  McSioServerConfig cfg;

  f->log = g_ptr_array_new_with_free_func (g_free);
  f->http = test_http_new (&f->port);
  mc_sio_server_config_init (&cfg);
  /* A 50 ms heartbeat tick, so that the connect timeout is met promptly. */
  cfg.eio.ping_interval_ms = 400;
  cfg.eio.ping_timeout_ms = 400;
  cfg.rate_limit = rate_limit;
  cfg.connect_timeout_ms = connect_timeout_ms;
  f->sio = mc_sio_server_new (mc_server_http_get_soup (f->http), "/socket.io", &cfg, &events, f);
  f->session = new_session ();
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  fixture_start (f, 0, 45000);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_clear_pointer (&f->sio, mc_sio_server_free);
  g_clear_pointer (&f->http, mc_server_http_free);
  g_clear_object (&f->session);
  drain ();
  g_ptr_array_unref (f->log);
}

/* A raw client connected to "/". */
static RawClient *
connect_client (Fixture *f)
{
  RawClient *c = raw_open (f->session, f->port, FALSE);

  soup_websocket_connection_send_text (c->ws, "40");
  expect_frame (c, "40{\"sid\":\"", 0);
  return c;
}

static void
test_connect (Fixture *f, gconstpointer data)
{
  RawClient *c = raw_open (f->session, f->port, FALSE);
  const char *answer;

  soup_websocket_connection_send_text (c->ws, "40/admin,");
  expect_frame (c, "44/admin,{\"message\":\"Invalid namespace\"}", 0);
  soup_websocket_connection_send_text (c->ws, "40{\"deny\":true}");
  expect_frame (c, "44{\"message\":\"denied by the test\",\"data\":{\"code\":\"no-entry\"}}", 0);
  g_assert_cmpuint (f->log->len, ==, 0);
  soup_websocket_connection_send_text (c->ws, "40{}");
  answer = expect_frame (c, "40{\"sid\":\"", 0);
  event_log_wait (f->log, "connected");
  g_assert_nonnull (strstr (answer, mc_sio_server_client_get_id (f->client)));
  g_assert_cmpstr (mc_sio_server_client_get_transport (f->client), ==, "websocket");
  g_assert_true (g_str_has_prefix (mc_sio_server_client_get_remote (f->client), "127.0.0.1:"));
  g_assert_cmpuint (mc_sio_server_get_n_sessions (f->sio), ==, 1);
  raw_free (c);
}

static void
test_acks (Fixture *f, gconstpointer data)
{
  RawClient *c = connect_client (f);
  const char *question;
  guint mark;

  soup_websocket_connection_send_text (c->ws, "427[\"echo\",1,\"two\"]");
  expect_frame (c, "437[[1,\"two\"]]", 0);
  g_assert_cmpstr (g_ptr_array_index (f->log, 1), ==, "event echo");

  /* The server asks; the client answers. */
  soup_websocket_connection_send_text (c->ws, "42[\"ask\"]");
  question = expect_frame (c, "420[\"question\"]", 0);
  g_assert_nonnull (question);
  soup_websocket_connection_send_text (c->ws, "430[\"yes\"]");
  event_log_wait (f->log, "ack [\"yes\"]");
  /* It asks again and gets nothing: the timeout answers NULL. */
  mark = c->frames->len;
  soup_websocket_connection_send_text (c->ws, "42[\"ask\"]");
  expect_frame (c, "421[\"question\"]", mark);
  event_log_wait (f->log, "ack null");
  /* A late answer is for nothing we wait for: ignored, still connected. */
  soup_websocket_connection_send_text (c->ws, "431[\"late\"]");
  soup_websocket_connection_send_text (c->ws, "425[\"echo\"]");
  expect_frame (c, "435[[]]", mark);
  raw_free (c);
}

static void
test_refusals (Fixture *f, gconstpointer data)
{
  RawClient *c;
  g_autoptr (GBytes) attachment = g_bytes_new ("\x00\x01", 2);

  fixture_start (f, 2, 45000);
  c = connect_client (f);
  /* Binary: refused once its attachment is in, with the event's ack id. */
  soup_websocket_connection_send_text (c->ws, "451-3[\"file\",{\"_placeholder\":true,\"num\":0}]");
  soup_websocket_connection_send_message (c->ws, SOUP_WEBSOCKET_DATA_BINARY, attachment);
  event_log_wait (f->log, "refused 1 ack 3");
  /* A burst of twice the rate passes (the bucket starts full); then refusals. */
  for (int i = 0; i < 6; i++)
    soup_websocket_connection_send_text (c->ws, "429[\"spam\"]");
  event_log_wait (f->log, "refused 0 ack 9");
  g_assert_false (c->closed);
  g_assert_false (event_logged (f->log, "disconnected parse error"));
  raw_free (c);
}

/* Never CONNECTing costs the session after connect_timeout; a Socket.IO
 * DISCONNECT keeps the session, only for that long. */
static void
test_connect_timeout (Fixture *f, gconstpointer data)
{
  RawClient *idle;
  RawClient *leaving;

  fixture_start (f, 0, 100);
  idle = raw_open (f->session, f->port, FALSE);
  leaving = connect_client (f);
  soup_websocket_connection_send_text (leaving->ws, "41");
  event_log_wait (f->log, "disconnected client namespace disconnect");
  iterate_until (raw_is_closed, idle, "the session that never connected to close");
  iterate_until (raw_is_closed, leaving, "the session that left to close");
  g_assert_cmpuint (mc_sio_server_get_n_sessions (f->sio), ==, 0);
  raw_free (idle);
  raw_free (leaving);
}

static void
test_kick (Fixture *f, gconstpointer data)
{
  RawClient *c = connect_client (f);

  soup_websocket_connection_send_text (c->ws, "42[\"kick\"]");
  expect_frame (c, "41", 0);
  event_log_wait (f->log, "disconnected server namespace disconnect");
  iterate_until (raw_is_closed, c, "the kicked client's websocket to close");
  raw_free (c);
}

/* Faults disconnect: a server-only packet, and an event before CONNECT. */
static void
test_faults (Fixture *f, gconstpointer data)
{
  RawClient *c = connect_client (f);
  RawClient *early = raw_open (f->session, f->port, FALSE);

  soup_websocket_connection_send_text (c->ws, "44{\"message\":\"x\"}");
  event_log_wait (f->log, "disconnected parse error");
  soup_websocket_connection_send_text (early->ws, "42[\"hi\"]");
  iterate_until (raw_is_closed, early, "the client that skipped CONNECT to be dropped");
  iterate_until (raw_is_closed, c, "the client that sent CONNECT_ERROR to be dropped");
  raw_free (c);
  raw_free (early);
}

/* Freed while the server waits for an ack: the ack gets its NULL answer,
 * the application no disconnected callback. */
static void
test_free_pending_ack (Fixture *f, gconstpointer data)
{
  RawClient *c = connect_client (f);

  mc_sio_server_client_emit_with_ack (f->client, "question", NULL, 0, on_ack, f);
  expect_frame (c, "420[\"question\"]", 0);
  g_clear_pointer (&f->sio, mc_sio_server_free);
  g_assert_true (event_logged (f->log, "ack null"));
  g_assert_false (event_logged (f->log, "disconnected server shutting down"));
  iterate_until (raw_is_closed, c, "the websocket to close");
  raw_free (c);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  mc_log_init ();
#define ADD(path, fn) g_test_add ("/sio-server/" path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
#define ADD_BARE(path, fn) g_test_add ("/sio-server/" path, Fixture, NULL, NULL, fn, fixture_teardown)
  ADD ("connect", test_connect);
  ADD ("acks", test_acks);
  ADD_BARE ("refusals", test_refusals);
  ADD_BARE ("connect-timeout", test_connect_timeout);
  ADD ("kick", test_kick);
  ADD ("faults", test_faults);
  ADD ("free-pending-ack", test_free_pending_ack);
  return g_test_run ();
}

/* The Engine.IO server (eio_server.h) under its own events table, apart
 * from Socket.IO: what reaches the upper layer on websocket and polling
 * sessions, the order of opened/closed/data destroy, deadlines, the
 * heartbeat, faults, a polling session closed with messages still queued,
 * max_clients, and freeing with sessions open. */
#include "meshcall/server/eio_server.h"
#include "meshcall/base/log.h"
#include "eio_test_client.h"

typedef struct {
  McServerHttp *http;
  McEioServer *eio;
  SoupSession *session;
  guint port;
  GPtrArray *log;       /* char*: "N open", "N msg t:TEXT", "N msg b:LEN", "N deadline", "N closed:REASON", "N destroy" */
  guint n_opened;
  McEioSession *last;   /* the session opened last (borrowed) */
} Fixture;

typedef struct {
  Fixture *f;
  guint n;
} SessionData;

static void
session_data_free (SessionData *d)
{
  event_log_add (d->f->log, "%u destroy", d->n);
  g_free (d);
}

static guint
session_n (McEioSession *s)
{
  return ((SessionData *) mc_eio_session_get_data (s))->n;
}

static void
on_opened (McEioServer *eio, McEioSession *s, gpointer user_data)
{
  Fixture *f = user_data;
  SessionData *d = g_new0 (SessionData, 1);

  d->f = f;
  d->n = ++f->n_opened;
  mc_eio_session_set_data (s, d, (GDestroyNotify) session_data_free);
  f->last = s;
  event_log_add (f->log, "%u open", d->n);
}

/* Text messages double as commands: "echo:X" sends X back, "close" closes
 * the session, "deadline:MS" sets a deadline and "nodeadline" clears it. */
static void
on_message (McEioServer *eio, McEioSession *s, gboolean binary, const char *data, gsize len, gpointer user_data)
{
  Fixture *f = user_data;

  g_assert_cmpint (data[len], ==, 0);
  if (binary) {
    event_log_add (f->log, "%u msg b:%" G_GSIZE_FORMAT, session_n (s), len);
    return;
  }
  event_log_add (f->log, "%u msg t:%s", session_n (s), data);
  if (g_str_has_prefix (data, "echo:"))
    mc_eio_session_send (s, data + 5);
  else if (g_str_equal (data, "close"))
    mc_eio_session_close (s, "asked to close");
  else if (g_str_has_prefix (data, "deadline:"))
    mc_eio_session_set_deadline (s, (guint) g_ascii_strtoull (data + 9, NULL, 10));
  else if (g_str_equal (data, "nodeadline"))
    mc_eio_session_set_deadline (s, 0);
}

static void
on_deadline (McEioServer *eio, McEioSession *s, gpointer user_data)
{
  event_log_add (((Fixture *) user_data)->log, "%u deadline", session_n (s));
}

static void
on_closed (McEioServer *eio, McEioSession *s, const char *reason, gpointer user_data)
{
  g_assert_false (mc_eio_session_is_open (s));
  event_log_add (((Fixture *) user_data)->log, "%u closed:%s", session_n (s), reason);
}

/* Heartbeat times decide the tick (an eighth of the shorter one, at least
 * 10 ms): 400 ms gives deadlines a 50 ms resolution. */
static void
fixture_start (Fixture *f, guint ping_interval_ms, guint ping_timeout_ms, guint max_clients)
{
  static const McEioServerEvents events = {
    .opened = on_opened, .message = on_message, .deadline = on_deadline, .closed = on_closed,
  };
  McEioServerConfig cfg;

  f->log = g_ptr_array_new_with_free_func (g_free);
  f->http = test_http_new (&f->port);
  mc_eio_server_config_init (&cfg);
  cfg.ping_interval_ms = ping_interval_ms;
  cfg.ping_timeout_ms = ping_timeout_ms;
  cfg.max_clients = max_clients;
  f->eio = mc_eio_server_new (mc_server_http_get_soup (f->http), "/socket.io", &cfg, &events, f);
  f->session = new_session ();
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  fixture_start (f, 400, 400, 0);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_clear_pointer (&f->eio, mc_eio_server_free);
  g_clear_pointer (&f->http, mc_server_http_free);
  g_clear_object (&f->session);
  drain ();
  g_ptr_array_unref (f->log);
}

static void
test_websocket (Fixture *f, gconstpointer data)
{
  RawClient *c = raw_open (f->session, f->port, FALSE);
  g_autoptr (GBytes) bin = g_bytes_new ("\x01\x02\x03", 3);

  event_log_wait (f->log, "1 open");
  g_assert_cmpstr (mc_eio_session_get_transport (f->last), ==, "websocket");
  g_assert_cmpuint (mc_eio_server_get_n_sessions (f->eio), ==, 1);
  soup_websocket_connection_send_text (c->ws, "4hello");
  soup_websocket_connection_send_message (c->ws, SOUP_WEBSOCKET_DATA_BINARY, bin);
  soup_websocket_connection_send_text (c->ws, "4echo:back");
  expect_frame (c, "4back", 0);
  g_assert_cmpint (event_log_index (f->log, "1 msg t:hello"), ==, 1);
  g_assert_cmpint (event_log_index (f->log, "1 msg b:3"), ==, 2);
  g_assert_cmpint (event_log_index (f->log, "1 msg t:echo:back"), ==, 3);

  /* A close packet: closed, then (last ref gone) the data. */
  soup_websocket_connection_send_text (c->ws, "1");
  event_log_wait (f->log, "1 destroy");
  g_assert_cmpint (event_log_index (f->log, "1 closed:transport close"), ==, 4);
  g_assert_cmpint (event_log_index (f->log, "1 destroy"), ==, 5);
  g_assert_cmpuint (mc_eio_server_get_n_sessions (f->eio), ==, 0);
  iterate_until (raw_is_closed, c, "the websocket to close");
  raw_free (c);
}

/* Packets a client may not send close its session, one reason each. */
static void
test_faults (Fixture *f, gconstpointer data)
{
  RawClient *bad_type = raw_open (f->session, f->port, FALSE);
  RawClient *pinger = raw_open (f->session, f->port, FALSE);

  soup_websocket_connection_send_text (bad_type->ws, "9x");
  soup_websocket_connection_send_text (pinger->ws, "2");
  event_log_wait (f->log, "1 closed:parse error");
  event_log_wait (f->log, "2 closed:transport error");
  iterate_until (raw_is_closed, bad_type, "the undecodable session to close");
  iterate_until (raw_is_closed, pinger, "the pinging session to close");
  raw_free (bad_type);
  raw_free (pinger);
}

/* Pongs keep a session; a client that never answers is dropped. */
static void
test_heartbeat (Fixture *f, gconstpointer data)
{
  RawClient *alive;
  RawClient *mute;
  guint pings = 0;

  /* Pings every 30 ms; half a second to answer, plenty even under valgrind. */
  fixture_start (f, 30, 500, 0);
  alive = raw_open (f->session, f->port, FALSE);
  mute = raw_open (f->session, f->port, TRUE);
  event_log_wait (f->log, "2 closed:ping timeout");
  for (guint i = 0; pings < 3; i = alive->frames->len) {
    expect_frame (alive, "2", i);
    pings = 0;
    for (guint j = 0; j < alive->frames->len; j++)
      pings += g_str_equal (g_ptr_array_index (alive->frames, j), "2");
  }
  g_assert_false (event_logged (f->log, "1 closed:ping timeout"));
  g_assert_false (alive->closed);
  raw_free (alive);
  raw_free (mute);
}

static void
test_deadline (Fixture *f, gconstpointer data)
{
  RawClient *a = raw_open (f->session, f->port, FALSE);
  RawClient *b = raw_open (f->session, f->port, FALSE);

  soup_websocket_connection_send_text (a->ws, "4deadline:30");
  soup_websocket_connection_send_text (a->ws, "4nodeadline");
  event_log_wait (f->log, "1 msg t:nodeadline");
  soup_websocket_connection_send_text (b->ws, "4deadline:60");
  event_log_wait (f->log, "2 deadline");
  /* a's would have come first; and a deadline alone closes nothing. */
  g_assert_false (event_logged (f->log, "1 deadline"));
  g_assert_true (mc_eio_session_is_open (f->last));
  g_assert_cmpuint (mc_eio_server_get_n_sessions (f->eio), ==, 2);
  mc_eio_session_close (f->last, "the test is done");
  event_log_wait (f->log, "2 closed:the test is done");
  raw_free (a);
  raw_free (b);
}

/* A polling session: messages up, a queued one down, and what a session
 * closed by the server still had queued comes with the next poll, then the
 * close packet, then the sid is unknown. */
static void
test_polling (Fixture *f, gconstpointer data)
{
  guint status;
  g_autofree char *open = NULL;
  g_autofree char *sid = NULL;
  g_autofree char *path = NULL;
  g_autofree char *ok = NULL;
  g_autofree char *got = NULL;
  g_autofree char *ok2 = NULL;
  g_autofree char *left = NULL;
  g_autofree char *last = NULL;
  g_autofree char *gone = NULL;

  /* No ping may slip into the polls compared below. */
  fixture_start (f, 20000, 20000, 0);
  open = http (f->session, "GET", f->port, "/socket.io/?EIO=4&transport=polling", NULL, &status);
  sid = polling_sid (open);
  path = g_strdup_printf ("/socket.io/?EIO=4&transport=polling&sid=%s", sid);
  ok = http (f->session, "POST", f->port, path, "4a\x1e" "4echo:x", &status);

  g_assert_cmpstr (ok, ==, "ok");
  g_assert_true (event_logged (f->log, "1 open"));
  g_assert_cmpstr (mc_eio_session_get_id (f->last), ==, sid);
  g_assert_cmpstr (mc_eio_session_get_transport (f->last), ==, "polling");
  g_assert_cmpint (event_log_index (f->log, "1 msg t:a"), ==, 1);
  g_assert_cmpint (event_log_index (f->log, "1 msg t:echo:x"), ==, 2);
  got = http (f->session, "GET", f->port, path, NULL, &status);
  g_assert_cmpstr (got, ==, "4x");

  ok2 = http (f->session, "POST", f->port, path, "4echo:bye\x1e" "4close\x1e" "4never", &status);
  g_assert_cmpstr (ok2, ==, "ok");
  g_assert_true (event_logged (f->log, "1 closed:asked to close"));
  g_assert_false (event_logged (f->log, "1 msg t:never"));   /* nothing after the close */
  left = http (f->session, "GET", f->port, path, NULL, &status);
  g_assert_cmpstr (left, ==, "4bye");
  last = http (f->session, "GET", f->port, path, NULL, &status);
  g_assert_cmpstr (last, ==, "1");
  gone = http (f->session, "GET", f->port, path, NULL, &status);
  g_assert_cmpuint (status, ==, 400);
  g_assert_cmpstr (gone, ==, "{\"code\":1,\"message\":\"Session ID unknown\"}");
}

static void
test_max_clients (Fixture *f, gconstpointer data)
{
  RawClient *c;
  guint status;
  g_autofree char *refused = NULL;

  fixture_start (f, 20000, 20000, 1);
  c = raw_open (f->session, f->port, FALSE);
  refused = http (f->session, "GET", f->port, "/socket.io/?EIO=4&transport=polling", NULL, &status);
  g_assert_cmpuint (status, ==, 403);
  g_assert_cmpstr (refused, ==, "{\"code\":4,\"message\":\"Forbidden\"}");
  g_assert_cmpuint (f->n_opened, ==, 1);
  raw_free (c);
}

/* Freeing with a websocket and a polling session open: both closed with
 * their reason and freed; the websocket client sees the close. */
static void
test_free_open (Fixture *f, gconstpointer data)
{
  RawClient *c = raw_open (f->session, f->port, FALSE);
  guint status;
  g_autofree char *open = http (f->session, "GET", f->port, "/socket.io/?EIO=4&transport=polling", NULL, &status);

  g_assert_cmpuint (status, ==, 200);
  g_clear_pointer (&f->eio, mc_eio_server_free);
  g_assert_true (event_logged (f->log, "1 closed:server shutting down"));
  g_assert_true (event_logged (f->log, "2 closed:server shutting down"));
  g_assert_true (event_logged (f->log, "1 destroy"));
  g_assert_true (event_logged (f->log, "2 destroy"));
  iterate_until (raw_is_closed, c, "the websocket to close");
  raw_free (c);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  mc_log_init ();
#define ADD(path, fn) g_test_add ("/eio-server/" path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
#define ADD_BARE(path, fn) g_test_add ("/eio-server/" path, Fixture, NULL, NULL, fn, fixture_teardown)
  ADD ("websocket", test_websocket);
  ADD ("faults", test_faults);
  ADD_BARE ("heartbeat", test_heartbeat);
  ADD ("deadline", test_deadline);
  ADD_BARE ("polling", test_polling);
  ADD_BARE ("max-clients", test_max_clients);
  ADD ("free-open", test_free_open);
  return g_test_run ();
}

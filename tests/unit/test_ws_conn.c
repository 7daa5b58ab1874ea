/* The epoll websocket transport under `meshcall serve` (ws_conn.c): real
 * connections over a socket pair driven by client frames (messages,
 * fragments, ping, the close handshake, protocol violations, the send path).
 * The frame codec itself is tested in test_ws_frame.c. */
#include "meshcall/base/log.h"
#include "meshcall/server/ws_conn.h"

#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* A masked client frame (mask key 1,2,3,4); first is the first header byte. */
static GByteArray *
client_frame (guint8 first, const void *payload, gsize len)
{
  static const guint8 mask[4] = { 1, 2, 3, 4 };
  GByteArray *f = g_byte_array_new ();
  guint8 h[MC_WS_FRAME_MAX_HEADER];
  gsize hlen = mc_ws_frame_encode_header (h, (first & 0x80) != 0, first & 0x0f, len, mask);

  g_byte_array_append (f, h, (guint) hlen);
  g_byte_array_append (f, payload, (guint) len);
  mc_ws_frame_mask (f->data + hlen, len, mask);
  return f;
}

/* ---- real connections over a socket pair ------------------------------------ */

typedef struct {
  McWsConnLoop *loop;
  McWsConn *ws;
  int peer;                 /* the client's end */
  GPtrArray *messages;      /* char* ("t:..." or "b:...") */
  gboolean closed;
  char *error;
} Fixture;

static void
on_message (McWsConn *ws, gboolean binary, const char *data, gsize len, gpointer user_data)
{
  Fixture *f = user_data;

  g_assert_cmpint (data[len], ==, 0);
  g_ptr_array_add (f->messages, g_strdup_printf ("%c:%s", binary ? 'b' : 't', data));
  if (g_str_equal (data, "echo"))
    mc_ws_conn_send_text (ws, "echoed", 6);
  if (g_str_equal (data, "bye"))
    mc_ws_conn_close (ws, MC_WS_CLOSE_NORMAL, "bye");
}

static void
on_closed (McWsConn *ws, const char *error, gpointer user_data)
{
  Fixture *f = user_data;

  g_assert_false (f->closed);
  f->closed = TRUE;
  f->error = g_strdup (error);
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  int sv[2];
  g_autoptr (GSocket) socket = NULL;
  g_autoptr (GSocketConnection) conn = NULL;
  g_autoptr (GError) error = NULL;
  static const McWsConnEvents events = { .message = on_message, .closed = on_closed };

  g_assert_cmpint (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), ==, 0);
  socket = g_socket_new_from_fd (sv[0], &error);
  g_assert_no_error (error);
  conn = g_socket_connection_factory_create_connection (socket);
  f->peer = sv[1];
  f->messages = g_ptr_array_new_with_free_func (g_free);
  f->loop = mc_ws_conn_loop_new (NULL);
  f->ws = mc_ws_conn_new (f->loop, G_IO_STREAM (conn), 1024, &error);
  g_assert_no_error (error);
  mc_ws_conn_set_events (f->ws, &events, f);
  g_assert_cmpuint (mc_ws_conn_loop_get_n_connections (f->loop), ==, 1);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_clear_pointer (&f->ws, mc_ws_conn_unref);
  mc_ws_conn_loop_free (f->loop);
  close (f->peer);
  g_ptr_array_unref (f->messages);
  g_free (f->error);
}

static void
peer_send (Fixture *f, guint8 first, const void *payload, gsize len)
{
  g_autoptr (GByteArray) frame = client_frame (first, payload, len);

  g_assert_cmpint (write (f->peer, frame->data, frame->len), ==, (gssize) frame->len);
}

static gboolean
is_true (gpointer data)
{
  return *(gboolean *) data;
}

/* Iterates the default context until cond (or 5 s). */
static void
spin_until (GSourceFunc cond, gpointer data)
{
  gint64 end = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;

  while (!cond (data) && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE), g_usleep (500);
  g_assert_true (cond (data));
}

static void
spin_messages (Fixture *f, guint n)
{
  gint64 end = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;

  while (f->messages->len < n && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE), g_usleep (500);
  g_assert_cmpuint (f->messages->len, ==, n);
}

/* Reads one unmasked server frame from the peer end (blocking). */
static guint8
peer_read_frame (Fixture *f, char *payload, gsize max, gsize *len)
{
  guint8 h[4];
  gsize plen;

  g_assert_cmpint (read (f->peer, h, 2), ==, 2);
  g_assert_cmpint (h[1] & 0x80, ==, 0);   /* servers do not mask */
  plen = h[1] & 0x7f;
  if (plen == 126) {
    g_assert_cmpint (read (f->peer, h + 2, 2), ==, 2);
    plen = ((gsize) h[2] << 8) | h[3];
  }
  g_assert_cmpuint (plen, <=, max);
  for (gsize got = 0; got < plen;) {
    ssize_t n = read (f->peer, payload + got, plen - got);
    g_assert_cmpint (n, >, 0);
    got += (gsize) n;
  }
  *len = plen;
  return h[0];
}

static void
test_messages (Fixture *f, gconstpointer data)
{
  char buf[256];
  gsize len;
  guint8 h;

  peer_send (f, 0x81, "hello", 5);
  peer_send (f, 0x82, "\x01\x02", 2);
  /* A fragmented text message with a ping in the middle. */
  peer_send (f, 0x01, "frag", 4);
  peer_send (f, 0x89, "p", 1);
  peer_send (f, 0x80, "mented", 6);
  peer_send (f, 0x81, "echo", 4);
  spin_messages (f, 4);
  g_assert_cmpstr (g_ptr_array_index (f->messages, 0), ==, "t:hello");
  g_assert_cmpstr (g_ptr_array_index (f->messages, 1), ==, "b:\x01\x02");
  g_assert_cmpstr (g_ptr_array_index (f->messages, 2), ==, "t:fragmented");
  g_assert_cmpstr (g_ptr_array_index (f->messages, 3), ==, "t:echo");

  h = peer_read_frame (f, buf, sizeof buf, &len);
  g_assert_cmpint (h, ==, 0x8A);   /* pong, same payload */
  g_assert_cmpmem (buf, len, "p", 1);
  h = peer_read_frame (f, buf, sizeof buf, &len);
  g_assert_cmpint (h, ==, 0x81);
  g_assert_cmpmem (buf, len, "echoed", 6);

  /* A 200-byte message goes out with a 16-bit length. */
  memset (buf, 'x', 200);
  mc_ws_conn_send_text (f->ws, buf, 200);
  h = peer_read_frame (f, buf, sizeof buf, &len);
  g_assert_cmpint (h, ==, 0x81);
  g_assert_cmpuint (len, ==, 200);
  g_assert_true (mc_ws_conn_is_open (f->ws));
  g_assert_false (f->closed);
}

static void
test_client_closes (Fixture *f, gconstpointer data)
{
  char buf[256];
  gsize len;

  peer_send (f, 0x88, "\x03\xe8", 2);
  spin_until (is_true, &f->closed);
  g_assert_null (f->error);
  /* The server answered the close and closed the connection. */
  g_assert_cmpint (peer_read_frame (f, buf, sizeof buf, &len), ==, 0x88);
  g_assert_cmpmem (buf, len, "\x03\xe8", 2);
  g_assert_cmpint (read (f->peer, buf, 1), ==, 0);
  g_assert_false (mc_ws_conn_is_open (f->ws));
  g_assert_cmpuint (mc_ws_conn_loop_get_n_connections (f->loop), ==, 0);
}

static void
test_server_closes (Fixture *f, gconstpointer data)
{
  char buf[256];
  gsize len;

  peer_send (f, 0x81, "bye", 3);
  spin_messages (f, 1);
  g_assert_false (mc_ws_conn_is_open (f->ws));
  g_assert_cmpint (peer_read_frame (f, buf, sizeof buf, &len), ==, 0x88);
  g_assert_cmpmem (buf, len, "\x03\xe8" "bye", 5);
  /* Sends after close are dropped; the client's answer ends it. */
  mc_ws_conn_send_text (f->ws, "late", 4);
  peer_send (f, 0x88, "\x03\xe8", 2);
  spin_until (is_true, &f->closed);
  g_assert_null (f->error);
  g_assert_cmpint (read (f->peer, buf, 1), ==, 0);
}

static void
test_eof (Fixture *f, gconstpointer data)
{
  peer_send (f, 0x81, "hi", 2);
  shutdown (f->peer, SHUT_WR);
  spin_until (is_true, &f->closed);
  g_assert_null (f->error);
  g_assert_cmpuint (f->messages->len, ==, 1);
}

static void
expect_violation (Fixture *f, guint16 code)
{
  char buf[256];
  gsize len;

  spin_until (is_true, &f->closed);
  g_assert_nonnull (f->error);
  g_assert_cmpint (peer_read_frame (f, buf, sizeof buf, &len), ==, 0x88);
  g_assert_cmpuint (len, >=, 2);
  g_assert_cmpint (((guint8) buf[0] << 8) | (guint8) buf[1], ==, code);
  g_assert_cmpuint (f->messages->len, ==, 0);
}

static void
test_bad_utf8 (Fixture *f, gconstpointer data)
{
  peer_send (f, 0x81, "\xff\xfe", 2);
  expect_violation (f, MC_WS_CLOSE_BAD_DATA);
}

static void
test_too_big (Fixture *f, gconstpointer data)
{
  g_autofree char *big = g_malloc0 (2000);

  peer_send (f, 0x82, big, 2000);
  expect_violation (f, MC_WS_CLOSE_TOO_BIG);
}

static void
test_too_big_fragmented (Fixture *f, gconstpointer data)
{
  g_autofree char *big = g_malloc0 (600);

  peer_send (f, 0x02, big, 600);
  peer_send (f, 0x80, big, 600);
  expect_violation (f, MC_WS_CLOSE_TOO_BIG);
}

static void
test_unmasked (Fixture *f, gconstpointer data)
{
  g_assert_cmpint (write (f->peer, "\x81\x02hi", 4), ==, 4);
  expect_violation (f, MC_WS_CLOSE_PROTOCOL_ERROR);
}

static void
test_bad_continuation (Fixture *f, gconstpointer data)
{
  peer_send (f, 0x80, "x", 1);
  expect_violation (f, MC_WS_CLOSE_PROTOCOL_ERROR);
}

/* Freeing the loop with a connection open and one closing: no callbacks, no leaks. */
static void
test_loop_free_open (Fixture *f, gconstpointer data)
{
  mc_ws_conn_close (f->ws, MC_WS_CLOSE_NORMAL, NULL);
  g_clear_pointer (&f->ws, mc_ws_conn_unref);
  g_assert_cmpuint (mc_ws_conn_loop_get_n_connections (f->loop), ==, 1);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  mc_log_init ();
#define ADD(path, fn) g_test_add ("/ws-conn/" path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
  ADD ("messages", test_messages);
  ADD ("client-closes", test_client_closes);
  ADD ("server-closes", test_server_closes);
  ADD ("eof", test_eof);
  ADD ("bad-utf8", test_bad_utf8);
  ADD ("too-big", test_too_big);
  ADD ("too-big-fragmented", test_too_big_fragmented);
  ADD ("unmasked", test_unmasked);
  ADD ("bad-continuation", test_bad_continuation);
  ADD ("loop-free-open", test_loop_free_open);
  return g_test_run ();
}

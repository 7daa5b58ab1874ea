/* Server-side websockets on one epoll set (see ws_conn.h for why). */
#include "meshcall/server/ws_conn.h"
#include "meshcall/base/log.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#define MC_LOG_CATEGORY (&mc_log_server)

#define READ_CHUNK (16 * 1024)
#define READ_BUDGET (256 * 1024)      /* per connection per wakeup, so one client cannot starve the rest */
#define OUT_LIMIT (4 * 1024 * 1024)   /* unsent bytes before a client counts as not reading */
#define CLOSE_TIMEOUT_MS 5000
#define MAX_EVENTS 256

typedef enum { WS_OPEN, WS_CLOSING, WS_CLOSED } WsState;

struct _McWsConn {
  gint ref;
  McWsConnLoop *loop;
  GIOStream *stream;        /* what libsoup handed over; kept so nothing below closes early */
  GSocket *socket;
  int fd;
  GPollableInputStream *tls_in;    /* a TLS connection's streams (NULL: plain, the socket is read directly) */
  GPollableOutputStream *tls_out;
  WsState state;
  gsize max_payload;
  McWsConnEvents events;
  gpointer user_data;

  GByteArray *in;           /* received, not yet parsed; NULL when empty (idle clients hold no buffer) */
  GByteArray *frag;         /* a fragmented message being assembled */
  McWsFrameSeq seq;         /* where the client's frames stand in their message */
  GByteArray *out;          /* not yet written, from out_off */
  gsize out_off;
  gboolean want_out;        /* EPOLLOUT registered */
  gboolean close_sent;
  gboolean close_received;
  gboolean doomed;          /* finish at the next dispatch */
  char *error;
  GSource *close_timeout;
};

struct _McWsConnLoop {
  GSource source;
  int epfd;
  gpointer tag;
  GHashTable *conns;        /* McWsConn* -> the loop's ref */
  guint8 scratch[READ_CHUNK + 1];  /* every recv lands here first; +1 for deliver()'s NUL */
  GPtrArray *pending;       /* McWsConn* (ref) to look at in the next dispatch */
};

static void conn_finish (McWsConn *ws);

/* ---- loop ------------------------------------------------------------------- */

static void
loop_update (McWsConn *ws)
{
  struct epoll_event ev = { .events = EPOLLIN | (ws->want_out ? EPOLLOUT : 0), .data.ptr = ws };

  if (epoll_ctl (ws->loop->epfd, EPOLL_CTL_MOD, ws->fd, &ev) < 0)
    MC_WARNING ("epoll_ctl MOD fd %d: %s", ws->fd, g_strerror (errno));
}

static void
loop_kick (McWsConn *ws)
{
  McWsConnLoop *loop = ws->loop;

  g_ptr_array_add (loop->pending, mc_ws_conn_ref (ws));
  g_source_set_ready_time (&loop->source, 0);
}

/* Marks ws to be finished from the next dispatch (never synchronously: the
 * caller may be walking its clients). */
static void
conn_doom (McWsConn *ws, const char *error)
{
  if (ws->state == WS_CLOSED || ws->doomed)
    return;
  ws->doomed = TRUE;
  if (error && ws->error == NULL)
    ws->error = g_strdup (error);
  loop_kick (ws);
}

/* One write of what is queued: bytes written, 0 when it would block, -1
 * (ws doomed) on an error. A TLS write that would block keeps its record
 * and reports it written by a later call with the same leading bytes,
 * which the queue guarantees. */
static gssize
conn_write_tls (McWsConn *ws)
{
  g_autoptr (GError) error = NULL;
  gssize n = g_pollable_output_stream_write_nonblocking (ws->tls_out, ws->out->data + ws->out_off,
                                                         ws->out->len - ws->out_off, NULL, &error);

  if (n >= 0)
    return n;
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
    return 0;
  MC_INFO ("websocket fd %d: TLS write: %s", ws->fd, error->message);
  conn_doom (ws, NULL);
  return -1;
}

/* Writes what is queued; TRUE when nothing is left. */
static gboolean
conn_flush (McWsConn *ws)
{
  while (ws->out_off < ws->out->len) {
    ssize_t n;

    if (ws->tls_out) {
      n = conn_write_tls (ws);
      if (n < 0)
        return FALSE;
      if (n == 0)
        break;
      ws->out_off += (gsize) n;
      continue;
    }
    n = send (ws->fd, ws->out->data + ws->out_off, ws->out->len - ws->out_off, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK)
        break;
      MC_INFO ("websocket fd %d: send: %s", ws->fd, g_strerror (errno));
      conn_doom (ws, NULL);
      return FALSE;
    }
    ws->out_off += (gsize) n;
  }
  if (ws->out_off == ws->out->len) {
    /* Drained: give back what a backlog made it grow to. */
    g_byte_array_unref (ws->out);
    ws->out = g_byte_array_new ();
    ws->out_off = 0;
    if (ws->want_out) {
      ws->want_out = FALSE;
      loop_update (ws);
    }
    return TRUE;
  }
  if (!ws->want_out) {
    ws->want_out = TRUE;
    loop_update (ws);
  }
  return FALSE;
}

static void
conn_send_frame (McWsConn *ws, McWsOpcode opcode, gconstpointer data, gsize len)
{
  guint8 header[MC_WS_FRAME_MAX_HEADER];
  gsize hlen = mc_ws_frame_encode_header (header, TRUE, opcode, len, NULL);
  gsize done = 0;

  if (ws->state == WS_CLOSED || ws->doomed || ws->close_sent)
    return;
  /* TLS: through the queue (a record is made of one contiguous write). */
  if (ws->out->len == ws->out_off && ws->tls_out == NULL) {
    /* Nothing queued: straight to the socket, header and payload in one call. */
    struct iovec iov[2] = { { header, hlen }, { (void *) data, len } };
    struct msghdr mh = { .msg_iov = iov, .msg_iovlen = len ? 2 : 1 };
    ssize_t n;

    do
      n = sendmsg (ws->fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
    while (n < 0 && errno == EINTR);
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
      MC_INFO ("websocket fd %d: send: %s", ws->fd, g_strerror (errno));
      conn_doom (ws, NULL);
      return;
    }
    done = n < 0 ? 0 : (gsize) n;
    if (done == hlen + len)
      return;
  }
  if (done < hlen)
    g_byte_array_append (ws->out, header + done, hlen - done);
  g_byte_array_append (ws->out, (const guint8 *) data + (done > hlen ? done - hlen : 0),
                       len - (done > hlen ? done - hlen : 0));
  if (ws->out->len - ws->out_off > OUT_LIMIT) {
    conn_doom (ws, "client does not read (send buffer full)");
    return;
  }
  conn_flush (ws);
}

static void
conn_send_close (McWsConn *ws, guint16 code, const char *reason)
{
  guint8 payload[MC_WS_FRAME_MAX_CONTROL];

  conn_send_frame (ws, MC_WS_OP_CLOSE, payload, mc_ws_frame_close_payload (payload, code, reason));
  ws->close_sent = TRUE;
}

static gboolean
close_timeout_cb (gpointer data)
{
  McWsConn *ws = data;

  g_clear_pointer (&ws->close_timeout, g_source_unref);
  conn_doom (ws, NULL);
  return G_SOURCE_REMOVE;
}

static void
conn_protocol_error (McWsConn *ws, const McWsFault *fault)
{
  MC_DEBUG ("websocket fd %d: %s", ws->fd, fault->reason);
  if (ws->state == WS_OPEN)
    conn_send_close (ws, fault->code, fault->reason);
  ws->state = WS_CLOSING;
  conn_doom (ws, fault->reason);
}

/* data has a byte to spare after len, for the NUL the callback is promised. */
static void
deliver (McWsConn *ws, McWsOpcode opcode, guint8 *data, gsize len)
{
  guint8 saved = data[len];
  McWsFault fault;

  if (opcode == MC_WS_OP_TEXT && !mc_ws_frame_check_text (data, len, &fault)) {
    conn_protocol_error (ws, &fault);
    return;
  }
  if (ws->state != WS_OPEN || ws->events.message == NULL)
    return;
  data[len] = 0;
  ws->events.message (ws, opcode == MC_WS_OP_BINARY, (const char *) data, len, ws->user_data);
  data[len] = saved;
}

static void
handle_control (McWsConn *ws, McWsOpcode opcode, const guint8 *data, gsize len)
{
  switch (opcode) {
  case MC_WS_OP_CLOSE:
    ws->close_received = TRUE;
    if (!ws->close_sent)
      conn_send_close (ws, mc_ws_frame_close_code (data, len), NULL);
    ws->state = WS_CLOSING;
    /* The server closes the TCP connection once both close frames passed. */
    if (ws->out->len == ws->out_off)
      conn_doom (ws, NULL);
    break;
  case MC_WS_OP_PING:
    if (ws->state == WS_OPEN)
      conn_send_frame (ws, MC_WS_OP_PONG, data, len);
    break;
  default:   /* pong */
    break;
  }
}

/* Parses and delivers every complete frame in buf (which has a spare byte
 * after len); returns the bytes consumed. A single-frame message is
 * delivered where it lies; only fragments are copied. */
static gsize
conn_process (McWsConn *ws, guint8 *buf, gsize len)
{
  gsize pos = 0;

  while (!ws->doomed && ws->state != WS_CLOSED && !ws->close_received) {
    McWsFrame frame;
    McWsFrameStep step;
    McWsFault fault;
    gsize n = mc_ws_frame_next (&ws->seq, buf + pos, len - pos, ws->max_payload, &frame, &step, &fault);
    guint8 *payload;

    if (step == MC_WS_STEP_MORE)
      break;
    if (step == MC_WS_STEP_FAULT) {
      conn_protocol_error (ws, &fault);
      break;
    }
    payload = buf + pos + frame.payload_at;
    pos += n;
    if (step == MC_WS_STEP_CONTROL) {
      handle_control (ws, frame.opcode, payload, frame.payload_len);
    } else if (step == MC_WS_STEP_MESSAGE) {
      deliver (ws, frame.opcode, payload, frame.payload_len);
    } else {
      if (ws->frag == NULL)
        ws->frag = g_byte_array_new ();
      g_byte_array_append (ws->frag, payload, (guint) frame.payload_len);
      if (step == MC_WS_STEP_LAST) {
        g_autoptr (GByteArray) msg = g_steal_pointer (&ws->frag);
        g_byte_array_append (msg, (const guint8 *) "", 1);
        deliver (ws, ws->seq.opcode, msg->data, msg->len - 1);
      }
    }
  }
  return pos;
}

/* Processes bytes that just arrived (in the loop's scratch buffer), after
 * whatever partial frame was left from before. */
static void
conn_feed (McWsConn *ws, guint8 *data, gsize len)
{
  gsize used;

  if (ws->in == NULL) {
    used = conn_process (ws, data, len);
    if (used < len && ws->state != WS_CLOSED) {
      ws->in = g_byte_array_sized_new ((guint) (len - used + 1));
      g_byte_array_append (ws->in, data + used, (guint) (len - used));
    }
    return;
  }
  g_byte_array_append (ws->in, data, (guint) len);
  /* Keep a spare byte after the data (no realloc once there). */
  g_byte_array_set_size (ws->in, ws->in->len + 1);
  g_byte_array_set_size (ws->in, ws->in->len - 1);
  used = conn_process (ws, ws->in->data, ws->in->len);
  if (ws->in == NULL)
    return;
  g_byte_array_remove_range (ws->in, 0, (guint) used);
  if (ws->in->len == 0)
    g_clear_pointer (&ws->in, g_byte_array_unref);
}

/* One read into buf: bytes read, 0 at the end of the stream, -1 when
 * nothing more is there now or on an error (ws doomed). */
static gssize
conn_read_tls (McWsConn *ws, guint8 *buf)
{
  g_autoptr (GError) error = NULL;
  gssize n = g_pollable_input_stream_read_nonblocking (ws->tls_in, buf, READ_CHUNK, NULL, &error);

  if (n >= 0)
    return n;
  if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK)) {
    MC_INFO ("websocket fd %d: TLS read: %s", ws->fd, error->message);
    conn_doom (ws, NULL);
  }
  return -1;
}

static void
conn_read (McWsConn *ws)
{
  guint8 *buf = ws->loop->scratch;
  gsize budget = READ_BUDGET;

  while (budget > 0 && !ws->doomed && ws->state != WS_CLOSED) {
    ssize_t n;

    if (ws->tls_in) {
      /* Read until it would block: decrypted bytes may wait in GnuTLS with the socket quiet. */
      n = conn_read_tls (ws, buf);
      if (n < 0)
        return;
      if (n == 0) {
        conn_doom (ws, NULL);
        return;
      }
      budget -= MIN (budget, (gsize) n);
      if (!ws->close_received)
        conn_feed (ws, buf, (gsize) n);
      continue;
    }
    n = recv (ws->fd, buf, READ_CHUNK, MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) {
        MC_INFO ("websocket fd %d: recv: %s", ws->fd, g_strerror (errno));
        conn_doom (ws, NULL);
      }
      return;
    }
    if (n == 0) {
      conn_doom (ws, NULL);
      return;
    }
    budget -= MIN (budget, (gsize) n);
    if (ws->close_received)
      continue;   /* drain until EOF */
    conn_feed (ws, buf, (gsize) n);
    if ((gsize) n < READ_CHUNK)
      return;
  }
  /* Budget spent with data left: come back next dispatch. */
  if (budget == 0 && ws->state != WS_CLOSED)
    loop_kick (ws);
}

static void
conn_finish (McWsConn *ws)
{
  McWsConnLoop *loop = ws->loop;
  g_autofree char *error = NULL;

  if (ws->state == WS_CLOSED)
    return;
  ws->state = WS_CLOSED;
  error = g_steal_pointer (&ws->error);
  if (ws->close_timeout) {
    g_source_destroy (ws->close_timeout);
    g_clear_pointer (&ws->close_timeout, g_source_unref);
  }
  epoll_ctl (loop->epfd, EPOLL_CTL_DEL, ws->fd, NULL);
  g_socket_close (ws->socket, NULL);
  g_clear_object (&ws->stream);
  if (ws->events.closed)
    ws->events.closed (ws, error, ws->user_data);
  g_hash_table_remove (loop->conns, ws);   /* drops the loop's ref */
}

static void
conn_dispatch (McWsConn *ws, guint32 events)
{
  if (ws->state == WS_CLOSED)
    return;
  if (events & EPOLLOUT) {
    if (conn_flush (ws) && ws->close_received)
      conn_doom (ws, NULL);
  }
  if (events & (EPOLLIN | EPOLLERR | EPOLLHUP))
    conn_read (ws);
}

static gboolean
loop_dispatch (GSource *source, GSourceFunc callback, gpointer user_data)
{
  McWsConnLoop *loop = (McWsConnLoop *) source;
  struct epoll_event events[MAX_EVENTS];
  int n;

  g_source_set_ready_time (source, -1);
  if (loop->pending->len > 0) {
    g_autoptr (GPtrArray) pending = loop->pending;

    loop->pending = g_ptr_array_new_with_free_func ((GDestroyNotify) mc_ws_conn_unref);
    for (guint i = 0; i < pending->len; i++) {
      McWsConn *ws = g_ptr_array_index (pending, i);
      if (ws->doomed)
        conn_finish (ws);
      else if (ws->state != WS_CLOSED) {
        if (ws->in)
          conn_feed (ws, loop->scratch, 0);
        conn_read (ws);
      }
    }
  }
  if (g_source_query_unix_fd (source, loop->tag) == 0)
    return G_SOURCE_CONTINUE;
  n = epoll_wait (loop->epfd, events, MAX_EVENTS, 0);
  /* Refs first: a callback may close any connection, not only its own. */
  for (int i = 0; i < n; i++)
    mc_ws_conn_ref (events[i].data.ptr);
  for (int i = 0; i < n; i++) {
    McWsConn *ws = events[i].data.ptr;
    conn_dispatch (ws, events[i].events);
  }
  for (int i = 0; i < n; i++)
    mc_ws_conn_unref (events[i].data.ptr);
  return G_SOURCE_CONTINUE;
}

static void
loop_finalize (GSource *source)
{
  McWsConnLoop *loop = (McWsConnLoop *) source;

  g_clear_pointer (&loop->pending, g_ptr_array_unref);
  if (loop->epfd >= 0)
    close (loop->epfd);
}

static GSourceFuncs loop_funcs = {
  .dispatch = loop_dispatch,
  .finalize = loop_finalize,
};

McWsConnLoop *
mc_ws_conn_loop_new (GMainContext *context)
{
  McWsConnLoop *loop = (McWsConnLoop *) g_source_new (&loop_funcs, sizeof (McWsConnLoop));

  loop->epfd = epoll_create1 (EPOLL_CLOEXEC);
  loop->conns = g_hash_table_new_full (NULL, NULL, (GDestroyNotify) mc_ws_conn_unref, NULL);
  loop->pending = g_ptr_array_new_with_free_func ((GDestroyNotify) mc_ws_conn_unref);
  if (loop->epfd < 0)
    g_error ("epoll_create1: %s", g_strerror (errno));
  loop->tag = g_source_add_unix_fd (&loop->source, loop->epfd, G_IO_IN);
  g_source_set_name (&loop->source, "mc-ws-conn-loop");
  g_source_attach (&loop->source, context);
  return loop;
}

void
mc_ws_conn_loop_free (McWsConnLoop *loop)
{
  GHashTableIter iter;
  gpointer key;

  if (loop == NULL)
    return;
  g_hash_table_iter_init (&iter, loop->conns);
  while (g_hash_table_iter_next (&iter, &key, NULL)) {
    McWsConn *ws = key;
    ws->events.closed = NULL;
    ws->events.message = NULL;
  }
  while (g_hash_table_size (loop->conns) > 0) {
    g_hash_table_iter_init (&iter, loop->conns);
    if (!g_hash_table_iter_next (&iter, &key, NULL))
      break;
    conn_finish (key);
  }
  g_clear_pointer (&loop->conns, g_hash_table_unref);
  g_ptr_array_set_size (loop->pending, 0);
  g_source_destroy (&loop->source);
  g_source_unref (&loop->source);
}

guint
mc_ws_conn_loop_get_n_connections (McWsConnLoop *loop)
{
  return g_hash_table_size (loop->conns);
}

/* ---- connections -------------------------------------------------------------- */

/* The socket under libsoup's stream, and the TLS connection on it if any
 * (*tls, referenced; NULL for plain). */
static GSocket *
find_socket (GIOStream *stream, GIOStream **tls)
{
  *tls = NULL;
  for (int depth = 0; stream && depth < 4; depth++) {
    g_autoptr (GIOStream) base = NULL;
    const char *property = G_IS_TLS_CONNECTION (stream) ? "base-io-stream" : "base-iostream";

    if (G_IS_SOCKET_CONNECTION (stream))
      return g_object_ref (g_socket_connection_get_socket (G_SOCKET_CONNECTION (stream)));
    if (g_object_get_data (G_OBJECT (stream), "GSocket"))
      return g_object_ref (g_object_get_data (G_OBJECT (stream), "GSocket"));
    if (G_IS_TLS_CONNECTION (stream) && *tls == NULL)
      *tls = g_object_ref (stream);
    if (!g_object_class_find_property (G_OBJECT_GET_CLASS (stream), property))
      break;
    g_object_get (stream, property, &base, NULL);
    stream = base;   /* still referenced by the stream above it */
  }
  g_clear_object (tls);
  return NULL;
}

McWsConn *
mc_ws_conn_new (McWsConnLoop *loop, GIOStream *stream, gsize max_payload, GError **error)
{
  McWsConn *ws;
  g_autoptr (GIOStream) tls = NULL;
  GSocket *socket = find_socket (stream, &tls);
  GInputStream *input = g_io_stream_get_input_stream (stream);
  struct epoll_event ev = { .events = EPOLLIN };
  int one = 1;

  if (socket == NULL) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, "no socket under the upgraded stream");
    return NULL;
  }
  ws = g_new0 (McWsConn, 1);
  ws->ref = 1;
  ws->loop = loop;
  ws->stream = g_object_ref (stream);
  ws->socket = socket;
  ws->fd = g_socket_get_fd (socket);
  ws->max_payload = max_payload;
  ws->out = g_byte_array_new ();
  if (tls) {
    ws->tls_in = G_POLLABLE_INPUT_STREAM (g_object_ref (g_io_stream_get_input_stream (tls)));
    ws->tls_out = G_POLLABLE_OUTPUT_STREAM (g_object_ref (g_io_stream_get_output_stream (tls)));
  }
  /* Relays are small and latency-bound: no Nagle. */
  setsockopt (ws->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);

  /* Whatever libsoup read past the request is still in its buffer. */
  if (G_IS_POLLABLE_INPUT_STREAM (input) && g_pollable_input_stream_can_poll (G_POLLABLE_INPUT_STREAM (input))) {
    for (;;) {
      guint8 buf[4096];
      gssize n = g_pollable_input_stream_read_nonblocking (G_POLLABLE_INPUT_STREAM (input), buf, sizeof buf,
                                                           NULL, NULL);
      if (n <= 0)
        break;
      if (ws->in == NULL)
        ws->in = g_byte_array_new ();
      g_byte_array_append (ws->in, buf, (guint) n);
    }
  }

  ev.data.ptr = ws;
  if (epoll_ctl (loop->epfd, EPOLL_CTL_ADD, ws->fd, &ev) < 0) {
    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno), "epoll_ctl: %s", g_strerror (errno));
    ws->state = WS_CLOSED;
    mc_ws_conn_unref (ws);
    return NULL;
  }
  g_hash_table_add (loop->conns, mc_ws_conn_ref (ws));
  if (ws->in)
    loop_kick (ws);   /* parsed from the next dispatch, once the caller has set events */
  return ws;
}

McWsConn *
mc_ws_conn_ref (McWsConn *ws)
{
  ws->ref++;
  return ws;
}

void
mc_ws_conn_unref (McWsConn *ws)
{
  if (--ws->ref > 0)
    return;
  /* The loop holds a ref until conn_finish, so ws is closed here. */
  if (ws->close_timeout) {
    g_source_destroy (ws->close_timeout);
    g_source_unref (ws->close_timeout);
  }
  g_clear_object (&ws->stream);
  g_clear_object (&ws->socket);
  g_clear_object (&ws->tls_in);
  g_clear_object (&ws->tls_out);
  if (ws->in)
    g_byte_array_unref (ws->in);
  g_byte_array_unref (ws->out);
  if (ws->frag)
    g_byte_array_unref (ws->frag);
  g_free (ws->error);
  g_free (ws);
}

void
mc_ws_conn_set_events (McWsConn *ws, const McWsConnEvents *events, gpointer user_data)
{
  if (events)
    ws->events = *events;
  else
    memset (&ws->events, 0, sizeof ws->events);
  ws->user_data = user_data;
}

gboolean
mc_ws_conn_is_open (McWsConn *ws)
{
  return ws->state == WS_OPEN && !ws->doomed;
}

void
mc_ws_conn_send_text (McWsConn *ws, const char *text, gsize len)
{
  if (mc_ws_conn_is_open (ws))
    conn_send_frame (ws, MC_WS_OP_TEXT, text, len);
}

void
mc_ws_conn_send_binary (McWsConn *ws, gconstpointer data, gsize len)
{
  if (mc_ws_conn_is_open (ws))
    conn_send_frame (ws, MC_WS_OP_BINARY, data, len);
}

void
mc_ws_conn_close (McWsConn *ws, guint16 code, const char *reason)
{
  if (ws->state != WS_OPEN || ws->doomed)
    return;
  conn_send_close (ws, code, reason);
  ws->state = WS_CLOSING;
  ws->close_timeout = g_timeout_source_new (CLOSE_TIMEOUT_MS);
  g_source_set_callback (ws->close_timeout, close_timeout_cb, ws, NULL);
  g_source_attach (ws->close_timeout, g_source_get_context (&ws->loop->source));
}

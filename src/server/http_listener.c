/* The listening socket and connections waiting for their request
 * (http_listener.h). */
#include "http_listener.h"
#include "http_answer.h"
#include "http_tls.h"
#include "meshcall/base/log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#define MC_LOG_CATEGORY (&mc_log_server)

/* Heads are read between batches, so that a burst does not leave hundreds
 * of connections waiting at once (they count against the per-address cap). */
#define ACCEPT_BATCH 16
/* A connection that has waited less than this for its request is never
 * closed to make room: a client that has just connected is about to send
 * its request, a slowloris is not. */
#define WAIT_GRACE_US (1 * G_USEC_PER_SEC)
/* TLS handshakes under way from one address (http_tls.h, McHttpTlsGate). */
#define MAX_HANDSHAKES_PER_ADDRESS 4
/* After a refusal, the client's time to read the answer before the close. */
#define LINGER_US (2 * G_USEC_PER_SEC)
/* Out of descriptors: queued connections looked at per pause, and the pause. */
#define TRIAGE_BATCH 64
#define BACKOFF_MIN_MS 50
#define BACKOFF_MAX_MS 1000
/* An out-of-descriptors episode ends after this long without EMFILE. */
#define EPISODE_QUIET_US (10 * G_USEC_PER_SEC)

#define CONN_KEY "mc-http-conn"
#define BODY_CLAIM_KEY "mc-http-body-claimed"

typedef enum {
  CONN_TLS,       /* accepted on a TLS listener; its hello or handshake is under way (http_tls.h) */
  CONN_HEAD,      /* accepted; the request head has not arrived */
  CONN_BODY,      /* head read; the claimed body is arriving */
  CONN_HANDLING,  /* request read; the handler has it (a long-poll waits here) */
  CONN_WRITING,   /* the response is being written */
  CONN_LINGER,    /* refused: the answer is out, the close waits a moment */
} ConnState;

typedef struct _AddrEntry AddrEntry;

typedef struct {
  McHttpListener *listener;
  ConnState state;
  GSocket *socket;
  GSocketAddress *remote;     /* libsoup reports this object for the connection's messages: our way back */
  SoupServerMessage *msg;     /* libsoup's, while it serves the connection (ref) */
  GIOStream *stolen;          /* once refused: taken from libsoup, closed by us */
  McHttpTlsAccept *tls_accept;  /* CONN_TLS */
  GIOStream *tls;             /* after the handshake: what libsoup serves, and answers are written to */
  char key[INET6_ADDRSTRLEN]; /* the client's address */
  AddrEntry *addr;            /* non-NULL while waiting (HEAD, BODY) */
  GQueue *queue;              /* listener->waiting (HEAD, BODY) or ->lingering (LINGER) */
  GList wait_link;            /* in *queue, oldest first */
  GList addr_link;            /* in addr->waiting */
  gint64 accepted_at;
  gint64 deadline;            /* monotonic µs; 0 = none */
} Conn;

struct _AddrEntry {
  char *key;
  GQueue waiting;             /* Conn*, oldest first */
  gboolean warned;            /* went over the cap (one warning while the entry lives) */
};

typedef struct {
  GSource source;
  McHttpListener *listener;
} ListenerSource;

struct _McHttpListener {
  SoupServer *soup;
  McHttpListenerConfig cfg;
  GSocket *socket;
  int fd;
  guint port;
  guint backlog;
  int reserve_fd;             /* /dev/null, closed for a moment to accept and refuse when out of descriptors */
  McHttpTlsGate *tls_gate;    /* with a certificate */
  ListenerSource *source;     /* the listening fd, the pause and the sweep (ready time) */
  gpointer fd_tag;
  GHashTable *conns;          /* Conn* (owned) */
  GQueue waiting;             /* Conn* waiting for their request, in accept order */
  GQueue lingering;           /* Conn* refused, closing soon: the first to go when out of descriptors */
  GHashTable *addrs;          /* address -> AddrEntry* (owned), for waiting connections */
  gint64 resume_at;           /* accepting paused until then; 0 = accepting */
  guint backoff_ms;
  gint64 next_sweep;          /* 0 = none scheduled */
  gint64 short_since;         /* out-of-descriptors episode: start and last EMFILE; 0 = none */
  gint64 short_last;
  guint64 short_refused_at_start, short_closed_at_start;
  McHttpListenerStats stats;
};

void
mc_http_listener_config_init (McHttpListenerConfig *cfg)
{
  cfg->header_timeout_ms = 10000;
  cfg->max_pending_per_address = 128;
  cfg->backlog = 4096;
  cfg->tls_certificate = NULL;
}

/* ---- connections ------------------------------------------------------------------ */

static void
addr_entry_free (AddrEntry *e)
{
  g_free (e->key);
  g_free (e);
}

static void
conn_wait_join (Conn *c)
{
  McHttpListener *l = c->listener;
  AddrEntry *e = g_hash_table_lookup (l->addrs, c->key);

  if (e == NULL) {
    e = g_new0 (AddrEntry, 1);
    e->key = g_strdup (c->key);
    g_hash_table_insert (l->addrs, e->key, e);
  }
  c->addr = e;
  g_queue_push_tail_link (&e->waiting, &c->addr_link);
  c->queue = &l->waiting;
  g_queue_push_tail_link (c->queue, &c->wait_link);
}

/* Leaves the waiting or the lingering queue, if in one. */
static void
conn_wait_leave (Conn *c)
{
  McHttpListener *l = c->listener;
  AddrEntry *e = c->addr;

  if (c->queue) {
    g_queue_unlink (c->queue, &c->wait_link);
    c->queue = NULL;
  }
  if (e == NULL)
    return;
  c->addr = NULL;
  g_queue_unlink (&e->waiting, &c->addr_link);
  if (e->waiting.length == 0)
    g_hash_table_remove (l->addrs, e->key);
}

static void
conn_set_deadline (Conn *c, gint64 us_from_now)
{
  c->deadline = us_from_now ? g_get_monotonic_time () + us_from_now : 0;
}

static gint64
header_timeout_us (McHttpListener *l)
{
  return (gint64) l->cfg.header_timeout_ms * 1000;
}

static void
conn_free (Conn *c)
{
  mc_http_tls_accept_cancel (g_steal_pointer (&c->tls_accept));
  g_clear_object (&c->tls);
  if (c->msg) {
    g_signal_handlers_disconnect_by_data (c->msg, c);
    g_clear_object (&c->msg);
  }
  g_object_set_data (G_OBJECT (c->remote), CONN_KEY, NULL);
  g_object_unref (c->remote);
  g_clear_object (&c->stolen);
  g_object_unref (c->socket);
  g_free (c);
}

/* The one end of a Conn: libsoup closed or took the connection (close
 * FALSE), or we close it. */
static void
conn_end (Conn *c, gboolean close)
{
  conn_wait_leave (c);
  if (close)
    g_socket_close (c->socket, NULL);
  g_hash_table_remove (c->listener->conns, c);
}

/* Takes the connection from libsoup (no more signals for its message),
 * answers status with json unless status is 0, then closes it, after the
 * linger time when linger is set. */
static void
conn_close (Conn *c, guint status, const char *json, gboolean linger)
{
  int fd = g_socket_get_fd (c->socket);

  if (c->tls_accept) {
    /* No answer before the handshake: a plain one would be garbage to a TLS client. */
    mc_http_tls_gate_leave (c->listener->tls_gate, c->key, c->tls_accept);
    conn_end (c, mc_http_tls_accept_cancel (g_steal_pointer (&c->tls_accept)));
    return;
  }
  if (c->msg) {
    g_autoptr (SoupServerMessage) msg = g_steal_pointer (&c->msg);
    g_signal_handlers_disconnect_by_data (msg, c);
    c->stolen = soup_server_message_steal_connection (msg);
  }
  if (status)
    mc_http_send_answer (fd, c->tls, status, json);
  if (!linger || c->state == CONN_LINGER) {
    conn_end (c, TRUE);
    return;
  }
  shutdown (fd, SHUT_WR);
  /* Answered: no longer counted against its address. */
  conn_wait_leave (c);
  c->state = CONN_LINGER;
  c->queue = &c->listener->lingering;
  g_queue_push_tail_link (c->queue, &c->wait_link);
  conn_set_deadline (c, LINGER_US);
}

/* counter: the statistic the close counts in. */
static void
conn_close_busy (Conn *c, guint64 *counter, const char *why)
{
  g_autofree char *json = mc_http_error_json ("server busy: this connection waited too long for its request");

  MC_INFO ("connection from %s closed after waiting %.1f s for its request: %s", c->key,
           (g_get_monotonic_time () - c->accepted_at) / 1e6, why);
  (*counter)++;
  conn_close (c, SOUP_STATUS_SERVICE_UNAVAILABLE, json, FALSE);
}

static void
conn_expire (Conn *c)
{
  McHttpListener *l = c->listener;
  g_autofree char *json = NULL;

  switch (c->state) {
  case CONN_TLS:
    MC_INFO ("connection from %s closed: no TLS handshake within %u ms (header-timeout)", c->key,
             l->cfg.header_timeout_ms);
    l->stats.timed_out++;
    conn_close (c, 0, NULL, FALSE);
    break;
  case CONN_HEAD:
  case CONN_BODY:
    MC_INFO ("connection from %s closed: no complete request %s within %u ms (header-timeout)", c->key,
             c->state == CONN_HEAD ? "head" : "body", l->cfg.header_timeout_ms);
    l->stats.timed_out++;
    json = mc_http_error_json ("request timeout: the request did not arrive within header-timeout");
    conn_close (c, SOUP_STATUS_REQUEST_TIMEOUT, json, FALSE);
    break;
  case CONN_WRITING:
    MC_INFO ("connection from %s closed: the response was not read within %u ms", c->key, l->cfg.header_timeout_ms);
    l->stats.timed_out++;
    conn_close (c, 0, NULL, FALSE);
    break;
  case CONN_LINGER:
    conn_end (c, TRUE);
    break;
  case CONN_HANDLING:
    break;
  }
}

/* ---- libsoup's side of a connection ----------------------------------------------- */

static Conn *
conn_of (SoupServerMessage *msg)
{
  GSocketAddress *remote = soup_server_message_get_remote_address (msg);

  return remote ? g_object_get_data (G_OBJECT (remote), CONN_KEY) : NULL;
}

gboolean
mc_http_has_body (SoupServerMessage *msg)
{
  SoupMessageHeaders *h = soup_server_message_get_request_headers (msg);

  switch (soup_message_headers_get_encoding (h)) {
  case SOUP_ENCODING_CONTENT_LENGTH:
    return soup_message_headers_get_content_length (h) > 0;
  case SOUP_ENCODING_CHUNKED:
    return TRUE;
  default:
    return FALSE;
  }
}

/* Runs after libsoup's own got-headers, so after the early handlers. */
static void
on_got_headers (SoupServerMessage *msg, Conn *c)
{
  McHttpListener *l = c->listener;
  g_autofree char *json = NULL;

  if (!mc_http_has_body (msg))
    return;
  if (g_object_get_data (G_OBJECT (msg), BODY_CLAIM_KEY)) {
    c->state = CONN_BODY;
    conn_set_deadline (c, header_timeout_us (l));
    return;
  }
  MC_INFO ("HTTP 413 to %s %s from %s: no request body is taken there", soup_server_message_get_method (msg),
           g_uri_get_path (soup_server_message_get_uri (msg)), c->key);
  l->stats.bodies_refused++;
  json = mc_http_error_json ("this endpoint takes no request body");
  conn_close (c, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, json, TRUE);
}

static void
on_request_read (SoupServer *soup, SoupServerMessage *msg, McHttpListener *l)
{
  Conn *c = conn_of (msg);

  if (c == NULL || c->msg != msg)
    return;
  conn_wait_leave (c);
  c->state = CONN_HANDLING;
  c->deadline = 0;
}

/* Also after a request libsoup refused itself (a bad head): it never got to request-read. */
static void
on_wrote_headers (SoupServerMessage *msg, Conn *c)
{
  conn_wait_leave (c);
  c->state = CONN_WRITING;
  conn_set_deadline (c, header_timeout_us (c->listener));
}

/* libsoup closed the connection, or it was stolen (a websocket after its 101). */
static void
on_disconnected (SoupServerMessage *msg, Conn *c)
{
  conn_end (c, FALSE);
}

static void
on_request_started (SoupServer *soup, SoupServerMessage *msg, McHttpListener *l)
{
  Conn *c = conn_of (msg);

  if (c == NULL || c->msg)
    return;
  c->msg = g_object_ref (msg);
  g_signal_connect (msg, "got-headers", G_CALLBACK (on_got_headers), c);
  g_signal_connect (msg, "wrote-headers", G_CALLBACK (on_wrote_headers), c);
  g_signal_connect (msg, "disconnected", G_CALLBACK (on_disconnected), c);
}

void
mc_http_claim_body (SoupServerMessage *msg)
{
  g_object_set_data (G_OBJECT (msg), BODY_CLAIM_KEY, GINT_TO_POINTER (1));
}

void
mc_http_refuse_body (SoupServerMessage *msg, guint status, const char *json)
{
  Conn *c = conn_of (msg);

  if (c == NULL || c->msg != msg) {
    soup_message_body_set_accumulate (soup_server_message_get_request_body (msg), FALSE);
    soup_server_message_set_status (msg, status, NULL);
    soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Connection", "close");
    soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY, json, strlen (json));
    return;
  }
  c->listener->stats.bodies_refused++;
  conn_close (c, status, json, TRUE);
}

/* ---- accepting ---------------------------------------------------------------------- */

static void
address_key (const struct sockaddr_storage *ss, char key[INET6_ADDRSTRLEN])
{
  const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *) ss;

  key[0] = '\0';
  if (ss->ss_family == AF_INET)
    inet_ntop (AF_INET, &((const struct sockaddr_in *) ss)->sin_addr, key, INET6_ADDRSTRLEN);
  else if (ss->ss_family == AF_INET6 && IN6_IS_ADDR_V4MAPPED (&in6->sin6_addr))
    inet_ntop (AF_INET, &in6->sin6_addr.s6_addr[12], key, INET6_ADDRSTRLEN);   /* one key per IPv4 client */
  else if (ss->ss_family == AF_INET6)
    inet_ntop (AF_INET6, &in6->sin6_addr, key, INET6_ADDRSTRLEN);
}

/* Closes the connection that has waited longest for its request (from
 * address key, or any when NULL) if it has waited min_age µs or more; TRUE
 * when one was closed. Out of descriptors, one refused and lingering goes
 * first, however young. */
static gboolean
evict_oldest (McHttpListener *l, const char *key, gint64 min_age, gint64 now)
{
  AddrEntry *e = key ? g_hash_table_lookup (l->addrs, key) : NULL;
  GList *link = key ? (e ? e->waiting.head : NULL) : l->waiting.head;
  Conn *c = link ? link->data : NULL;

  if (key == NULL && l->lingering.head) {
    conn_end (l->lingering.head->data, TRUE);
    return TRUE;
  }
  if (c == NULL || now - c->accepted_at < min_age)
    return FALSE;
  if (key)
    conn_close_busy (c, &l->stats.closed_busy, "its address has max-pending-per-address connections waiting");
  else
    conn_close_busy (c, &l->stats.closed_no_fd, "out of file descriptors");
  return TRUE;
}

/* A new connection from key when that address has max_pending_per_address
 * waiting: the oldest of them makes room if it has waited past the grace
 * time; FALSE when the new one is to be refused. */
static gboolean
admit_address (McHttpListener *l, const char *key, gint64 now)
{
  AddrEntry *e = g_hash_table_lookup (l->addrs, key);

  if (e == NULL || e->waiting.length < l->cfg.max_pending_per_address || evict_oldest (l, key, WAIT_GRACE_US, now))
    return TRUE;
  if (!e->warned) {
    MC_WARNING ("%s has %u connections waiting for their request (max-pending-per-address); refusing more "
                "from it until they send one or time out", key, e->waiting.length);
    e->warned = TRUE;
  }
  return FALSE;
}

/* A TLS listener's connection after its first bytes (http_tls.h); it
 * still counts as waiting for its request, under the same deadline. */
static void
on_tls_done (McHttpTlsResult result, GIOStream *tls, const char *why, gpointer data)
{
  Conn *c = data;
  McHttpListener *l = c->listener;
  g_autoptr (GSocketAddress) local = NULL;
  g_autofree char *json = NULL;

  mc_http_tls_gate_leave (l->tls_gate, c->key, g_steal_pointer (&c->tls_accept));
  switch (result) {
  case MC_HTTP_TLS_OK:
    c->tls = g_object_ref (tls);
    c->state = CONN_HEAD;
    local = g_socket_get_local_address (c->socket, NULL);
    soup_server_accept_iostream (l->soup, tls, local ? local : c->remote, c->remote, NULL);
    break;
  case MC_HTTP_TLS_PLAIN_HTTP:
    MC_INFO ("connection from %s refused: a plain HTTP request on the TLS port", c->key);
    l->stats.tls_plain_http++;
    json = mc_http_error_json ("this port serves HTTPS only: use https:// or wss://");
    c->state = CONN_HEAD;
    conn_close (c, SOUP_STATUS_BAD_REQUEST, json, TRUE);
    break;
  case MC_HTTP_TLS_FAILED:
    MC_WARNING ("connection from %s closed: %s", c->key, why);
    l->stats.tls_failed++;
    conn_end (c, TRUE);
    break;
  case MC_HTTP_TLS_CLOSED:
    MC_INFO ("connection from %s closed by the client before its TLS handshake", c->key);
    conn_end (c, TRUE);
    break;
  }
}

static gboolean
on_tls_ready (gpointer data)
{
  Conn *c = data;

  return mc_http_tls_gate_enter (c->listener->tls_gate, c->key, c->tls_accept);
}

static const McHttpTlsEvents tls_events = { .ready = on_tls_ready, .done = on_tls_done };

static void
admit (McHttpListener *l, int fd, const struct sockaddr_storage *ss, socklen_t len, gint64 now)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GSocket) socket = NULL;
  g_autoptr (GSocketAddress) local = NULL;
  g_autoptr (GSocketConnection) stream = NULL;
  char key[INET6_ADDRSTRLEN];
  Conn *c;

  address_key (ss, key);
  if (!admit_address (l, key, now)) {
    l->stats.refused_busy++;
    mc_http_refuse_fd (fd, l->cfg.tls_certificate == NULL, "too many connections from this address are waiting to send their request");
    return;
  }
  socket = g_socket_new_from_fd (fd, &error);
  if (socket == NULL) {
    MC_WARNING ("an accepted connection is unusable: %s", error->message);
    close (fd);
    return;
  }
  /* Signals are small and latency-bound: no Nagle (Node's socket.io sets noDelay too). */
  g_socket_set_option (socket, IPPROTO_TCP, TCP_NODELAY, 1, NULL);
  local = g_socket_get_local_address (socket, NULL);
  c = g_new0 (Conn, 1);
  c->listener = l;
  c->state = CONN_HEAD;
  c->socket = g_object_ref (socket);
  c->remote = g_socket_address_new_from_native ((gpointer) ss, len);
  c->accepted_at = now;
  c->deadline = now + header_timeout_us (l);
  c->wait_link.data = c;
  c->addr_link.data = c;
  memcpy (c->key, key, sizeof key);
  g_object_set_data (G_OBJECT (c->remote), CONN_KEY, c);
  g_hash_table_add (l->conns, c);
  conn_wait_join (c);
  stream = g_socket_connection_factory_create_connection (socket);
  if (l->cfg.tls_certificate) {
    c->state = CONN_TLS;
    c->tls_accept = mc_http_tls_accept_start (stream, l->cfg.tls_certificate, &tls_events, c);
    return;
  }
  /* Emits request-started at once (on_request_started links the message). */
  soup_server_accept_iostream (l->soup, G_IO_STREAM (stream), local ? local : c->remote, c->remote, NULL);
}

static void
reserve_open (McHttpListener *l)
{
  if (l->reserve_fd < 0)
    l->reserve_fd = open ("/dev/null", O_RDONLY | O_CLOEXEC);
}

/* Out of descriptors with no connection old enough to close: the reserve
 * descriptor lets us look at queued connections one at a time. One that has
 * already sent bytes (its request, most likely) is worth the descriptor of
 * the connection that has waited longest, however briefly; one that has
 * sent nothing is refused. Returns how many were looked at. */
static guint
triage_with_reserve (McHttpListener *l, gint64 now)
{
  guint n = 0;

  while (n < TRIAGE_BATCH && l->reserve_fd >= 0) {
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    char byte;
    int fd;

    close (l->reserve_fd);
    l->reserve_fd = -1;
    fd = accept4 (l->fd, (struct sockaddr *) &ss, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      reserve_open (l);
      break;
    }
    n++;
    if (recv (fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT) == 1 && evict_oldest (l, NULL, 0, now)) {
      admit (l, fd, &ss, len, now);
    } else {
      l->stats.refused_no_fd++;
      mc_http_refuse_fd (fd, l->cfg.tls_certificate == NULL, "server out of file descriptors; try again shortly");
    }
    reserve_open (l);
  }
  return n;
}

static void
shortage_begin (McHttpListener *l, int err, gint64 now)
{
  struct rlimit rl = { 0 };

  l->short_last = now;
  if (l->short_since)
    return;
  l->short_since = now;
  l->short_refused_at_start = l->stats.refused_no_fd;
  l->short_closed_at_start = l->stats.closed_no_fd;
  l->stats.shortages++;
  getrlimit (RLIMIT_NOFILE, &rl);
  MC_WARNING ("cannot accept connections: %s (this process may open %llu descriptors, ulimit -n); closing "
              "the connections that waited longest for their request and refusing others (503) until "
              "descriptors free up", g_strerror (err), (unsigned long long) rl.rlim_cur);
}

static void
shortage_end (McHttpListener *l, gint64 now)
{
  MC_INFO ("accepting normally again after %.1f s short of descriptors: %" G_GUINT64_FORMAT " connections "
           "refused, %" G_GUINT64_FORMAT " closed to make room", (l->short_last - l->short_since) / 1e6,
           l->stats.refused_no_fd - l->short_refused_at_start, l->stats.closed_no_fd - l->short_closed_at_start);
  l->short_since = 0;
  l->backoff_ms = BACKOFF_MIN_MS;
}

/* Stops accepting for a moment: the shortest while queued connections are
 * being dealt with (progress), longer each time nothing could be. */
static void
accept_pause (McHttpListener *l, gint64 now, gboolean progress)
{
  guint ms = progress ? BACKOFF_MIN_MS : l->backoff_ms;

  g_source_modify_unix_fd (&l->source->source, l->fd_tag, 0);
  l->resume_at = now + (gint64) ms * 1000;
  l->backoff_ms = progress ? BACKOFF_MIN_MS : MIN (l->backoff_ms * 2, BACKOFF_MAX_MS);
}

static gboolean
accept_error_is_transient (int err)
{
  /* accept(2): errors of the new connection, not of the listener. */
  return err == EINTR || err == ECONNABORTED || err == EPROTO || err == ENETDOWN || err == ENOPROTOOPT ||
         err == EHOSTDOWN || err == ENONET || err == EHOSTUNREACH || err == EOPNOTSUPP || err == ENETUNREACH;
}

static void
accept_batch (McHttpListener *l, gint64 now)
{
  for (guint i = 0; i < ACCEPT_BATCH; i++) {
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    int fd = accept4 (l->fd, (struct sockaddr *) &ss, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);

    if (fd >= 0) {
      admit (l, fd, &ss, len, now);
      continue;
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK)
      break;
    if (accept_error_is_transient (errno))
      continue;
    /* EMFILE, ENFILE, ENOBUFS, ENOMEM, or worse: never retry at once. */
    shortage_begin (l, errno, now);
    if (evict_oldest (l, NULL, WAIT_GRACE_US, now))
      continue;
    accept_pause (l, now, triage_with_reserve (l, now) > 0);
    break;
  }
  reserve_open (l);
}

/* ---- the listener's source ------------------------------------------------------------ */

static guint
sweep_period_ms (McHttpListener *l)
{
  return CLAMP (l->cfg.header_timeout_ms / 8, 50, 1000);
}

/* Deadlines of every connection, a few times per header timeout: one walk,
 * no timer per connection (thousands of sources would slow every main-loop
 * iteration, docs/bench-signal.md). */
static void
sweep (McHttpListener *l, gint64 now)
{
  g_autoptr (GPtrArray) due = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer key;

  g_hash_table_iter_init (&iter, l->conns);
  while (g_hash_table_iter_next (&iter, &key, NULL)) {
    Conn *c = key;
    if (c->deadline && now >= c->deadline)
      g_ptr_array_add (due, c);
  }
  /* Each closes only itself. */
  for (guint i = 0; i < due->len; i++)
    conn_expire (g_ptr_array_index (due, i));
  if (l->short_since && now - l->short_last >= EPISODE_QUIET_US)
    shortage_end (l, now);
  l->next_sweep = 0;
}

static void
schedule (McHttpListener *l)
{
  gint64 ready = -1;

  if (l->next_sweep == 0 && (g_hash_table_size (l->conns) > 0 || l->short_since))
    l->next_sweep = g_get_monotonic_time () + (gint64) sweep_period_ms (l) * 1000;
  if (l->next_sweep)
    ready = l->next_sweep;
  if (l->resume_at && (ready < 0 || l->resume_at < ready))
    ready = l->resume_at;
  g_source_set_ready_time (&l->source->source, ready);
}

static gboolean
source_dispatch (GSource *source, GSourceFunc callback, gpointer user_data)
{
  McHttpListener *l = ((ListenerSource *) source)->listener;
  gint64 now = g_get_monotonic_time ();
  gboolean readable = (g_source_query_unix_fd (source, l->fd_tag) & G_IO_IN) != 0;

  if (l->resume_at && now >= l->resume_at) {
    g_source_modify_unix_fd (source, l->fd_tag, G_IO_IN);
    l->resume_at = 0;
    readable = TRUE;   /* not polled yet: just try */
  }
  if (readable && !l->resume_at)
    accept_batch (l, now);
  if (l->next_sweep && now >= l->next_sweep)
    sweep (l, now);
  schedule (l);
  return G_SOURCE_CONTINUE;
}

static GSourceFuncs source_funcs = { .dispatch = source_dispatch };

/* ---- lifecycle ----------------------------------------------------------------------- */

static guint
somaxconn (void)
{
  g_autofree char *text = NULL;
  guint64 n;

  if (!g_file_get_contents ("/proc/sys/net/core/somaxconn", &text, NULL, NULL) ||
      !g_ascii_string_to_unsigned (g_strstrip (text), 10, 1, G_MAXINT, &n, NULL))
    return 4096;   /* Linux's default since 5.4 */
  return (guint) n;
}

static gboolean
listen_on (McHttpListener *l, GSocketAddress *address, GError **error)
{
  g_autoptr (GSocketAddress) bound = NULL;

  l->socket = g_socket_new (g_socket_address_get_family (address), G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, error);
  if (l->socket == NULL)
    return FALSE;
  l->backlog = MIN (l->cfg.backlog, somaxconn ());
  g_socket_set_listen_backlog (l->socket, (gint) l->cfg.backlog);
  if (!g_socket_bind (l->socket, address, TRUE, error) || !g_socket_listen (l->socket, error))
    return FALSE;
  bound = g_socket_get_local_address (l->socket, error);
  if (bound == NULL)
    return FALSE;
  l->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  l->fd = g_socket_get_fd (l->socket);
  return TRUE;
}

McHttpListener *
mc_http_listener_new (SoupServer *soup, GSocketAddress *address, const McHttpListenerConfig *cfg, GError **error)
{
  g_autoptr (McHttpListener) l = NULL;

  g_return_val_if_fail (cfg == NULL || (cfg->header_timeout_ms > 0 && cfg->max_pending_per_address > 0 &&
                                        cfg->backlog > 0), NULL);
  l = g_new0 (McHttpListener, 1);
  l->soup = g_object_ref (soup);
  if (cfg)
    l->cfg = *cfg;
  else
    mc_http_listener_config_init (&l->cfg);
  if (l->cfg.tls_certificate) {
    g_object_ref (l->cfg.tls_certificate);
    l->tls_gate = mc_http_tls_gate_new (MAX_HANDSHAKES_PER_ADDRESS);
  }
  l->fd = -1;
  l->reserve_fd = -1;
  l->backoff_ms = BACKOFF_MIN_MS;
  l->conns = g_hash_table_new_full (NULL, NULL, (GDestroyNotify) conn_free, NULL);
  l->addrs = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) addr_entry_free);
  if (!listen_on (l, address, error))
    return NULL;
  reserve_open (l);
  g_signal_connect (soup, "request-started", G_CALLBACK (on_request_started), l);
  g_signal_connect (soup, "request-read", G_CALLBACK (on_request_read), l);
  l->source = (ListenerSource *) g_source_new (&source_funcs, sizeof (ListenerSource));
  l->source->listener = l;
  g_source_set_name (&l->source->source, "mc-http-listener");
  l->fd_tag = g_source_add_unix_fd (&l->source->source, l->fd, G_IO_IN);
  g_source_attach (&l->source->source, NULL);
  return g_steal_pointer (&l);
}

void
mc_http_listener_free (McHttpListener *l)
{
  GHashTableIter iter;
  gpointer key;

  if (l == NULL)
    return;
  if (l->source) {
    g_source_destroy (&l->source->source);
    g_source_unref (&l->source->source);
  }
  g_signal_handlers_disconnect_by_data (l->soup, l);
  /* What libsoup still serves, it closes (soup_server_disconnect); the rest is ours. */
  g_hash_table_iter_init (&iter, l->conns);
  while (g_hash_table_iter_next (&iter, &key, NULL)) {
    Conn *c = key;
    gboolean closable = mc_http_tls_accept_cancel (g_steal_pointer (&c->tls_accept));
    if (c->msg == NULL && closable)
      g_socket_close (c->socket, NULL);
    c->addr = NULL;
  }
  g_hash_table_unref (l->conns);
  g_hash_table_unref (l->addrs);
  if (l->socket) {
    g_socket_close (l->socket, NULL);
    g_object_unref (l->socket);
  }
  if (l->reserve_fd >= 0)
    close (l->reserve_fd);
  g_clear_object (&l->cfg.tls_certificate);
  g_clear_pointer (&l->tls_gate, mc_http_tls_gate_free);
  g_object_unref (l->soup);
  g_free (l);
}

guint
mc_http_listener_get_port (McHttpListener *l)
{
  return l->port;
}

guint
mc_http_listener_get_backlog (McHttpListener *l)
{
  return l->backlog;
}

void
mc_http_listener_get_stats (McHttpListener *l, McHttpListenerStats *stats)
{
  *stats = l->stats;
  stats->waiting = l->waiting.length;
}

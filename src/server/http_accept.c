/* Taking connections in (http_listener.h): the per-address cap on
 * connections waiting for their request, the TLS first record and
 * handshake before libsoup gets a connection, and running out of file
 * descriptors (the reserve descriptor, triage, the pause and its episodes).
 * A connection's life after that is in http_listener.c. */
#include "http_listener_private.h"
#include "http_answer.h"
#include "meshcall/base/log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#define MC_LOG_CATEGORY (&mc_log_server)

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
    hl_conn_end (l->lingering.head->data, TRUE);
    return TRUE;
  }
  if (c == NULL || now - c->accepted_at < min_age)
    return FALSE;
  if (key)
    hl_conn_close_busy (c, &l->stats.closed_busy, "its address has max-pending-per-address connections waiting");
  else
    hl_conn_close_busy (c, &l->stats.closed_no_fd, "out of file descriptors");
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
    hl_conn_close (c, SOUP_STATUS_BAD_REQUEST, json, TRUE);
    break;
  case MC_HTTP_TLS_FAILED:
    MC_WARNING ("connection from %s closed: %s", c->key, why);
    l->stats.tls_failed++;
    hl_conn_end (c, TRUE);
    break;
  case MC_HTTP_TLS_CLOSED:
    MC_INFO ("connection from %s closed by the client before its TLS handshake", c->key);
    hl_conn_end (c, TRUE);
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
  c->deadline = now + hl_header_timeout_us (l);
  c->wait_link.data = c;
  c->addr_link.data = c;
  memcpy (c->key, key, sizeof key);
  g_object_set_data (G_OBJECT (c->remote), CONN_KEY, c);
  g_hash_table_add (l->conns, c);
  hl_conn_wait_join (c);
  stream = g_socket_connection_factory_create_connection (socket);
  if (l->cfg.tls_certificate) {
    c->state = CONN_TLS;
    c->tls_accept = mc_http_tls_accept_start (stream, l->cfg.tls_certificate, &tls_events, c);
    return;
  }
  /* Emits request-started at once (on_request_started links the message). */
  soup_server_accept_iostream (l->soup, G_IO_STREAM (stream), local ? local : c->remote, c->remote, NULL);
}

void
hl_reserve_open (McHttpListener *l)
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
      hl_reserve_open (l);
      break;
    }
    n++;
    if (recv (fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT) == 1 && evict_oldest (l, NULL, 0, now)) {
      admit (l, fd, &ss, len, now);
    } else {
      l->stats.refused_no_fd++;
      mc_http_refuse_fd (fd, l->cfg.tls_certificate == NULL, "server out of file descriptors; try again shortly");
    }
    hl_reserve_open (l);
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

void
hl_shortage_end (McHttpListener *l, gint64 now)
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

void
hl_accept_batch (McHttpListener *l, gint64 now)
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
  hl_reserve_open (l);
}

/* The listening socket and connections waiting for their request
 * (http_listener.h): a connection's life (deadlines, refusals, lingering),
 * libsoup's side of it, the listener's source (the sweep) and the
 * listener's own life. Taking connections in (the per-address cap, TLS,
 * running out of descriptors) is in http_accept.c. */
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
#include <sys/socket.h>
#include <unistd.h>

#define MC_LOG_CATEGORY (&mc_log_server)

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

void
hl_conn_wait_join (Conn *c)
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

gint64
hl_header_timeout_us (McHttpListener *l)
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
void
hl_conn_end (Conn *c, gboolean close)
{
  conn_wait_leave (c);
  if (close)
    g_socket_close (c->socket, NULL);
  g_hash_table_remove (c->listener->conns, c);
}

/* Takes the connection from libsoup (no more signals for its message),
 * answers status with json unless status is 0, then closes it, after the
 * linger time when linger is set. */
void
hl_conn_close (Conn *c, guint status, const char *json, gboolean linger)
{
  int fd = g_socket_get_fd (c->socket);

  if (c->tls_accept) {
    /* No answer before the handshake: a plain one would be garbage to a TLS client. */
    mc_http_tls_gate_leave (c->listener->tls_gate, c->key, c->tls_accept);
    hl_conn_end (c, mc_http_tls_accept_cancel (g_steal_pointer (&c->tls_accept)));
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
    hl_conn_end (c, TRUE);
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
void
hl_conn_close_busy (Conn *c, guint64 *counter, const char *why)
{
  g_autofree char *json = mc_http_error_json ("server busy: this connection waited too long for its request");

  MC_INFO ("connection from %s closed after waiting %.1f s for its request: %s", c->key,
           (g_get_monotonic_time () - c->accepted_at) / 1e6, why);
  (*counter)++;
  hl_conn_close (c, SOUP_STATUS_SERVICE_UNAVAILABLE, json, FALSE);
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
    hl_conn_close (c, 0, NULL, FALSE);
    break;
  case CONN_HEAD:
  case CONN_BODY:
    MC_INFO ("connection from %s closed: no complete request %s within %u ms (header-timeout)", c->key,
             c->state == CONN_HEAD ? "head" : "body", l->cfg.header_timeout_ms);
    l->stats.timed_out++;
    json = mc_http_error_json ("request timeout: the request did not arrive within header-timeout");
    hl_conn_close (c, SOUP_STATUS_REQUEST_TIMEOUT, json, FALSE);
    break;
  case CONN_WRITING:
    MC_INFO ("connection from %s closed: the response was not read within %u ms", c->key, l->cfg.header_timeout_ms);
    l->stats.timed_out++;
    hl_conn_close (c, 0, NULL, FALSE);
    break;
  case CONN_LINGER:
    hl_conn_end (c, TRUE);
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
    conn_set_deadline (c, hl_header_timeout_us (l));
    return;
  }
  MC_INFO ("HTTP 413 to %s %s from %s: no request body is taken there", soup_server_message_get_method (msg),
           g_uri_get_path (soup_server_message_get_uri (msg)), c->key);
  l->stats.bodies_refused++;
  json = mc_http_error_json ("this endpoint takes no request body");
  hl_conn_close (c, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, json, TRUE);
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
  conn_set_deadline (c, hl_header_timeout_us (c->listener));
}

/* libsoup closed the connection, or it was stolen (a websocket after its 101). */
static void
on_disconnected (SoupServerMessage *msg, Conn *c)
{
  hl_conn_end (c, FALSE);
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
  hl_conn_close (c, status, json, TRUE);
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
    hl_shortage_end (l, now);
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
    hl_accept_batch (l, now);
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
  hl_reserve_open (l);
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

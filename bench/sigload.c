/* sigload: load generator for Socket.IO signaling servers that speak the
 * meshcall call protocol (docs/protocol.md). It opens many raw Engine.IO
 * websocket connections (its own minimal RFC 6455 client on epoll, no
 * socket.io-client and no GLib main loop, so that its own cost stays far
 * below the server's), puts them in calls of --per-call, and has every client
 * relay webrtc-signal messages to the next peer of its call. Relay latency is
 * measured send → receive on one monotonic clock. The server's CPU time and
 * RSS are read from /proc/PID while the load runs, and sigload reports its
 * own CPU too (it shares the machine with the server).
 *
 *   sigload --url ws://127.0.0.1:7300 --server-pid PID --clients 1000 \
 *           --per-call 4 --rate 2 --seconds 20 --threads 2 --label meshcall --out FILE.json
 *
 * --threads N splits the calls over N threads, each with its own epoll set.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE   /* memmem, getaddrinfo */
#endif
#include <glib.h>
#include <json-glib/json-glib.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

typedef struct _Bench Bench;
typedef struct _Worker Worker;

typedef enum { C_IDLE, C_CONNECTING, C_HANDSHAKE, C_OPEN, C_DEAD } ClientState;

typedef struct {
  Worker *worker;
  guint index;
  int fd;
  ClientState state;
  char *call_id;
  char *peer_id;
  char *target_id;   /* next peer in the same call */
  gboolean joined;
  GByteArray *in;    /* partial handshake or frame */
  GByteArray *out;   /* unsent bytes */
} Client;

struct _Worker {
  Bench *bench;
  GThread *thread;
  int epfd;
  Client *clients;   /* a contiguous run of whole calls */
  guint n_clients;
  guint next_connect;
  guint in_flight;   /* connecting, not yet joined or failed */
  GArray *latencies_us;
  GArray *arrivals_us;   /* monotonic receive time of each sample, for --samples-out */
  guint64 sent, received, errors;
  guint8 scratch[65536];
};

struct _Bench {
  char *host;
  char *port;
  char *token;
  char *label;
  char *out;
  char *samples_out;
  int server_pid;
  guint n_clients;
  guint per_call;
  double rate;       /* signals per second per client */
  guint seconds;
  guint warmup;
  guint n_threads;
  struct addrinfo *addr;

  Worker *workers;
  gint n_joined;     /* atomic */
  gint n_failed;     /* atomic */
  gint loading;      /* atomic: everyone joined, clients send */
  gint window_open;  /* atomic: samples count */
  gint stop;         /* atomic */
};

/* ---- /proc ------------------------------------------------------------------ */

static guint64
proc_cpu_ticks (int pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/stat", pid);
  g_autofree char *text = NULL;
  unsigned long utime = 0, stime = 0;
  char *p;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return 0;
  /* Fields after the command name, which may contain spaces: skip to ')'. */
  p = strrchr (text, ')');
  if (p == NULL || sscanf (p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime, &stime) != 2)
    return 0;
  return (guint64) utime + stime;
}

static long
proc_rss_kb (int pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/status", pid);
  g_autofree char *text = NULL;
  char *p;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return 0;
  p = strstr (text, "VmRSS:");
  return p ? strtol (p + 6, NULL, 10) : 0;
}

static double
self_cpu_seconds (void)
{
  struct rusage ru;

  getrusage (RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

/* ---- websocket client --------------------------------------------------------- */

static void client_fail (Client *c, const char *why);

static void
client_watch (Client *c, gboolean want_out)
{
  struct epoll_event ev = { .events = EPOLLIN | (want_out ? EPOLLOUT : 0), .data.ptr = c };

  epoll_ctl (c->worker->epfd, EPOLL_CTL_MOD, c->fd, &ev);
}

static void
client_write (Client *c, const guint8 *data, gsize len)
{
  ssize_t n = 0;

  if (c->state == C_DEAD)
    return;
  if (c->out->len == 0) {
    n = send (c->fd, data, len, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
      client_fail (c, g_strerror (errno));
      return;
    }
    if (n < 0)
      n = 0;
    if ((gsize) n == len)
      return;
    client_watch (c, TRUE);
  }
  g_byte_array_append (c->out, data + n, len - n);
}

static void
client_flush (Client *c)
{
  while (c->out->len > 0) {
    ssize_t n = send (c->fd, c->out->data, c->out->len, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0) {
      if (errno != EAGAIN && errno != EWOULDBLOCK)
        client_fail (c, g_strerror (errno));
      return;
    }
    g_byte_array_remove_range (c->out, 0, n);
  }
  client_watch (c, FALSE);
}

/* One masked frame (clients must mask; the key need not be secret here). */
static void
client_send_frame (Client *c, guint8 opcode, const char *data, gsize len)
{
  guint8 stack[512];
  gsize hlen = len < 126 ? 6 : len <= G_MAXUINT16 ? 8 : 14;
  guint8 *f = hlen + len <= sizeof stack ? stack : g_malloc (hlen + len);
  guint32 key = g_random_int ();
  guint8 *mask;

  f[0] = 0x80 | opcode;
  if (len < 126) {
    f[1] = 0x80 | (guint8) len;
  } else if (len <= G_MAXUINT16) {
    f[1] = 0x80 | 126;
    f[2] = (guint8) (len >> 8);
    f[3] = (guint8) len;
  } else {
    f[1] = 0x80 | 127;
    for (int i = 0; i < 8; i++)
      f[2 + i] = (guint8) ((guint64) len >> (56 - 8 * i));
  }
  mask = f + hlen - 4;
  memcpy (mask, &key, 4);
  for (gsize i = 0; i < len; i++)
    f[hlen + i] = (guint8) data[i] ^ mask[i & 3];
  client_write (c, f, hlen + len);
  if (f != stack)
    g_free (f);
}

static void
client_send (Client *c, const char *text)
{
  if (c->state == C_OPEN)
    client_send_frame (c, 0x1, text, strlen (text));
}

static void
client_send_signal (Client *c)
{
  char msg[512];

  /* The send time rides in the candidate string, which servers relay opaquely. */
  g_snprintf (msg, sizeof msg,
              "42[\"webrtc-signal\",{\"targetPeerId\":\"%s\",\"signal\":{\"type\":\"candidate\","
              "\"candidate\":{\"candidate\":\"candidate:1 1 udp 2122260223 127.0.0.1 9 typ host ts%" G_GINT64_FORMAT "\","
              "\"sdpMid\":\"0\",\"sdpMLineIndex\":0}}}]",
              c->target_id, g_get_monotonic_time ());
  client_send (c, msg);
  if (g_atomic_int_get (&c->worker->bench->window_open))
    c->worker->sent++;
}

static void
client_fail (Client *c, const char *why)
{
  Bench *b = c->worker->bench;

  if (c->state == C_DEAD)
    return;
  if (g_atomic_int_get (&b->loading))
    g_printerr ("sigload: client %u closed during the run: %s\n", c->index, why);
  else if (!c->joined) {
    g_printerr ("sigload: client %u failed: %s\n", c->index, why);
    g_atomic_int_inc (&b->n_failed);
    c->worker->in_flight--;
  }
  c->state = C_DEAD;
  epoll_ctl (c->worker->epfd, EPOLL_CTL_DEL, c->fd, NULL);
  close (c->fd);
  c->fd = -1;
}

static void
on_event (Client *c, const char *text)
{
  Worker *w = c->worker;
  Bench *b = w->bench;

  if (g_str_has_prefix (text, "[\"existing-peers\"")) {
    if (!c->joined) {
      c->joined = TRUE;
      w->in_flight--;
      g_atomic_int_inc (&b->n_joined);
    }
  } else if (g_str_has_prefix (text, "[\"webrtc-signal\"")) {
    const char *ts = strstr (text, " ts");

    if (g_atomic_int_get (&b->window_open)) {
      w->received++;
      if (ts) {
        gint64 now = g_get_monotonic_time ();
        gint64 lat = now - g_ascii_strtoll (ts + 3, NULL, 10);
        g_array_append_val (w->latencies_us, lat);
        g_array_append_val (w->arrivals_us, now);
      }
    }
  } else if (g_str_has_prefix (text, "[\"call-error\"")) {
    w->errors++;
    if (w->errors < 5)
      g_printerr ("sigload: client %u got call-error %s\n", c->index, text);
  }
}

static void
on_message (Client *c, const char *text)
{
  Bench *b = c->worker->bench;

  switch (text[0]) {
  case '0': { /* Engine.IO open → Socket.IO connect */
    g_autofree char *connect = b->token ? g_strdup_printf ("40{\"token\":\"%s\"}", b->token) : g_strdup ("40");
    client_send (c, connect);
    break;
  }
  case '2':
    client_send (c, "3");
    break;
  case '4':
    if (text[1] == '0') {
      g_autofree char *join = g_strdup_printf ("42[\"join-call\",{\"callId\":\"%s\",\"peerId\":\"%s\",\"name\":\"bench\"}]",
                                               c->call_id, c->peer_id);
      client_send (c, join);
    } else if (text[1] == '2') {
      on_event (c, text + 2);
    } else if (text[1] == '4') {
      client_fail (c, text);
    }
    break;
  default:
    break;
  }
}

/* Parses the server's (unmasked) frames in buf; returns the bytes used. */
static gsize
client_frames (Client *c, guint8 *buf, gsize len)
{
  gsize pos = 0;

  while (c->state == C_OPEN && len - pos >= 2) {
    guint8 *h = buf + pos;
    guint8 opcode = h[0] & 0x0f;
    guint64 plen = h[1] & 0x7f;
    gsize at = 2;

    if (plen == 126) {
      if (len - pos < 4)
        break;
      plen = ((guint64) h[2] << 8) | h[3];
      at = 4;
    } else if (plen == 127) {
      if (len - pos < 10)
        break;
      plen = 0;
      for (int i = 0; i < 8; i++)
        plen = (plen << 8) | h[2 + i];
      at = 10;
    }
    if (len - pos < at + plen)
      break;
    pos += at + plen;
    if (opcode == 0x1) {
      g_autofree char *text = g_strndup ((const char *) h + at, plen);
      on_message (c, text);
    } else if (opcode == 0x9) {
      client_send_frame (c, 0xA, (const char *) h + at, plen);
    } else if (opcode == 0x8) {
      client_fail (c, "server closed the websocket");
    }
  }
  return pos;
}

static void
client_input (Client *c, guint8 *data, gsize len)
{
  guint8 *buf = data;
  gsize used;

  if (c->in->len > 0) {
    g_byte_array_append (c->in, data, len);
    buf = c->in->data;
    len = c->in->len;
  }
  if (c->state == C_HANDSHAKE) {
    guint8 *end = memmem (buf, len, "\r\n\r\n", 4);
    if (end == NULL) {
      if (buf == data)
        g_byte_array_append (c->in, data, len);
      return;
    }
    if (len < 12 || memcmp (buf + 9, "101", 3) != 0) {
      client_fail (c, "websocket handshake refused");
      return;
    }
    c->state = C_OPEN;
    used = (gsize) (end + 4 - buf);
    used += client_frames (c, buf + used, len - used);
  } else {
    used = client_frames (c, buf, len);
  }
  if (c->state == C_DEAD)
    return;
  if (buf == data) {
    if (used < len)
      g_byte_array_append (c->in, data + used, len - used);
  } else {
    g_byte_array_remove_range (c->in, 0, used);
  }
}

static void
client_start (Client *c)
{
  Bench *b = c->worker->bench;
  struct epoll_event ev = { .events = EPOLLOUT, .data.ptr = c };
  int one = 1;

  c->fd = socket (b->addr->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (c->fd < 0) {
    g_printerr ("sigload: socket: %s\n", g_strerror (errno));
    exit (1);
  }
  /* Latency-bound small messages: no Nagle, as socket.io/Node do. */
  setsockopt (c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  c->state = C_CONNECTING;
  c->worker->in_flight++;
  epoll_ctl (c->worker->epfd, EPOLL_CTL_ADD, c->fd, &ev);
  if (connect (c->fd, b->addr->ai_addr, b->addr->ai_addrlen) < 0 && errno != EINPROGRESS)
    client_fail (c, g_strerror (errno));
}

static void
client_connected (Client *c)
{
  Bench *b = c->worker->bench;
  int err = 0;
  socklen_t len = sizeof err;
  guint8 key[16];
  g_autofree char *key64 = NULL;
  g_autofree char *req = NULL;

  getsockopt (c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
  if (err) {
    client_fail (c, g_strerror (err));
    return;
  }
  for (guint i = 0; i < sizeof key; i++)
    key[i] = (guint8) g_random_int ();
  key64 = g_base64_encode (key, sizeof key);
  req = g_strdup_printf ("GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: %s:%s\r\n"
                         "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
                         "Sec-WebSocket-Version: 13\r\n\r\n", b->host, b->port, key64);
  c->state = C_HANDSHAKE;
  client_watch (c, FALSE);
  client_write (c, (const guint8 *) req, strlen (req));
}

static void
client_ready (Client *c, guint32 events)
{
  Worker *w = c->worker;

  if (c->state == C_CONNECTING) {
    client_connected (c);
    return;
  }
  if (events & EPOLLOUT)
    client_flush (c);
  if (c->state == C_DEAD || !(events & (EPOLLIN | EPOLLERR | EPOLLHUP)))
    return;
  for (;;) {
    ssize_t n = recv (c->fd, w->scratch, sizeof w->scratch, MSG_DONTWAIT);
    if (n < 0) {
      if (errno != EAGAIN && errno != EWOULDBLOCK)
        client_fail (c, g_strerror (errno));
      return;
    }
    if (n == 0) {
      client_fail (c, "server closed the connection");
      return;
    }
    client_input (c, w->scratch, (gsize) n);
    if (c->state == C_DEAD || (gsize) n < sizeof w->scratch)
      return;
  }
}

/* ---- threads ----------------------------------------------------------------------- */

static gpointer
worker_run (gpointer data)
{
  Worker *w = data;
  Bench *b = w->bench;
  struct epoll_event events[256];
  gint64 next_tick = g_get_monotonic_time ();

  while (!g_atomic_int_get (&b->stop)) {
    gint64 now = g_get_monotonic_time ();
    int timeout = next_tick > now ? (int) ((next_tick - now + 999) / 1000) : 0;
    int n = epoll_wait (w->epfd, events, G_N_ELEMENTS (events), timeout);

    for (int i = 0; i < n; i++)
      client_ready (events[i].data.ptr, events[i].events);
    now = g_get_monotonic_time ();
    if (now < next_tick)
      continue;
    next_tick += 10000;
    if (next_tick < now)
      next_tick = now + 10000;
    /* Connect in a bounded window so the handshake burst does not distort the run. */
    while (w->next_connect < w->n_clients && w->in_flight < 32)
      client_start (&w->clients[w->next_connect++]);
    /* Every 10 ms, each client sends with probability rate*0.01: a smooth
     * aggregate load without a timer per client. */
    if (g_atomic_int_get (&b->loading)) {
      for (guint i = 0; i < w->n_clients; i++) {
        if (w->clients[i].joined && w->clients[i].state == C_OPEN && g_random_double () < b->rate * 0.01)
          client_send_signal (&w->clients[i]);
      }
    }
  }
  return NULL;
}

/* ---- report --------------------------------------------------------------------------- */

static int
cmp_i64 (const void *a, const void *b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;
  return (x > y) - (x < y);
}

static double
percentile_ms (GArray *sorted, double p)
{
  guint idx;

  if (sorted->len == 0)
    return -1;
  idx = (guint) (p * (sorted->len - 1) + 0.5);
  return g_array_index (sorted, gint64, idx) / 1000.0;
}

static void
report (Bench *b, gint64 window_start, double elapsed, double server_cpu_s, double self_cpu_s, long rss_max_kb)
{
  g_autoptr (GArray) lat = g_array_new (FALSE, FALSE, sizeof (gint64));
  guint64 sent = 0, received = 0, errors = 0;
  g_autoptr (JsonBuilder) jb = json_builder_new ();
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autofree char *text = NULL;

  for (guint t = 0; t < b->n_threads; t++) {
    Worker *w = &b->workers[t];
    g_array_append_vals (lat, w->latencies_us->data, w->latencies_us->len);
    sent += w->sent;
    received += w->received;
    errors += w->errors;
  }
  if (b->samples_out) {
    /* "ms-into-the-window latency-µs" per sample, per thread in arrival
     * order: shows whether slow relays come in bursts. */
    g_autoptr (GString) s = g_string_new (NULL);
    for (guint t = 0; t < b->n_threads; t++) {
      Worker *w = &b->workers[t];
      for (guint i = 0; i < w->latencies_us->len; i++)
        g_string_append_printf (s, "%.1f %" G_GINT64_FORMAT "\n",
                                (g_array_index (w->arrivals_us, gint64, i) - window_start) / 1000.0,
                                g_array_index (w->latencies_us, gint64, i));
    }
    if (!g_file_set_contents (b->samples_out, s->str, s->len, NULL))
      g_printerr ("sigload: cannot write %s\n", b->samples_out);
  }
  g_array_sort (lat, cmp_i64);
  json_builder_begin_object (jb);
#define MEMBER_INT(k, v) (json_builder_set_member_name (jb, k), json_builder_add_int_value (jb, v))
#define MEMBER_DBL(k, v) (json_builder_set_member_name (jb, k), json_builder_add_double_value (jb, v))
  json_builder_set_member_name (jb, "label");
  json_builder_add_string_value (jb, b->label);
  MEMBER_INT ("clients", b->n_clients);
  MEMBER_INT ("clients_joined", g_atomic_int_get (&b->n_joined));
  MEMBER_INT ("per_call", b->per_call);
  MEMBER_INT ("calls", (b->n_clients + b->per_call - 1) / b->per_call);
  MEMBER_DBL ("rate_per_client", b->rate);
  MEMBER_DBL ("seconds", elapsed);
  MEMBER_INT ("signals_sent", sent);
  MEMBER_INT ("signals_received", received);
  MEMBER_INT ("call_errors", errors);
  MEMBER_INT ("latency_samples", lat->len);
  MEMBER_DBL ("relay_p50_ms", percentile_ms (lat, 0.50));
  MEMBER_DBL ("relay_p90_ms", percentile_ms (lat, 0.90));
  MEMBER_DBL ("relay_p99_ms", percentile_ms (lat, 0.99));
  MEMBER_DBL ("relay_max_ms", percentile_ms (lat, 1.0));
  MEMBER_DBL ("server_cpu_percent", b->server_pid ? 100.0 * server_cpu_s / elapsed : -1);
  MEMBER_DBL ("server_rss_max_mb", rss_max_kb / 1024.0);
  MEMBER_DBL ("loadgen_cpu_percent", 100.0 * self_cpu_s / elapsed);
  MEMBER_INT ("loadgen_threads", b->n_threads);
  json_builder_end_object (jb);
  root = json_builder_get_root (jb);
  json_generator_set_root (gen, root);
  json_generator_set_pretty (gen, TRUE);
  text = json_generator_to_data (gen, NULL);
  printf ("%s\n", text);
  if (b->out && !g_file_set_contents (b->out, text, -1, NULL))
    g_printerr ("sigload: cannot write %s\n", b->out);
}

static gboolean
parse_url (Bench *b, const char *url)
{
  const char *p = strstr (url, "://");
  const char *colon;
  const char *end;
  struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };

  p = p ? p + 3 : url;
  end = p + strcspn (p, "/");
  colon = memchr (p, ':', end - p);
  if (colon == NULL)
    return FALSE;
  b->host = g_strndup (p, colon - p);
  b->port = g_strndup (colon + 1, end - colon - 1);
  return getaddrinfo (b->host, b->port, &hints, &b->addr) == 0;
}

int
main (int argc, char **argv)
{
  Bench b = { .rate = 2.0 };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("- load a meshcall-protocol signaling server");
  g_autoptr (GError) error = NULL;
  g_autofree char *url = NULL;
  int clients = 1000, per_call = 4, seconds = 20, warmup = 2, threads = 1;
  GOptionEntry entries[] = {
    { "url", 0, 0, G_OPTION_ARG_STRING, &url, "Server base URL (ws://HOST:PORT)", "URL" },
    { "token", 0, 0, G_OPTION_ARG_STRING, &b.token, "Auth token", "TOKEN" },
    { "server-pid", 0, 0, G_OPTION_ARG_INT, &b.server_pid, "PID of the server process to measure", "PID" },
    { "clients", 0, 0, G_OPTION_ARG_INT, &clients, "Websocket clients (default 1000)", "N" },
    { "per-call", 0, 0, G_OPTION_ARG_INT, &per_call, "Clients per call (default 4)", "N" },
    { "rate", 0, 0, G_OPTION_ARG_DOUBLE, &b.rate, "Signals per second per client (default 2)", "R" },
    { "seconds", 0, 0, G_OPTION_ARG_INT, &seconds, "Measured seconds (default 20)", "S" },
    { "warmup", 0, 0, G_OPTION_ARG_INT, &warmup, "Seconds of load before measuring (default 2)", "S" },
    { "threads", 0, 0, G_OPTION_ARG_INT, &threads, "Client threads, each with a share of the calls (default 1)", "N" },
    { "label", 0, 0, G_OPTION_ARG_STRING, &b.label, "Name of the server in the report", "NAME" },
    { "out", 0, 0, G_OPTION_ARG_FILENAME, &b.out, "Write the JSON result here too", "FILE" },
    { "samples-out", 0, 0, G_OPTION_ARG_FILENAME, &b.samples_out, "Write every latency sample here (ms into the window, latency µs)", "FILE" },
    { NULL }
  };
  guint n_calls;
  gint64 deadline, window_start = 0, now;
  guint64 ticks_start = 0;
  double self_start = 0;
  long rss_max_kb = 0;

  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error) || url == NULL || clients < 2 || per_call < 2 ||
      threads < 1 || seconds < 1 || warmup < 0) {
    g_printerr ("sigload: %s\n", error ? error->message
                                       : "--url is required; --clients and --per-call must be >= 2, --threads >= 1");
    return 2;
  }
  if (!parse_url (&b, url)) {
    g_printerr ("sigload: cannot resolve %s (expected ws://HOST:PORT)\n", url);
    return 2;
  }
  b.n_clients = clients;
  b.per_call = per_call;
  b.seconds = seconds;
  b.warmup = warmup;
  n_calls = (b.n_clients + b.per_call - 1) / b.per_call;
  b.n_threads = MIN ((guint) threads, n_calls);
  if (b.label == NULL)
    b.label = g_strdup ("server");

  /* Whole calls per thread, so a relay never crosses threads. */
  b.workers = g_new0 (Worker, b.n_threads);
  for (guint t = 0, first_call = 0; t < b.n_threads; t++) {
    Worker *w = &b.workers[t];
    guint calls = n_calls / b.n_threads + (t < n_calls % b.n_threads);
    guint first = first_call * b.per_call;
    guint last = MIN ((first_call + calls) * b.per_call, b.n_clients);

    w->bench = &b;
    w->epfd = epoll_create1 (EPOLL_CLOEXEC);
    w->latencies_us = g_array_new (FALSE, FALSE, sizeof (gint64));
    w->arrivals_us = g_array_new (FALSE, FALSE, sizeof (gint64));
    w->n_clients = last - first;
    w->clients = g_new0 (Client, w->n_clients);
    for (guint k = 0; k < w->n_clients; k++) {
      Client *c = &w->clients[k];
      guint i = first + k;
      guint call = i / b.per_call, cfirst = call * b.per_call;
      guint size = MIN (b.per_call, b.n_clients - cfirst);

      c->worker = w;
      c->index = i;
      c->fd = -1;
      c->in = g_byte_array_new ();
      c->out = g_byte_array_new ();
      c->call_id = g_strdup_printf ("bench-%u", call);
      c->peer_id = g_strdup_printf ("p%u", i);
      c->target_id = g_strdup_printf ("p%u", cfirst + ((i - cfirst + 1) % size));
    }
    first_call += calls;
  }
  for (guint t = 0; t < b.n_threads; t++)
    b.workers[t].thread = g_thread_new ("sigload", worker_run, &b.workers[t]);

  /* The coordinator: phases, and the server's CPU and RSS. */
  deadline = g_get_monotonic_time () + 120 * G_USEC_PER_SEC;
  while (g_atomic_int_get (&b.n_joined) + g_atomic_int_get (&b.n_failed) < (gint) b.n_clients) {
    if (g_get_monotonic_time () > deadline) {
      g_printerr ("sigload: only %d of %u clients joined within 120 s\n", g_atomic_int_get (&b.n_joined), b.n_clients);
      exit (1);
    }
    g_usleep (10000);
  }
  if (g_atomic_int_get (&b.n_joined) == 0) {
    g_printerr ("sigload: no client joined\n");
    return 1;
  }
  g_printerr ("sigload[%s]: %d clients joined, %d failed; loading for %u s (+%u s warm-up), %u thread(s)\n", b.label,
              g_atomic_int_get (&b.n_joined), g_atomic_int_get (&b.n_failed), b.seconds, b.warmup, b.n_threads);
  g_atomic_int_set (&b.loading, 1);
  deadline = g_get_monotonic_time () + (gint64) b.warmup * G_USEC_PER_SEC;
  for (;;) {
    now = g_get_monotonic_time ();
    if (b.server_pid)
      rss_max_kb = MAX (rss_max_kb, proc_rss_kb (b.server_pid));
    if (!window_start && now >= deadline) {
      ticks_start = b.server_pid ? proc_cpu_ticks (b.server_pid) : 0;
      self_start = self_cpu_seconds ();
      window_start = now;
      g_atomic_int_set (&b.window_open, 1);
    }
    if (window_start && now - window_start >= (gint64) b.seconds * G_USEC_PER_SEC)
      break;
    g_usleep (10000);
  }
  g_atomic_int_set (&b.window_open, 0);
  {
    double elapsed = (g_get_monotonic_time () - window_start) / 1e6;
    double server_cpu = b.server_pid ? (double) (proc_cpu_ticks (b.server_pid) - ticks_start) / sysconf (_SC_CLK_TCK) : 0;
    double self_cpu = self_cpu_seconds () - self_start;

    g_atomic_int_set (&b.stop, 1);
    for (guint t = 0; t < b.n_threads; t++)
      g_thread_join (b.workers[t].thread);
    report (&b, window_start, elapsed, server_cpu, self_cpu, rss_max_kb);
  }
  return g_atomic_int_get (&b.n_joined) == (gint) b.n_clients ? 0 : 1;
}

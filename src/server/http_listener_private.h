/* What http_listener.c and http_accept.c share: the listener's and a
 * waiting connection's state. Private to src/server. */
#pragma once

#include "http_listener.h"
#include "http_tls.h"

#include <arpa/inet.h>
#include <sys/socket.h>

G_BEGIN_DECLS

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

/* ---- http_listener.c: a connection's life -------------------------------------------- */

gint64 hl_header_timeout_us (McHttpListener *l);
void hl_conn_wait_join (Conn *c);
/* The connection is done with: freed, and its socket closed if close. */
void hl_conn_end (Conn *c, gboolean close);
/* Refused with status and a JSON body (NULL: none); linger: the close waits a moment. */
void hl_conn_close (Conn *c, guint status, const char *json, gboolean linger);
/* Closed to make room (counted in *counter; why for the log). */
void hl_conn_close_busy (Conn *c, guint64 *counter, const char *why);

/* ---- http_accept.c: taking connections in ------------------------------------------- */

/* Accepts what the listening socket has, at most ACCEPT_BATCH. */
void hl_accept_batch (McHttpListener *l, gint64 now);
/* The reserve descriptor, open again if it is not. */
void hl_reserve_open (McHttpListener *l);
/* An out-of-descriptors episode is over: logged, back-off reset. */
void hl_shortage_end (McHttpListener *l, gint64 now);

G_END_DECLS

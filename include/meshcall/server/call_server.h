/* The LAN signaling server behind `meshcall serve`: the call protocol of
 * docs/protocol.md (join-call, existing-peers, peer-joined, webrtc-signal,
 * leave-call, peer-left, call-error) over Socket.IO (sio_server.h), plus
 * GET /health and GET /stats.
 *
 * Embeddable: `meshcall join` runs one in-process when no server answers on
 * localhost:
 *
 *   McCallServerConfig cfg;
 *   mc_call_server_config_init (&cfg);
 *   cfg.address = "127.0.0.1";
 *   cfg.port = 7300;
 *   McCallServer *srv = mc_call_server_new (&cfg, &error);
 *   ... run the main loop; clients use mc_call_server_get_url (srv) ...
 *   mc_call_server_free (srv);
 *
 * The server listens and serves on the GMainContext that is thread-default
 * when mc_call_server_new() is called; it never blocks that context. It may
 * be created and freed any number of times in one process.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define MC_CALL_SERVER_DEFAULT_PORT 7300

typedef struct {
  const char *address;       /* IP literal or "localhost" to listen on; NULL = "0.0.0.0" */
  guint port;                /* 0 = any free port (see mc_call_server_get_port) */
  const char *token;         /* shared secret clients must present; NULL or "" = none */
  guint max_participants;    /* per call (default 6) */
  guint max_calls;           /* calls at once (default 1000) */
  guint max_connections;     /* Engine.IO sessions at once (default 4096) */
  guint max_payload;         /* bytes per message (default 131072; must exceed 64 KiB signals) */
  guint ping_interval_ms;    /* default 25000 */
  guint ping_timeout_ms;     /* default 20000 */
  guint rate_limit;          /* messages per second per connection, bursts of twice that (default 200) */
  guint resume_grace_ms;     /* a seat with a resume secret whose connection was lost is held this
                              * long for its return (default 5000; 0 = not held) */
  /* HTTP connections before their request is read (docs/protocol.md, "Limits"): */
  guint header_timeout_ms;   /* the request head within this of connecting; a body, and writing a response, as long again (default 10000) */
  guint max_pending_per_address;  /* connections from one IP address waiting for their request (default 128) */
  guint listen_backlog;      /* listen(2) backlog, capped by net.core.somaxconn (default 4096) */
  /* TLS (docs/protocol.md, "Transport: TLS"): both set, the listener serves HTTPS and WSS only;
   * PEM files, loaded and checked by mc_call_server_new. NULL (default): plain HTTP. */
  const char *tls_cert_file; /* the server's certificate, then any intermediates */
  const char *tls_key_file;  /* its private key, unencrypted */
} McCallServerConfig;

#define MC_CALL_SERVER_DEFAULT_RESUME_GRACE_MS 5000
/* Events kept for a held seat; one more and the seat is given up when it returns. */
#define MC_CALL_SERVER_MAX_MISSED 256

/* Fills cfg with the defaults above (address NULL, port 7300, no token). */
void mc_call_server_config_init (McCallServerConfig *cfg);
/* What mc_call_server_new refuses before it starts anything (limits below
 * their minimum, a TLS certificate without its key, a port out of range):
 * G_IO_ERROR_INVALID_ARGUMENT naming the setting. */
gboolean mc_call_server_config_check (const McCallServerConfig *cfg, GError **error);

/* Parses "ADDR:PORT", "[V6ADDR]:PORT", "ADDR", ":PORT" or "PORT" into an
 * address (g_malloc'd; NULL when the text names none) and a port (*port left
 * unchanged when the text names none). Fails with G_IO_ERROR_INVALID_ARGUMENT
 * and a message saying what was wrong. */
gboolean mc_call_server_parse_listen (const char *text, char **address, guint *port, GError **error);

typedef struct _McCallServer McCallServer;

/* Binds and starts serving. Fails (G_IO_ERROR_*) when the address cannot be
 * bound, a setting is out of range or a TLS file is unusable (the message
 * names the file and what is wrong); the message names the cause. cfg is
 * copied. */
McCallServer *mc_call_server_new (const McCallServerConfig *cfg, GError **error);
/* Closes every connection at once (no peer-left is sent) and stops listening. */
void mc_call_server_free (McCallServer *server);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (McCallServer, mc_call_server_free)

/* The bound port (the chosen one when cfg.port was 0). */
guint mc_call_server_get_port (McCallServer *server);
/* "http://ADDR:PORT" ("https://" with TLS) a client on this machine can use
 * (127.0.0.1 when listening on every address). */
char *mc_call_server_get_url (McCallServer *server);

/* Counters, as /health and /stats report them. */
guint mc_call_server_get_n_calls (McCallServer *server);
guint mc_call_server_get_n_peers (McCallServer *server);

G_END_DECLS

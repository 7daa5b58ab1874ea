/* meshcall serve: run the LAN signaling server (call_server.h) until SIGINT
 * or SIGTERM. */
#include "meshcall/server/call_server.h"
#include "meshcall/cli/commands.h"
#include "meshcall/cli/cli_config.h"
#include "meshcall/base/log.h"

#include <glib-unix.h>
#include <stdio.h>
#include <sys/resource.h>
#include <unistd.h>

#define MC_LOG_CATEGORY (&mc_log_server)

/* Descriptors kept for HTTP requests (and so for /health and for closing
 * idle connections to make room) when max-connections has to be lowered to
 * fit the limit; a quarter of a small limit. */
#define FD_HEADROOM 64

typedef struct {
  const char *name;
  gint value;
  gint min, max;
} IntOption;

static gboolean
quit_cb (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_CONTINUE;
}

/* The server runs on the default main context until SIGINT or SIGTERM. */
static void
run_until_signal (void)
{
  g_autoptr (GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  guint sigint = g_unix_signal_add (SIGINT, quit_cb, loop);
  guint sigterm = g_unix_signal_add (SIGTERM, quit_cb, loop);

  g_main_loop_run (loop);
  g_source_remove (sigint);
  g_source_remove (sigterm);
}

static gboolean
check_range (const IntOption *opt)
{
  if (opt->value < opt->min || opt->value > opt->max) {
    mc_log_error ("--%s %d is out of range: expected %d to %d", opt->name, opt->value, opt->min, opt->max);
    return FALSE;
  }
  return TRUE;
}

/* A server's descriptors are its clients: take the hard limit (the usual
 * soft one, 1024, is below max-connections' default). When even that is too
 * few, sessions (each a websocket: a descriptor) are capped below it, so
 * that they cannot take the descriptors HTTP requests need; *max_connections
 * is lowered, with a warning. */
static void
fit_descriptor_limit (gint *max_connections)
{
  struct rlimit rl;
  rlim_t headroom, fit;

  if (getrlimit (RLIMIT_NOFILE, &rl) != 0)
    return;
  if (rl.rlim_cur < rl.rlim_max && rl.rlim_max != RLIM_INFINITY) {
    rlim_t soft = rl.rlim_cur;
    rl.rlim_cur = rl.rlim_max;
    if (setrlimit (RLIMIT_NOFILE, &rl) == 0)
      MC_INFO ("descriptor limit raised from %llu to %llu", (unsigned long long) soft, (unsigned long long) rl.rlim_cur);
    else
      rl.rlim_cur = soft;
  }
  if (rl.rlim_cur == RLIM_INFINITY)
    return;
  headroom = MIN (FD_HEADROOM, rl.rlim_cur / 4);
  fit = rl.rlim_cur - headroom;
  if ((rlim_t) *max_connections <= fit)
    return;
  MC_WARNING ("max-connections %d lowered to %llu: this process may open %llu descriptors (ulimit -n) and keeps "
              "%llu for HTTP requests; raise ulimit -n for more", *max_connections, (unsigned long long) fit,
              (unsigned long long) rl.rlim_cur, (unsigned long long) headroom);
  *max_connections = (gint) MAX (fit, 1);
}

static gint
config_int (McConfig *cfg, const char *key, gint fallback)
{
  return (gint) CLAMP (mc_config_get_int (cfg, "serve", key, fallback), G_MININT, G_MAXINT);
}

/* serve's --help: what the server is, then its limits, descriptors and TLS. */
static GOptionContext *
serve_option_context (const GOptionEntry *entries)
{
  GOptionContext *ctx;

  ctx = g_option_context_new ("- run the LAN signaling server");
  g_option_context_set_summary (ctx,
      "A Socket.IO-compatible signaling server for meshcall calls on a LAN. Clients\n"
      "(meshcall join --signal http://HOST:PORT or https://, browsers, socket.io-client) join a call\n"
      "and exchange WebRTC offers, answers and ICE candidates through it; media never\n"
      "passes through the server. Protocol: docs/protocol.md.\n"
      "GET /health and GET /stats report calls, participants and messages relayed\n"
      "(/stats needs the token when one is set).\n"
      "Browsers join at http://HOST:PORT/ (the call page, served from the binary):\n"
      "http://HOST:PORT/?call=CALL_ID#token=TOKEN is a link straight into a call.");
  g_option_context_set_description (ctx,
      "Settings come from the [serve] group of the config file; flags override them.\n"
      "Logs: warnings about misbehaving clients go to stderr; GST_DEBUG=meshcall-server:5\n"
      "shows every connection.\n"
      "Descriptors: the soft limit (ulimit -n) is raised to the hard one at start; when even\n"
      "that is too few, max-connections is lowered to leave 64 for HTTP requests. Out of\n"
      "descriptors (one warning), connections that waited longest for their request make\n"
      "room for ones that sent theirs; the rest are refused (503); accepting never spins.\n"
      "Request bodies are refused (413) before they are read, except Engine.IO polling\n"
      "POSTs up to max-payload. Limits: docs/protocol.md.\n"
      "TLS: with --tls-cert and --tls-key the port speaks TLS only (clients use\n"
      "wss:// or https://; a plain HTTP request is answered 400). The TLS handshake\n"
      "counts against header-timeout. A test certificate for a LAN address:\n"
      "  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 365 \\\n"
      "    -subj /CN=meshcall -addext subjectAltName=IP:192.168.1.10 -keyout key.pem -out cert.pem\n"
      "and clients trust it with meshcall join --ca-file cert.pem.\n");
  g_option_context_add_main_entries (ctx, entries, NULL);
  return ctx;
}

/* Listening: the port to --port-file, and where clients join. */
static gboolean
announce (McCallServer *server, const char *port_file, const char *address, gboolean tls, const char *token)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *url = NULL;

  if (port_file) {
    g_autofree char *text = g_strdup_printf ("%u\n", mc_call_server_get_port (server));
    if (!g_file_set_contents (port_file, text, -1, &error)) {
      mc_log_error ("cannot write --port-file: %s", error->message);
      return FALSE;
    }
  }
  url = mc_call_server_get_url (server);
  mc_log_user ("listening on %s:%u%s (Socket.IO at /socket.io/, status at /health)%s",
               address ? address : "0.0.0.0", mc_call_server_get_port (server), tls ? " with TLS only" : "",
               token && token[0] ? ", token required" : "");
  mc_log_user ("join with: meshcall join CALL_ID --signal %s", url);
  mc_log_user ("or in a browser: %s/?call=CALL_ID%s", url, token && token[0] ? "#token=TOKEN" : "");
  return TRUE;
}

int
mc_cmd_serve (int argc, char **argv)
{
  g_autoptr (McConfig) config = NULL;
  g_autoptr (GOptionContext) ctx = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (McCallServer) server = NULL;
  g_autofree char *config_path = NULL;
  g_autofree char *listen = NULL;
  g_autofree char *token = NULL;
  g_autofree char *port_file = NULL;
  g_autofree char *address = NULL;
  g_autofree char *tls_cert = NULL;
  g_autofree char *tls_key = NULL;
  McCallServerConfig cfg;

  config = mc_cli_config_load (argc, argv);
  if (config == NULL)
    return MC_EXIT_USAGE;

  mc_call_server_config_init (&cfg);
  IntOption max_participants = { "max-participants", config_int (config, "max-participants", cfg.max_participants), 2, 64 };
  IntOption max_calls = { "max-calls", config_int (config, "max-calls", cfg.max_calls), 1, 1000000 };
  IntOption max_connections = { "max-connections", config_int (config, "max-connections", cfg.max_connections), 1, 1000000 };
  IntOption max_payload = { "max-payload", config_int (config, "max-payload", cfg.max_payload), 1024, 16 * 1024 * 1024 };
  IntOption ping_interval = { "ping-interval", config_int (config, "ping-interval", cfg.ping_interval_ms), 50, 600000 };
  IntOption ping_timeout = { "ping-timeout", config_int (config, "ping-timeout", cfg.ping_timeout_ms), 50, 600000 };
  IntOption rate_limit = { "rate-limit", config_int (config, "rate-limit", cfg.rate_limit), 1, 100000 };
  IntOption resume_grace = { "resume-grace", config_int (config, "resume-grace", cfg.resume_grace_ms), 0, 600000 };
  IntOption header_timeout = { "header-timeout", config_int (config, "header-timeout", cfg.header_timeout_ms), 100, 600000 };
  IntOption max_pending = { "max-pending-per-address",
                            config_int (config, "max-pending-per-address", cfg.max_pending_per_address), 1, 1000000 };
  IntOption backlog = { "listen-backlog", config_int (config, "listen-backlog", cfg.listen_backlog), 1, 65535 };

  GOptionEntry entries[] = {
    { "listen", 'l', 0, G_OPTION_ARG_STRING, &listen,
      "Address and port to listen on (default 0.0.0.0:7300: every interface, so the LAN can reach it; "
      "127.0.0.1:0 picks a free port on loopback)", "ADDR:PORT" },
    { "token", 't', 0, G_OPTION_ARG_STRING, &token,
      "Shared secret clients must present (Socket.IO auth {token} or join-call's token); "
      "prefer the config key [serve] token, which ps cannot show", "TOKEN" },
    { "max-participants", 0, 0, G_OPTION_ARG_INT, &max_participants.value, "Participants per call (default 6)", "N" },
    { "max-calls", 0, 0, G_OPTION_ARG_INT, &max_calls.value, "Calls at once (default 1000)", "N" },
    { "max-connections", 0, 0, G_OPTION_ARG_INT, &max_connections.value, "Client connections at once (default 4096)", "N" },
    { "max-payload", 0, 0, G_OPTION_ARG_INT, &max_payload.value,
      "Largest message a client may send, in bytes (default 131072)", "BYTES" },
    { "ping-interval", 0, 0, G_OPTION_ARG_INT, &ping_interval.value,
      "Ping every client this often, in ms (default 25000)", "MS" },
    { "ping-timeout", 0, 0, G_OPTION_ARG_INT, &ping_timeout.value,
      "Drop a client whose pong is this late, in ms (default 20000); a vanished client leaves its call "
      "within ping-interval + ping-timeout", "MS" },
    { "rate-limit", 0, 0, G_OPTION_ARG_INT, &rate_limit.value,
      "Messages per second a client may send, bursts of twice that (default 200)", "N" },
    { "resume-grace", 0, 0, G_OPTION_ARG_INT, &resume_grace.value,
      "Hold the place of a participant whose connection was lost (not left) this long, in ms, for it to "
      "take back with its resume secret; the others see nothing meanwhile (default 5000; 0 = leave at once)", "MS" },
    { "header-timeout", 0, 0, G_OPTION_ARG_INT, &header_timeout.value,
      "Close a connection whose request head has not arrived this long after it connected, in ms (default "
      "10000; answered 408); a request body gets as long again, and a response as long to be written out", "MS" },
    { "max-pending-per-address", 0, 0, G_OPTION_ARG_INT, &max_pending.value,
      "Connections from one IP address that may wait for their request at once (default 128); the next "
      "closes the oldest of them if it waited 1 s or more, else it is refused (503)", "N" },
    { "listen-backlog", 0, 0, G_OPTION_ARG_INT, &backlog.value,
      "Connections the kernel queues before they are accepted (default 4096, capped by "
      "net.core.somaxconn)", "N" },
    { "tls-cert", 0, 0, G_OPTION_ARG_FILENAME, &tls_cert,
      "Serve HTTPS and WSS only, with this PEM certificate (the server's own first, then any intermediates); "
      "needs --tls-key. Browsers allow camera and microphone only on https:// pages or localhost", "FILE" },
    { "tls-key", 0, 0, G_OPTION_ARG_FILENAME, &tls_key,
      "The certificate's private key (PEM, unencrypted; keep it readable by this user only)", "FILE" },
    { "port-file", 0, 0, G_OPTION_ARG_FILENAME, &port_file,
      "Write the bound port to FILE once listening (for scripts and tests)", "FILE" },
    MC_CLI_CONFIG_OPTION_ENTRY (&config_path),
    { NULL }
  };

  ctx = serve_option_context (entries);
  if (!g_option_context_parse (ctx, &argc, &argv, &error)) {
    mc_log_error ("%s (see 'meshcall serve --help')", error->message);
    return MC_EXIT_USAGE;
  }
  if (argc > 1) {
    mc_log_error ("unexpected argument '%s' (see 'meshcall serve --help')", argv[1]);
    return MC_EXIT_USAGE;
  }
  /* String flags win over the config; GOption would not free a default it
   * overwrites, so the config fills in only what the flags left unset. */
  if (listen == NULL)
    listen = mc_config_get_string (config, "serve", "listen", "0.0.0.0:7300");
  if (token == NULL)
    token = mc_config_get_string (config, "serve", "token", NULL);
  if (tls_cert == NULL)
    tls_cert = mc_config_get_string (config, "serve", "tls-cert", NULL);
  if (tls_key == NULL)
    tls_key = mc_config_get_string (config, "serve", "tls-key", NULL);
  if ((tls_cert == NULL) != (tls_key == NULL)) {
    mc_log_error ("%s without %s: TLS needs the certificate and its key (see 'meshcall serve --help')",
                  tls_cert ? "--tls-cert" : "--tls-key", tls_cert ? "--tls-key" : "--tls-cert");
    return MC_EXIT_USAGE;
  }
  const IntOption *ints[] = { &max_participants, &max_calls, &max_connections, &max_payload,
                              &ping_interval, &ping_timeout, &rate_limit, &resume_grace,
                              &header_timeout, &max_pending, &backlog };
  for (gsize i = 0; i < G_N_ELEMENTS (ints); i++) {
    if (!check_range (ints[i]))
      return MC_EXIT_USAGE;
  }
  if (!mc_call_server_parse_listen (listen, &address, &cfg.port, &error)) {
    mc_log_error ("--listen: %s", error->message);
    return MC_EXIT_USAGE;
  }

  /* The debug log carries the server's warnings about misbehaving clients:
   * show them unless the user chose levels with GST_DEBUG. */
  if (g_getenv ("GST_DEBUG") == NULL)
    mc_log_set_threshold ("meshcall-server", MC_LEVEL_WARNING);
  fit_descriptor_limit (&max_connections.value);

  cfg.address = address;
  cfg.token = token;
  cfg.max_participants = max_participants.value;
  cfg.max_calls = max_calls.value;
  cfg.max_connections = max_connections.value;
  cfg.max_payload = max_payload.value;
  cfg.ping_interval_ms = ping_interval.value;
  cfg.ping_timeout_ms = ping_timeout.value;
  cfg.rate_limit = rate_limit.value;
  cfg.resume_grace_ms = resume_grace.value;
  cfg.header_timeout_ms = header_timeout.value;
  cfg.max_pending_per_address = max_pending.value;
  cfg.listen_backlog = backlog.value;
  cfg.tls_cert_file = tls_cert;
  cfg.tls_key_file = tls_key;

  server = mc_call_server_new (&cfg, &error);
  if (server == NULL) {
    mc_log_error ("%s", error->message);
    return MC_EXIT_FAILURE;
  }
  if (!announce (server, port_file, address, tls_cert != NULL, token))
    return MC_EXIT_FAILURE;

  run_until_signal ();
  mc_log_user ("stopping");
  return MC_EXIT_OK;
}

/* The settings of `meshcall serve` (call_server.h): the defaults, the
 * listen address, and what mc_call_server_new refuses. No server state. */
#include "meshcall/server/call_server.h"
#include "meshcall/server/sio_server.h"
#include "server_http.h"

#include <string.h>

void
mc_call_server_config_init (McCallServerConfig *cfg)
{
  McSioServerConfig sio;
  McHttpListenerConfig http;

  mc_sio_server_config_init (&sio);
  mc_http_listener_config_init (&http);
  memset (cfg, 0, sizeof *cfg);
  cfg->port = MC_CALL_SERVER_DEFAULT_PORT;
  cfg->max_participants = 6;
  cfg->max_calls = 1000;
  cfg->max_connections = sio.eio.max_clients;
  cfg->max_payload = sio.eio.max_payload;
  cfg->ping_interval_ms = sio.eio.ping_interval_ms;
  cfg->ping_timeout_ms = sio.eio.ping_timeout_ms;
  cfg->rate_limit = sio.rate_limit;
  cfg->resume_grace_ms = MC_CALL_SERVER_DEFAULT_RESUME_GRACE_MS;
  cfg->header_timeout_ms = http.header_timeout_ms;
  cfg->max_pending_per_address = http.max_pending_per_address;
  cfg->listen_backlog = http.backlog;
}

gboolean
mc_call_server_parse_listen (const char *text, char **address, guint *port, GError **error)
{
  /* The parser lives with the listener it feeds (server_http.c). */
  return mc_server_http_parse_listen (text, address, port, error);
}

gboolean
mc_call_server_config_check (const McCallServerConfig *cfg, GError **error)
{
  if (cfg->max_participants < 2) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "max-participants must be at least 2");
    return FALSE;
  }
  if (cfg->max_calls < 1 || cfg->max_connections < 1) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "max-calls and max-connections must be at least 1");
    return FALSE;
  }
  if (cfg->max_payload < 1024) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "max-payload must be at least 1024 bytes");
    return FALSE;
  }
  if (cfg->ping_interval_ms < 1 || cfg->ping_timeout_ms < 1) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "ping-interval and ping-timeout must be positive");
    return FALSE;
  }
  if (cfg->header_timeout_ms < 1 || cfg->max_pending_per_address < 1 || cfg->listen_backlog < 1) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                 "header-timeout, max-pending-per-address and listen-backlog must be positive");
    return FALSE;
  }
  if ((cfg->tls_cert_file == NULL) != (cfg->tls_key_file == NULL)) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "TLS needs both a certificate file and a key file");
    return FALSE;
  }
  if (cfg->port > 65535) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "port %u is out of range", cfg->port);
    return FALSE;
  }
  return TRUE;
}

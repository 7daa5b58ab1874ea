/* `meshcall join --status-listen HOST:PORT`: a small HTTP server for remote
 * monitoring of a call: GET /health (200 while healthy, 503 with the reasons
 * otherwise: status/health.h) and GET /stats (the --stats-json document).
 * HEAD works as GET; other methods get 405, other paths 404; every body is
 * JSON. docs/status.md is the exact contract.
 *
 * It never blocks its loop: libsoup answers asynchronously, each answer is
 * built from the document in memory. A connection that has not been
 * answered 10 s after it was accepted is closed, and at most 64 wait for
 * their answer at once (more are closed as they come): a client that opens
 * connections and sends nothing cannot pile them up.
 *
 * Threading: serves on the GMainContext that is thread-default when
 * mc_status_server_new() is called; the source's callbacks run there. */
#pragma once

#include <json-glib/json-glib.h>

#include "meshcall/status/health.h"

G_BEGIN_DECLS

typedef struct {
  /* The stats document now (a new reference), or NULL before there is a call. */
  JsonNode *(*get_stats) (gpointer user_data);
  McHealthPhase (*get_phase) (gpointer user_data);
} McStatusSource;

typedef struct _McStatusServer McStatusServer;

/* Listens on host (an IP literal or "localhost") port (0: any free one).
 * min_peers is /health's default (a request's ?min-peers=N overrides it).
 * Fails with G_IO_ERROR (ADDRESS_IN_USE, ...) and a message
 * "cannot listen on HOST:PORT: ..." when the address cannot be bound. */
McStatusServer *mc_status_server_new (const char *host, guint port, guint min_peers, const McStatusSource *source,
                                      gpointer user_data, GError **error);
void mc_status_server_free (McStatusServer *s);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (McStatusServer, mc_status_server_free)

guint mc_status_server_get_port (McStatusServer *s);

/* The largest ?min-peers a request may ask for. */
#define MC_STATUS_MAX_MIN_PEERS 64

G_END_DECLS

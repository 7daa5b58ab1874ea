/* What meshcall join tells the outside about itself: systemd (READY=1 once
 * signaling acknowledges the first join, STATUS= lines as the call changes,
 * WATCHDOG=1 pings from the main loop, STOPPING=1 on leave: status/notify.h)
 * and, with --status-listen, GET /health and /stats (status/status_server.h).
 * Both read the call's stats document, so they say the same thing.
 *
 * Threading: main thread. */
#pragma once

#include "meshcall/call/call.h"

G_BEGIN_DECLS

typedef struct _McJoinStatus McJoinStatus;

/* host NULL: no status server, systemd only. Fails when host:port cannot be
 * bound (the message names the address and what to do). */
McJoinStatus *mc_join_status_new (const char *host, guint port, guint min_peers, GError **error);
void mc_join_status_free (McJoinStatus *st);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (McJoinStatus, mc_join_status_free)

/* The call to report on (not owned; NULL again before it is freed). */
void mc_join_status_set_call (McJoinStatus *st, McCall *call);
/* Call events: READY on the first join, STATUS when something changed. */
void mc_join_status_signaling_changed (McJoinStatus *st, McSignalingState state);
void mc_join_status_peers_changed (McJoinStatus *st);
/* Leaving: /health turns 503, systemd hears STOPPING=1. */
void mc_join_status_leaving (McJoinStatus *st);

/* The status server's port (0: none), for messages. */
guint mc_join_status_get_port (McJoinStatus *st);

G_END_DECLS

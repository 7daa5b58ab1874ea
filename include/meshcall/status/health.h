/* Whether a meshcall join process is healthy, judged from its stats document
 * (call/call_stats.h: the --stats-json document), and the one-line summary
 * systemd shows as its STATUS. What /health answers is documented exactly
 * in docs/status.md; this is its one implementation.
 *
 * Healthy means: signaling has us in the call, every participant signaling
 * lists has a connection and that connection is "connected" with media
 * arriving, and at least min_peers of them are connected. Alone in a call
 * (min_peers 0) is healthy: nobody is missing. Peer states are read as
 * strings, so states the call adds later count as "not connected" without a
 * change here.
 *
 * Pure: no I/O, no clock (the document's "time" is "now"). Any thread. */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* A peer connected for less than this is not judged on its media rate yet
 * (the first rates are computed one stats interval after it connected). */
#define MC_HEALTH_MEDIA_GRACE_S 3.0

typedef enum {
  MC_HEALTH_STARTING,  /* no call yet: the process is setting up */
  MC_HEALTH_RUNNING,   /* in a call (or joining one): judge the document */
  MC_HEALTH_LEAVING,   /* leaving the call: never healthy again */
} McHealthPhase;

typedef struct {
  McHealthPhase phase;
  guint min_peers;     /* connected peers needed to be healthy (0: alone is fine) */
} McHealthPolicy;

/* The /health document for stats (NULL while starting):
 * {"status":"ok"|"unhealthy", "callId", "peerId", "signalingState",
 *  "participants", "peersConnected", "minPeers",
 *  "peers":[{"peerId","name","connectionState"}],
 *  "reasons":[{"code","message"[,"peerId","name","state"]}]}.
 * *healthy (nullable) says whether "reasons" is empty. */
JsonNode *mc_health_judge (JsonNode *stats, const McHealthPolicy *policy, gboolean *healthy);

/* The systemd STATUS line, for a person reading `systemctl status`:
 * "in call lobby: 3 peers connected, 1 reconnecting", "in call lobby:
 * waiting for others", "joining call lobby (signaling connecting)",
 * "in call lobby: 2 peers connected; signaling reconnecting", "leaving call
 * lobby". stats NULL: "starting". */
char *mc_health_describe (JsonNode *stats, McHealthPhase phase);

G_END_DECLS

/* What every peer of a call shares: how its ICE agent gathers and connects,
 * and its buffers and timeouts. Built once (from the command line and the
 * config file) and handed down by pointer: the call keeps one, each peer
 * takes a reference to the ICE part and copies the three numbers. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Immutable and reference counted. */
typedef struct {
  gint ref_count;
  char *stun_server;        /* stun://host:port or NULL */
  GStrv turn_servers;       /* turn(s)://user:pass@host:port, NULL-terminated (maybe empty) */
  GStrv local_addresses;    /* ICE host addresses to use (e.g. "127.0.0.1"); NULL = every interface */
  gboolean relay_only;      /* ice-transport-policy=relay: only TURN-relayed candidate pairs */
} McIceConfig;

/* Strings are copied; turn_servers and local_addresses may be NULL. */
McIceConfig *mc_ice_config_new (const char *stun_server, const char *const *turn_servers,
                                const char *const *local_addresses, gboolean relay_only);
McIceConfig *mc_ice_config_ref (McIceConfig *ice);
void mc_ice_config_unref (McIceConfig *ice);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (McIceConfig, mc_ice_config_unref)

#define MC_PEER_DEFAULT_JITTER_LATENCY_MS 50
#define MC_PEER_DEFAULT_ANSWER_TIMEOUT_MS 15000
#define MC_PEER_DEFAULT_MEDIA_TIMEOUT_MS 2000

typedef struct {
  McIceConfig *ice;             /* NULL = defaults (every interface, no STUN/TURN) */
  guint jitter_latency_ms;      /* webrtcbin latency */
  guint answer_timeout_ms;      /* 0 = MC_PEER_DEFAULT_ANSWER_TIMEOUT_MS */
  guint media_timeout_ms;       /* 0 = never; no media received for this long once connected = DISCONNECTED */
} McPeerSettings;

/* Defaults above, no ICE config. */
void mc_peer_settings_init (McPeerSettings *settings);
/* *dst = *src with its own reference to the ICE config. */
void mc_peer_settings_copy (McPeerSettings *dst, const McPeerSettings *src);
void mc_peer_settings_clear (McPeerSettings *settings);

G_END_DECLS

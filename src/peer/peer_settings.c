/* Settings every peer of a call shares (see peer_settings.h). */
#include "meshcall/peer/peer_settings.h"

McIceConfig *
mc_ice_config_new (const char *stun_server, const char *const *turn_servers, const char *const *local_addresses,
                   gboolean relay_only)
{
  McIceConfig *ice = g_new0 (McIceConfig, 1);
  const char *const none[] = { NULL };

  ice->ref_count = 1;
  ice->stun_server = g_strdup (stun_server);
  ice->turn_servers = g_strdupv ((char **) (turn_servers ? turn_servers : none));
  ice->local_addresses = local_addresses ? g_strdupv ((char **) local_addresses) : NULL;
  ice->relay_only = relay_only;
  return ice;
}

McIceConfig *
mc_ice_config_ref (McIceConfig *ice)
{
  g_atomic_int_inc (&ice->ref_count);
  return ice;
}

void
mc_ice_config_unref (McIceConfig *ice)
{
  if (ice == NULL || !g_atomic_int_dec_and_test (&ice->ref_count))
    return;
  g_free (ice->stun_server);
  g_strfreev (ice->turn_servers);
  g_strfreev (ice->local_addresses);
  g_free (ice);
}

void
mc_peer_settings_init (McPeerSettings *s)
{
  s->ice = NULL;
  s->dtls_cert = NULL;
  s->jitter_latency_ms = MC_PEER_DEFAULT_JITTER_LATENCY_MS;
  s->answer_timeout_ms = 0;
  s->media_timeout_ms = MC_PEER_DEFAULT_MEDIA_TIMEOUT_MS;
}

void
mc_peer_settings_copy (McPeerSettings *dst, const McPeerSettings *src)
{
  *dst = *src;
  if (dst->ice)
    mc_ice_config_ref (dst->ice);
  if (dst->dtls_cert)
    mc_dtls_cert_ref (dst->dtls_cert);
}

void
mc_peer_settings_clear (McPeerSettings *s)
{
  g_clear_pointer (&s->ice, mc_ice_config_unref);
  g_clear_pointer (&s->dtls_cert, mc_dtls_cert_unref);
}

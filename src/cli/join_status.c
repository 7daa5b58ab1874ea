/* systemd notifications and the status server for meshcall join (join_status.h). */
#include "meshcall/cli/join_status.h"
#include "meshcall/base/log.h"
#include "meshcall/status/health.h"
#include "meshcall/status/notify.h"
#include "meshcall/status/status_server.h"

#define MC_LOG_CATEGORY (&mc_log_main)

struct _McJoinStatus {
  McNotify *notify;
  McStatusServer *server;   /* NULL: no --status-listen */
  McCall *call;
  gboolean leaving;
  guint refresh_id;         /* STATUS once a second: rates and states move without events */
};

static McHealthPhase
phase_of (McJoinStatus *st)
{
  if (st->leaving)
    return MC_HEALTH_LEAVING;
  return st->call ? MC_HEALTH_RUNNING : MC_HEALTH_STARTING;
}

static JsonNode *
source_get_stats (gpointer data)
{
  McJoinStatus *st = data;

  return st->call ? mc_call_get_stats_json (st->call) : NULL;
}

static McHealthPhase
source_get_phase (gpointer data)
{
  return phase_of (data);
}

static char *
describe (McJoinStatus *st)
{
  g_autoptr (JsonNode) stats = source_get_stats (st);

  return mc_health_describe (stats, phase_of (st));
}

static gboolean
on_refresh (gpointer data)
{
  mc_join_status_peers_changed (data);
  return G_SOURCE_CONTINUE;
}

McJoinStatus *
mc_join_status_new (const char *host, guint port, guint min_peers, GError **error)
{
  static const McStatusSource source = { source_get_stats, source_get_phase };
  g_autoptr (McJoinStatus) st = g_new0 (McJoinStatus, 1);

  st->notify = mc_notify_new ();
  if (host != NULL) {
    st->server = mc_status_server_new (host, port, min_peers, &source, st, error);
    if (st->server == NULL)
      return NULL;
  }
  if (mc_notify_is_active (st->notify)) {
    mc_notify_status (st->notify, "starting");
    st->refresh_id = g_timeout_add_seconds (1, on_refresh, st);
  }
  return g_steal_pointer (&st);
}

void
mc_join_status_free (McJoinStatus *st)
{
  if (st == NULL)
    return;
  g_clear_handle_id (&st->refresh_id, g_source_remove);
  g_clear_pointer (&st->server, mc_status_server_free);
  g_clear_pointer (&st->notify, mc_notify_free);
  g_free (st);
}

void
mc_join_status_set_call (McJoinStatus *st, McCall *call)
{
  st->call = call;
}

void
mc_join_status_signaling_changed (McJoinStatus *st, McSignalingState state)
{
  g_autofree char *line = NULL;

  if (st == NULL || !mc_notify_is_active (st->notify) || st->leaving)
    return;
  line = describe (st);
  if (state == MC_SIGNALING_STATE_JOINED)
    mc_notify_ready (st->notify, line);   /* READY=1 the first time only */
  else
    mc_notify_status (st->notify, line);
}

void
mc_join_status_peers_changed (McJoinStatus *st)
{
  g_autofree char *line = NULL;

  if (st == NULL || !mc_notify_is_active (st->notify) || st->leaving)
    return;
  line = describe (st);
  mc_notify_status (st->notify, line);
}

void
mc_join_status_leaving (McJoinStatus *st)
{
  g_autofree char *line = NULL;

  if (st == NULL || st->leaving)
    return;
  st->leaving = TRUE;
  line = describe (st);
  mc_notify_stopping (st->notify, line);
}

guint
mc_join_status_get_port (McJoinStatus *st)
{
  return st->server ? mc_status_server_get_port (st->server) : 0;
}

/* The systemd service protocol (notify.h), through libsystemd's sd_notify. */
#include "meshcall/status/notify.h"
#include "meshcall/base/log.h"

#ifdef MESHCALL_WITH_SYSTEMD
#include <systemd/sd-daemon.h>
#endif

#define MC_LOG_CATEGORY (&mc_log_main)

struct _McNotify {
  gboolean active;
  gboolean ready, stopping;
  guint64 watchdog_us;   /* WatchdogSec; 0: off */
  GSource *ping;
  char *last_status;
};

/* A STATUS= value is one line: a newline would start another assignment. */
static char *
one_line (const char *status)
{
  return g_strdelimit (g_strdup (status), "\r\n", ' ');
}

static void
send_state (McNotify *n, const char *state)
{
#ifdef MESHCALL_WITH_SYSTEMD
  int r = sd_notify (0, state);

  if (r < 0)
    MC_WARNING ("sd_notify (%s) failed: %s", state, g_strerror (-r));
  else
    MC_DEBUG ("sd_notify: %s", state);
#endif
}

#ifdef MESHCALL_WITH_SYSTEMD
static gboolean
on_ping (gpointer data)
{
  McNotify *n = data;

  if (n->ready)
    send_state (n, "WATCHDOG=1");
  else {
    /* Starting (e.g. waiting for signaling at boot) while the loop runs:
     * keep the start timeout ahead of the next ping. */
    g_autofree char *state = g_strdup_printf ("WATCHDOG=1\nEXTEND_TIMEOUT_USEC=%" G_GUINT64_FORMAT,
                                              n->watchdog_us * 2);
    send_state (n, state);
  }
  return G_SOURCE_CONTINUE;
}
#endif

McNotify *
mc_notify_new (void)
{
  McNotify *n = g_new0 (McNotify, 1);
  const char *socket = g_getenv ("NOTIFY_SOCKET");

  if (socket == NULL || socket[0] == '\0')
    return n;
#ifdef MESHCALL_WITH_SYSTEMD
  {
    uint64_t usec = 0;
    int r = sd_watchdog_enabled (0, &usec);

    n->active = TRUE;
    if (r < 0)
      MC_WARNING ("WATCHDOG_USEC or WATCHDOG_PID is not valid (%s): no watchdog pings", g_strerror (-r));
    else if (r > 0 && usec > 0) {
      n->watchdog_us = usec;
      n->ping = g_timeout_source_new ((guint) MAX (usec / 2000, 1));
      g_source_set_callback (n->ping, on_ping, n, NULL);
      g_source_attach (n->ping, g_main_context_get_thread_default ());
    }
    MC_INFO ("systemd notification socket %s; watchdog %" G_GUINT64_FORMAT " us", socket, n->watchdog_us);
  }
#else
  mc_log_user ("NOTIFY_SOCKET is set but this meshcall was built without libsystemd: it cannot tell systemd it "
               "is ready; use Type=simple units with it");
#endif
  return n;
}

void
mc_notify_free (McNotify *n)
{
  if (n == NULL)
    return;
  if (n->ping)
    g_source_destroy (n->ping);
  g_clear_pointer (&n->ping, g_source_unref);
  g_free (n->last_status);
  g_free (n);
}

gboolean
mc_notify_is_active (McNotify *n)
{
  return n->active;
}

guint64
mc_notify_get_ping_interval_us (McNotify *n)
{
  return n->ping ? MAX (n->watchdog_us / 2, 1000) : 0;
}

/* Sends prefix (may be empty) and the status, when either says something new. */
static void
send_with_status (McNotify *n, const char *prefix, const char *status)
{
  g_autofree char *line = status ? one_line (status) : NULL;
  g_autofree char *state = NULL;

  if (!n->active)
    return;
  if (prefix[0] == '\0' && (line == NULL || g_strcmp0 (line, n->last_status) == 0))
    return;
  if (line) {
    g_free (n->last_status);
    n->last_status = g_strdup (line);
  }
  state = g_strdup_printf ("%s%s%s%s", prefix, prefix[0] && line ? "\n" : "", line ? "STATUS=" : "",
                           line ? line : "");
  send_state (n, state);
}

void
mc_notify_ready (McNotify *n, const char *status)
{
  gboolean first = !n->ready;

  n->ready = TRUE;
  send_with_status (n, first ? "READY=1" : "", status);
}

void
mc_notify_status (McNotify *n, const char *status)
{
  send_with_status (n, "", status);
}

void
mc_notify_stopping (McNotify *n, const char *status)
{
  gboolean first = !n->stopping;

  n->stopping = TRUE;
  send_with_status (n, first ? "STOPPING=1" : "", status);
}

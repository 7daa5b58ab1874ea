/* The systemd service protocol for a long-running meshcall process
 * (Type=notify units): READY=1 once, STATUS= lines for `systemctl status`,
 * STOPPING=1, and WATCHDOG=1 pings at half the unit's WatchdogSec from a
 * timer on the main loop, so a main loop that is stuck stops the pings and
 * systemd restarts the process. Until READY=1 each ping also extends the
 * unit's start timeout (EXTEND_TIMEOUT_USEC), so a kiosk waiting at boot for
 * a signaling server is not restarted while its loop runs.
 *
 * Outside systemd (no NOTIFY_SOCKET) every call does nothing. A build
 * without libsystemd (MESHCALL_WITH_SYSTEMD=OFF) says once, when
 * NOTIFY_SOCKET is set, that it cannot notify.
 *
 * Threading: main thread; the timer runs on the GMainContext that is
 * thread-default when mc_notify_new() is called. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _McNotify McNotify;

/* Reads NOTIFY_SOCKET, WATCHDOG_USEC and WATCHDOG_PID and starts the pings
 * when the watchdog is on for this process. */
McNotify *mc_notify_new (void);
void mc_notify_free (McNotify *n);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (McNotify, mc_notify_free)

/* Whether a service manager listens (NOTIFY_SOCKET set and supported). */
gboolean mc_notify_is_active (McNotify *n);
/* The ping interval in microseconds; 0: no watchdog. */
guint64 mc_notify_get_ping_interval_us (McNotify *n);

/* READY=1 with a STATUS line; only the first call sends READY=1. */
void mc_notify_ready (McNotify *n, const char *status);
/* STATUS=..., sent only when it differs from the last one sent. */
void mc_notify_status (McNotify *n, const char *status);
/* STOPPING=1 with a STATUS line; the pings go on while the process winds down. */
void mc_notify_stopping (McNotify *n, const char *status);

G_END_DECLS

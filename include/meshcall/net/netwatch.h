/* This machine's network addresses: a watch that says when they change (an
 * interface up or down, an address added or removed, a DHCP renewal), and
 * whether an address is still ours. Linux: the kernel's rtnetlink
 * notifications, read from the main loop (nothing blocks); changes are
 * coalesced for 200 ms, since one event (a cable, a new lease) brings
 * several messages.
 *
 * Threading: new/free and the callback on the thread-default main context
 * of mc_netwatch_new; mc_netwatch_address_is_local from any thread. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define MC_NETWATCH_SETTLE_MS 200

typedef struct _McNetwatch McNetwatch;
typedef void (*McNetwatchFunc) (gpointer user_data);

/* NULL (error set) when the kernel refuses the socket. */
McNetwatch *mc_netwatch_new (McNetwatchFunc changed, gpointer user_data, GError **error);
void mc_netwatch_free (McNetwatch *w);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (McNetwatch, mc_netwatch_free)

/* The IPv4/IPv6 address (as text; an IPv6 zone "%eth0" is ignored) is
 * configured on one of this machine's interfaces (whether the link is up or
 * not: a cable pulled for a while does not take the address away). */
gboolean mc_netwatch_address_is_local (const char *address);
/* fe80::/10 or 169.254.0.0/16 (an IPv6 zone is ignored). */
gboolean mc_netwatch_address_is_link_local (const char *address);

G_END_DECLS

/* This machine's network addresses (netwatch.h). */
#include "meshcall/net/netwatch.h"

#include <errno.h>
#include <gio/gio.h>
#include <glib-unix.h>
#include <ifaddrs.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct _McNetwatch {
  int fd;
  guint watch;
  guint settle;
  McNetwatchFunc changed;
  gpointer user_data;
  GMainContext *context;
};

static gboolean
on_settled (gpointer data)
{
  McNetwatch *w = data;

  w->settle = 0;
  w->changed (w->user_data);
  return G_SOURCE_REMOVE;
}

static gboolean
on_readable (int fd, GIOCondition condition, gpointer data)
{
  McNetwatch *w = data;
  char buf[8192];
  gboolean any = FALSE;

  /* What changed is looked up afresh when it settles: the messages only
   * say that something did (an overrun, ENOBUFS, says so too). */
  for (;;) {
    ssize_t n = recv (fd, buf, sizeof buf, MSG_DONTWAIT);
    if (n > 0 || (n < 0 && errno == ENOBUFS)) {
      any = TRUE;
      continue;
    }
    break;
  }
  if (any && w->settle == 0) {
    GSource *src = g_timeout_source_new (MC_NETWATCH_SETTLE_MS);
    g_source_set_callback (src, on_settled, w, NULL);
    w->settle = g_source_attach (src, w->context);
    g_source_unref (src);
  }
  return G_SOURCE_CONTINUE;
}

McNetwatch *
mc_netwatch_new (McNetwatchFunc changed, gpointer user_data, GError **error)
{
  struct sockaddr_nl addr = { .nl_family = AF_NETLINK,
                              .nl_groups = RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR };
  McNetwatch *w;
  int fd = socket (AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE);

  if (fd < 0 || bind (fd, (struct sockaddr *) &addr, sizeof addr) < 0) {
    int saved = errno;
    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "cannot watch the network addresses: %s",
                 g_strerror (saved));
    if (fd >= 0)
      close (fd);
    return NULL;
  }
  w = g_new0 (McNetwatch, 1);
  w->fd = fd;
  w->changed = changed;
  w->user_data = user_data;
  w->context = g_main_context_ref_thread_default ();
  {
    GSource *src = g_unix_fd_source_new (fd, G_IO_IN);
    g_source_set_callback (src, (GSourceFunc) (void (*) (void)) on_readable, w, NULL);
    w->watch = g_source_attach (src, w->context);
    g_source_unref (src);
  }
  return w;
}

static void
remove_source (GMainContext *context, guint *id)
{
  GSource *src;

  if (*id == 0)
    return;
  src = g_main_context_find_source_by_id (context, *id);
  if (src)
    g_source_destroy (src);
  *id = 0;
}

void
mc_netwatch_free (McNetwatch *w)
{
  if (w == NULL)
    return;
  remove_source (w->context, &w->watch);
  remove_source (w->context, &w->settle);
  close (w->fd);
  g_main_context_unref (w->context);
  g_free (w);
}

gboolean
mc_netwatch_address_is_local (const char *address)
{
  g_autofree char *bare = g_strndup (address, strcspn (address, "%"));
  g_autoptr (GInetAddress) wanted = g_inet_address_new_from_string (bare);
  struct ifaddrs *list = NULL;
  gboolean found = FALSE;

  if (wanted == NULL || getifaddrs (&list) < 0)
    return FALSE;
  for (struct ifaddrs *i = list; i && !found; i = i->ifa_next) {
    g_autoptr (GSocketAddress) sa = NULL;
    if (i->ifa_addr == NULL || (i->ifa_addr->sa_family != AF_INET && i->ifa_addr->sa_family != AF_INET6))
      continue;
    sa = g_socket_address_new_from_native (i->ifa_addr, i->ifa_addr->sa_family == AF_INET
                                                            ? sizeof (struct sockaddr_in)
                                                            : sizeof (struct sockaddr_in6));
    if (sa && G_IS_INET_SOCKET_ADDRESS (sa))
      found = g_inet_address_equal (g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (sa)), wanted);
  }
  freeifaddrs (list);
  return found;
}

gboolean
mc_netwatch_address_is_link_local (const char *address)
{
  g_autofree char *bare = g_strndup (address, strcspn (address, "%"));
  g_autoptr (GInetAddress) a = g_inet_address_new_from_string (bare);

  return a != NULL && g_inet_address_get_is_link_local (a);
}

/* The systemd service protocol (status/notify.h) against a fake service
 * manager: a unix datagram socket this test binds and names in
 * NOTIFY_SOCKET. READY=1 once, STATUS only when it changes and on one line,
 * STOPPING=1, the watchdog pings at half of WATCHDOG_USEC (with the start
 * timeout extended until READY), none for another WATCHDOG_PID, and
 * nothing at all without NOTIFY_SOCKET. */
#include "meshcall/status/notify.h"

#include <gio/gio.h>
#include <gio/gunixsocketaddress.h>
#include <glib/gstdio.h>
#include <unistd.h>

typedef struct {
  char *dir, *path;
  GSocket *socket;
} Manager;

static void
manager_start (Manager *m)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GSocketAddress) addr = NULL;

  m->dir = g_dir_make_tmp ("meshcall-notify-XXXXXX", &error);
  g_assert_no_error (error);
  m->path = g_build_filename (m->dir, "notify", NULL);
  m->socket = g_socket_new (G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_DEFAULT, &error);
  g_assert_no_error (error);
  addr = g_unix_socket_address_new (m->path);
  g_assert_true (g_socket_bind (m->socket, addr, FALSE, &error));
  g_assert_no_error (error);
  g_setenv ("NOTIFY_SOCKET", m->path, TRUE);
}

static void
manager_stop (Manager *m)
{
  g_unsetenv ("NOTIFY_SOCKET");
  g_unsetenv ("WATCHDOG_USEC");
  g_unsetenv ("WATCHDOG_PID");
  g_socket_close (m->socket, NULL);
  g_object_unref (m->socket);
  g_unlink (m->path);
  g_rmdir (m->dir);
  g_free (m->path);
  g_free (m->dir);
}

/* The next message, or NULL when none came within timeout_ms, running the
 * default main context meanwhile (the pings' timer lives there). */
static char *
manager_next (Manager *m, guint timeout_ms)
{
  gint64 end = g_get_monotonic_time () + timeout_ms * 1000;
  char buf[4096];

  while (g_get_monotonic_time () < end) {
    gssize n = g_socket_receive_with_blocking (m->socket, buf, sizeof buf - 1, FALSE, NULL, NULL);
    if (n >= 0) {
      buf[n] = '\0';
      return g_strdup (buf);
    }
    g_main_context_iteration (NULL, FALSE);
    g_usleep (2000);
  }
  return NULL;
}

static void
expect (Manager *m, const char *message)
{
  g_autofree char *got = manager_next (m, 1000);

  g_assert_cmpstr (got, ==, message);
}

static void
expect_nothing (Manager *m, guint ms)
{
  g_autofree char *got = manager_next (m, ms);

  g_assert_null (got);
}

static void
test_sequence (void)
{
  Manager m = { 0 };
  g_autoptr (McNotify) n = NULL;

  manager_start (&m);
  n = mc_notify_new ();
  g_assert_true (mc_notify_is_active (n));
  g_assert_cmpuint (mc_notify_get_ping_interval_us (n), ==, 0);   /* no WATCHDOG_USEC */
  mc_notify_status (n, "starting");
  expect (&m, "STATUS=starting");
  mc_notify_status (n, "starting");   /* unchanged: not sent again */
  mc_notify_ready (n, "in call lobby:\nwaiting");
  expect (&m, "READY=1\nSTATUS=in call lobby: waiting");
  mc_notify_ready (n, "in call lobby: waiting");   /* READY once; same status */
  mc_notify_status (n, "in call lobby: 1 peer connected");
  expect (&m, "STATUS=in call lobby: 1 peer connected");
  mc_notify_stopping (n, "leaving call lobby");
  expect (&m, "STOPPING=1\nSTATUS=leaving call lobby");
  expect_nothing (&m, 100);
  manager_stop (&m);
}

static void
test_watchdog (void)
{
  Manager m = { 0 };
  g_autoptr (McNotify) n = NULL;
  g_autofree char *pid = g_strdup_printf ("%d", (int) getpid ());
  gint64 t0, t1;

  manager_start (&m);
  g_setenv ("WATCHDOG_USEC", "200000", TRUE);
  g_setenv ("WATCHDOG_PID", pid, TRUE);
  n = mc_notify_new ();
  g_assert_cmpuint (mc_notify_get_ping_interval_us (n), ==, 100000);
  /* Before READY each ping keeps the start timeout two intervals ahead. */
  expect (&m, "WATCHDOG=1\nEXTEND_TIMEOUT_USEC=400000");
  mc_notify_ready (n, NULL);
  expect (&m, "READY=1");
  expect (&m, "WATCHDOG=1");
  t0 = g_get_monotonic_time ();
  expect (&m, "WATCHDOG=1");
  t1 = g_get_monotonic_time ();
  /* Half of WATCHDOG_USEC apart (generous bounds: a loaded machine). */
  g_assert_cmpint (t1 - t0, >, 50000);
  g_assert_cmpint (t1 - t0, <, 200000);   /* before the watchdog would fire */
  g_clear_pointer (&n, mc_notify_free);
  expect_nothing (&m, 250);   /* freed: the pings stop */
  manager_stop (&m);
}

static void
test_other_pid (void)
{
  Manager m = { 0 };
  g_autoptr (McNotify) n = NULL;

  manager_start (&m);
  g_setenv ("WATCHDOG_USEC", "100000", TRUE);
  g_setenv ("WATCHDOG_PID", "1", TRUE);   /* the watchdog is for another process */
  n = mc_notify_new ();
  g_assert_cmpuint (mc_notify_get_ping_interval_us (n), ==, 0);
  expect_nothing (&m, 200);
  manager_stop (&m);
}

static void
test_outside_systemd (void)
{
  g_autoptr (McNotify) n = NULL;

  g_unsetenv ("NOTIFY_SOCKET");
  g_setenv ("WATCHDOG_USEC", "100000", TRUE);
  n = mc_notify_new ();
  g_assert_false (mc_notify_is_active (n));
  g_assert_cmpuint (mc_notify_get_ping_interval_us (n), ==, 0);
  mc_notify_ready (n, "x");
  mc_notify_status (n, "y");
  mc_notify_stopping (n, "z");
  g_unsetenv ("WATCHDOG_USEC");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#ifdef MESHCALL_WITH_SYSTEMD
  g_test_add_func ("/notify/sequence", test_sequence);
  g_test_add_func ("/notify/watchdog", test_watchdog);
  g_test_add_func ("/notify/other-pid", test_other_pid);
#else
  (void) test_sequence;
  (void) test_watchdog;
  (void) test_other_pid;
#endif
  g_test_add_func ("/notify/outside-systemd", test_outside_systemd);
  return g_test_run ();
}

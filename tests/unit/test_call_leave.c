/* MESHCALL_NO_VALGRIND: full WebRTC pipelines (DTLS, encoders) cannot keep their deadlines under valgrind; the ASan+LSan run covers leaks here. */
/* Clean leave: a participant joins and leaves the same call repeatedly in
 * one process (with a real in-process signaling server and a second
 * participant); afterwards no pipelines, peers or file descriptors are left
 * over (peer pipelines counted by peer.c itself). Run under ASan/valgrind
 * for the memory side. */
#include "meshcall/call/call.h"
#include "meshcall/server/call_server.h"
#include "meshcall/signal/socketio/signal_socketio.h"
#include "meshcall/base/log.h"

#include <gst/gst.h>
#include <string.h>

#define CYCLES 3

static guint
count_fds (void)
{
  g_autoptr (GDir) dir = g_dir_open ("/proc/self/fd", 0, NULL);
  guint n = 0;
  while (dir && g_dir_read_name (dir))
    n++;
  return n;
}

static int
count_pipelines (void)
{
  return (int) mc_peer_count_live_pipelines ();
}

static gboolean
peer_connected (McCall *call, const char *peer_id)
{
  g_autoptr (JsonNode) doc = mc_call_get_stats_json (call);
  JsonArray *peers = json_object_get_array_member (json_node_get_object (doc), "peers");
  for (guint i = 0; i < json_array_get_length (peers); i++) {
    JsonObject *p = json_array_get_object_element (peers, i);
    if (g_strcmp0 (json_object_get_string_member (p, "peerId"), peer_id) == 0)
      return g_strcmp0 (json_object_get_string_member (p, "connectionState"), "connected") == 0 &&
             json_object_get_int_member (p, "videoFramesDecoded") > 0;
  }
  return FALSE;
}

static gboolean
wait_for (gboolean (*cond) (gpointer), gpointer data, int seconds)
{
  gint64 deadline = g_get_monotonic_time () + seconds * G_USEC_PER_SEC;
  while (!cond (data) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, FALSE) || (g_usleep (2000), TRUE);
  return cond (data);
}

typedef struct {
  McCall *host, *guest;
  gboolean left;
} Ctx;

static gboolean
both_connected (gpointer data)
{
  Ctx *c = data;
  return peer_connected (c->host, "guest") && peer_connected (c->guest, "host");
}

static gboolean
host_alone (gpointer data)
{
  Ctx *c = data;
  return mc_call_get_n_peers (c->host) == 0;
}

/* The host's deferred teardown of the guest's peer is done: no pipeline is
 * left, and (after the first cycle) no more descriptors than after it. */
static gboolean
host_torn_down (gpointer data)
{
  guint fds_limit = *(guint *) data;

  return count_pipelines () == 0 && (fds_limit == 0 || count_fds () <= fds_limit);
}

static gboolean
has_left (gpointer data)
{
  return ((Ctx *) data)->left;
}

static void
on_left (McCall *call, gpointer user_data)
{
  ((Ctx *) user_data)->left = TRUE;
}

static McCall *
make_call (const char *id, const char *url)
{
  static const char *const loopback[] = { "127.0.0.1", NULL };
  McCallConfig cfg;
  g_autoptr (GError) error = NULL;
  McCall *call;

  McSignalingParams params = { .call_id = (char *) "leave-test", .peer_id = (char *) id, .name = (char *) id };
  McSignaling *sig;

  mc_call_config_init (&cfg);
  g_assert_true (mc_media_source_parse (MC_MEDIA_VIDEO, "test", &cfg.media.video, NULL));
  g_assert_true (mc_media_source_parse (MC_MEDIA_AUDIO, "test", &cfg.media.audio, NULL));
  cfg.media.width = 160;
  cfg.media.height = 120;
  cfg.media.fps = 15;
  cfg.headless = TRUE;
  cfg.media.audio_processing = FALSE;
  cfg.peer.ice = mc_ice_config_new (NULL, NULL, loopback, FALSE);
  sig = mc_signal_socketio_new (url, &params, &error);
  g_assert_no_error (error);
  call = mc_call_new (&cfg, sig, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (mc_call_join (call, &error));
  g_assert_no_error (error);
  mc_media_source_clear (&cfg.media.video);
  mc_media_source_clear (&cfg.media.audio);
  mc_peer_settings_clear (&cfg.peer);
  return call;
}

static void
test_repeated_join_leave (void)
{
  McCallServerConfig scfg;
  g_autoptr (GError) error = NULL;
  McCallServer *server;
  g_autofree char *url = NULL;
  Ctx c = { 0 };
  guint fds_after_first = 0;
  int pipelines_after_first = -1;

  mc_call_server_config_init (&scfg);
  scfg.address = "127.0.0.1";
  scfg.port = 0;
  server = mc_call_server_new (&scfg, &error);
  g_assert_no_error (error);
  url = mc_call_server_get_url (server);
  c.host = make_call ("host", url);

  for (int i = 0; i < CYCLES; i++) {
    c.guest = make_call ("guest", url);
    g_assert_true (wait_for (both_connected, &c, 20));
    c.left = FALSE;
    mc_call_leave (c.guest, on_left, &c);
    g_assert_true (wait_for (has_left, &c, 5));
    g_clear_pointer (&c.guest, mc_call_free);
    g_assert_true (wait_for (host_alone, &c, 5));
    /* The host buries the guest's peer from its main loop (and a pipeline
     * stops in its own threads): wait for it, bounded; a leak never gets
     * there. Under ASan this takes a while on a loaded machine. */
    gboolean torn_down = wait_for (host_torn_down, &fds_after_first, 10);
    g_printerr ("cycle %d: %u fds, %d pipelines\n", i, count_fds (), count_pipelines ());
    g_assert_true (torn_down);
    if (i == 0) {
      fds_after_first = count_fds ();
      pipelines_after_first = count_pipelines ();
    }
  }
  g_assert_cmpuint (count_fds (), <=, fds_after_first);
  g_assert_cmpint (count_pipelines (), ==, pipelines_after_first);
  g_assert_cmpint (count_pipelines (), ==, 0);

  g_clear_pointer (&c.host, mc_call_free);
  g_assert_cmpint (count_pipelines (), ==, 0);
  mc_call_server_free (server);
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  mc_log_init ();
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/call/repeated-join-leave", test_repeated_join_leave);
  return g_test_run ();
}

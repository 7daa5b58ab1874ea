/* The first webrtcbin of a process is slow to get going (see peer.h): do
 * that part in a thread, once, while the rest of the set-up happens. */
#include "peer_private.h"

#include "meshcall/base/log.h"

#include <gst/gst.h>

#define MC_LOG_CATEGORY (&mc_log_media)

/* What a peer's first offer or answer makes besides webrtcbin itself: its
 * transport (libnice; libsrtp2, whose self-tests take 10-30 ms) and the RTP
 * (de)payloaders. Loaded here, they are not loaded on the critical path. */
static const char *const first_peer_elements[] = {
  "nicesrc", "nicesink", "srtpenc", "srtpdec", "rtpvp8pay", "rtpvp8depay", "rtpopuspay", "rtpopusdepay",
};

static gpointer
warm_up_thread (gpointer data)
{
  gint64 start = g_get_monotonic_time ();
  GstElement *element;

  /* The DTLS plugin and its default agent (peer_dtls.c), then webrtcbin
   * (the webrtc and rtpmanager plugins), then the rest. */
  peer_dtls_prepare ();
  element = gst_element_factory_make ("webrtcbin", NULL);
  g_clear_pointer (&element, gst_object_unref);
  for (guint i = 0; i < G_N_ELEMENTS (first_peer_elements); i++) {
    element = gst_element_factory_make (first_peer_elements[i], NULL);
    g_clear_pointer (&element, gst_object_unref);
  }
  MC_INFO ("warm-up (DTLS certificate, webrtcbin) took %.3f s", (g_get_monotonic_time () - start) / 1e6);
  return NULL;
}

/* The warm-up thread, until someone waits for it. A process that exits
 * while it is still inside OpenSSL crashes in OpenSSL's exit handlers. */
static GMutex warm_up_lock;
static GThread *warm_up;

void
mc_peer_warm_up_wait (void)
{
  GThread *thread;

  g_mutex_lock (&warm_up_lock);
  thread = g_steal_pointer (&warm_up);
  g_mutex_unlock (&warm_up_lock);
  if (thread)
    g_thread_join (thread);
}

void
mc_peer_warm_up (void)
{
  static gsize once;

  if (g_once_init_enter (&once)) {
    g_mutex_lock (&warm_up_lock);
    warm_up = g_thread_new ("mc-warm-up", warm_up_thread, NULL);
    g_mutex_unlock (&warm_up_lock);
    g_once_init_leave (&once, 1);
  }
}

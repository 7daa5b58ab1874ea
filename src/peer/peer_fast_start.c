/* A remote's first packets without the jitter buffer's wait (peer_private.h).
 *
 * rtpjitterbuffer holds the first packet of a stream for its whole latency
 * (it cannot know whether an earlier one is still on its way), so with the
 * default 50 ms every stream started 50 ms late: the first picture too. Each
 * jitter buffer of the peer's webrtcbin waits MC_PEER_FIRST_PACKET_WAIT_MS
 * for its first packet instead (enough for packets of one burst that
 * arrive swapped), and takes the configured latency as that packet leaves:
 * later packets wait for missing ones as long as before. rtpbin sets each
 * jitter buffer's latency after adding it, so the switch is made as the
 * first packet comes in. */
#include "peer_private.h"

#include "meshcall/base/log.h"

#define MC_LOG_CATEGORY (&mc_log_media)

/* Streaming threads, before the jitter buffer's chain function and after it
 * pushed: neither holds the jitter buffer's lock, which "latency" takes. */
static GstPadProbeReturn
set_latency_once (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  GstObject *jitterbuffer = gst_pad_get_parent (pad);

  if (jitterbuffer) {
    g_object_set (jitterbuffer, "latency", GPOINTER_TO_UINT (data), NULL);
    gst_object_unref (jitterbuffer);
  }
  return GST_PAD_PROBE_REMOVE;
}

static void
probe_first_buffer (GstElement *element, const char *pad_name, guint latency_ms)
{
  GstPad *pad = gst_element_get_static_pad (element, pad_name);

  if (pad == NULL)
    return;
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST, set_latency_once,
                     GUINT_TO_POINTER (latency_ms), NULL);
  gst_object_unref (pad);
}

/* webrtcbin's threads, as rtpbin makes a jitter buffer for a new SSRC. */
static void
on_deep_element_added (GstBin *bin, GstBin *sub_bin, GstElement *element, gpointer user_data)
{
  McPeer *peer = user_data;
  GstElementFactory *factory = gst_element_get_factory (element);

  if (factory == NULL || !g_str_equal (GST_OBJECT_NAME (factory), "rtpjitterbuffer"))
    return;
  MC_DEBUG ("peer %s: %s waits %u ms for its first packet, then %u ms", peer->remote_id, GST_OBJECT_NAME (element),
            MC_PEER_FIRST_PACKET_WAIT_MS, peer->settings.jitter_latency_ms);
  probe_first_buffer (element, "sink", MC_PEER_FIRST_PACKET_WAIT_MS);
  probe_first_buffer (element, "src", peer->settings.jitter_latency_ms);
}

void
peer_fast_start_attach (McPeer *peer)
{
  if (peer->settings.jitter_latency_ms > MC_PEER_FIRST_PACKET_WAIT_MS)
    g_signal_connect (peer->webrtc, "deep-element-added", G_CALLBACK (on_deep_element_added), peer);
}

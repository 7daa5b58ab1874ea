/* McPeer's chat data channel (see peer.h, "Chat"): one reliable, ordered
 * channel labelled "chat" per peer pair, in the same offer and answer as
 * the media (the m=application line). The offerer creates it before its
 * first offer; the answerer takes the one webrtcbin announces
 * (on-data-channel, DCEP). It lives in the SCTP association of the DTLS
 * session, so an ICE restart in place keeps it open; a new McPeer makes a
 * new one.
 *
 * The channel's signals come on webrtcbin's SCTP threads: they only queue
 * jobs (JOB_CHAT) onto the peer's context, where the owner is told. The
 * channel pointer is set under `lock` (on-data-channel is a webrtcbin
 * thread) and read there too. */
#include "peer_private.h"

#include "meshcall/base/log.h"

#include <gio/gio.h>
#include <string.h>

#define MC_LOG_CATEGORY (&mc_log_media)

/* What the owner is never handed: a message this long is no chat message
 * (the chat protocol's limit is 16 KiB; the decoder says why). */
#define MAX_CHAT_WIRE (64 * 1024)

typedef enum {
  CHAT_EVENT_OPEN,
  CHAT_EVENT_CLOSE,
  CHAT_EVENT_MESSAGE,
} ChatEvent;

/* ---- the channel's signals (SCTP threads) ------------------------------------ */

static void
queue_chat (McPeer *peer, ChatEvent event, char *text)
{
  PeerJob *job = g_new0 (PeerJob, 1);

  job->type = JOB_CHAT;
  job->number = event;
  job->text = text;
  peer_queue_job (peer, job);
}

static void
on_chat_open (GstWebRTCDataChannel *channel, gpointer user_data)
{
  queue_chat (user_data, CHAT_EVENT_OPEN, NULL);
}

static void
on_chat_close (GstWebRTCDataChannel *channel, gpointer user_data)
{
  queue_chat (user_data, CHAT_EVENT_CLOSE, NULL);
}

static void
on_chat_string (GstWebRTCDataChannel *channel, const char *text, gpointer user_data)
{
  McPeer *peer = user_data;

  if (text == NULL)
    return;
  if (strlen (text) > MAX_CHAT_WIRE) {
    MC_DEBUG ("peer %s: chat: dropped a message of %" G_GSIZE_FORMAT " bytes", peer->remote_id, strlen (text));
    return;
  }
  queue_chat (peer, CHAT_EVENT_MESSAGE, g_strdup (text));
}

static void
on_chat_data (GstWebRTCDataChannel *channel, GBytes *data, gpointer user_data)
{
  McPeer *peer = user_data;

  MC_DEBUG ("peer %s: chat: dropped a binary message of %" G_GSIZE_FORMAT " bytes (chat is text)", peer->remote_id,
            data ? g_bytes_get_size (data) : 0);
}

static void
on_chat_error (GstWebRTCDataChannel *channel, GError *error, gpointer user_data)
{
  McPeer *peer = user_data;

  MC_INFO ("peer %s: chat channel error: %s", peer->remote_id, error ? error->message : "unknown");
}

/* Takes channel as the chat channel (the caller holds `lock`). */
static void
adopt (McPeer *peer, GstWebRTCDataChannel *channel)
{
  peer->chat = g_object_ref (channel);
  g_signal_connect (channel, "on-open", G_CALLBACK (on_chat_open), peer);
  g_signal_connect (channel, "on-close", G_CALLBACK (on_chat_close), peer);
  g_signal_connect (channel, "on-message-string", G_CALLBACK (on_chat_string), peer);
  g_signal_connect (channel, "on-message-data", G_CALLBACK (on_chat_data), peer);
  g_signal_connect (channel, "on-error", G_CALLBACK (on_chat_error), peer);
}

/* webrtcbin's thread: a channel the remote opened. */
static void
on_data_channel (GstElement *webrtc, GstWebRTCDataChannel *channel, gpointer user_data)
{
  McPeer *peer = user_data;
  g_autofree char *label = NULL;
  gboolean taken = FALSE;

  g_object_get (channel, "label", &label, NULL);
  g_mutex_lock (&peer->lock);
  if (g_strcmp0 (label, MC_PEER_CHAT_LABEL) == 0 && peer->chat == NULL) {
    /* The job first: a message that comes once the handlers are connected
     * is queued after it. */
    queue_chat (peer, CHAT_EVENT_OPEN, NULL);
    adopt (peer, channel);
    taken = TRUE;
  }
  g_mutex_unlock (&peer->lock);
  if (!taken)
    peer_channel_announced (peer, channel, label ? label : "");
}

/* ---- the peer's context ------------------------------------------------------ */

void
peer_data_init (McPeer *peer)
{
  g_signal_connect (peer->webrtc, "on-data-channel", G_CALLBACK (on_data_channel), peer);
}

void
peer_data_create (McPeer *peer)
{
  GstWebRTCDataChannel *channel = NULL;

  if (peer->chat != NULL)
    return;
  /* Reliable and ordered (the defaults), announced in-band (DCEP): what a
   * browser's createDataChannel("chat") makes. Not under `lock`: webrtcbin
   * takes its own lock here, and holds it when it announces theirs. */
  g_signal_emit_by_name (peer->webrtc, "create-data-channel", MC_PEER_CHAT_LABEL, NULL, &channel);
  if (channel == NULL) {
    MC_WARNING ("peer %s: webrtcbin made no data channel (are the SCTP elements of gstreamer1.0-plugins-bad "
                "installed?): no chat with this peer", peer->remote_id);
    return;
  }
  g_mutex_lock (&peer->lock);
  if (peer->chat == NULL)
    adopt (peer, channel);
  g_mutex_unlock (&peer->lock);
  g_object_unref (channel);
}

void
peer_data_run (McPeer *peer, PeerJob *job)
{
  switch ((ChatEvent) job->number) {
  case CHAT_EVENT_OPEN: {
    GstWebRTCDataChannelState state = GST_WEBRTC_DATA_CHANNEL_STATE_CLOSED;
    g_mutex_lock (&peer->lock);
    if (peer->chat)
      g_object_get (peer->chat, "ready-state", &state, NULL);
    g_mutex_unlock (&peer->lock);
    if (state != GST_WEBRTC_DATA_CHANNEL_STATE_OPEN || peer->chat_open)
      return;
    peer->chat_open = TRUE;
    MC_INFO ("peer %s: chat channel open", peer->remote_id);
    if (peer->cb.chat_open)
      peer->cb.chat_open (peer, peer->user_data);
    break;
  }
  case CHAT_EVENT_CLOSE:
    if (peer->chat_open)
      MC_INFO ("peer %s: chat channel closed", peer->remote_id);
    peer->chat_open = FALSE;
    break;
  case CHAT_EVENT_MESSAGE:
    /* Before OPEN was seen (a message right behind the announcement). */
    if (!peer->chat_open) {
      PeerJob open = { .number = CHAT_EVENT_OPEN };
      peer_data_run (peer, &open);
    }
    if (peer->cb.chat_message && peer->chat_open)
      peer->cb.chat_message (peer, job->text, strlen (job->text), peer->user_data);
    break;
  }
}

void
peer_data_free (McPeer *peer)
{
  GstWebRTCDataChannel *channel;

  g_mutex_lock (&peer->lock);
  channel = g_steal_pointer (&peer->chat);
  g_mutex_unlock (&peer->lock);
  peer->chat_open = FALSE;
  if (channel == NULL)
    return;
  g_signal_handlers_disconnect_by_data (channel, peer);
  /* The pipeline is NULL by now: no SCTP thread holds it. */
  g_object_unref (channel);
}

gboolean
mc_peer_chat_is_open (McPeer *peer)
{
  return peer->chat_open;
}

gboolean
mc_peer_send_chat (McPeer *peer, const char *text, GError **error)
{
  GstWebRTCDataChannel *channel = NULL;
  gboolean ok;

  if (peer->chat_open) {
    g_mutex_lock (&peer->lock);
    if (peer->chat)
      channel = g_object_ref (peer->chat);
    g_mutex_unlock (&peer->lock);
  }
  if (channel == NULL) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED, "the chat channel to %s is not open", peer->remote_id);
    return FALSE;
  }
  ok = gst_webrtc_data_channel_send_string_full (channel, text, error);
  g_object_unref (channel);
  return ok;
}

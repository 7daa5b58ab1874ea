/* McPeer's other data channels (see peer.h, "Data channels"): opened by
 * us (mc_peer_channel_open) or announced by the remote (channel_announced),
 * reliable and ordered, text and binary messages, and back-pressure from
 * webrtcbin's buffered amount (writable when it falls under
 * MC_PEER_CHANNEL_LOW_MARK).
 *
 * The channel's signals come on webrtcbin's SCTP threads and only queue
 * jobs (JOB_CHANNEL) that name the channel by its number: a job for a
 * channel closed since is dropped. Channels die with their peer. */
#include "peer_private.h"

#include "meshcall/base/log.h"

#include <gio/gio.h>

#define MC_LOG_CATEGORY (&mc_log_media)

struct _McPeerChannel {
  McPeer *peer;                    /* not a reference: the peer owns us */
  guint number;                    /* the key in peer->channels */
  char *label;
  GstWebRTCDataChannel *dc;
  McPeerChannelEvents events;
  gpointer user_data;
  gboolean open;
};

/* What a signal handler knows: the peer and the channel's number. */
typedef struct {
  McPeer *peer;
  guint number;
} ChannelTag;

typedef enum {
  CH_OPEN,
  CH_CLOSE,
  CH_TEXT,
  CH_DATA,
  CH_LOW,
} ChannelEvent;

/* ---- SCTP threads ------------------------------------------------------------ */

static void
queue (const ChannelTag *tag, ChannelEvent event, char *text, GBytes *bytes)
{
  PeerJob *job = g_new0 (PeerJob, 1);

  job->type = JOB_CHANNEL;
  job->number = tag->number;
  job->event = event;
  job->text = text;
  job->bytes = bytes;
  peer_queue_job (tag->peer, job);
}

static void
on_open (GstWebRTCDataChannel *dc, gpointer data)
{
  queue (data, CH_OPEN, NULL, NULL);
}

static void
on_close (GstWebRTCDataChannel *dc, gpointer data)
{
  queue (data, CH_CLOSE, NULL, NULL);
}

static void
on_text (GstWebRTCDataChannel *dc, const char *text, gpointer data)
{
  if (text)
    queue (data, CH_TEXT, g_strdup (text), NULL);
}

static void
on_data (GstWebRTCDataChannel *dc, GBytes *bytes, gpointer data)
{
  queue (data, CH_DATA, NULL, bytes ? g_bytes_ref (bytes) : g_bytes_new (NULL, 0));
}

static void
on_low (GstWebRTCDataChannel *dc, gpointer data)
{
  queue (data, CH_LOW, NULL, NULL);
}

/* A new McPeerChannel for dc, in peer->channels (the caller holds `lock`). */
static McPeerChannel *
wrap (McPeer *peer, GstWebRTCDataChannel *dc, const char *label)
{
  McPeerChannel *ch = g_new0 (McPeerChannel, 1);
  ChannelTag *tag = g_new0 (ChannelTag, 1);

  ch->peer = peer;
  ch->number = ++peer->channel_seq;
  ch->label = g_strdup (label);
  ch->dc = g_object_ref (dc);
  tag->peer = peer;
  tag->number = ch->number;
  g_object_set (dc, "buffered-amount-low-threshold", (guint64) MC_PEER_CHANNEL_LOW_MARK, NULL);
  g_signal_connect_data (dc, "on-open", G_CALLBACK (on_open), tag, (GClosureNotify) (void (*) (void)) g_free, 0);
  g_signal_connect (dc, "on-close", G_CALLBACK (on_close), tag);
  g_signal_connect (dc, "on-message-string", G_CALLBACK (on_text), tag);
  g_signal_connect (dc, "on-message-data", G_CALLBACK (on_data), tag);
  g_signal_connect (dc, "on-buffered-amount-low", G_CALLBACK (on_low), tag);
  g_hash_table_insert (peer->channels, GUINT_TO_POINTER (ch->number), ch);
  return ch;
}

/* webrtcbin's thread: a remote channel that is not the chat's. */
void
peer_channel_announced (McPeer *peer, GstWebRTCDataChannel *dc, const char *label)
{
  McPeerChannel *ch;

  g_mutex_lock (&peer->lock);
  ch = wrap (peer, dc, label);
  g_mutex_unlock (&peer->lock);
  {
    ChannelTag tag = { peer, ch->number };
    queue (&tag, CH_OPEN, g_strdup (label), NULL);   /* text: announced, not opened by us */
  }
}

/* ---- the peer's context ------------------------------------------------------ */

static void
channel_free (McPeerChannel *ch)
{
  g_signal_handlers_disconnect_matched (ch->dc, G_SIGNAL_MATCH_FUNC, 0, 0, NULL, G_CALLBACK (on_close), NULL);
  g_signal_handlers_disconnect_matched (ch->dc, G_SIGNAL_MATCH_FUNC, 0, 0, NULL, G_CALLBACK (on_text), NULL);
  g_signal_handlers_disconnect_matched (ch->dc, G_SIGNAL_MATCH_FUNC, 0, 0, NULL, G_CALLBACK (on_data), NULL);
  g_signal_handlers_disconnect_matched (ch->dc, G_SIGNAL_MATCH_FUNC, 0, 0, NULL, G_CALLBACK (on_low), NULL);
  /* Last: it frees the tag the others share. */
  g_signal_handlers_disconnect_matched (ch->dc, G_SIGNAL_MATCH_FUNC, 0, 0, NULL, G_CALLBACK (on_open), NULL);
  g_object_unref (ch->dc);
  g_free (ch->label);
  g_free (ch);
}

void
peer_channel_init (McPeer *peer)
{
  peer->channels = g_hash_table_new (NULL, NULL);
}

void
peer_channel_free_all (McPeer *peer)
{
  GHashTableIter it;
  gpointer value;

  if (peer->channels == NULL)
    return;
  g_hash_table_iter_init (&it, peer->channels);
  while (g_hash_table_iter_next (&it, NULL, &value))
    channel_free (value);
  g_clear_pointer (&peer->channels, g_hash_table_destroy);
}

void
peer_channel_run (McPeer *peer, PeerJob *job)
{
  McPeerChannel *ch;
  GstWebRTCDataChannelState state = GST_WEBRTC_DATA_CHANNEL_STATE_CLOSED;

  g_mutex_lock (&peer->lock);
  ch = peer->channels ? g_hash_table_lookup (peer->channels, GUINT_TO_POINTER (job->number)) : NULL;
  g_mutex_unlock (&peer->lock);
  if (ch == NULL)
    return;
  switch ((ChannelEvent) job->event) {
  case CH_OPEN:
    if (job->text != NULL) {   /* theirs: the owner takes it or closes it */
      if (peer->cb.channel_announced)
        peer->cb.channel_announced (peer, ch, ch->label, peer->user_data);
      else
        mc_peer_channel_close (ch);
      return;
    }
    g_object_get (ch->dc, "ready-state", &state, NULL);
    if (state != GST_WEBRTC_DATA_CHANNEL_STATE_OPEN || ch->open)
      return;
    ch->open = TRUE;
    if (ch->events.open)
      ch->events.open (ch, ch->user_data);
    break;
  case CH_CLOSE:
    ch->open = FALSE;
    if (ch->events.closed)
      ch->events.closed (ch, ch->user_data);
    break;
  case CH_TEXT:
    if (ch->events.text)
      ch->events.text (ch, job->text, ch->user_data);
    break;
  case CH_DATA:
    if (ch->events.data)
      ch->events.data (ch, job->bytes, ch->user_data);
    break;
  case CH_LOW:
    if (ch->events.writable)
      ch->events.writable (ch, ch->user_data);
    break;
  }
}

McPeerChannel *
mc_peer_channel_open (McPeer *peer, const char *label, const McPeerChannelEvents *events, gpointer user_data,
                      GError **error)
{
  GstWebRTCDataChannel *dc = NULL;
  McPeerChannel *ch;

  if (peer->state != MC_PEER_STATE_CONNECTED && peer->state != MC_PEER_STATE_DISCONNECTED) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED, "not connected to %s", peer->remote_id);
    return NULL;
  }
  g_signal_emit_by_name (peer->webrtc, "create-data-channel", label, NULL, &dc);
  if (dc == NULL) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "webrtcbin made no data channel \"%s\" to %s", label,
                 peer->remote_id);
    return NULL;
  }
  g_mutex_lock (&peer->lock);
  ch = wrap (peer, dc, label);
  g_mutex_unlock (&peer->lock);
  mc_peer_channel_set_events (ch, events, user_data);
  g_object_unref (dc);
  return ch;
}

void
mc_peer_channel_set_events (McPeerChannel *ch, const McPeerChannelEvents *events, gpointer user_data)
{
  GstWebRTCDataChannelState state = GST_WEBRTC_DATA_CHANNEL_STATE_CLOSED;

  ch->events = events ? *events : (McPeerChannelEvents) { 0 };
  ch->user_data = user_data;
  /* A channel already open (theirs, or ours opened before this): say so. */
  g_object_get (ch->dc, "ready-state", &state, NULL);
  if (state == GST_WEBRTC_DATA_CHANNEL_STATE_OPEN && !ch->open) {
    ChannelTag tag = { ch->peer, ch->number };
    queue (&tag, CH_OPEN, NULL, NULL);
  }
}

const char *
mc_peer_channel_get_label (McPeerChannel *ch)
{
  return ch->label;
}

McPeer *
mc_peer_channel_get_peer (McPeerChannel *ch)
{
  return ch->peer;
}

gboolean
mc_peer_channel_is_open (McPeerChannel *ch)
{
  return ch->open;
}

guint64
mc_peer_channel_get_buffered (McPeerChannel *ch)
{
  guint64 amount = 0;

  g_object_get (ch->dc, "buffered-amount", &amount, NULL);
  return amount;
}

gboolean
mc_peer_channel_send_text (McPeerChannel *ch, const char *text, GError **error)
{
  return gst_webrtc_data_channel_send_string_full (ch->dc, text, error);
}

gboolean
mc_peer_channel_send_data (McPeerChannel *ch, GBytes *data, GError **error)
{
  return gst_webrtc_data_channel_send_data_full (ch->dc, data, error);
}

void
mc_peer_channel_close (McPeerChannel *ch)
{
  McPeer *peer;

  if (ch == NULL)
    return;
  peer = ch->peer;
  g_mutex_lock (&peer->lock);
  g_hash_table_remove (peer->channels, GUINT_TO_POINTER (ch->number));
  g_mutex_unlock (&peer->lock);
  gst_webrtc_data_channel_close (ch->dc);
  channel_free (ch);
}

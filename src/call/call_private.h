/* What the files of McCall share (private to src/call/):
 *   call.c          lifecycle (new, join, leave, free), signaling events,
 *                   our media state
 *   call_peers.c    one entry per remote participant: its McPeer, created,
 *                   buried and reaped; peer callbacks; staying connected
 *                   (recovery.h decides, call_peers.c carries it out)
 *   call_report.c   stats (the JSON document, the file, the status line)
 *   call_recording.c the recording extension: who records the call, a
 *                   recorder's announcement and its encoded frames
 *   call_adapt.c    send adaptation: a rate controller per peer fed by its
 *                   feedback, the tier plan, the tier encoders' bitrates
 *   call_chat.c     the chat: sending, receiving, history and its replay
 *   call_files.c    file transfer over a data channel per file and peer
 *
 * Threading: everything on the call's main context. */
#pragma once

#include "meshcall/call/call.h"
#include "meshcall/call/call_stats.h"
#include "meshcall/call/recovery.h"
#include "meshcall/adapt/rate_controller.h"
#include "meshcall/adapt/tiers.h"
#include "meshcall/net/netwatch.h"
#include "meshcall/media/local_media.h"
#include "meshcall/media/playback.h"

G_BEGIN_DECLS

typedef struct _CallAdaptPeer CallAdaptPeer;

/* One remote participant, from the moment we connect to it until signaling
 * says it left: the entry (and its tile) outlives the McPeers made for it. */
typedef struct {
  McCall *call;
  char *peer_id;
  char *name;
  McPeer *peer;           /* NULL between a failure and the next attempt */
  guint offers_sent;      /* offers made by the current McPeer's line (first-connection retry budget) */
  gboolean was_connected; /* a connection to it worked once: it is recovered, not given up */
  McRecovery *recovery;   /* staying connected (recovery.h) */
  GSource *recovery_timer;/* the recovery's next step */
  McCallStatsPeer *stats;
  gboolean stats_pending; /* a get-stats is in flight */
  CallAdaptPeer *adapt;   /* its rate controller and what feeds it (call_adapt.c) */
  GPtrArray *chat_outbox; /* chat messages (wire text) waiting for its channel to open, or NULL */
} Entry;

struct _McCall {
  McCallConfig cfg;       /* our copy: sources, stats path and peer settings owned */
  const char *call_id, *name;   /* the signaling params' (our peer id: mc_signaling_get_peer_id, set at sign-in) */

  McCallCallbacks cb;
  gpointer user_data;

  McCapture *capture;
  McLocalMedia *local;    /* mute / camera off / self view on the capture */
  McMediaState media;     /* ours, as the peers are told */
  McPlayback *playback;
  McSignaling *sig;
  GHashTable *roster;     /* peer id -> name: who signaling says is in the call */
  GHashTable *entries;    /* peer id -> Entry* */
  GPtrArray *graveyard;   /* McPeer* to free from an idle source */
  guint reap_source;
  guint stats_timer;
  McTiers *tiers;         /* the encoder tiers' plan (NULL without video) */
  guint adapt_timer;
  guint adapt_start_bps;  /* every controller starts here: tier 0's first bitrate */
  guint adapt_max_bps;    /* ... and stays under this: max_bitrate_kbps, or less for a small capture */
  McNetwatch *netwatch;   /* our addresses: a vanished one rebuilds the peers using it */
  gboolean leaving;
  McCallDoneFunc leave_done;
  gpointer leave_data;
  guint leave_timeout;
  double joined_at;       /* wall clock, s; < 0 until first JOINED */
  gboolean signaling_up;  /* joined */
  gboolean stats_failing; /* the last write of stats_json failed (said once) */
  gint64 retry_said_us;   /* when a signaling retry was last told to the user; 0 = not in this outage */
  GQuark retry_said_domain; /* ... and what it was */
  gint retry_said_code;
  GHashTable *recorders;  /* peer id -> name: who said it records the call */
  McChatHistory *chat;    /* the recent messages, ours and theirs */
  char *chat_history_from;/* the peer asked for its history, or NULL */
  gboolean chat_history_done; /* ... it sent history-end */
  GPtrArray *transfers;   /* file transfers under way (call_files.c) */
  GPtrArray *outgoing;    /* files we send, to the peers that become ready */
  GCancellable *files_cancel; /* the hashing threads */
  char *files_dir;        /* where received files go at once; NULL: asked or refused */
  char *files_ask_dir;    /* with files_dir NULL: the user is asked (file_event's ask), yes saves here */
  guint64 files_max;      /* the largest file accepted */
};

/* ---- call_peers.c ---- */
G_GNUC_INTERNAL Entry *call_entry_add (McCall *call, const char *peer_id, const char *name);
/* Signaling says it left: its peer is buried and peer_removed called. */
G_GNUC_INTERNAL void call_entry_remove (McCall *call, const char *peer_id);
G_GNUC_INTERNAL void call_entry_free (Entry *e);
/* A new McPeer for the entry (the old one, if any, buried); offer: it offers. */
G_GNUC_INTERNAL void call_peer_create (McCall *call, Entry *e, gboolean offer);
G_GNUC_INTERNAL void call_bury (McCall *call, McPeer *peer);
G_GNUC_INTERNAL Entry *call_lookup_entry_by_peer (McCall *call, McPeer *peer);
/* Our media state to one peer (only news is sent unless even_if_live). */
G_GNUC_INTERNAL void call_send_media_state (McCall *call, const char *peer_id, gboolean even_if_live);
/* A signal for an entry's peer (an offer without a peer makes one). */
G_GNUC_INTERNAL void call_peer_signal (McCall *call, Entry *e, const char *from, const McSignal *signal);
/* Signaling joined (up) or lost: recoveries go on or wait; after a re-join
 * our first offers that may have been lost are made again. */
G_GNUC_INTERNAL void call_peers_signaling (McCall *call, gboolean up, gboolean rejoined);
/* Our network addresses changed: peers whose path used a vanished address
 * are rebuilt at once (`exists` says whether an address is still ours). */
G_GNUC_INTERNAL void call_peers_network_changed (McCall *call);

/* ---- call_adapt.c ---- */
G_GNUC_INTERNAL CallAdaptPeer *call_adapt_peer_new (McCall *call);
G_GNUC_INTERNAL void call_adapt_peer_free (CallAdaptPeer *a);
/* The tier plan and its timer (after the capture started); stop before the capture goes. */
G_GNUC_INTERNAL void call_adapt_start (McCall *call);
G_GNUC_INTERNAL void call_adapt_stop (McCall *call);
/* What the entry's peer reported about our media. */
G_GNUC_INTERNAL void call_adapt_feedback (McCall *call, Entry *e, const McPeerFeedback *fb);
/* The capture tier a new McPeer of the entry starts in: its planned one if made, else 0. */
G_GNUC_INTERNAL guint call_adapt_tier_for (McCall *call, Entry *e);
/* The adaptation members of the entry's stats. */
G_GNUC_INTERNAL void call_adapt_fill_stats (McCall *call, Entry *e);
/* ---- call_chat.c ---- */
G_GNUC_INTERNAL void call_chat_init (McCall *call);
G_GNUC_INTERNAL void call_chat_clear (McCall *call);
G_GNUC_INTERNAL void call_chat_entry_free (Entry *e);
G_GNUC_INTERNAL void call_chat_entry_removed (McCall *call, const char *peer_id);
/* McPeerCallbacks' chat_open and chat_message (user_data: the call). */
G_GNUC_INTERNAL void call_chat_on_open (McPeer *peer, gpointer user_data);
G_GNUC_INTERNAL void call_chat_on_message (McPeer *peer, const char *text, gsize len, gpointer user_data);

/* ---- call_files.c ---- */
G_GNUC_INTERNAL void call_files_init (McCall *call);
G_GNUC_INTERNAL void call_files_clear (McCall *call);
/* The entry's chat channel is open (SCTP is up): files waiting for it go. */
G_GNUC_INTERNAL void call_files_peer_ready (McCall *call, Entry *e);
/* peer is being buried: its transfers fail (the partial files go). */
G_GNUC_INTERNAL void call_files_peer_gone (McCall *call, McPeer *peer);
/* " | file NAME to/from PEER 42%" for each transfer under way. */
G_GNUC_INTERNAL void call_files_format_status (McCall *call, GString *s);
/* McPeerCallbacks' channel_announced (user_data: the call). */
G_GNUC_INTERNAL void call_files_channel_announced (McPeer *peer, McPeerChannel *ch, const char *label,
                                                   gpointer user_data);

/* ---- call_report.c ---- */
G_GNUC_INTERNAL void call_write_stats (McCall *call);
G_GNUC_INTERNAL gboolean call_on_stats_tick (gpointer data);

/* ---- call_recording.c ---- */
/* A recorder tells a peer so as its connection is set up (nothing otherwise). */
G_GNUC_INTERNAL void call_recording_announce (McCall *call, const char *peer_id);
/* peer_id says it records the call, or stopped / left: remote_recording on a change. */
G_GNUC_INTERNAL void call_recording_set (McCall *call, const char *peer_id, gboolean recording);
/* A peer's receive tap (streaming thread): on to on_encoded_frame. */
G_GNUC_INTERNAL void call_on_peer_encoded_frame (McPeer *peer, McPeerMedia media, GstCaps *caps, GstBuffer *buffer,
                                                 gpointer user_data);

G_END_DECLS

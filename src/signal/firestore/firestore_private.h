/* The Firestore back end's parts (private to src/signal/firestore):
 *
 *   signal_firestore.c   the vtable, URL, join / re-join / leave, heartbeat,
 *                        the participant list and the roster
 *   firestore_ops.c      one REST request with its retries (FsOp): the
 *                        token, back-off, what 401/403/429/5xx mean, the
 *                        outage the user is told about
 *   firestore_mail.c     the outbox (batched commits, seq per recipient
 *                        session) and the inbox (polls, exactly-once
 *                        application through firestore_inbox.h, deletes,
 *                        fetching unknown senders)
 *
 * Threading: the signaling's context; one FsSignaling, one owner. */
#pragma once

#include "firestore_auth.h"
#include "meshcall/signal/firestore/firestore_doc.h"
#include "meshcall/signal/firestore/firestore_inbox.h"
#include "meshcall/signal/firestore/http.h"
#include "meshcall/signal/firestore/signal_firestore.h"
#include "meshcall/signal/roster.h"

G_BEGIN_DECLS

typedef enum {
  PHASE_IDLE,
  PHASE_SIGNING_IN,
  PHASE_CREATING,      /* our participant document */
  PHASE_CHECKING,      /* it exists: live (duplicate) or stale (ours to replace)? */
  PHASE_LISTING,       /* the participant list after creating */
  PHASE_JOINED,
  PHASE_LEAVING,
  PHASE_FAILED,
} FsPhase;

typedef struct _FsSignaling FsSignaling;
typedef struct _FsOp FsOp;

/* A finished request that Firestore answered (200, or a status the op
 * handles itself: 400, 404, 409, and 403 for ops that are not critical).
 * Return FALSE with retry set (a garbage answer) to retry it with back-off. */
typedef gboolean (*FsOpDone) (FsSignaling *self, FsOp *op, const McHttpResponse *r, GError **retry);

struct _FsOp {
  FsSignaling *self;
  FsOp **slot;           /* cleared when the op ends */
  char *what;            /* "the inbox poll", for messages */
  char *method, *url, *body;
  FsOpDone done;
  gboolean critical;     /* a 403 is final */
  gboolean no_retry;     /* a failure goes to done too (status 0, 429, 5xx): the caller recovers */
  guint attempts;
  guint unauthorized;    /* 401s in a row */
  McHttpRequest *request;
  GSource *timer;
  gpointer data;
  GDestroyNotify data_free;
};

typedef struct {
  char *to;
  JsonNode *signal;
} FsQueued;

struct _FsSignaling {
  McSignaling base;
  McFirestoreConfig cfg;
  char *project, *database;
  gboolean emulator;
  char *rest_base;        /* "http://H:P/v1/" or "https://firestore.googleapis.com/v1/" */
  char *host;             /* for messages */
  char *docs;             /* projects/P/databases/D/documents */
  char *participants;     /* docs/calls/C/participants */
  char *self_doc;         /* participants/UID, once signed in */
  char *inbox;            /* self_doc/inbox */
  gboolean peer_id_given; /* --peer-id: must be the uid */

  McHttp *http;
  FsAuth *auth;
  FsPhase phase;
  gboolean joined_once;
  char *session;
  gint64 joined_at_us;    /* server time */
  char *update_time;      /* our document's version */
  gboolean outage;        /* a request is being retried: the user was told */
  gint64 busy_until_us;   /* poll fast until then (monotonic) */
  gboolean peer_late;     /* someone missed a heartbeat: read the list every second */

  /* the others */
  GHashTable *peers;      /* peer id -> McFirestoreParticipant*: live, as last read */
  McRoster *roster;

  /* timers and requests */
  GSource *heartbeat_timer, *participants_timer, *inbox_timer, *leave_timer;
  FsOp *join_op, *heartbeat_op, *participants_op, *inbox_op, *delete_op, *send_op, *cleanup_op;
  GHashTable *fetch_ops;  /* peer id -> FsOp*: reading a sender's document */

  /* the outbox */
  GQueue queue;           /* FsQueued*, not yet written */
  GPtrArray *in_flight;   /* write JsonNode*: the commit under way (retried as is) */
  GHashTable *seqs;       /* "peer/session" -> FsSent: the last seq and when the recent ones went */
  McFirestoreInbox *inbox_rules;
  GPtrArray *held_docs;   /* the last inbox read, kept while it holds messages of senders being read */
  GHashTable *awaiting;   /* peer id -> monotonic µs: our offer to it waits for its answer until then */
  GSource *flush_timer;   /* an offer or answer waits a moment for its first candidates */
  GPtrArray *gone_paths;  /* messages we sent to departed participants, to delete (char*) */
  GSource *gone_timer;
  FsOp *gone_op;
  void (*clear_done) (FsSignaling *self);   /* leaving: the inbox is cleared */

  McSignalingDoneFunc leave_done;
  gpointer leave_data;
};

/* ---- firestore_ops.c ---------------------------------------------------------- */

/* Starts a request (body may be NULL); *slot (may be NULL) holds the op
 * until it ends. url is relative to rest_base. */
FsOp *fs_op_start (FsSignaling *self, FsOp **slot, const char *what, const char *method, const char *url,
                   char *body, gboolean critical, FsOpDone done);
void fs_op_cancel (FsOp *op);
/* An op waiting out its back-off goes now (the network changed). TRUE if it did. */
gboolean fs_op_retry_now (FsOp *op);
/* A commit of writes (JsonNode*, referenced). */
FsOp *fs_op_commit (FsSignaling *self, FsOp **slot, const char *what, GPtrArray *writes, gboolean critical,
                    FsOpDone done);
/* "HTTP 409 ALREADY_EXISTS: message" for logs. */
char *fs_describe_status (const McHttpResponse *r);
/* The answer says "exists already" / "precondition failed" / "not found". */
gboolean fs_answer_is (const McHttpResponse *r, const char *status);

/* ---- signal_firestore.c ------------------------------------------------------- */

/* Something failed for good: report final, stop everything. */
void fs_fail (FsSignaling *self, GQuark domain, gint code, const char *format, ...) G_GNUC_PRINTF (4, 5);
/* A request worked after others were retried: back to normal. */
void fs_recovered (FsSignaling *self);
/* Requests are being retried: tell the user (not final). */
void fs_outage (FsSignaling *self, const char *message);
/* A sender's document came in (NULL: it is gone) through a direct read. */
void fs_peer_seen (FsSignaling *self, McFirestoreParticipant *p, gint64 read_time_us);
/* Poll fast for a while (a signal went or came, the roster changed). */
void fs_busy (FsSignaling *self);
guint fs_poll_interval (FsSignaling *self, guint idle_ms);
GSource *fs_timeout (FsSignaling *self, guint ms, GSourceFunc func);
gboolean fs_joined (FsSignaling *self);
/* Our document is gone or replaced (why, for the user): join again as a new session. */
void fs_rejoin (FsSignaling *self, const char *why);

/* ---- firestore_presence.c ----------------------------------------------------- */

/* How many participant documents one list read asks for. */
#define FS_LIST_LIMIT 50

/* One read of the participant list. Returns FALSE if it failed us (we lost
 * our document and re-join). */
gboolean fs_presence_apply (FsSignaling *self, GPtrArray *docs, gint64 read_time_us);
/* Roster changes out as joined/left events (while joined and in the call). */
void fs_presence_report (FsSignaling *self, GArray *changes);
/* The next participant list poll (fast while busy or a heartbeat is late). */
void fs_presence_schedule_list (FsSignaling *self);
void fs_presence_schedule_heartbeat (FsSignaling *self);
/* The participant list read now (a read in flight is made again). */
void fs_presence_poll_list_now (FsSignaling *self);
/* (joinedAt, peerId) order of McFirestoreParticipant pointers. */
gint fs_by_join_order (gconstpointer a, gconstpointer b);

/* ---- firestore_mail.c --------------------------------------------------------- */

void fs_mail_start (FsSignaling *self);     /* joined: polls and the outbox run */
void fs_mail_stop (FsSignaling *self);      /* cancels polls and writes; keeps the queue */
void fs_mail_poll_now (FsSignaling *self);  /* reads the inbox now (a read in flight is made again) */
void fs_mail_reset (FsSignaling *self);     /* a new session: forgets seqs, inbox state, queue */
/* peer_id's document (session) is gone: what we sent it lately and it may
 * not have read is deleted from its inbox a little later. */
void fs_mail_peer_gone (FsSignaling *self, const char *peer_id, const char *session);
gboolean fs_mail_send (FsSignaling *self, const char *to, JsonNode *signal, GError **error);
/* Leave: deletes of everything left in our inbox, then done (from the loop). */
void fs_mail_clear_inbox (FsSignaling *self, void (*done) (FsSignaling *self));
void fs_queued_free (gpointer data);

G_END_DECLS

/* The chat protocol on the "chat" data channel (docs/protocol.md, "Chat"):
 * the messages' decoder and encoder, and the recent history a late joiner
 * is sent. Pure: no I/O, no clock (sentAt and ids are passed in), so the
 * decoder can be fuzzed (fuzz/fuzz_chat.c) and unit-tested.
 *
 * Every message is one JSON object in one text message of the channel:
 *   {"type":"chat","id":ID,"from":PEER,"name":NAME,"text":TEXT,"sentAt":MS[,"replay":true]}
 *   {"type":"history-request"}     send me your recent messages (replayed, then history-end)
 *   {"type":"history-end"}         that was all of them
 * The decoder refuses (MC_CHAT_ERROR) anything else; the caller drops it
 * with a debug line and the channel goes on.
 *
 * Threading: none of its own; an McChatHistory belongs to one thread. */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define MC_CHAT_ERROR (mc_chat_error_quark ())
GQuark mc_chat_error_quark (void);

typedef enum {
  MC_CHAT_ERROR_MALFORMED,  /* not a chat protocol message (the message says which rule) */
  MC_CHAT_ERROR_TOO_LONG,   /* text over MC_CHAT_MAX_TEXT, or the message over MC_CHAT_MAX_MESSAGE */
} McChatError;

#define MC_CHAT_LABEL "chat"           /* the data channel's label */
#define MC_CHAT_MAX_TEXT 4096          /* bytes of UTF-8 in "text" */
#define MC_CHAT_MAX_MESSAGE 16384      /* bytes of the whole JSON message */
#define MC_CHAT_MAX_ID 64              /* "id": 1..64 of [A-Za-z0-9._:-] */
#define MC_CHAT_MAX_NAME 64            /* "name": bytes of UTF-8 (the call protocol's name limit) */
#define MC_CHAT_MAX_FROM 128           /* "from": a peer id */
#define MC_CHAT_HISTORY 50             /* messages a late joiner is sent */

typedef enum {
  MC_CHAT_KIND_MESSAGE,          /* "chat" */
  MC_CHAT_KIND_HISTORY_REQUEST,  /* "history-request" */
  MC_CHAT_KIND_HISTORY_END,      /* "history-end" */
} McChatKind;

typedef struct {
  char *id;
  char *from;        /* the author's peer id */
  char *name;        /* the author's display name */
  char *text;        /* UTF-8, 1..MC_CHAT_MAX_TEXT bytes, no control characters but tab and newline */
  gint64 sent_at;    /* ms since the Unix epoch, the author's clock */
} McChatMessage;

McChatMessage *mc_chat_message_new (const char *id, const char *from, const char *name, const char *text,
                                    gint64 sent_at);
McChatMessage *mc_chat_message_copy (const McChatMessage *msg);
void mc_chat_message_free (McChatMessage *msg);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (McChatMessage, mc_chat_message_free)

/* Decodes one message of the channel. For MC_CHAT_KIND_MESSAGE, *msg gets
 * the message and *replay whether it is history being replayed. msg and
 * replay may be NULL (validation only). */
gboolean mc_chat_decode (const char *data, gsize len, McChatKind *kind, McChatMessage **msg, gboolean *replay,
                         GError **error);
/* The rules mc_chat_decode applies to a text we are about to send: 1 to
 * MC_CHAT_MAX_TEXT bytes of UTF-8, no control characters but tab and newline. */
gboolean mc_chat_check_text (const char *text, GError **error);

/* Compact JSON in the member order above. */
char *mc_chat_encode (const McChatMessage *msg, gboolean replay);
char *mc_chat_encode_control (McChatKind kind);
/* The message's members (id, from, name, text, sentAt) into an object being built. */
void mc_chat_add_members (JsonBuilder *b, const McChatMessage *msg);

/* The last MC_CHAT_HISTORY (or `max`) messages in sentAt order (equal
 * times in arrival order), each id once. */
typedef struct _McChatHistory McChatHistory;
McChatHistory *mc_chat_history_new (guint max);
void mc_chat_history_free (McChatHistory *h);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (McChatHistory, mc_chat_history_free)
/* Adds a copy; FALSE (nothing added) when a message with its id was seen
 * (also one that has since left the window: ids are remembered longer). */
gboolean mc_chat_history_add (McChatHistory *h, const McChatMessage *msg);
guint mc_chat_history_len (McChatHistory *h);
/* The i-th oldest of the kept messages. */
const McChatMessage *mc_chat_history_get (McChatHistory *h, guint i);

G_END_DECLS

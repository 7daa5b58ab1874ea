/* meshcall join's chat for bots and scripts: --chat-log (every message of
 * the call, one JSON object a line, appended and flushed as it comes:
 * docs/protocol.md, "The --chat-log file") and --say (one message, sent
 * once the call is joined).
 *
 * Threading: main thread. */
#pragma once

#include "meshcall/call/call.h"

G_BEGIN_DECLS

typedef struct _McJoinChat McJoinChat;

/* log_path NULL: no log. An error when the file cannot be opened for appending. */
McJoinChat *mc_join_chat_new (const char *log_path, const char *say, GError **error);
void mc_join_chat_free (McJoinChat *chat);
/* The call's chat_message event: a line in the log. */
void mc_join_chat_log (McJoinChat *chat, const McChatMessage *msg, gboolean local);
/* Signaling joined: --say goes out (the first time only; from an idle, so
 * the peers signaling listed with the join are in the call by then). */
void mc_join_chat_joined (McJoinChat *chat, McCall *call);

/* A file transfer's news as one line for the user (safe to print), or NULL
 * for progress. */
char *mc_join_chat_describe_file (const McCallFileEvent *ev);

G_END_DECLS

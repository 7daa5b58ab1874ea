/* --chat-log and --say: see join_chat.h. */
#include "meshcall/cli/join_chat.h"

#include "meshcall/base/json.h"
#include "meshcall/base/log.h"
#include "meshcall/base/text.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

struct _McJoinChat {
  int fd;               /* the log, O_APPEND; -1: none */
  char *log_path;
  char *say;            /* NULL once sent */
  McCall *call;         /* while the --say idle is pending */
  guint say_id;
  gboolean log_failing; /* a write failed (said once) */
};

McJoinChat *
mc_join_chat_new (const char *log_path, const char *say, GError **error)
{
  McJoinChat *chat = g_new0 (McJoinChat, 1);

  chat->fd = -1;
  chat->say = g_strdup (say);
  if (log_path != NULL) {
    chat->log_path = g_strdup (log_path);
    chat->fd = open (log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (chat->fd < 0) {
      int err = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (err), "--chat-log %s: cannot open it for "
                   "appending: %s", log_path, g_strerror (err));
      mc_join_chat_free (chat);
      return NULL;
    }
  }
  return chat;
}

void
mc_join_chat_free (McJoinChat *chat)
{
  if (chat == NULL)
    return;
  g_clear_handle_id (&chat->say_id, g_source_remove);
  if (chat->fd >= 0)
    close (chat->fd);
  g_free (chat->log_path);
  g_free (chat->say);
  g_free (chat);
}

void
mc_join_chat_log (McJoinChat *chat, const McChatMessage *msg, gboolean local)
{
  g_autoptr (JsonBuilder) b = NULL;
  g_autoptr (JsonNode) node = NULL;
  g_autoptr (GString) line = g_string_new (NULL);

  if (chat == NULL || chat->fd < 0)
    return;
  b = json_builder_new ();
  json_builder_begin_object (b);
  mc_chat_add_members (b, msg);
  json_builder_set_member_name (b, "receivedAt");
  json_builder_add_int_value (b, g_get_real_time () / 1000);
  json_builder_set_member_name (b, "local");
  json_builder_add_boolean_value (b, local);
  json_builder_end_object (b);
  node = json_builder_get_root (b);
  mc_json_append (line, node);
  g_string_append_c (line, '\n');
  /* One write per line: O_APPEND keeps lines whole even with another writer. */
  if (write (chat->fd, line->str, line->len) != (gssize) line->len && !chat->log_failing) {
    chat->log_failing = TRUE;
    mc_log_error ("--chat-log %s: writing failed: %s", chat->log_path, g_strerror (errno));
  }
}

static gboolean
say_now (gpointer data)
{
  McJoinChat *chat = data;
  g_autoptr (GError) error = NULL;

  chat->say_id = 0;
  if (!mc_call_send_chat (chat->call, chat->say, &error))
    mc_log_error ("--say: %s", error->message);
  g_clear_pointer (&chat->say, g_free);
  return G_SOURCE_REMOVE;
}

void
mc_join_chat_joined (McJoinChat *chat, McCall *call)
{
  if (chat == NULL || chat->say == NULL || chat->say_id != 0)
    return;
  chat->call = call;
  chat->say_id = g_idle_add (say_now, chat);
}

char *
mc_join_chat_describe_file (const McCallFileEvent *ev)
{
  g_autofree char *name = mc_text_sanitize (ev->name);
  g_autofree char *who = mc_text_sanitize (ev->peer_name);
  g_autofree char *msg = ev->message ? mc_text_sanitize (ev->message) : NULL;
  const char *dir = ev->sending ? "to" : "from";

  switch (ev->state) {
  case MC_CALL_FILE_OFFERED:
    return g_strdup_printf ("%s %s %s %s (%" G_GUINT64_FORMAT " bytes)", ev->sending ? "offering" : "offered",
                            name, dir, who, ev->size);
  case MC_CALL_FILE_PROGRESS:
    return NULL;
  case MC_CALL_FILE_DONE:
    if (ev->sending)
      return g_strdup_printf ("sent %s to %s (%" G_GUINT64_FORMAT " bytes, SHA-256 checked)", name, who, ev->size);
    return g_strdup_printf ("received %s from %s: saved as %s", name, who, msg ? msg : "?");
  case MC_CALL_FILE_FAILED:
    return g_strdup_printf ("file %s %s %s: %s", name, dir, who, msg ? msg : "failed");
  }
  return NULL;
}

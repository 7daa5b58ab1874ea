/* libFuzzer target for the chat protocol's decoder (talk/chat.h), what a
 * remote participant's "chat" data channel delivers.
 *
 * A rejection must be MC_CHAT_ERROR with a readable message. Whatever
 * decodes as a chat message obeys the limits, is encoded and decoded
 * again to an equal message, and its encoding is stable; the history takes
 * it once (a second add of its id is refused). Any disagreement aborts. */
#include "meshcall/talk/chat.h"
#include "fuzz_common.h"

static gboolean
message_equal (const McChatMessage *a, const McChatMessage *b)
{
  return strcmp (a->id, b->id) == 0 && strcmp (a->from, b->from) == 0 && strcmp (a->name, b->name) == 0 &&
         strcmp (a->text, b->text) == 0 && a->sent_at == b->sent_at;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (McChatMessage) msg = NULL;
  g_autoptr (McChatMessage) again = NULL;
  g_autoptr (McChatHistory) history = NULL;
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;
  McChatKind kind = MC_CHAT_KIND_HISTORY_END, kind2 = MC_CHAT_KIND_HISTORY_END;
  gboolean replay = FALSE, replay2 = FALSE;

  if (!mc_chat_decode ((const char *) data, size, &kind, &msg, &replay, &error)) {
    CHECK (error != NULL && error->domain == MC_CHAT_ERROR);
    CHECK (error->message && error->message[0] && g_utf8_validate (error->message, -1, NULL));
    CHECK (msg == NULL);
    return 0;
  }
  CHECK (size <= MC_CHAT_MAX_MESSAGE);
  if (kind != MC_CHAT_KIND_MESSAGE) {
    CHECK (msg == NULL);
    first = mc_chat_encode_control (kind);
    CHECK (mc_chat_decode (first, strlen (first), &kind2, NULL, NULL, NULL) && kind2 == kind);
    return 0;
  }
  CHECK (msg != NULL);
  CHECK (strlen (msg->text) >= 1 && strlen (msg->text) <= MC_CHAT_MAX_TEXT);
  CHECK (mc_chat_check_text (msg->text, NULL));
  CHECK (strlen (msg->id) >= 1 && strlen (msg->id) <= MC_CHAT_MAX_ID);
  CHECK (strlen (msg->name) >= 1 && strlen (msg->name) <= MC_CHAT_MAX_NAME);
  CHECK (msg->sent_at >= 0);
  first = mc_chat_encode (msg, replay);
  if (!mc_chat_decode (first, strlen (first), &kind2, &again, &replay2, &error)) {
    fprintf (stderr, "re-encoded chat message rejected: %s\nencoded: %s\n", error->message, first);
    abort ();
  }
  CHECK (kind2 == MC_CHAT_KIND_MESSAGE && replay2 == replay && message_equal (msg, again));
  second = mc_chat_encode (again, replay2);
  CHECK (strcmp (first, second) == 0);
  history = mc_chat_history_new (2);
  CHECK (mc_chat_history_add (history, msg));
  CHECK (!mc_chat_history_add (history, again));
  CHECK (mc_chat_history_len (history) == 1);
  return 0;
}

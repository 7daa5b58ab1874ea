/* The chat protocol (talk/chat.h): what is accepted and refused (the fuzzer's
 * seed corpus), encoding round trips, and the history's window and de-dup. */
#include "meshcall/talk/chat.h"
#include "corpus.h"

#include <string.h>

static gboolean
chat_accepts (const char *name, const char *data, gsize len, GError **error)
{
  g_autoptr (McChatMessage) msg = NULL;
  McChatKind kind;
  gboolean replay;

  return mc_chat_decode (data, len, &kind, &msg, &replay, error);
}

static void
test_corpus (void)
{
  mc_test_check_corpus ("fuzz_chat", 30, chat_accepts);
}

static void
test_round_trip (void)
{
  g_autoptr (McChatMessage) msg = mc_chat_message_new ("id-1", "peer-a", "Ann \"A\"", "hi\nthere ✓", 1764620000123);
  g_autoptr (McChatMessage) back = NULL;
  g_autofree char *json = mc_chat_encode (msg, FALSE);
  g_autofree char *json_replay = mc_chat_encode (msg, TRUE);
  g_autofree char *req = mc_chat_encode_control (MC_CHAT_KIND_HISTORY_REQUEST);
  McChatKind kind;
  gboolean replay = TRUE;

  g_assert_cmpstr (json, ==, "{\"type\":\"chat\",\"id\":\"id-1\",\"from\":\"peer-a\",\"name\":\"Ann \\\"A\\\"\","
                             "\"text\":\"hi\\nthere ✓\",\"sentAt\":1764620000123}");
  g_assert_true (mc_chat_decode (json, strlen (json), &kind, &back, &replay, NULL));
  g_assert_cmpint (kind, ==, MC_CHAT_KIND_MESSAGE);
  g_assert_false (replay);
  g_assert_cmpstr (back->text, ==, "hi\nthere ✓");
  g_assert_cmpstr (back->name, ==, "Ann \"A\"");
  g_assert_cmpint (back->sent_at, ==, 1764620000123);
  g_clear_pointer (&back, mc_chat_message_free);
  g_assert_true (mc_chat_decode (json_replay, strlen (json_replay), &kind, &back, &replay, NULL));
  g_assert_true (replay);
  g_assert_true (mc_chat_decode (req, strlen (req), &kind, NULL, NULL, NULL));
  g_assert_cmpint (kind, ==, MC_CHAT_KIND_HISTORY_REQUEST);
}

static void
test_errors (void)
{
  g_autofree char *long_text = g_strnfill (MC_CHAT_MAX_TEXT + 1, 'x');
  g_autoptr (GError) error = NULL;
  McChatKind kind;

  g_assert_false (mc_chat_check_text (long_text, &error));
  g_assert_error (error, MC_CHAT_ERROR, MC_CHAT_ERROR_TOO_LONG);
  g_assert_nonnull (strstr (error->message, "4097 bytes"));
  g_clear_error (&error);
  g_assert_false (mc_chat_check_text ("bell\a", &error));
  g_assert_error (error, MC_CHAT_ERROR, MC_CHAT_ERROR_MALFORMED);
  g_assert_nonnull (strstr (error->message, "control character at byte 4"));
  g_clear_error (&error);
  g_assert_false (mc_chat_decode ("{\"type\":\"chat\"}", 15, &kind, NULL, NULL, &error));
  g_assert_cmpstr (error->message, ==, "chat: \"id\" is missing or not a string");
}

static McChatMessage *
numbered (guint i)
{
  g_autofree char *id = g_strdup_printf ("m%u", i);
  g_autofree char *text = g_strdup_printf ("text %u", i);
  return mc_chat_message_new (id, "p", "n", text, i);
}

static void
test_history (void)
{
  g_autoptr (McChatHistory) h = mc_chat_history_new (MC_CHAT_HISTORY);

  for (guint i = 0; i < 60; i++) {
    g_autoptr (McChatMessage) m = numbered (i);
    g_assert_true (mc_chat_history_add (h, m));
    g_assert_false (mc_chat_history_add (h, m));
  }
  g_assert_cmpuint (mc_chat_history_len (h), ==, 50);
  g_assert_cmpstr (mc_chat_history_get (h, 0)->id, ==, "m10");
  g_assert_cmpstr (mc_chat_history_get (h, 49)->id, ==, "m59");
  /* One that scrolled out is still known: a second replay brings nothing back. */
  {
    g_autoptr (McChatMessage) old = numbered (3);
    g_assert_false (mc_chat_history_add (h, old));
  }
  g_assert_cmpuint (mc_chat_history_len (h), ==, 50);
}

/* A replay brings older messages after ours: the history is in sentAt order. */
static void
test_history_order (void)
{
  g_autoptr (McChatHistory) h = mc_chat_history_new (3);
  guint order[] = { 5, 2, 7, 1, 6 };

  for (guint i = 0; i < G_N_ELEMENTS (order); i++) {
    g_autoptr (McChatMessage) m = numbered (order[i]);
    g_assert_true (mc_chat_history_add (h, m));
  }
  g_assert_cmpuint (mc_chat_history_len (h), ==, 3);
  g_assert_cmpstr (mc_chat_history_get (h, 0)->id, ==, "m5");
  g_assert_cmpstr (mc_chat_history_get (h, 1)->id, ==, "m6");
  g_assert_cmpstr (mc_chat_history_get (h, 2)->id, ==, "m7");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/chat/corpus", test_corpus);
  g_test_add_func ("/chat/round-trip", test_round_trip);
  g_test_add_func ("/chat/errors", test_errors);
  g_test_add_func ("/chat/history", test_history);
  g_test_add_func ("/chat/history-order", test_history_order);
  return g_test_run ();
}

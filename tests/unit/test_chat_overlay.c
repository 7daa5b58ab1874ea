/* The chat overlay (render/chat_overlay.h), pure: the last lines, fading
 * with time, unread while hidden, the input line's editing; and the
 * renderer's keys for it ('t', 'c', Enter hands the line over). */
#include "meshcall/render/chat_overlay.h"
#include "meshcall/render/renderer.h"

#define S G_USEC_PER_SEC

static void
test_lines_and_fade (void)
{
  McChatOverlay *o = mc_chat_overlay_new ();
  double alpha = -1;
  g_auto (GStrv) none = mc_chat_overlay_visible (o, 0, &alpha);
  g_auto (GStrv) lines = NULL;
  g_auto (GStrv) later = NULL;
  g_auto (GStrv) gone = NULL;

  g_assert_null (none);
  g_assert_cmpfloat (alpha, ==, 0);
  for (int i = 0; i < 7; i++) {
    g_autofree char *text = g_strdup_printf ("line %d\nwith a newline \x1b[2J", i);
    mc_chat_overlay_add (o, "Ann", text, 1 * S);
  }
  lines = mc_chat_overlay_visible (o, 2 * S, &alpha);
  g_assert_cmpfloat (alpha, ==, 1);
  g_assert_cmpuint (g_strv_length (lines), ==, MC_CHAT_OVERLAY_LINES);
  /* The oldest two went; newlines are spaces, the escape is made harmless. */
  g_assert_cmpstr (lines[0], ==, "Ann: line 2 with a newline \\x1b[2J");
  g_assert_false (mc_chat_overlay_animating (o, 2 * S));
  later = mc_chat_overlay_visible (o, 1 * S + MC_CHAT_OVERLAY_SHOW_US + MC_CHAT_OVERLAY_FADE_US / 2, &alpha);
  g_assert_nonnull (later);
  g_assert_cmpfloat_with_epsilon (alpha, 0.5, 0.01);
  g_assert_cmpfloat (mc_chat_overlay_alpha (o, 1 * S + MC_CHAT_OVERLAY_SHOW_US + MC_CHAT_OVERLAY_FADE_US / 2), ==, alpha);
  g_assert_true (mc_chat_overlay_animating (o, 1 * S + MC_CHAT_OVERLAY_SHOW_US + 1));
  gone = mc_chat_overlay_visible (o, 1 * S + MC_CHAT_OVERLAY_SHOW_US + MC_CHAT_OVERLAY_FADE_US, &alpha);
  g_assert_null (gone);
  g_assert_cmpfloat (alpha, ==, 0);
  mc_chat_overlay_free (o);
}

static void
test_unread (void)
{
  McChatOverlay *o = mc_chat_overlay_new ();
  double alpha;
  char **v;

  g_assert_false (mc_chat_overlay_toggle (o, 0));   /* hidden */
  mc_chat_overlay_add (o, "Bob", "one", 1 * S);
  mc_chat_overlay_add (o, "Bob", "two", 2 * S);
  mc_chat_overlay_notice (o, "ours, not unread", 2 * S);
  g_assert_cmpuint (mc_chat_overlay_unread (o), ==, 2);
  g_assert_null (mc_chat_overlay_visible (o, 3 * S, &alpha));
  /* Shown again long after: the lines are back, at full opacity, none unread. */
  g_assert_true (mc_chat_overlay_toggle (o, 60 * S));
  g_assert_cmpuint (mc_chat_overlay_unread (o), ==, 0);
  v = mc_chat_overlay_visible (o, 61 * S, &alpha);
  g_assert_cmpuint (g_strv_length (v), ==, 3);
  g_assert_cmpfloat (alpha, ==, 1);
  g_strfreev (v);
  mc_chat_overlay_free (o);
}

static void
test_input (void)
{
  McChatOverlay *o = mc_chat_overlay_new ();
  g_autofree char *shown = NULL;
  g_autofree char *text = NULL;
  const char *euro = "\xe2\x82\xac";

  g_assert_cmpint (mc_chat_overlay_input_key (o, 'x'), ==, MC_CHAT_INPUT_IGNORED);
  g_assert_null (mc_chat_overlay_take_input (o));
  mc_chat_overlay_open_input (o);
  g_assert_cmpint (mc_chat_overlay_input_key (o, '\r'), ==, MC_CHAT_INPUT_CHANGED);  /* empty: closes */
  g_assert_false (mc_chat_overlay_input_is_open (o));
  mc_chat_overlay_open_input (o);
  for (const char *p = "hi "; *p; p++)
    mc_chat_overlay_input_key (o, (guchar) *p);
  for (const char *p = euro; *p; p++)   /* a terminal's UTF-8, byte by byte */
    mc_chat_overlay_input_key (o, (guchar) *p);
  mc_chat_overlay_input_key (o, 1);      /* Ctrl-A: ignored */
  mc_chat_overlay_input_text (o, "!x");
  mc_chat_overlay_input_key (o, 127);    /* erases the x */
  shown = mc_chat_overlay_input_display (o);
  g_assert_cmpstr (shown, ==, "hi \xe2\x82\xac!");
  mc_chat_overlay_input_key (o, 127);
  mc_chat_overlay_input_key (o, 127);    /* the euro sign, all three bytes */
  g_assert_cmpint (mc_chat_overlay_input_key (o, '\r'), ==, MC_CHAT_INPUT_SUBMIT);
  text = mc_chat_overlay_take_input (o);
  g_assert_cmpstr (text, ==, "hi ");
  g_assert_false (mc_chat_overlay_input_is_open (o));
  mc_chat_overlay_open_input (o);
  mc_chat_overlay_input_key (o, 'a');
  g_assert_cmpint (mc_chat_overlay_input_key (o, 27), ==, MC_CHAT_INPUT_CHANGED);   /* Esc cancels */
  g_assert_false (mc_chat_overlay_input_is_open (o));
  mc_chat_overlay_free (o);
}

static GPtrArray *sent;
static guint actions;

static void
on_chat_send (McRenderer *r, const char *text, gpointer user_data)
{
  g_ptr_array_add (sent, g_strdup (text));
}

static void
on_action (McRenderer *r, McRenderAction action, gpointer user_data)
{
  actions++;
}

static void
test_renderer_keys (void)
{
  McRendererOptions opts = { .chat_send = on_chat_send, .action = on_action };
  g_autoptr (McRenderer) r = mc_renderer_new (NULL, &opts, NULL);
  McRendererView view;

  sent = g_ptr_array_new_with_free_func (g_free);
  g_assert_true (mc_renderer_handle_key (r, 't'));
  g_assert_true (mc_renderer_chat_input_is_open (r));
  /* While typing, m and q are letters, not mute and quit. */
  for (const char *p = "mq"; *p; p++)
    g_assert_true (mc_renderer_handle_key (r, *p));
  g_assert_cmpuint (actions, ==, 0);
  g_assert_true (mc_renderer_take_view (r, &view));
  g_assert_cmpstr (view.chat_input, ==, "mq");
  mc_renderer_view_clear (&view);
  g_assert_true (mc_renderer_handle_key (r, '\r'));
  g_assert_cmpuint (sent->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (sent, 0), ==, "mq");
  g_assert_false (mc_renderer_chat_input_is_open (r));
  mc_renderer_add_chat (r, "Ann", "hello");
  g_assert_true (mc_renderer_take_view (r, &view));
  g_assert_cmpstr (view.chat[0], ==, "Ann: hello");
  g_assert_null (view.chat_input);
  mc_renderer_view_clear (&view);
  g_assert_true (mc_renderer_handle_key (r, 'c'));   /* hidden */
  mc_renderer_add_chat (r, "Ann", "again");
  g_assert_true (mc_renderer_take_view (r, &view));
  g_assert_null (view.chat);
  g_assert_cmpuint (view.chat_unread, ==, 1);
  mc_renderer_view_clear (&view);
  g_assert_true (mc_renderer_handle_key (r, 'q'));
  g_assert_cmpuint (actions, ==, 1);
  g_ptr_array_unref (sent);
}

/* Without chat_send, 't' and 'c' mean nothing. */
static void
test_renderer_without_chat (void)
{
  McRendererOptions opts = { 0 };
  g_autoptr (McRenderer) r = mc_renderer_new (NULL, &opts, NULL);

  g_assert_false (mc_renderer_handle_key (r, 't'));
  g_assert_false (mc_renderer_handle_key (r, 'c'));
  g_assert_false (mc_renderer_chat_input_is_open (r));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/chat-overlay/lines-and-fade", test_lines_and_fade);
  g_test_add_func ("/chat-overlay/unread", test_unread);
  g_test_add_func ("/chat-overlay/input", test_input);
  g_test_add_func ("/chat-overlay/renderer-keys", test_renderer_keys);
  g_test_add_func ("/chat-overlay/renderer-without-chat", test_renderer_without_chat);
  return g_test_run ();
}

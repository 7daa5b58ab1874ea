/* Signaling, back-end-neutral part: URL dispatch, parameter checks, the
 * validators shared by server and clients, error-code mapping; and the
 * Socket.IO back end's life cycle against a port where nothing listens. */
#include "meshcall/log.h"
#include "meshcall/signaling.h"
#include "meshcall/sio_packet.h"

#include <string.h>

static McSignalingParams
params_for (const char *call, const char *peer)
{
  McSignalingParams p = { 0 };
  p.call_id = (char *) call;
  p.peer_id = (char *) peer;
  return p;
}

static void
test_url_dispatch (void)
{
  const char *good[] = {
    "ws://127.0.0.1:7300", "wss://example.org:443", "http://127.0.0.1:7300", "https://example.org",
    "WS://127.0.0.1:7300", "http://[::1]:7300/", "http://host:1/custom/path", "ws://h:7300/?x=1",
  };
  McSignalingParams p = params_for ("call1", "me");

  for (gsize i = 0; i < G_N_ELEMENTS (good); i++) {
    g_autoptr (GError) error = NULL;
    g_autoptr (McSignaling) sig = mc_signaling_new (good[i], &p, NULL, NULL, &error);
    g_assert_no_error (error);
    g_assert_nonnull (sig);
    g_assert_cmpstr (sig->klass->name, ==, "socketio");
    g_assert_cmpstr (sig->url, ==, good[i]);
    g_assert_cmpint (mc_signaling_get_state (sig), ==, MC_SIGNALING_STATE_IDLE);
  }
}

static void
test_url_bad (void)
{
  const char *bad[] = { "", "foo://x:1", "127.0.0.1:7300", "ws:/x", "ftp://h:21", "wsx://h:1", "ws//h:1", "ws://",
                        "http://:7300", "ws://user:pw@h:1", "ws://h:1/#frag", "firestore://", "firestore://bad id" };
  McSignalingParams p = params_for ("call1", "me");

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++) {
    g_autoptr (GError) error = NULL;
    McSignaling *sig = mc_signaling_new (bad[i], &p, NULL, NULL, &error);
    g_assert_null (sig);
    g_assert_error (error, MC_SIGNALING_ERROR, MC_SIGNALING_ERROR_BAD_URL);
  }
  {
    g_autoptr (GError) error = NULL;
    g_assert_null (mc_signaling_new (NULL, &p, NULL, NULL, &error));
    g_assert_error (error, MC_SIGNALING_ERROR, MC_SIGNALING_ERROR_BAD_URL);
  }
  /* The unknown-scheme message lists every accepted scheme. */
  {
    g_autoptr (GError) error = NULL;
    g_assert_null (mc_signaling_new ("foo://x:1", &p, NULL, NULL, &error));
    for (const char *const *s = (const char *const[]) { "ws://", "wss://", "http://", "https://", "firestore://", NULL };
         *s != NULL; s++)
      g_assert_nonnull (strstr (error->message, *s));
  }
}

static void
test_url_firestore (void)
{
  g_autoptr (GError) error = NULL;
  McSignalingParams p = params_for ("call1", "me");

  g_assert_null (mc_signaling_new ("firestore://my-project", &p, NULL, NULL, &error));
  g_assert_error (error, MC_SIGNALING_ERROR, MC_SIGNALING_ERROR_OTHER);
  g_assert_nonnull (strstr (error->message, "not built yet"));
}

static void
test_params (void)
{
  const char *url = "ws://127.0.0.1:7300";

  {
    g_autoptr (GError) error = NULL;
    McSignalingParams p = params_for (NULL, "me");
    g_assert_null (mc_signaling_new (url, &p, NULL, NULL, &error));
    g_assert_error (error, MC_SIGNALING_ERROR, MC_SIGNALING_ERROR_MALFORMED);
    g_assert_nonnull (strstr (error->message, "callId"));
  }
  {
    g_autoptr (GError) error = NULL;
    McSignalingParams p = params_for ("c", "bad peer");
    g_assert_null (mc_signaling_new (url, &p, NULL, NULL, &error));
    g_assert_error (error, MC_SIGNALING_ERROR, MC_SIGNALING_ERROR_MALFORMED);
    g_assert_nonnull (strstr (error->message, "peerId"));
  }
  {
    g_autoptr (GError) error = NULL;
    McSignalingParams p = params_for ("c", "me");
    p.name = (char *) "bad\nname";
    g_assert_null (mc_signaling_new (url, &p, NULL, NULL, &error));
    g_assert_error (error, MC_SIGNALING_ERROR, MC_SIGNALING_ERROR_MALFORMED);
  }
  {
    g_autoptr (GError) error = NULL;
    g_assert_null (mc_signaling_new (url, NULL, NULL, NULL, &error));
    g_assert_error (error, MC_SIGNALING_ERROR, MC_SIGNALING_ERROR_MALFORMED);
  }
  /* Defaults: a random valid peer id, the name falls back to it, "" token is none. */
  {
    g_autoptr (GError) error = NULL;
    McSignalingParams p = params_for ("c", NULL);
    g_autoptr (McSignaling) a = NULL;
    g_autoptr (McSignaling) b = NULL;
    p.token = (char *) "";
    a = mc_signaling_new (url, &p, NULL, NULL, &error);
    g_assert_no_error (error);
    b = mc_signaling_new (url, &p, NULL, NULL, &error);
    g_assert_no_error (error);
    g_assert_true (mc_signaling_validate_id ("peerId", mc_signaling_get_peer_id (a), NULL));
    g_assert_cmpstr (mc_signaling_get_peer_id (a), !=, mc_signaling_get_peer_id (b));
    g_assert_cmpstr (a->params.name, ==, mc_signaling_get_peer_id (a));
    g_assert_null (a->params.token);
    g_assert_cmpstr (a->params.call_id, ==, "c");
  }
}

static void
test_generate_peer_id (void)
{
  for (int i = 0; i < 100; i++) {
    g_autofree char *id = mc_signaling_generate_peer_id ();
    g_assert_true (mc_signaling_validate_id ("peerId", id, NULL));
    g_assert_cmpuint (strlen (id), ==, 18);
  }
}

static void
test_validate_id (void)
{
  g_autofree char *max = g_strnfill (64, 'x');
  g_autofree char *over = g_strnfill (65, 'x');
  const char *good[] = { "a", "A-Z_.-09", "call.1", "-", max };
  const char *bad[] = { "", "a b", "a/b", "ä", "a\n", "a:b", "a\"", over };

  for (gsize i = 0; i < G_N_ELEMENTS (good); i++)
    g_assert_true (mc_signaling_validate_id ("peerId", good[i], NULL));
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++) {
    g_autoptr (GError) error = NULL;
    g_assert_false (mc_signaling_validate_id ("peerId", bad[i], &error));
    g_assert_error (error, MC_SIGNALING_ERROR, MC_SIGNALING_ERROR_MALFORMED);
    g_assert_nonnull (strstr (error->message, "peerId"));
  }
  g_assert_false (mc_signaling_validate_id ("callId", NULL, NULL));
  g_assert_false (mc_signaling_validate_id (NULL, "a b", NULL));
}

static void
test_validate_name (void)
{
  GString *max = g_string_new (NULL);
  g_autofree char *over = NULL;
  g_autofree char *max_str = NULL;
  const char *good[] = { "Alice", "Zoë Å", "會議室", "🙂 smile", "x" };
  const char *bad[] = { "", "a\nb", "\x01", "tab\there", "\x7f", "nel\xc2\x85", "\xff\xfe", "bad\xc3" };

  for (int i = 0; i < 64; i++)
    g_string_append (max, "ä");
  max_str = g_strdup (max->str);
  g_string_append (max, "ä");
  over = g_string_free (max, FALSE);

  g_assert_true (mc_signaling_validate_name (max_str, NULL)); /* 64 chars, 128 bytes */
  for (gsize i = 0; i < G_N_ELEMENTS (good); i++)
    g_assert_true (mc_signaling_validate_name (good[i], NULL));
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++) {
    g_autoptr (GError) error = NULL;
    g_assert_false (mc_signaling_validate_name (bad[i], &error));
    g_assert_error (error, MC_SIGNALING_ERROR, MC_SIGNALING_ERROR_MALFORMED);
  }
  g_assert_false (mc_signaling_validate_name (over, NULL));
  g_assert_false (mc_signaling_validate_name (NULL, NULL));
}

static JsonNode *
json (const char *text)
{
  g_autoptr (GError) error = NULL;
  JsonNode *node = mc_sio_json_decode (text, strlen (text), &error);
  g_assert_no_error (error);
  return node;
}

static void
test_validate_signal (void)
{
  const char *good[] = {
    "{\"type\":\"offer\",\"sdp\":\"v=0\\r\\n\"}",
    "{\"type\":\"answer\",\"sdp\":\"\"}",
    "{\"type\":\"offer\",\"sdp\":\"v=0\",\"extra\":[1,2]}",
    "{\"type\":\"candidate\",\"candidate\":{\"candidate\":\"candidate:1 1 udp 1 127.0.0.1 9 typ host\","
    "\"sdpMid\":\"0\",\"sdpMLineIndex\":0}}",
    "{\"type\":\"candidate\",\"candidate\":{\"candidate\":\"candidate:1\",\"sdpMid\":null,\"sdpMLineIndex\":null,"
    "\"usernameFragment\":\"abc\"}}",
    "{\"type\":\"candidate\",\"candidate\":{\"candidate\":\"candidate:1\"}}",
    "{\"type\":\"candidate\",\"candidate\":{\"candidate\":\"\"}}", /* end of candidates */
    "{\"type\":\"candidate\",\"candidate\":null}",                 /* end of candidates */
    "{\"type\":\"candidate\",\"candidate\":{\"candidate\":\"c\",\"sdpMLineIndex\":65535}}",
  };
  const char *bad[] = {
    "[]", "\"offer\"", "null", "42", "{}",
    "{\"type\":1,\"sdp\":\"v=0\"}",
    "{\"type\":\"pranswer\",\"sdp\":\"v=0\"}",
    "{\"type\":\"offer\"}",
    "{\"type\":\"offer\",\"sdp\":null}",
    "{\"type\":\"answer\",\"sdp\":{\"a\":1}}",
    "{\"type\":\"candidate\"}",
    "{\"type\":\"candidate\",\"candidate\":\"candidate:1\"}",
    "{\"type\":\"candidate\",\"candidate\":{}}",
    "{\"type\":\"candidate\",\"candidate\":{\"candidate\":5}}",
    "{\"type\":\"candidate\",\"candidate\":{\"candidate\":\"c\",\"sdpMid\":0}}",
    "{\"type\":\"candidate\",\"candidate\":{\"candidate\":\"c\",\"sdpMLineIndex\":\"0\"}}",
    "{\"type\":\"candidate\",\"candidate\":{\"candidate\":\"c\",\"sdpMLineIndex\":-1}}",
    "{\"type\":\"candidate\",\"candidate\":{\"candidate\":\"c\",\"sdpMLineIndex\":1.5}}",
    "{\"type\":\"candidate\",\"candidate\":{\"candidate\":\"c\",\"sdpMLineIndex\":65536}}",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (good); i++) {
    g_autoptr (JsonNode) node = json (good[i]);
    g_autoptr (GError) error = NULL;
    if (!mc_signaling_validate_signal (node, &error))
      g_error ("valid signal %s refused: %s", good[i], error->message);
  }
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++) {
    g_autoptr (JsonNode) node = json (bad[i]);
    g_autoptr (GError) error = NULL;
    if (mc_signaling_validate_signal (node, &error))
      g_error ("invalid signal %s accepted", bad[i]);
    g_assert_error (error, MC_SIGNALING_ERROR, MC_SIGNALING_ERROR_MALFORMED);
  }
  g_assert_false (mc_signaling_validate_signal (NULL, NULL));
}

static void
test_validate_signal_size (void)
{
  const char *overhead = "{\"type\":\"offer\",\"sdp\":\"\"}";
  gsize fit = MC_SIGNALING_MAX_SIGNAL_BYTES - strlen (overhead);
  g_autofree char *sdp_fit = g_strnfill (fit, 'a');
  g_autofree char *sdp_over = g_strnfill (fit + 1, 'a');
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) ok = NULL;
  g_autoptr (JsonNode) big = NULL;
  g_autoptr (GError) error = NULL;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, "offer");
  json_builder_set_member_name (b, "sdp");
  json_builder_add_string_value (b, sdp_fit);
  json_builder_end_object (b);
  ok = json_builder_get_root (b);
  g_assert_true (mc_signaling_validate_signal (ok, NULL));

  json_builder_reset (b);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, "offer");
  json_builder_set_member_name (b, "sdp");
  json_builder_add_string_value (b, sdp_over);
  json_builder_end_object (b);
  big = json_builder_get_root (b);
  g_assert_false (mc_signaling_validate_signal (big, &error));
  g_assert_error (error, MC_SIGNALING_ERROR, MC_SIGNALING_ERROR_MALFORMED);
  g_assert_nonnull (strstr (error->message, "bytes"));
}

static void
test_error_codes (void)
{
  const char *codes[] = { "call-full", "duplicate-peer", "bad-token", "malformed", "not-in-call", "rate-limited",
                          "too-many-calls" };

  for (gsize i = 0; i < G_N_ELEMENTS (codes); i++) {
    McSignalingError e = mc_signaling_error_from_code (codes[i]);
    g_assert_cmpint (e, !=, MC_SIGNALING_ERROR_OTHER);
    g_assert_cmpstr (mc_signaling_error_to_code (e), ==, codes[i]);
  }
  g_assert_cmpint (mc_signaling_error_from_code ("call-full"), ==, MC_SIGNALING_ERROR_CALL_FULL);
  g_assert_cmpint (mc_signaling_error_from_code ("bad-token"), ==, MC_SIGNALING_ERROR_BAD_TOKEN);
  g_assert_cmpint (mc_signaling_error_from_code ("not-in-call"), ==, MC_SIGNALING_ERROR_NOT_IN_CALL);
  g_assert_cmpint (mc_signaling_error_from_code ("no-such-code"), ==, MC_SIGNALING_ERROR_OTHER);
  g_assert_cmpint (mc_signaling_error_from_code (""), ==, MC_SIGNALING_ERROR_OTHER);
  g_assert_cmpint (mc_signaling_error_from_code (NULL), ==, MC_SIGNALING_ERROR_OTHER);
  g_assert_cmpstr (mc_signaling_error_to_code (MC_SIGNALING_ERROR_OTHER), ==, "error");
  g_assert_cmpstr (mc_signaling_error_to_code (MC_SIGNALING_ERROR_BAD_URL), ==, "bad-url");
  g_assert_cmpstr (mc_signaling_error_to_code (MC_SIGNALING_ERROR_CONNECT), ==, "connect");
  g_assert_cmpstr (mc_signaling_error_to_code ((McSignalingError) 999), ==, "error");
}

static void
test_state_strings (void)
{
  g_assert_cmpstr (mc_signaling_state_to_string (MC_SIGNALING_STATE_IDLE), ==, "idle");
  g_assert_cmpstr (mc_signaling_state_to_string (MC_SIGNALING_STATE_CONNECTING), ==, "connecting");
  g_assert_cmpstr (mc_signaling_state_to_string (MC_SIGNALING_STATE_JOINED), ==, "joined");
  g_assert_cmpstr (mc_signaling_state_to_string (MC_SIGNALING_STATE_RECONNECTING), ==, "reconnecting");
  g_assert_cmpstr (mc_signaling_state_to_string (MC_SIGNALING_STATE_FAILED), ==, "failed");
}

/* ---- Socket.IO back end life cycle, nothing listening ------------------- */

typedef struct {
  GMainLoop *loop;
  guint connect_errors;
  guint done;
  GPtrArray *states;
} Life;

static void
life_error (McSignaling *sig, const GError *error, gpointer user_data)
{
  Life *life = user_data;
  g_assert_error (error, MC_SIGNALING_ERROR, MC_SIGNALING_ERROR_CONNECT);
  g_assert_nonnull (strstr (error->message, "retrying in"));
  life->connect_errors++;
  g_main_loop_quit (life->loop);
}

static void
life_state (McSignaling *sig, McSignalingState state, gpointer user_data)
{
  Life *life = user_data;
  g_ptr_array_add (life->states, (gpointer) mc_signaling_state_to_string (state));
}

static void
life_done (McSignaling *sig, gpointer user_data)
{
  Life *life = user_data;
  life->done++;
  g_main_loop_quit (life->loop);
}

static gboolean
quit_loop (gpointer loop)
{
  g_main_loop_quit (loop);
  return G_SOURCE_REMOVE;
}

/* Port 1 on loopback refuses at once: join keeps retrying, signals queue,
 * leave finishes without a server, free releases everything. */
static void
test_socketio_lifecycle (void)
{
  McSignalingParams p = params_for ("c", "me");
  McSignalingEvents ev = { .error = life_error, .state_changed = life_state };
  Life life = { 0 };
  g_autoptr (GError) error = NULL;
  g_autoptr (McSignaling) sig = NULL;
  g_autoptr (JsonNode) offer = json ("{\"type\":\"offer\",\"sdp\":\"v=0\"}");

  life.loop = g_main_loop_new (NULL, FALSE);
  life.states = g_ptr_array_new ();
  sig = mc_signaling_new ("ws://127.0.0.1:1", &p, &ev, &life, &error);
  g_assert_no_error (error);

  /* Not joined: nothing to queue for. */
  g_assert_false (mc_signaling_send_signal (sig, "peer", offer, &error));
  g_assert_error (error, MC_SIGNALING_ERROR, MC_SIGNALING_ERROR_OTHER);
  g_clear_error (&error);

  g_assert_true (mc_signaling_join (sig, &error));
  g_assert_no_error (error);
  g_assert_cmpint (mc_signaling_get_state (sig), ==, MC_SIGNALING_STATE_CONNECTING);
  g_assert_false (mc_signaling_join (sig, NULL)); /* only once */

  /* Joining: signals queue; bad ones are refused at once. */
  g_assert_true (mc_signaling_send_signal (sig, "peer", offer, &error));
  g_assert_no_error (error);
  {
    g_autoptr (JsonNode) bogus = json ("{\"type\":\"bogus\"}");
    g_assert_false (mc_signaling_send_signal (sig, "peer", bogus, &error));
    g_assert_error (error, MC_SIGNALING_ERROR, MC_SIGNALING_ERROR_MALFORMED);
    g_clear_error (&error);
    g_assert_false (mc_signaling_send_signal (sig, "bad peer", offer, &error));
    g_assert_error (error, MC_SIGNALING_ERROR, MC_SIGNALING_ERROR_MALFORMED);
    g_clear_error (&error);
  }

  /* The refused attempt is reported; state stays connecting (no join yet). */
  g_timeout_add_seconds (10, quit_loop, life.loop);
  g_main_loop_run (life.loop);
  g_assert_cmpuint (life.connect_errors, ==, 1);
  g_assert_cmpint (mc_signaling_get_state (sig), ==, MC_SIGNALING_STATE_CONNECTING);

  mc_signaling_leave (sig, life_done, &life);
  g_assert_cmpuint (life.done, ==, 0); /* done always comes from the main loop */
  g_main_loop_run (life.loop);
  g_assert_cmpuint (life.done, ==, 1);
  g_assert_cmpint (mc_signaling_get_state (sig), ==, MC_SIGNALING_STATE_IDLE);
  g_assert_cmpuint (life.states->len, ==, 2);
  g_assert_cmpstr (life.states->pdata[0], ==, "connecting");
  g_assert_cmpstr (life.states->pdata[1], ==, "idle");

  /* After leaving it can join again; freeing mid-attempt is clean. */
  g_assert_true (mc_signaling_join (sig, &error));
  g_assert_no_error (error);
  g_clear_pointer (&sig, mc_signaling_free);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_main_context_iteration (NULL, FALSE);

  g_source_remove_by_user_data (life.loop);
  g_ptr_array_unref (life.states);
  g_main_loop_unref (life.loop);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  mc_log_init ();

  g_test_add_func ("/signaling/url/dispatch", test_url_dispatch);
  g_test_add_func ("/signaling/url/bad", test_url_bad);
  g_test_add_func ("/signaling/url/firestore", test_url_firestore);
  g_test_add_func ("/signaling/params", test_params);
  g_test_add_func ("/signaling/peer-id", test_generate_peer_id);
  g_test_add_func ("/signaling/validate/id", test_validate_id);
  g_test_add_func ("/signaling/validate/name", test_validate_name);
  g_test_add_func ("/signaling/validate/signal", test_validate_signal);
  g_test_add_func ("/signaling/validate/signal-size", test_validate_signal_size);
  g_test_add_func ("/signaling/error-codes", test_error_codes);
  g_test_add_func ("/signaling/state-strings", test_state_strings);
  g_test_add_func ("/signaling/socketio/lifecycle", test_socketio_lifecycle);
  return g_test_run ();
}

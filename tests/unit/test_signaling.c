/* Signaling, back-end-neutral part: the table lookup by scheme (meshcall's
 * own table, cli/backends.h), parameter checks, error codes, the decoding of
 * incoming signals; and the Socket.IO back end's life cycle against a port
 * where nothing listens. (The validators themselves: test_call_protocol.c.) */
#include "meshcall/base/json.h"
#include "meshcall/base/log.h"
#include "meshcall/cli/backends.h"
#include "meshcall/signal/signaling.h"
#include "meshcall/signal/socketio/signal_socketio.h"

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
    g_autoptr (McSignaling) sig = mc_signaling_new (mc_cli_signaling_backends, good[i], &p, &error);
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
                        "http://:7300", "ws://user:pw@h:1", "ws://h:1/#frag", "firestore://", "firestore://bad id",
                        "firestore://Upper", "firestore://abc", "firestore://demo-x/Bad_db", "firestore://demo-x-" };
  McSignalingParams p = params_for ("call1", "me");

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++) {
    g_autoptr (GError) error = NULL;
    McSignaling *sig = mc_signaling_new (mc_cli_signaling_backends, bad[i], &p, &error);
    g_assert_null (sig);
    g_assert_error (error, MC_SIGNALING_ERROR, MC_SIGNALING_ERROR_BAD_URL);
  }
  {
    g_autoptr (GError) error = NULL;
    g_assert_null (mc_signaling_new (mc_cli_signaling_backends, NULL, &p, &error));
    g_assert_error (error, MC_SIGNALING_ERROR, MC_SIGNALING_ERROR_BAD_URL);
  }
  /* The unknown-scheme message lists every accepted scheme. */
  {
    g_autoptr (GError) error = NULL;
    g_assert_null (mc_signaling_new (mc_cli_signaling_backends, "foo://x:1", &p, &error));
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

  g_autoptr (McSignaling) sig = NULL;

  g_unsetenv ("FIREBASE_AUTH_EMULATOR_HOST");
  /* No credentials: refused before anything starts, saying what to give. */
  g_unsetenv ("FIRESTORE_EMULATOR_HOST");
  g_assert_null (mc_signaling_new (mc_cli_signaling_backends, "firestore://my-project", &p, &error));
  g_assert_error (error, MC_SIGNALING_ERROR, MC_SIGNALING_ERROR_OTHER);
  g_assert_nonnull (strstr (error->message, "needs credentials"));
  g_assert_nonnull (strstr (error->message, "api-key"));
  g_assert_nonnull (strstr (error->message, "--id-token-file"));
  g_clear_error (&error);
  /* A malformed emulator address is a usage error naming the variable. */
  g_setenv ("FIRESTORE_EMULATOR_HOST", "http://127.0.0.1:8080", TRUE);
  g_assert_null (mc_signaling_new (mc_cli_signaling_backends, "firestore://my-project", &p, &error));
  g_assert_error (error, MC_SIGNALING_ERROR, MC_SIGNALING_ERROR_BAD_URL);
  g_assert_nonnull (strstr (error->message, "FIRESTORE_EMULATOR_HOST"));
  g_clear_error (&error);
  /* The emulator alone is enough (its unsigned tokens); nothing is sent before join. */
  g_setenv ("FIRESTORE_EMULATOR_HOST", "127.0.0.1:1", TRUE);
  sig = mc_signaling_new (mc_cli_signaling_backends, "firestore://my-project/other-db", &p, &error);
  g_assert_no_error (error);
  g_assert_nonnull (sig);
  g_assert_cmpstr (sig->klass->name, ==, "firestore");
  g_unsetenv ("FIRESTORE_EMULATOR_HOST");
}

static void
test_params (void)
{
  const char *url = "ws://127.0.0.1:7300";

  {
    g_autoptr (GError) error = NULL;
    McSignalingParams p = params_for (NULL, "me");
    g_assert_null (mc_signaling_new (mc_cli_signaling_backends, url, &p, &error));
    g_assert_error (error, MC_PROTOCOL_ERROR, MC_PROTOCOL_ERROR_MALFORMED);
    g_assert_nonnull (strstr (error->message, "callId"));
  }
  {
    g_autoptr (GError) error = NULL;
    McSignalingParams p = params_for ("c", "bad peer");
    g_assert_null (mc_signaling_new (mc_cli_signaling_backends, url, &p, &error));
    g_assert_error (error, MC_PROTOCOL_ERROR, MC_PROTOCOL_ERROR_MALFORMED);
    g_assert_nonnull (strstr (error->message, "peerId"));
  }
  {
    g_autoptr (GError) error = NULL;
    McSignalingParams p = params_for ("c", "me");
    p.name = (char *) "bad\nname";
    g_assert_null (mc_signaling_new (mc_cli_signaling_backends, url, &p, &error));
    g_assert_error (error, MC_PROTOCOL_ERROR, MC_PROTOCOL_ERROR_MALFORMED);
  }
  {
    g_autoptr (GError) error = NULL;
    g_assert_null (mc_signaling_new (mc_cli_signaling_backends, url, NULL, &error));
    g_assert_error (error, MC_PROTOCOL_ERROR, MC_PROTOCOL_ERROR_MALFORMED);
  }
  /* Defaults: a random valid peer id, the name falls back to it, "" token is none. */
  {
    g_autoptr (GError) error = NULL;
    McSignalingParams p = params_for ("c", NULL);
    g_autoptr (McSignaling) a = NULL;
    g_autoptr (McSignaling) b = NULL;
    p.token = (char *) "";
    a = mc_signaling_new (mc_cli_signaling_backends, url, &p, &error);
    g_assert_no_error (error);
    b = mc_signaling_new (mc_cli_signaling_backends, url, &p, &error);
    g_assert_no_error (error);
    g_assert_true (mc_protocol_validate_id ("peerId", mc_signaling_get_peer_id (a), NULL));
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
    g_assert_true (mc_protocol_validate_id ("peerId", id, NULL));
    g_assert_cmpuint (strlen (id), ==, 18);
  }
}

static void
test_error_codes (void)
{
  g_autoptr (GError) url = g_error_new_literal (MC_SIGNALING_ERROR, MC_SIGNALING_ERROR_BAD_URL, "x");
  g_autoptr (GError) connect = g_error_new_literal (MC_SIGNALING_ERROR, MC_SIGNALING_ERROR_CONNECT, "x");
  g_autoptr (GError) other = g_error_new_literal (MC_SIGNALING_ERROR, MC_SIGNALING_ERROR_OTHER, "x");
  g_autoptr (GError) full = g_error_new_literal (MC_PROTOCOL_ERROR, MC_PROTOCOL_ERROR_CALL_FULL, "x");
  g_autoptr (GError) io = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, "x");

  g_assert_cmpstr (mc_signaling_error_code (url), ==, "bad-url");
  g_assert_cmpstr (mc_signaling_error_code (connect), ==, "connect");
  g_assert_cmpstr (mc_signaling_error_code (other), ==, "error");
  g_assert_cmpstr (mc_signaling_error_code (full), ==, "call-full");
  g_assert_cmpstr (mc_signaling_error_code (io), ==, "error");
  g_assert_cmpstr (mc_signaling_error_code (NULL), ==, "error");
}

typedef struct {
  guint received, rejected;
  McSignalType type;
  char *from;
  char *message;
} Emitted;

static void
on_received (McSignaling *sig, const char *from, const McSignal *signal, gpointer data)
{
  Emitted *e = data;
  e->received++;
  e->type = signal->type;
  g_free (e->from);
  e->from = g_strdup (from);
}

static void
on_rejected (McSignaling *sig, const char *from, const GError *error, gpointer data)
{
  Emitted *e = data;
  g_assert_error (error, MC_PROTOCOL_ERROR, MC_PROTOCOL_ERROR_MALFORMED);
  e->rejected++;
  g_free (e->message);
  e->message = g_strdup (error->message);
}

/* A signal off the wire is decoded once: well-formed ones arrive typed,
 * malformed ones as a rejection saying why, a bad sender id as nothing. */
static void
test_emit_signal (void)
{
  McSignalingParams p = params_for ("c", "me");
  McSignalingEvents ev = { .signal_received = on_received, .signal_rejected = on_rejected };
  g_autoptr (McSignaling) sig = mc_signal_socketio_new ("ws://127.0.0.1:1", &p, NULL);
  Emitted e = { 0 };
  g_autoptr (GError) error = NULL;
  const char *answer_text = "{\"type\":\"answer\",\"sdp\":\"v=0\"}";
  const char *bad_text = "{\"type\":\"offer\"}";
  g_autoptr (JsonNode) answer = mc_json_decode (answer_text, strlen (answer_text), &error);
  g_autoptr (JsonNode) bad = mc_json_decode (bad_text, strlen (bad_text), &error);

  g_assert_no_error (error);
  mc_signaling_set_events (sig, &ev, &e);
  mc_signaling_emit_signal (sig, "alice", answer);
  g_assert_cmpuint (e.received, ==, 1);
  g_assert_cmpint (e.type, ==, MC_SIGNAL_ANSWER);
  g_assert_cmpstr (e.from, ==, "alice");
  mc_signaling_emit_signal (sig, "alice", bad);
  g_assert_cmpuint (e.rejected, ==, 1);
  g_assert_nonnull (strstr (e.message, "sdp"));
  mc_signaling_emit_signal (sig, "not an id", answer);
  g_assert_cmpuint (e.received + e.rejected, ==, 2);
  g_free (e.from);
  g_free (e.message);
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
life_error (McSignaling *sig, const GError *error, gboolean final, gpointer user_data)
{
  Life *life = user_data;
  g_assert_false (final);
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
  g_autoptr (McSignal) offer = mc_signal_new_description (MC_SIGNAL_OFFER, "v=0");

  life.loop = g_main_loop_new (NULL, FALSE);
  life.states = g_ptr_array_new ();
  sig = mc_signaling_new (mc_cli_signaling_backends, "ws://127.0.0.1:1", &p, &error);
  g_assert_no_error (error);
  mc_signaling_set_events (sig, &ev, &life);

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
    /* One that would be over 64 KiB of JSON is refused before it is queued. */
    g_autofree char *huge_sdp = g_strnfill (MC_PROTOCOL_MAX_SIGNAL_BYTES, 'a');
    g_autoptr (McSignal) huge = mc_signal_new_description (MC_SIGNAL_OFFER, huge_sdp);
    g_assert_false (mc_signaling_send_signal (sig, "peer", huge, &error));
    g_assert_error (error, MC_PROTOCOL_ERROR, MC_PROTOCOL_ERROR_MALFORMED);
    g_clear_error (&error);
    g_assert_false (mc_signaling_send_signal (sig, "bad peer", offer, &error));
    g_assert_error (error, MC_PROTOCOL_ERROR, MC_PROTOCOL_ERROR_MALFORMED);
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

/* A back end that only counts what reaches it: the checks every back end
 * relies on (one join until a leave has finished, no signal outside the
 * call) are made by mc_signaling_* before the vtable is called. */
typedef struct {
  McSignaling base;
  guint joins;
  guint sends;
  gboolean fail_join;
} FakeSignaling;

static gboolean
fake_join (McSignaling *sig, GError **error)
{
  FakeSignaling *fake = (FakeSignaling *) sig;

  fake->joins++;
  if (fake->fail_join) {
    g_set_error (error, MC_SIGNALING_ERROR, MC_SIGNALING_ERROR_CONNECT, "fake join refused");
    return FALSE;
  }
  mc_signaling_set_state (sig, MC_SIGNALING_STATE_JOINED);
  return TRUE;
}

static gboolean
fake_send_signal (McSignaling *sig, const char *to_peer_id, JsonNode *signal, GError **error)
{
  ((FakeSignaling *) sig)->sends++;
  return TRUE;
}

typedef struct {
  McSignaling *sig;
  McSignalingDoneFunc done;
} FakeLeave;

static gboolean
fake_leave_done (gpointer data)
{
  FakeLeave *leave = data;

  mc_signaling_set_state (leave->sig, MC_SIGNALING_STATE_IDLE);
  leave->done (leave->sig, NULL);
  g_free (leave);
  return G_SOURCE_REMOVE;
}

static void
fake_leave (McSignaling *sig, McSignalingDoneFunc done, gpointer user_data)
{
  FakeLeave *leave = g_new0 (FakeLeave, 1);

  leave->sig = sig;
  leave->done = done;
  g_idle_add (fake_leave_done, leave);
}

static void
fake_finalize (McSignaling *sig)
{
}

static const McSignalingClass fake_class = {
  .name = "fake",
  .join = fake_join,
  .send_signal = fake_send_signal,
  .leave = fake_leave,
  .finalize = fake_finalize,
};

static void
count_done (McSignaling *sig, gpointer user_data)
{
  (*(guint *) user_data)++;
}

static void
test_join_once (void)
{
  McSignalingParams p = params_for ("c", "me");
  FakeSignaling *fake = g_new0 (FakeSignaling, 1);
  g_autoptr (McSignaling) sig = &fake->base;
  g_autoptr (McSignal) offer = mc_signal_new_description (MC_SIGNAL_OFFER, "v=0");
  g_autoptr (GError) error = NULL;
  guint done = 0;

  mc_signaling_init_base (sig, &fake_class, "fake://x", &p);

  /* Not joined: the back end is not asked to send. */
  g_assert_false (mc_signaling_send_signal (sig, "peer", offer, &error));
  g_assert_error (error, MC_SIGNALING_ERROR, MC_SIGNALING_ERROR_OTHER);
  g_assert_nonnull (strstr (error->message, "not in call c"));
  g_clear_error (&error);
  g_assert_cmpuint (fake->sends, ==, 0);

  /* A join the back end refuses leaves it not joined: the next is tried. */
  fake->fail_join = TRUE;
  g_assert_false (mc_signaling_join (sig, &error));
  g_assert_error (error, MC_SIGNALING_ERROR, MC_SIGNALING_ERROR_CONNECT);
  g_clear_error (&error);
  fake->fail_join = FALSE;
  g_assert_true (mc_signaling_join (sig, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (fake->joins, ==, 2);

  /* A second join is refused before it reaches the back end. */
  g_assert_false (mc_signaling_join (sig, &error));
  g_assert_error (error, MC_SIGNALING_ERROR, MC_SIGNALING_ERROR_OTHER);
  g_assert_cmpstr (error->message, ==, "already joined (or leaving) call c");
  g_clear_error (&error);
  g_assert_cmpuint (fake->joins, ==, 2);

  g_assert_true (mc_signaling_send_signal (sig, "peer", offer, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (fake->sends, ==, 1);

  /* Leaving: neither joins nor signals until the leave has finished. */
  mc_signaling_leave (sig, count_done, &done);
  g_assert_false (mc_signaling_join (sig, &error));
  g_assert_error (error, MC_SIGNALING_ERROR, MC_SIGNALING_ERROR_OTHER);
  g_clear_error (&error);
  g_assert_false (mc_signaling_send_signal (sig, "peer", offer, &error));
  g_assert_error (error, MC_SIGNALING_ERROR, MC_SIGNALING_ERROR_OTHER);
  g_clear_error (&error);
  g_assert_cmpuint (fake->joins, ==, 2);
  g_assert_cmpuint (fake->sends, ==, 1);
  while (done == 0)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (done, ==, 1);

  /* Left: it can join again, once. */
  g_assert_true (mc_signaling_join (sig, &error));
  g_assert_no_error (error);
  g_assert_false (mc_signaling_join (sig, NULL));
  g_assert_cmpuint (fake->joins, ==, 3);
}

/* The Socket.IO back end's reconnection schedule: 1 s doubling to 4 s, the
 * draw moving it by up to half either way. */
static void
test_socketio_backoff (void)
{
  const McBackoff *b = &mc_signal_socketio_reconnect_backoff;

  g_assert_cmpuint (mc_backoff_delay_ms (b, 0, 0.0), ==, 1000);
  g_assert_cmpuint (mc_backoff_delay_ms (b, 1, 0.0), ==, 2000);
  g_assert_cmpuint (mc_backoff_delay_ms (b, 2, 0.0), ==, 4000);
  g_assert_cmpuint (mc_backoff_delay_ms (b, 3, 0.0), ==, 4000);
  g_assert_cmpuint (mc_backoff_delay_ms (b, 50, 0.0), ==, 4000);
  g_assert_cmpuint (mc_backoff_delay_ms (b, 0, 0.8), ==, 600);
  g_assert_cmpuint (mc_backoff_delay_ms (b, 0, 0.9), ==, 1450);
  g_assert_cmpuint (mc_backoff_delay_ms (b, 2, 0.9), ==, 4000);
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
  g_test_add_func ("/signaling/error-codes", test_error_codes);
  g_test_add_func ("/signaling/emit-signal", test_emit_signal);
  g_test_add_func ("/signaling/state-strings", test_state_strings);
  g_test_add_func ("/signaling/join-once", test_join_once);
  g_test_add_func ("/signaling/socketio/backoff", test_socketio_backoff);
  g_test_add_func ("/signaling/socketio/lifecycle", test_socketio_lifecycle);
  return g_test_run ();
}

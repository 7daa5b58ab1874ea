/* The health verdict and the systemd STATUS line (status/health.h), from
 * stats documents as call/call_stats.c writes them: every reason code of
 * docs/status.md, the alone-in-a-call rule and min-peers, peer states read
 * generically (states the call adds later), and documents with missing or
 * mistyped members. */
#include "meshcall/base/json.h"
#include "meshcall/status/health.h"

#include <string.h>

/* A stats document: signaling state, participants and a peers array text. */
static JsonNode *
doc (const char *signaling, int participants, const char *peers)
{
  g_autofree char *text = g_strdup_printf (
    "{\"peerId\":\"me\",\"name\":\"Me\",\"callId\":\"lobby\",\"signalingState\":\"%s\",\"participants\":%d,"
    "\"joinedAt\":1000.0,\"time\":1100.0,\"peers\":[%s]}",
    signaling, participants, peers);
  g_autoptr (GError) error = NULL;
  JsonNode *node = mc_json_decode (text, strlen (text), &error);

  g_assert_no_error (error);
  return node;
}

/* A peer entry: connected 100 s before the document's time unless told. */
static char *
peer (const char *id, const char *state, double inbound_kbps, double connected_at)
{
  return g_strdup_printf ("{\"peerId\":\"%s\",\"name\":\"%s-name\",\"connectionState\":\"%s\","
                          "\"inboundKbps\":%.1f,\"connectedAt\":%.3f}",
                          id, id, state, inbound_kbps, connected_at);
}

/* The verdict as "ok" or the reason codes, space-separated. */
static char *
judge (JsonNode *stats, McHealthPhase phase, guint min_peers, JsonObject **out)
{
  McHealthPolicy policy = { phase, min_peers };
  gboolean healthy = FALSE;
  g_autoptr (JsonNode) result = mc_health_judge (stats, &policy, &healthy);
  JsonObject *obj = json_node_get_object (result);
  JsonArray *reasons = json_object_get_array_member (obj, "reasons");
  GString *s = g_string_new (NULL);

  g_assert_cmpstr (json_object_get_string_member (obj, "status"), ==, healthy ? "ok" : "unhealthy");
  g_assert_true (healthy == (json_array_get_length (reasons) == 0));
  for (guint i = 0; i < json_array_get_length (reasons); i++) {
    JsonObject *r = json_array_get_object_element (reasons, i);
    g_assert_nonnull (json_object_get_string_member (r, "message"));
    g_string_append_printf (s, "%s%s", s->len ? " " : "", json_object_get_string_member (r, "code"));
  }
  if (out)
    *out = json_object_ref (obj);
  return g_string_free (s, FALSE);
}

static void
check (JsonNode *stats, McHealthPhase phase, guint min_peers, const char *expected)
{
  g_autofree char *got = judge (stats, phase, min_peers, NULL);

  g_assert_cmpstr (got, ==, expected);
}

static void
test_healthy (void)
{
  g_autofree char *a = peer ("a", "connected", 800, 1000);
  g_autofree char *b = peer ("b", "connected", 790, 1000);
  g_autofree char *peers = g_strdup_printf ("%s,%s", a, b);
  g_autoptr (JsonNode) stats = doc ("joined", 3, peers);
  JsonObject *obj = NULL;
  g_autofree char *got = judge (stats, MC_HEALTH_RUNNING, 0, &obj);
  JsonArray *list = json_object_get_array_member (obj, "peers");

  g_assert_cmpstr (got, ==, "");
  g_assert_cmpstr (json_object_get_string_member (obj, "callId"), ==, "lobby");
  g_assert_cmpstr (json_object_get_string_member (obj, "peerId"), ==, "me");
  g_assert_cmpstr (json_object_get_string_member (obj, "signalingState"), ==, "joined");
  g_assert_cmpint (json_object_get_int_member (obj, "participants"), ==, 3);
  g_assert_cmpint (json_object_get_int_member (obj, "peersConnected"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (obj, "minPeers"), ==, 0);
  g_assert_cmpuint (json_array_get_length (list), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (list, 1), "peerId"), ==, "b");
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (list, 1), "name"), ==, "b-name");
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (list, 1), "connectionState"), ==,
                   "connected");
  /* min-peers met exactly. */
  check (stats, MC_HEALTH_RUNNING, 2, "");
  check (stats, MC_HEALTH_RUNNING, 3, "too-few-peers");
  json_object_unref (obj);
}

static void
test_alone (void)
{
  g_autoptr (JsonNode) stats = doc ("joined", 1, "");

  check (stats, MC_HEALTH_RUNNING, 0, "");
  check (stats, MC_HEALTH_RUNNING, 1, "too-few-peers");
}

static void
test_peer_states (void)
{
  /* "reconnecting" and "failed: ..." are not in McPeerState: read as strings. */
  g_autofree char *a = peer ("a", "reconnecting", 0, -1);
  g_autofree char *b = peer ("b", "failed: ICE failed", 0, -1);
  g_autofree char *c = peer ("c", "connecting", 0, -1);
  g_autofree char *d = peer ("d", "connected", 500, 1000);
  g_autofree char *peers = g_strdup_printf ("%s,%s,%s,%s", a, b, c, d);
  g_autoptr (JsonNode) stats = doc ("joined", 5, peers);
  JsonObject *obj = NULL;
  g_autofree char *got = judge (stats, MC_HEALTH_RUNNING, 0, &obj);
  JsonObject *r = json_array_get_object_element (json_object_get_array_member (obj, "reasons"), 1);

  g_assert_cmpstr (got, ==, "peer-not-connected peer-not-connected peer-not-connected");
  g_assert_cmpstr (json_object_get_string_member (r, "peerId"), ==, "b");
  g_assert_cmpstr (json_object_get_string_member (r, "name"), ==, "b-name");
  g_assert_cmpstr (json_object_get_string_member (r, "state"), ==, "failed: ICE failed");
  g_assert_cmpstr (json_object_get_string_member (r, "message"), ==, "b-name is failed: ICE failed");
  g_assert_cmpint (json_object_get_int_member (obj, "peersConnected"), ==, 1);
  json_object_unref (obj);
}

static void
test_no_media (void)
{
  /* Connected long enough to have a rate, and the rate is zero. */
  g_autofree char *frozen = peer ("a", "connected", 0, 1000);
  /* Connected 1 s ago: no rate yet, not judged. */
  g_autofree char *fresh = peer ("b", "connected", 0, 1099);
  g_autofree char *peers = g_strdup_printf ("%s,%s", frozen, fresh);
  g_autoptr (JsonNode) stats = doc ("joined", 3, peers);

  check (stats, MC_HEALTH_RUNNING, 0, "no-media");
  /* Counted as not connected for min-peers. */
  check (stats, MC_HEALTH_RUNNING, 2, "no-media too-few-peers");
}

/* A recording bot (remoteRecording) sends nothing by design: never no-media,
 * but not a peer with media for min-peers either; not connected is still a reason. */
static void
test_recorder (void)
{
  g_autofree char *live = peer ("a", "connected", 800, 1000);
  g_autofree char *rec = g_strdup ("{\"peerId\":\"rec\",\"name\":\"recorder\",\"connectionState\":\"connected\","
                                   "\"inboundKbps\":0.0,\"connectedAt\":1000.000,\"remoteRecording\":true}");
  g_autofree char *rec_down = g_strdup ("{\"peerId\":\"rec\",\"name\":\"recorder\",\"connectionState\":\"reconnecting\","
                                        "\"inboundKbps\":0.0,\"connectedAt\":1000.000,\"remoteRecording\":true}");
  /* Not a boolean: judged as anyone else. */
  g_autofree char *fake = g_strdup ("{\"peerId\":\"f\",\"name\":\"f\",\"connectionState\":\"connected\","
                                    "\"inboundKbps\":0.0,\"connectedAt\":1000.000,\"remoteRecording\":\"yes\"}");
  g_autofree char *both = g_strdup_printf ("%s,%s", live, rec);
  g_autoptr (JsonNode) with_live = doc ("joined", 3, both);
  g_autoptr (JsonNode) only_rec = doc ("joined", 2, rec);
  g_autoptr (JsonNode) down = doc ("joined", 2, rec_down);
  g_autoptr (JsonNode) faked = doc ("joined", 2, fake);
  JsonObject *obj = NULL;
  g_autofree char *verdict = judge (with_live, MC_HEALTH_RUNNING, 1, &obj);

  g_assert_cmpstr (verdict, ==, "");
  g_assert_cmpint (json_object_get_int_member (obj, "peersConnected"), ==, 1);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (obj, "peers")), ==, 2);
  json_object_unref (obj);
  check (only_rec, MC_HEALTH_RUNNING, 0, "");
  check (only_rec, MC_HEALTH_RUNNING, 1, "too-few-peers");
  check (down, MC_HEALTH_RUNNING, 0, "peer-not-connected");
  check (faked, MC_HEALTH_RUNNING, 0, "no-media");
}

static void
test_signaling_and_phases (void)
{
  g_autofree char *a = peer ("a", "connected", 800, 1000);
  g_autoptr (JsonNode) reconnecting = doc ("reconnecting", 2, a);
  g_autoptr (JsonNode) joined = doc ("joined", 2, a);
  /* Signaling lists a participant the call has no connection for. */
  g_autoptr (JsonNode) unconnected = doc ("joined", 3, a);

  check (reconnecting, MC_HEALTH_RUNNING, 0, "signaling");
  check (joined, MC_HEALTH_LEAVING, 0, "leaving");
  check (joined, MC_HEALTH_STARTING, 0, "starting");
  check (NULL, MC_HEALTH_RUNNING, 0, "starting");
  /* The call already freed while the process winds down. */
  check (NULL, MC_HEALTH_LEAVING, 0, "leaving");
  check (unconnected, MC_HEALTH_RUNNING, 0, "unconnected");
}

static void
test_odd_documents (void)
{
  const char *texts[] = {
    "[]", "{}", "{\"peers\":7}", "{\"peers\":[1,null,\"x\"],\"participants\":\"many\"}",
    "{\"signalingState\":5,\"peers\":[{\"connectionState\":null,\"inboundKbps\":\"fast\"}]}",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (texts); i++) {
    g_autoptr (JsonNode) node = mc_json_decode (texts[i], strlen (texts[i]), NULL);
    McHealthPolicy policy = { MC_HEALTH_RUNNING, 0 };
    gboolean healthy = TRUE;
    g_autoptr (JsonNode) result = mc_health_judge (node, &policy, &healthy);
    g_autofree char *line = mc_health_describe (node, MC_HEALTH_RUNNING);

    g_assert_nonnull (node);
    g_assert_false (healthy);   /* nothing says "joined" */
    g_assert_nonnull (line);
  }
}

static void
test_describe (void)
{
  g_autofree char *a = peer ("a", "connected", 800, 1000);
  g_autofree char *b = peer ("b", "reconnecting", 0, -1);
  g_autofree char *c = peer ("c", "connected", 700, 1000);
  g_autofree char *d = peer ("d", "failed: no answer", 0, -1);
  g_autofree char *e = peer ("e", "reconnecting", 0, -1);
  g_autofree char *peers = g_strdup_printf ("%s,%s,%s,%s,%s", a, b, c, d, e);
  g_autoptr (JsonNode) mixed = doc ("joined", 6, peers);
  g_autoptr (JsonNode) one = doc ("reconnecting", 2, a);
  g_autoptr (JsonNode) alone = doc ("joined", 1, "");
  const char *joining_text = "{\"callId\":\"lobby\",\"signalingState\":\"connecting\",\"joinedAt\":null,\"peers\":[]}";
  g_autoptr (JsonNode) joining = mc_json_decode (joining_text, strlen (joining_text), NULL);
  struct {
    JsonNode *stats;
    McHealthPhase phase;
    const char *line;
  } cases[] = {
    { mixed, MC_HEALTH_RUNNING, "in call lobby: 2 peers connected, 2 reconnecting, 1 failed" },
    { one, MC_HEALTH_RUNNING, "in call lobby: 1 peer connected; signaling reconnecting" },
    { alone, MC_HEALTH_RUNNING, "in call lobby: waiting for others" },
    { joining, MC_HEALTH_RUNNING, "joining call lobby (signaling connecting)" },
    { alone, MC_HEALTH_LEAVING, "leaving call lobby" },
    { NULL, MC_HEALTH_RUNNING, "starting" },
    { NULL, MC_HEALTH_LEAVING, "leaving the call" },
    { alone, MC_HEALTH_STARTING, "starting" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autofree char *line = mc_health_describe (cases[i].stats, cases[i].phase);
    g_assert_cmpstr (line, ==, cases[i].line);
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/health/healthy", test_healthy);
  g_test_add_func ("/health/alone", test_alone);
  g_test_add_func ("/health/peer-states", test_peer_states);
  g_test_add_func ("/health/no-media", test_no_media);
  g_test_add_func ("/health/recorder", test_recorder);
  g_test_add_func ("/health/signaling-and-phases", test_signaling_and_phases);
  g_test_add_func ("/health/odd-documents", test_odd_documents);
  g_test_add_func ("/health/describe", test_describe);
  return g_test_run ();
}

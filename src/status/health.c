/* The health verdict and the STATUS line (health.h). */
#include "meshcall/status/health.h"
#include "meshcall/base/json.h"

#include <string.h>

/* A member as a number (integer or double); fallback when absent, null or
 * of another type. */
static double
get_number (JsonObject *obj, const char *member, double fallback)
{
  JsonNode *n = obj ? json_object_get_member (obj, member) : NULL;

  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n))
    return fallback;
  switch (json_node_get_value_type (n)) {
  case G_TYPE_INT64:
    return (double) json_node_get_int (n);
  case G_TYPE_DOUBLE:
    return json_node_get_double (n);
  default:
    return fallback;
  }
}

static const char *
get_string (JsonObject *obj, const char *member, const char *fallback)
{
  const char *s = obj ? mc_json_get_string (obj, member) : NULL;

  return s ? s : fallback;
}

static JsonArray *
get_peers (JsonObject *root)
{
  JsonNode *n = root ? json_object_get_member (root, "peers") : NULL;

  return n && JSON_NODE_HOLDS_ARRAY (n) ? json_node_get_array (n) : NULL;
}

static JsonObject *
peer_at (JsonArray *peers, guint i)
{
  JsonNode *n = json_array_get_element (peers, i);

  return JSON_NODE_HOLDS_OBJECT (n) ? json_node_get_object (n) : NULL;
}

/* "failed: ICE failed" is in state "failed". */
static char *
state_word (const char *state)
{
  return g_strndup (state, strcspn (state, ":"));
}

static void
add_reason (JsonArray *reasons, const char *code, JsonObject *peer, const char *format, ...) G_GNUC_PRINTF (4, 5);

static void
add_reason (JsonArray *reasons, const char *code, JsonObject *peer, const char *format, ...)
{
  JsonObject *r = json_object_new ();
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  json_object_set_string_member (r, "code", code);
  json_object_set_string_member (r, "message", message);
  if (peer) {
    json_object_set_string_member (r, "peerId", get_string (peer, "peerId", ""));
    json_object_set_string_member (r, "name", get_string (peer, "name", ""));
    json_object_set_string_member (r, "state", get_string (peer, "connectionState", "unknown"));
  }
  json_array_add_object_element (reasons, r);
}

/* A connected peer judged on its media: nothing received over the last stats
 * interval, once it has been connected long enough to have a rate. */
static gboolean
peer_has_no_media (JsonObject *root, JsonObject *peer)
{
  double now = get_number (root, "time", -1);
  double since = get_number (peer, "connectedAt", -1);
  double kbps = get_number (peer, "inboundKbps", -1);

  return now >= 0 && since >= 0 && now - since >= MC_HEALTH_MEDIA_GRACE_S && kbps == 0;
}

/* A recording bot (its recording signal): it sends nothing by design. */
static gboolean
peer_is_recorder (JsonObject *peer)
{
  JsonNode *n = json_object_get_member (peer, "remoteRecording");

  return n && json_node_get_value_type (n) == G_TYPE_BOOLEAN && json_node_get_boolean (n);
}

/* Every listed participant, its connection and its media; returns the
 * number connected with media. */
static guint
judge_peers (JsonObject *root, JsonArray *reasons, JsonArray *list)
{
  JsonArray *peers = get_peers (root);
  guint n = peers ? json_array_get_length (peers) : 0;
  double participants = get_number (root, "participants", 1);
  guint connected = 0;

  for (guint i = 0; i < n; i++) {
    JsonObject *p = peer_at (peers, i);
    const char *name, *state;
    JsonObject *item;

    if (p == NULL)
      continue;
    name = get_string (p, "name", get_string (p, "peerId", "?"));
    state = get_string (p, "connectionState", "unknown");
    item = json_object_new ();
    json_object_set_string_member (item, "peerId", get_string (p, "peerId", ""));
    json_object_set_string_member (item, "name", name);
    json_object_set_string_member (item, "connectionState", state);
    json_array_add_object_element (list, item);
    if (!g_str_equal (state, "connected"))
      add_reason (reasons, "peer-not-connected", p, "%s is %s", name, state);
    else if (peer_is_recorder (p))
      continue;   /* connected and fine, but no media to count for min-peers */
    else if (peer_has_no_media (root, p))
      add_reason (reasons, "no-media", p, "%s is connected but sent no media for the last second", name);
    else
      connected++;
  }
  if (participants - 1 > n)
    add_reason (reasons, "unconnected", NULL, "%.0f of the participants signaling lists have no connection",
                participants - 1 - n);
  return connected;
}

static void
set_string_or_null (JsonObject *obj, const char *member, const char *value)
{
  if (value)
    json_object_set_string_member (obj, member, value);
  else
    json_object_set_null_member (obj, member);
}

JsonNode *
mc_health_judge (JsonNode *stats, const McHealthPolicy *policy, gboolean *healthy)
{
  JsonObject *root = stats && JSON_NODE_HOLDS_OBJECT (stats) ? json_node_get_object (stats) : NULL;
  JsonObject *doc = json_object_new ();
  JsonArray *reasons = json_array_new ();
  JsonArray *list = json_array_new ();
  const char *sstate = get_string (root, "signalingState", "idle");
  guint connected = 0;
  gboolean ok;
  JsonNode *node;

  if (policy->phase == MC_HEALTH_LEAVING)
    add_reason (reasons, "leaving", NULL, "leaving the call");
  else if (root == NULL || policy->phase == MC_HEALTH_STARTING)
    add_reason (reasons, "starting", NULL, "not in a call yet: meshcall is starting");
  if (root != NULL && policy->phase != MC_HEALTH_STARTING) {
    if (!g_str_equal (sstate, "joined"))
      add_reason (reasons, "signaling", NULL, "signaling is %s, not joined", sstate);
    connected = judge_peers (root, reasons, list);
    if (connected < policy->min_peers)
      add_reason (reasons, "too-few-peers", NULL, "%u peer%s connected, at least %u wanted", connected,
                  connected == 1 ? "" : "s", policy->min_peers);
  }
  ok = json_array_get_length (reasons) == 0;
  json_object_set_string_member (doc, "status", ok ? "ok" : "unhealthy");
  set_string_or_null (doc, "callId", root ? mc_json_get_string (root, "callId") : NULL);
  set_string_or_null (doc, "peerId", root ? mc_json_get_string (root, "peerId") : NULL);
  json_object_set_string_member (doc, "signalingState", sstate);
  json_object_set_int_member (doc, "participants", (gint64) get_number (root, "participants", 0));
  json_object_set_int_member (doc, "peersConnected", connected);
  json_object_set_int_member (doc, "minPeers", policy->min_peers);
  json_object_set_array_member (doc, "peers", list);
  json_object_set_array_member (doc, "reasons", reasons);
  if (healthy)
    *healthy = ok;
  node = json_node_alloc ();
  json_node_take_object (json_node_init (node, JSON_NODE_OBJECT), doc);
  return node;
}

/* "3 peers connected, 1 reconnecting": connected first, then each other
 * state in the order peers are listed. */
static void
append_peer_counts (GString *s, JsonArray *peers)
{
  g_autoptr (GPtrArray) states = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GArray) counts = g_array_new (FALSE, TRUE, sizeof (guint));
  guint n = peers ? json_array_get_length (peers) : 0;
  guint connected = 0;

  for (guint i = 0; i < n; i++) {
    JsonObject *p = peer_at (peers, i);
    g_autofree char *word = state_word (get_string (p, "connectionState", "unknown"));
    guint at;

    if (g_str_equal (word, "connected")) {
      connected++;
      continue;
    }
    for (at = 0; at < states->len && !g_str_equal (states->pdata[at], word); at++)
      ;
    if (at == states->len) {
      guint zero = 0;
      g_ptr_array_add (states, g_steal_pointer (&word));
      g_array_append_val (counts, zero);
    }
    g_array_index (counts, guint, at)++;
  }
  g_string_append_printf (s, "%u peer%s connected", connected, connected == 1 ? "" : "s");
  for (guint i = 0; i < states->len; i++)
    g_string_append_printf (s, ", %u %s", g_array_index (counts, guint, i), (char *) states->pdata[i]);
}

char *
mc_health_describe (JsonNode *stats, McHealthPhase phase)
{
  JsonObject *root = stats && JSON_NODE_HOLDS_OBJECT (stats) ? json_node_get_object (stats) : NULL;
  const char *call_id = get_string (root, "callId", "?");
  const char *sstate = get_string (root, "signalingState", "idle");
  JsonArray *peers = get_peers (root);
  gboolean joined_once = get_number (root, "joinedAt", -1) >= 0;
  GString *s;

  if (phase == MC_HEALTH_LEAVING)
    return root ? g_strdup_printf ("leaving call %s", call_id) : g_strdup ("leaving the call");
  if (root == NULL || phase == MC_HEALTH_STARTING)
    return g_strdup ("starting");
  if (!joined_once)
    return g_strdup_printf ("joining call %s (signaling %s)", call_id, sstate);
  s = g_string_new (NULL);
  g_string_append_printf (s, "in call %s: ", call_id);
  if (peers == NULL || json_array_get_length (peers) == 0)
    g_string_append (s, "waiting for others");
  else
    append_peer_counts (s, peers);
  if (!g_str_equal (sstate, "joined"))
    g_string_append_printf (s, "; signaling %s", sstate);
  return g_string_free (s, FALSE);
}

/* The call protocol (proto/call_protocol.h): the validators every side
 * applies, the error codes, the builders of call-error and acks, and the
 * typed signal: decoding (what is refused and why), encoding, round trips,
 * and the media-state extension. */
#include "meshcall/base/json.h"
#include "meshcall/proto/call_protocol.h"
#include "corpus.h"

#include <string.h>

static JsonNode *
json (const char *text)
{
  g_autoptr (GError) error = NULL;
  JsonNode *node = mc_json_decode (text, strlen (text), &error);
  g_assert_no_error (error);
  return node;
}

static char *
encode (const McSignal *s)
{
  g_autoptr (JsonNode) node = mc_signal_to_json (s);
  return mc_json_encode (node);
}

static void
test_validate_id (void)
{
  g_autofree char *max = g_strnfill (64, 'x');
  g_autofree char *over = g_strnfill (65, 'x');
  const char *good[] = { "a", "A-Z_.-09", "call.1", "-", max };
  const char *bad[] = { "", "a b", "a/b", "ä", "a\n", "a:b", "a\"", over };

  for (gsize i = 0; i < G_N_ELEMENTS (good); i++)
    g_assert_true (mc_protocol_validate_id ("peerId", good[i], NULL));
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++) {
    g_autoptr (GError) error = NULL;
    g_assert_false (mc_protocol_validate_id ("peerId", bad[i], &error));
    g_assert_error (error, MC_PROTOCOL_ERROR, MC_PROTOCOL_ERROR_MALFORMED);
    g_assert_nonnull (strstr (error->message, "peerId"));
  }
  g_assert_false (mc_protocol_validate_id ("callId", NULL, NULL));
  g_assert_false (mc_protocol_validate_id (NULL, "a b", NULL));
}

static void
test_validate_name (void)
{
  GString *max = g_string_new (NULL);
  g_autofree char *over = NULL;
  g_autofree char *max_str = NULL;
  const char *good[] = { "Alice", "Zoë Å", "會議室", "🙂 smile", "x", "שלום", "مرحبا",
                         "\xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x91\xa9", /* emoji with a zero-width joiner */
                         "e\xcc\x81" };                                        /* e + combining acute */
  const char *bad[] = { "", "a\nb", "\x01", "tab\there", "\x7f", "nel\xc2\x85", "\xff\xfe", "bad\xc3",
                        "evil\xe2\x80\xaegnp.exe",            /* U+202E right-to-left override */
                        "\xe2\x81\xa6x\xe2\x81\xa9",           /* U+2066..U+2069 isolate */
                        "a\xe2\x80\x8f" "b",                  /* U+200F right-to-left mark */
                        "\xe2\x80\x8b\xe2\x80\x8b",            /* only zero-width spaces */
                        "\xef\xbb\xbf",                         /* only U+FEFF */
                        "   ", "\xe3\x80\x80",                  /* only spaces (U+3000) */
                        "\xcc\x81\xcc\x81",                     /* only combining accents */
                        "\xe3\x85\xa4" };                       /* Hangul filler */

  for (int i = 0; i < 64; i++)
    g_string_append (max, "ä");
  max_str = g_strdup (max->str);
  g_string_append (max, "ä");
  over = g_string_free (max, FALSE);

  g_assert_true (mc_protocol_validate_name (max_str, NULL)); /* 64 chars, 128 bytes */
  for (gsize i = 0; i < G_N_ELEMENTS (good); i++)
    g_assert_true (mc_protocol_validate_name (good[i], NULL));
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++) {
    g_autoptr (GError) error = NULL;
    g_assert_false (mc_protocol_validate_name (bad[i], &error));
    g_assert_error (error, MC_PROTOCOL_ERROR, MC_PROTOCOL_ERROR_MALFORMED);
  }
  g_assert_false (mc_protocol_validate_name (over, NULL));
  g_assert_false (mc_protocol_validate_name (NULL, NULL));
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
    if (!mc_signal_validate_json (node, &error))
      g_error ("valid signal %s refused: %s", good[i], error->message);
  }
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++) {
    g_autoptr (JsonNode) node = json (bad[i]);
    g_autoptr (GError) error = NULL;
    if (mc_signal_validate_json (node, &error))
      g_error ("invalid signal %s accepted", bad[i]);
    g_assert_error (error, MC_PROTOCOL_ERROR, MC_PROTOCOL_ERROR_MALFORMED);
  }
  g_assert_false (mc_signal_validate_json (NULL, NULL));
}

static void
test_validate_signal_size (void)
{
  const char *overhead = "{\"type\":\"offer\",\"sdp\":\"\"}";
  gsize fit = MC_PROTOCOL_MAX_SIGNAL_BYTES - strlen (overhead);
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
  g_assert_true (mc_signal_validate_json (ok, NULL));

  json_builder_reset (b);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, "offer");
  json_builder_set_member_name (b, "sdp");
  json_builder_add_string_value (b, sdp_over);
  json_builder_end_object (b);
  big = json_builder_get_root (b);
  g_assert_false (mc_signal_validate_json (big, &error));
  g_assert_error (error, MC_PROTOCOL_ERROR, MC_PROTOCOL_ERROR_MALFORMED);
  g_assert_nonnull (strstr (error->message, "bytes"));
}

/* What the decoder reads out of each form. */
static void
test_signal_decode (void)
{
  {
    g_autoptr (JsonNode) n = json ("{\"type\":\"offer\",\"sdp\":\"v=0\\r\\n\",\"extra\":1}");
    g_autoptr (McSignal) s = mc_signal_from_json (n, NULL);
    g_assert_nonnull (s);
    g_assert_cmpint (s->type, ==, MC_SIGNAL_OFFER);
    g_assert_cmpstr (s->sdp, ==, "v=0\r\n");
  }
  {
    g_autoptr (JsonNode) n = json ("{\"type\":\"candidate\",\"candidate\":{\"candidate\":\"candidate:1 1 udp 9 "
                                   "127.0.0.1 5 typ host\",\"sdpMid\":\"0\",\"sdpMLineIndex\":1}}");
    g_autoptr (McSignal) s = mc_signal_from_json (n, NULL);
    g_assert_nonnull (s);
    g_assert_cmpint (s->type, ==, MC_SIGNAL_CANDIDATE);
    g_assert_cmpstr (s->candidate, ==, "candidate:1 1 udp 9 127.0.0.1 5 typ host");
    g_assert_cmpstr (s->sdp_mid, ==, "0");
    g_assert_cmpint (s->sdp_mline_index, ==, 1);
    g_assert_false (mc_signal_is_end_of_candidates (s));
  }
  {
    g_autoptr (JsonNode) n = json ("{\"type\":\"candidate\",\"candidate\":{\"candidate\":\"c\",\"sdpMid\":null}}");
    g_autoptr (McSignal) s = mc_signal_from_json (n, NULL);
    g_assert_null (s->sdp_mid);
    g_assert_cmpint (s->sdp_mline_index, ==, -1);
  }
  for (const char *const *t = (const char *const[]) { "{\"type\":\"candidate\",\"candidate\":null}",
                                                      "{\"type\":\"candidate\",\"candidate\":{\"candidate\":\"\"}}",
                                                      NULL };
       *t; t++) {
    g_autoptr (JsonNode) n = json (*t);
    g_autoptr (McSignal) s = mc_signal_from_json (n, NULL);
    g_assert_true (mc_signal_is_end_of_candidates (s));
  }
}

/* Encode then decode gives the same signal, and the same JSON again. */
static void
test_signal_round_trip (void)
{
  McMediaState muted = { TRUE, FALSE };
  McSignal *signals[] = {
    mc_signal_new_description (MC_SIGNAL_OFFER, "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\n"),
    mc_signal_new_description (MC_SIGNAL_ANSWER, ""),
    mc_signal_new_candidate ("candidate:1 1 udp 2 10.0.0.1 9 typ host", "0", 0),
    mc_signal_new_candidate ("candidate:2 1 udp 2 10.0.0.1 9 typ host", NULL, 65535),
    mc_signal_new_candidate ("candidate:3 1 udp 2 10.0.0.1 9 typ host", "video", -1),
    mc_signal_new_candidate (NULL, NULL, -1),
    mc_signal_new_media_state (&muted),
    mc_signal_new_recording (TRUE),
    mc_signal_new_recording (FALSE),
  };

  for (gsize i = 0; i < G_N_ELEMENTS (signals); i++) {
    g_autofree char *first = encode (signals[i]);
    g_autoptr (JsonNode) node = json (first);
    g_autoptr (GError) error = NULL;
    g_autoptr (McSignal) back = mc_signal_from_json (node, &error);
    g_autoptr (McSignal) copy = mc_signal_copy (signals[i]);
    g_autofree char *second = NULL;
    g_autofree char *third = NULL;

    g_assert_no_error (error);
    second = encode (back);
    third = encode (copy);
    g_assert_cmpstr (first, ==, second);
    g_assert_cmpstr (first, ==, third);
    g_assert_cmpint (back->type, ==, signals[i]->type);
    g_assert_cmpstr (back->sdp, ==, signals[i]->sdp);
    g_assert_cmpstr (back->candidate, ==, signals[i]->candidate);
    g_assert_cmpstr (back->sdp_mid, ==, signals[i]->sdp_mid);
    g_assert_cmpint (back->sdp_mline_index, ==, signals[i]->sdp_mline_index);
    g_assert_cmpint (back->recording, ==, signals[i]->recording);
    mc_signal_free (signals[i]);
  }
  g_assert_cmpstr (mc_signal_type_to_string (MC_SIGNAL_MEDIA_STATE), ==, "media-state");
}

/* The recording extension: {type:"recording", active:true|false}, nothing else. */
static void
test_recording_signal (void)
{
  static const char *const bad[] = {
    "{\"type\":\"recording\"}",
    "{\"type\":\"recording\",\"active\":1}",
    "{\"type\":\"recording\",\"active\":\"true\"}",
    "{\"type\":\"recording\",\"active\":null}",
  };
  g_autoptr (McSignal) on = mc_signal_new_recording (TRUE);
  g_autofree char *text = encode (on);
  g_autoptr (JsonNode) extra = json ("{\"type\":\"recording\",\"active\":false,\"by\":\"bot\"}");
  g_autoptr (McSignal) off = mc_signal_from_json (extra, NULL);

  g_assert_cmpstr (text, ==, "{\"type\":\"recording\",\"active\":true}");
  g_assert_nonnull (off);
  g_assert_cmpint (off->type, ==, MC_SIGNAL_RECORDING);
  g_assert_false (off->recording);
  g_assert_cmpstr (mc_signal_type_to_string (MC_SIGNAL_RECORDING), ==, "recording");
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++) {
    g_autoptr (JsonNode) n = json (bad[i]);
    g_autoptr (GError) error = NULL;
    g_autoptr (McSignal) s = mc_signal_from_json (n, &error);
    if (s != NULL)
      g_error ("invalid recording signal %s accepted", bad[i]);
    g_assert_error (error, MC_PROTOCOL_ERROR, MC_PROTOCOL_ERROR_MALFORMED);
    g_assert_nonnull (strstr (error->message, "active"));
  }
}

static void
test_media_state_wire_form (void)
{
  McMediaState s = { TRUE, FALSE };
  g_autoptr (McSignal) signal = mc_signal_new_media_state (&s);
  g_autofree char *text = encode (signal);

  g_assert_cmpstr (text, ==, "{\"type\":\"media-state\",\"audio\":\"muted\",\"video\":\"live\"}");
  for (int i = 0; i < 4; i++) {
    McMediaState in = { i & 1, (i >> 1) & 1 }, out = { !in.audio_muted, !in.video_off };
    g_autoptr (McSignal) sig = mc_signal_new_media_state (&in);
    g_autofree char *t = encode (sig);
    g_autoptr (JsonNode) node = json (t);
    g_autoptr (McSignal) back = mc_signal_from_json (node, NULL);
    g_assert_true (mc_media_state_apply (&out, back));
    g_assert_cmpint (out.audio_muted, ==, in.audio_muted);
    g_assert_cmpint (out.video_off, ==, in.video_off);
  }
}

static void
test_media_state_partial (void)
{
  McMediaState s = { FALSE, TRUE };
  g_autoptr (JsonNode) audio_only = json ("{\"type\":\"media-state\",\"audio\":\"muted\",\"extra\":1}");
  g_autoptr (McSignal) signal = mc_signal_from_json (audio_only, NULL);
  g_autoptr (McSignal) offer = mc_signal_new_description (MC_SIGNAL_OFFER, "v=0");

  g_assert_cmpint (signal->video_off, ==, MC_SIGNAL_UNCHANGED);
  g_assert_true (mc_media_state_apply (&s, signal));
  g_assert_true (s.audio_muted);
  g_assert_true (s.video_off);   /* missing member: unchanged */
  g_assert_false (mc_media_state_apply (&s, offer));
}

static void
test_media_state_invalid (void)
{
  const char *bad[] = {
    "{\"type\":\"media-state\"}",
    "{\"type\":\"media-state\",\"audio\":true}",
    "{\"type\":\"media-state\",\"audio\":\"off\"}",      /* audio is muted|live */
    "{\"type\":\"media-state\",\"video\":\"muted\"}",    /* video is off|live */
    "{\"type\":\"media-state\",\"audio\":\"live\",\"video\":null}",
    "{\"type\":\"media-state\",\"audio\":\"LIVE\"}",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++) {
    g_autoptr (JsonNode) node = json (bad[i]);
    g_autoptr (GError) error = NULL;
    g_autoptr (McSignal) s = mc_signal_from_json (node, &error);

    if (s != NULL)
      g_error ("invalid media-state %s accepted", bad[i]);
    g_assert_error (error, MC_PROTOCOL_ERROR, MC_PROTOCOL_ERROR_MALFORMED);
    g_assert_nonnull (strstr (error->message, "media-state"));
  }
}

static void
test_error_codes (void)
{
  const char *codes[] = { "error", "malformed", "call-full", "duplicate-peer", "bad-token", "not-in-call",
                          "rate-limited", "too-many-calls", "already-in-call", "unknown-event" };

  for (gsize i = 0; i < G_N_ELEMENTS (codes); i++) {
    McProtocolError e = mc_protocol_error_from_code (codes[i]);
    g_assert_cmpint (e, ==, (McProtocolError) i);
    g_assert_cmpstr (mc_protocol_error_to_code (e), ==, codes[i]);
  }
  g_assert_cmpint (mc_protocol_error_from_code ("no-such-code"), ==, MC_PROTOCOL_ERROR_OTHER);
  g_assert_cmpint (mc_protocol_error_from_code (""), ==, MC_PROTOCOL_ERROR_OTHER);
  g_assert_cmpint (mc_protocol_error_from_code (NULL), ==, MC_PROTOCOL_ERROR_OTHER);
  g_assert_cmpstr (mc_protocol_error_to_code ((McProtocolError) 999), ==, "error");
}

static void
test_payloads (void)
{
  g_autoptr (JsonNode) err = mc_protocol_error_payload ("call-full", "full");
  g_autoptr (JsonNode) ok = mc_protocol_ack_ok (NULL);
  g_autoptr (JsonNode) refused = mc_protocol_ack_refused ("bad-token", "wrong token");
  g_autoptr (JsonNode) peer = mc_protocol_peer_to_json ("p1", "Zoë");
  g_autofree char *e = mc_json_encode (err);
  g_autofree char *o = mc_json_encode (ok);
  g_autofree char *r = mc_json_encode (refused);
  g_autofree char *p = mc_json_encode (peer);
  const char *id, *name;

  g_assert_cmpstr (e, ==, "{\"code\":\"call-full\",\"message\":\"full\"}");
  g_assert_cmpstr (o, ==, "{\"ok\":true}");
  g_assert_cmpstr (r, ==, "{\"ok\":false,\"error\":\"bad-token\",\"message\":\"wrong token\"}");
  g_assert_cmpstr (p, ==, "{\"peerId\":\"p1\",\"name\":\"Zoë\"}");
  {
    g_autoptr (JsonNode) sig = json ("{\"type\":\"candidate\",\"candidate\":null}");
    g_autoptr (JsonNode) join = mc_protocol_join_payload ("c1", "p1", "Ann", "t", NULL);
    g_autoptr (JsonNode) join_no_token = mc_protocol_join_payload ("c1", "p1", "Ann", NULL, NULL);
    g_autoptr (JsonNode) join_resume = mc_protocol_join_payload ("c1", "p1", "Ann", NULL, "0123456789abcdef");
    g_autoptr (JsonNode) out = mc_protocol_signal_payload ("p2", sig);
    g_autoptr (JsonNode) in = mc_protocol_relay_payload ("p1", sig);
    g_autoptr (JsonNode) left = mc_protocol_peer_left_payload ("p1");
    g_autoptr (JsonNode) auth = mc_protocol_auth_payload ("s3cret");
    g_autofree char *jr = mc_json_encode (join_resume);
    g_autofree char *j = mc_json_encode (join), *jn = mc_json_encode (join_no_token), *o = mc_json_encode (out),
                    *i = mc_json_encode (in), *l = mc_json_encode (left), *a = mc_json_encode (auth);
    g_assert_cmpstr (j, ==, "{\"callId\":\"c1\",\"peerId\":\"p1\",\"name\":\"Ann\",\"token\":\"t\"}");
    g_assert_cmpstr (jn, ==, "{\"callId\":\"c1\",\"peerId\":\"p1\",\"name\":\"Ann\"}");
    g_assert_cmpstr (jr, ==, "{\"callId\":\"c1\",\"peerId\":\"p1\",\"name\":\"Ann\",\"resume\":\"0123456789abcdef\"}");
    g_assert_cmpstr (o, ==, "{\"targetPeerId\":\"p2\",\"signal\":{\"type\":\"candidate\",\"candidate\":null}}");
    g_assert_cmpstr (i, ==, "{\"fromPeerId\":\"p1\",\"signal\":{\"type\":\"candidate\",\"candidate\":null}}");
    g_assert_cmpstr (l, ==, "{\"peerId\":\"p1\"}");
    g_assert_cmpstr (a, ==, "{\"token\":\"s3cret\"}");
  }
  /* Resume secrets: 16..128 of [A-Za-z0-9_-]; generated ones are 32 hex digits, never twice the same. */
  {
    g_autofree char *a = mc_protocol_generate_resume_secret (), *b = mc_protocol_generate_resume_secret ();
    g_autofree char *long_one = g_strnfill (129, 'a');
    g_autoptr (GError) e = NULL;
    g_assert_cmpuint (strlen (a), ==, 32);
    g_assert_cmpstr (a, !=, b);
    g_assert_true (mc_protocol_validate_resume (a, NULL));
    g_assert_true (mc_protocol_validate_resume ("Ab-_0123456789xy", NULL));
    g_assert_false (mc_protocol_validate_resume ("short", &e));
    g_assert_error (e, MC_PROTOCOL_ERROR, MC_PROTOCOL_ERROR_MALFORMED);
    g_assert_false (mc_protocol_validate_resume (long_one, NULL));
    g_assert_false (mc_protocol_validate_resume ("0123456789abcde.", NULL));
    g_assert_false (mc_protocol_validate_resume (NULL, NULL));
    g_assert_cmpint (mc_protocol_error_from_code ("replaced"), ==, MC_PROTOCOL_ERROR_REPLACED);
  }
  g_assert_true (mc_protocol_parse_peer (peer, &id, &name, NULL));
  g_assert_cmpstr (id, ==, "p1");
  g_assert_cmpstr (name, ==, "Zoë");
  {
    g_autoptr (JsonNode) nameless = json ("{\"peerId\":\"p2\",\"name\":7}");
    g_autoptr (JsonNode) spoof = json ("{\"peerId\":\"p3\",\"name\":\"evil\\u202egnp.exe\"}");
    g_autoptr (JsonNode) blank = json ("{\"peerId\":\"p4\",\"name\":\"\\u200b\\u200b\"}");
    g_assert_true (mc_protocol_parse_peer (nameless, &id, &name, NULL));
    g_assert_cmpstr (name, ==, "p2");
    /* names a meshcall server would refuse are shown as the peer id */
    g_assert_true (mc_protocol_parse_peer (spoof, &id, &name, NULL));
    g_assert_cmpstr (name, ==, "p3");
    g_assert_true (mc_protocol_parse_peer (blank, &id, &name, NULL));
    g_assert_cmpstr (name, ==, "p4");
  }
  for (const char *const *t = (const char *const[]) { "[]", "{}", "{\"peerId\":\"a b\"}", "{\"peerId\":1}", NULL }; *t;
       t++) {
    g_autoptr (JsonNode) bad = json (*t);
    g_autoptr (GError) error = NULL;
    g_assert_false (mc_protocol_parse_peer (bad, &id, &name, &error));
    g_assert_error (error, MC_PROTOCOL_ERROR, MC_PROTOCOL_ERROR_MALFORMED);
  }
}



static gboolean
signal_accepts (const char *name, const char *data, gsize len, GError **error)
{
  g_autoptr (JsonNode) node = mc_json_decode (data, len, error);
  g_autoptr (McSignal) signal = node ? mc_signal_from_json (node, error) : NULL;
  return signal != NULL;
}

static void
test_signal_corpus (void)
{
  mc_test_check_corpus ("fuzz_signal", 10, signal_accepts);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/protocol/validate/id", test_validate_id);
  g_test_add_func ("/protocol/validate/name", test_validate_name);
  g_test_add_func ("/protocol/signal/validate", test_validate_signal);
  g_test_add_func ("/protocol/signal/size", test_validate_signal_size);
  g_test_add_func ("/protocol/signal/decode", test_signal_decode);
  g_test_add_func ("/protocol/signal/round-trip", test_signal_round_trip);
  g_test_add_func ("/protocol/media-state/wire-form", test_media_state_wire_form);
  g_test_add_func ("/protocol/recording/signal", test_recording_signal);
  g_test_add_func ("/protocol/media-state/partial", test_media_state_partial);
  g_test_add_func ("/protocol/media-state/invalid", test_media_state_invalid);
  g_test_add_func ("/protocol/error-codes", test_error_codes);
  g_test_add_func ("/protocol/payloads", test_payloads);
  g_test_add_func ("/protocol/signal/corpus", test_signal_corpus);
  return g_test_run ();
}

/* Socket.IO packet codec: round trips for every packet type, strict
 * rejection of malformed input, JSON inside packets, and the
 * fuzz/corpora/fuzz_sio_packet corpus (Engine.IO packets and payloads
 * too: the fuzzer decodes all three). Engine.IO alone: test_eio_packet.c. */
#include "meshcall/base/log.h"
#include "packet_decode.h"

#include <math.h>
#include <string.h>

/* ---- Socket.IO ----------------------------------------------------------- */

typedef struct {
  const char *wire;
  McSioType type;
  const char *nsp;
  gint64 ack_id;
  guint n_attachments;
  const char *data;  /* JSON, NULL for no payload */
  const char *out;   /* canonical encoding when it differs from wire */
} SioCase;

static const SioCase sio_cases[] = {
  { "0", MC_SIO_CONNECT, "/", MC_SIO_NO_ACK, 0, NULL },
  { "0{\"token\":\"s3cret\"}", MC_SIO_CONNECT, "/", MC_SIO_NO_ACK, 0, "{\"token\":\"s3cret\"}" },
  { "0/admin,", MC_SIO_CONNECT, "/admin", MC_SIO_NO_ACK, 0, NULL },
  { "0/admin,{\"token\":\"x\",\"n\":[1,2.5,true,null]}", MC_SIO_CONNECT, "/admin", MC_SIO_NO_ACK, 0,
    "{\"token\":\"x\",\"n\":[1,2.5,true,null]}" },
  { "0{\"sid\":\"oSO0OpakMV_3jnilAAAA\"}", MC_SIO_CONNECT, "/", MC_SIO_NO_ACK, 0, "{\"sid\":\"oSO0OpakMV_3jnilAAAA\"}" },
  { "1", MC_SIO_DISCONNECT, "/", MC_SIO_NO_ACK, 0, NULL },
  { "1/admin,", MC_SIO_DISCONNECT, "/admin", MC_SIO_NO_ACK, 0, NULL },
  { "2[\"hello\",1]", MC_SIO_EVENT, "/", MC_SIO_NO_ACK, 0, "[\"hello\",1]" },
  { "2[\"leave-call\"]", MC_SIO_EVENT, "/", MC_SIO_NO_ACK, 0, "[\"leave-call\"]" },
  { "2/admin,[\"hello\"]", MC_SIO_EVENT, "/admin", MC_SIO_NO_ACK, 0, "[\"hello\"]" },
  { "212[\"join-call\",{\"callId\":\"c1\",\"peerId\":\"p\\\"1\",\"name\":\"J\\u00f6rg \\ud83d\\ude00\"}]",
    MC_SIO_EVENT, "/", 12, 0, "[\"join-call\",{\"callId\":\"c1\",\"peerId\":\"p\\\"1\",\"name\":\"J\xc3\xb6rg \xf0\x9f\x98\x80\"}]",
    "212[\"join-call\",{\"callId\":\"c1\",\"peerId\":\"p\\\"1\",\"name\":\"J\xc3\xb6rg \xf0\x9f\x98\x80\"}]" },
  { "2/admin,7[\"x\",{\"a\":{\"b\":[]}}]", MC_SIO_EVENT, "/admin", 7, 0, "[\"x\",{\"a\":{\"b\":[]}}]" },
  { "20[\"x\"]", MC_SIO_EVENT, "/", 0, 0, "[\"x\"]" },
  { "22147483647[\"x\"]", MC_SIO_EVENT, "/", G_MAXINT32, 0, "[\"x\"]" },
  { "2[\"webrtc-signal\",{\"signal\":{\"type\":\"offer\",\"sdp\":\"v=0\\r\\no=- 1 2 IN IP4 127.0.0.1\\r\\n\"}}]",
    MC_SIO_EVENT, "/", MC_SIO_NO_ACK, 0,
    "[\"webrtc-signal\",{\"signal\":{\"type\":\"offer\",\"sdp\":\"v=0\\r\\no=- 1 2 IN IP4 127.0.0.1\\r\\n\"}}]" },
  { "30[]", MC_SIO_ACK, "/", 0, 0, "[]" },
  { "312[{\"ok\":true,\"peers\":[]}]", MC_SIO_ACK, "/", 12, 0, "[{\"ok\":true,\"peers\":[]}]" },
  { "3/admin,5[\"a\",\"b\"]", MC_SIO_ACK, "/admin", 5, 0, "[\"a\",\"b\"]" },
  { "4{\"message\":\"Not authorized\",\"data\":{\"code\":1}}", MC_SIO_CONNECT_ERROR, "/", MC_SIO_NO_ACK, 0,
    "{\"message\":\"Not authorized\",\"data\":{\"code\":1}}" },
  { "4\"old style\"", MC_SIO_CONNECT_ERROR, "/", MC_SIO_NO_ACK, 0, "\"old style\"" },
  { "4/x,{\"message\":\"Invalid namespace\"}", MC_SIO_CONNECT_ERROR, "/x", MC_SIO_NO_ACK, 0,
    "{\"message\":\"Invalid namespace\"}" },
  { "51-[\"up\",{\"_placeholder\":true,\"num\":0}]", MC_SIO_BINARY_EVENT, "/", MC_SIO_NO_ACK, 1,
    "[\"up\",{\"_placeholder\":true,\"num\":0}]" },
  { "52-/admin,9[\"up\",{\"_placeholder\":true,\"num\":0},{\"f\":{\"_placeholder\":true,\"num\":1}}]",
    MC_SIO_BINARY_EVENT, "/admin", 9, 2,
    "[\"up\",{\"_placeholder\":true,\"num\":0},{\"f\":{\"_placeholder\":true,\"num\":1}}]" },
  { "61-3[{\"_placeholder\":true,\"num\":0}]", MC_SIO_BINARY_ACK, "/", 3, 1, "[{\"_placeholder\":true,\"num\":0}]" },
  { "61-/admin,3[\"ok\",{\"_placeholder\":true,\"num\":0}]", MC_SIO_BINARY_ACK, "/admin", 3, 1,
    "[\"ok\",{\"_placeholder\":true,\"num\":0}]" },
};

static void
test_sio_roundtrip (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (sio_cases); i++) {
    const SioCase *c = &sio_cases[i];
    g_autoptr (GError) error = NULL;
    g_autoptr (McSioPacket) packet = sio_decode (c->wire, &error);
    g_autoptr (McSioPacket) again = NULL;
    g_autofree char *encoded = NULL;

    g_test_message ("case %u: %s", i, c->wire);
    g_assert_no_error (error);
    g_assert_cmpint (packet->type, ==, c->type);
    g_assert_cmpstr (packet->nsp, ==, c->nsp);
    g_assert_cmpint (packet->ack_id, ==, c->ack_id);
    g_assert_cmpuint (packet->n_attachments, ==, c->n_attachments);
    assert_json_equal (packet->data, c->data);
    encoded = mc_sio_packet_encode (packet);
    g_assert_cmpstr (encoded, ==, c->out ? c->out : c->wire);

    again = sio_decode (encoded, &error);
    g_assert_no_error (error);
    g_assert_cmpint (again->type, ==, packet->type);
    g_assert_cmpstr (again->nsp, ==, packet->nsp);
    g_assert_cmpint (again->ack_id, ==, packet->ack_id);
    if (packet->data)
      g_assert_true (json_node_equal (again->data, packet->data));
  }
}

/* Accepted spellings that re-encode in canonical form. */
static void
test_sio_canonical (void)
{
  static const struct {
    const char *in, *out;
  } cases[] = {
    { "0/admin", "0/admin," },              /* namespace at the end, as socket.io-parser reads it */
    { "1/admin", "1/admin," },
    { "0/,", "0" },
    { "2/,5[\"a\"]", "25[\"a\"]" },
    { "2 [ \"a\" ,\t1 ,\r\n{ } ] ", "2[\"a\",1,{}]" },
    { "2007[\"x\"]", "27[\"x\"]" },
    { "2[\"x\",1.0,-0,-0.0,-0e400,1E2,0.1,1e21,99999999999999999999]", "2[\"x\",1,0,0,0,100,0.1,1e+21,1e+20]" },
    { "2[\"\\u00e9\\/\\b\\f\\n\\r\\t\\u001e\\u007f\"]", "2[\"\xc3\xa9/\\b\\f\\n\\r\\t\\u001e\x7f\"]" },
    { "2[\"x\",{\"a\":1,\"a\":2}]", "2[\"x\",{\"a\":2}]" },
    /* a repeated name keeps its first position and its last value, as JSON.parse does */
    { "2[\"x\",{\"a\":1,\"b\":2,\"a\":3}]", "2[\"x\",{\"a\":3,\"b\":2}]" },
    { "2[\"x\",{\"1\":1,\"2\":2,\"3\":3,\"4\":4,\"5\":5,\"6\":6,\"7\":7,\"8\":8,\"9\":9,\"10\":10,\"2\":0,\"10\":0}]",
      "2[\"x\",{\"1\":1,\"2\":0,\"3\":3,\"4\":4,\"5\":5,\"6\":6,\"7\":7,\"8\":8,\"9\":9,\"10\":0}]" },
    { "501-[\"x\",{\"_placeholder\":true,\"num\":0}]", "51-[\"x\",{\"_placeholder\":true,\"num\":0}]" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr (GError) error = NULL;
    g_autoptr (McSioPacket) packet = sio_decode (cases[i].in, &error);
    g_autofree char *encoded = NULL;

    g_assert_no_error (error);
    encoded = mc_sio_packet_encode (packet);
    g_assert_cmpstr (encoded, ==, cases[i].out);
  }
}

static void
test_sio_constructors (void)
{
  g_autoptr (JsonNode) arg = json ("{\"callId\":\"c1\",\"peerId\":\"p1\",\"name\":\"Ann\"}");
  g_autoptr (McSioPacket) join = mc_sio_packet_new_event (NULL, "join-call", arg, 3);
  g_autoptr (McSioPacket) leave = mc_sio_packet_new_event ("/", "leave-call", NULL, MC_SIO_NO_ACK);
  g_autoptr (McSioPacket) admin = mc_sio_packet_new_event ("/admin", "x", arg, MC_SIO_NO_ACK);
  g_autoptr (McSioPacket) ack = mc_sio_packet_new_ack (NULL, 3, arg);
  g_autoptr (McSioPacket) ack_empty = mc_sio_packet_new_ack ("/admin", 0, NULL);
  g_autoptr (McSioPacket) connect = mc_sio_packet_new (MC_SIO_CONNECT, "/admin");
  g_autoptr (McSioPacket) disconnect = mc_sio_packet_new (MC_SIO_DISCONNECT, NULL);
  g_autoptr (McSioPacket) connect_error = mc_sio_packet_new (MC_SIO_CONNECT_ERROR, NULL);
  g_autofree char *s1 = mc_sio_packet_encode (join);
  g_autofree char *s2 = mc_sio_packet_encode (leave);
  g_autofree char *s3 = mc_sio_packet_encode (admin);
  g_autofree char *s4 = mc_sio_packet_encode (ack);
  g_autofree char *s5 = mc_sio_packet_encode (ack_empty);
  g_autofree char *s6 = mc_sio_packet_encode (connect);
  g_autofree char *s7 = mc_sio_packet_encode (disconnect);
  g_autofree char *s8 = NULL;

  g_assert_cmpstr (s1, ==, "23[\"join-call\",{\"callId\":\"c1\",\"peerId\":\"p1\",\"name\":\"Ann\"}]");
  g_assert_cmpstr (s2, ==, "2[\"leave-call\"]");
  g_assert_cmpstr (s3, ==, "2/admin,[\"x\",{\"callId\":\"c1\",\"peerId\":\"p1\",\"name\":\"Ann\"}]");
  g_assert_cmpstr (s4, ==, "33[{\"callId\":\"c1\",\"peerId\":\"p1\",\"name\":\"Ann\"}]");
  g_assert_cmpstr (s5, ==, "3/admin,0[]");
  g_assert_cmpstr (s6, ==, "0/admin,");
  g_assert_cmpstr (s7, ==, "1");

  connect_error->data = json ("{\"message\":\"bad token\"}");
  s8 = mc_sio_packet_encode (connect_error);
  g_assert_cmpstr (s8, ==, "4{\"message\":\"bad token\"}");

  g_assert_cmpstr (mc_sio_packet_get_event_name (join), ==, "join-call");
  g_assert_true (json_node_equal (mc_sio_packet_get_event_arg (join, 0), arg));
  g_assert_null (mc_sio_packet_get_event_arg (join, 1));
  g_assert_null (mc_sio_packet_get_event_arg (join, G_MAXUINT));
  g_assert_cmpstr (mc_sio_packet_get_event_name (leave), ==, "leave-call");
  g_assert_null (mc_sio_packet_get_event_arg (leave, 0));
  g_assert_null (mc_sio_packet_get_event_name (ack));
  g_assert_true (json_node_equal (mc_sio_packet_get_event_arg (ack, 0), arg));
  g_assert_null (mc_sio_packet_get_event_arg (ack_empty, 0));
  g_assert_null (mc_sio_packet_get_event_name (connect));
  g_assert_null (mc_sio_packet_get_event_arg (connect, 0));
  g_assert_cmpint (join->ack_id, ==, 3);
  g_assert_cmpint (leave->ack_id, ==, MC_SIO_NO_ACK);
  g_assert_cmpstr (connect->nsp, ==, "/admin");
  g_assert_cmpstr (disconnect->nsp, ==, "/");
}

static void
test_sio_errors (void)
{
  char *m;

  expect_sio_error ("", MC_SIO_ERROR_EMPTY);
  expect_sio_error ("7", MC_SIO_ERROR_BAD_TYPE);
  expect_sio_error ("a[\"x\"]", MC_SIO_ERROR_BAD_TYPE);
  expect_sio_error ("-1", MC_SIO_ERROR_BAD_TYPE);
  m = expect_error (DECODE_SIO, "2[\"a\xc3\x28\"]", 7, MC_SIO_ERROR_BAD_UTF8);
  g_assert_nonnull (strstr (m, "byte 4"));
  g_free (m);
  g_free (expect_error (DECODE_SIO, "2[\"a\0\"]", 7, MC_SIO_ERROR_BAD_UTF8));
}

static void
test_sio_namespaces (void)
{
  char *m;

  m = expect_error (DECODE_SIO, "2/admin[\"x\"]", 12, MC_SIO_ERROR_BAD_NAMESPACE);
  g_assert_nonnull (strstr (m, "not terminated by ','"));
  g_free (m);
  expect_sio_error ("3/admin", MC_SIO_ERROR_BAD_NAMESPACE);
  expect_sio_error ("4/admin", MC_SIO_ERROR_BAD_NAMESPACE);
  expect_sio_error ("0/ad\x01min,", MC_SIO_ERROR_BAD_NAMESPACE);
  expect_sio_error ("0/ad\x7fmin,", MC_SIO_ERROR_BAD_NAMESPACE);
  expect_sio_error ("0/a\x1e,", MC_SIO_ERROR_BAD_NAMESPACE);
  /* a namespace not starting with '/' is read as the payload, like socket.io-parser */
  expect_sio_error ("0admin,", MC_SIO_ERROR_BAD_JSON);
  /* namespaces are UTF-8 like everything else */
  {
    g_autoptr (GError) error = NULL;
    g_autoptr (McSioPacket) packet = sio_decode ("0/\xc3\xa9t\xc3\xa9,", &error);
    g_assert_no_error (error);
    g_assert_cmpstr (packet->nsp, ==, "/\xc3\xa9t\xc3\xa9");
  }
  /* a huge unterminated namespace gives a short message */
  {
    g_autofree char *big = g_strnfill (100000, 'a');
    g_autofree char *text = g_strdup_printf ("2/%s", big);
    m = expect_error (DECODE_SIO, text, strlen (text), MC_SIO_ERROR_BAD_NAMESPACE);
    g_assert_cmpuint (strlen (m), <, 200);
    g_free (m);
  }
}

static void
test_sio_ack_ids (void)
{
  char *m;

  m = expect_error (DECODE_SIO, "22147483648[\"x\"]", 16, MC_SIO_ERROR_BAD_ACK_ID);
  g_assert_nonnull (strstr (m, "byte 1"));
  g_free (m);
  expect_sio_error ("2/admin,99999999999999999999999999999999999999999999[\"x\"]", MC_SIO_ERROR_BAD_ACK_ID);
  expect_sio_error ("318446744073709551617[]", MC_SIO_ERROR_BAD_ACK_ID);  /* 2^64 + 1 */
  {
    g_autofree char *digits = g_strnfill (100000, '9');
    g_autofree char *text = g_strdup_printf ("3%s[]", digits);
    expect_sio_error (text, MC_SIO_ERROR_BAD_ACK_ID);
  }
  expect_sio_error ("3[]", MC_SIO_ERROR_BAD_ACK_ID);              /* an ACK must answer an id */
  expect_sio_error ("61-[{\"_placeholder\":true,\"num\":0}]", MC_SIO_ERROR_BAD_ACK_ID);
  expect_sio_error ("05{}", MC_SIO_ERROR_BAD_ACK_ID);             /* only EVENT/ACK carry ids */
  expect_sio_error ("15", MC_SIO_ERROR_BAD_ACK_ID);
  expect_sio_error ("43{\"message\":\"x\"}", MC_SIO_ERROR_BAD_ACK_ID);
}

static void
test_sio_attachments (void)
{
  g_autoptr (GString) sixteen = g_string_new ("516-[\"x\"");
  g_autoptr (GError) error = NULL;
  g_autoptr (McSioPacket) packet = NULL;
  char *m;

  for (int i = 0; i < MC_SIO_MAX_ATTACHMENTS; i++)
    g_string_append_printf (sixteen, ",{\"_placeholder\":true,\"num\":%d}", i);
  g_string_append_c (sixteen, ']');
  packet = sio_decode (sixteen->str, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (packet->n_attachments, ==, MC_SIO_MAX_ATTACHMENTS);

  m = expect_error (DECODE_SIO, "517-[\"x\"]", 9, MC_SIO_ERROR_BAD_ATTACHMENTS);
  g_assert_nonnull (strstr (m, "outside 1..16"));
  g_free (m);
  expect_sio_error ("599999999999999999999999999-[\"x\"]", MC_SIO_ERROR_BAD_ATTACHMENTS);
  expect_sio_error ("50-[\"x\"]", MC_SIO_ERROR_BAD_ATTACHMENTS);
  expect_sio_error ("5-[\"x\"]", MC_SIO_ERROR_BAD_ATTACHMENTS);
  expect_sio_error ("51[\"x\"]", MC_SIO_ERROR_BAD_ATTACHMENTS);
  expect_sio_error ("5[\"x\"]", MC_SIO_ERROR_BAD_ATTACHMENTS);
  expect_sio_error ("5", MC_SIO_ERROR_BAD_ATTACHMENTS);
  expect_sio_error ("51", MC_SIO_ERROR_BAD_ATTACHMENTS);
  expect_sio_error ("6", MC_SIO_ERROR_BAD_ATTACHMENTS);
}

static void
test_sio_placeholders (void)
{
  g_autoptr (GError) error = NULL;
  char *m;

  expect_sio_error ("51-[\"x\",{\"_placeholder\":true,\"num\":1}]", MC_SIO_ERROR_BAD_ATTACHMENTS);
  expect_sio_error ("51-[\"x\",{\"_placeholder\":true,\"num\":-1}]", MC_SIO_ERROR_BAD_ATTACHMENTS);
  expect_sio_error ("51-[\"x\",{\"_placeholder\":true,\"num\":\"0\"}]", MC_SIO_ERROR_BAD_ATTACHMENTS);
  expect_sio_error ("51-[\"x\",{\"_placeholder\":true,\"num\":0.5}]", MC_SIO_ERROR_BAD_ATTACHMENTS);
  expect_sio_error ("51-[\"x\",{\"_placeholder\":true}]", MC_SIO_ERROR_BAD_ATTACHMENTS);
  expect_sio_error ("51-[\"x\",{\"_placeholder\":true,\"num\":null}]", MC_SIO_ERROR_BAD_ATTACHMENTS);
  expect_sio_error ("61-1[{\"_placeholder\":true,\"num\":99999999999999999999}]", MC_SIO_ERROR_BAD_ATTACHMENTS);
  {
    const char *nested = "52-[\"x\",{\"a\":[0,{\"_placeholder\":true,\"num\":7}]}]";
    m = expect_error (DECODE_SIO, nested, strlen (nested), MC_SIO_ERROR_BAD_ATTACHMENTS);
  }
  g_assert_nonnull (strstr (m, "$[1].a[1]"));
  g_assert_nonnull (strstr (m, "num 7"));
  g_free (m);

  /* only "_placeholder": true counts, as in socket.io-parser */
  {
    g_autoptr (McSioPacket) p = sio_decode ("51-[\"x\",{\"_placeholder\":false,\"num\":9},{\"_placeholder\":1}]", &error);
    g_assert_no_error (error);
    g_assert_nonnull (p);
  }
  {
    g_autoptr (McSioPacket) p = sio_decode ("51-[\"x\",{\"_placeholder\":true,\"num\":0.0}]", &error);
    g_assert_no_error (error);
    g_assert_nonnull (p);
  }

  /* plain EVENTs are not checked on decode; a server can check them itself */
  {
    g_autoptr (McSioPacket) p = sio_decode ("2[\"x\",{\"_placeholder\":true,\"num\":0}]", &error);
    g_assert_no_error (error);
    g_assert_false (mc_sio_packet_check_placeholders (p, 0, &error));
    g_assert_error (error, MC_SIO_ERROR, MC_SIO_ERROR_BAD_ATTACHMENTS);
    g_clear_error (&error);
    g_assert_true (mc_sio_packet_check_placeholders (p, 1, &error));
    g_assert_no_error (error);
  }
  {
    g_autoptr (McSioPacket) p = mc_sio_packet_new (MC_SIO_CONNECT, NULL);
    g_assert_true (mc_sio_packet_check_placeholders (p, 0, &error));
  }
}

static void
test_sio_payload_shapes (void)
{
  /* socket.io-parser's isPayloadValid, per type */
  expect_sio_error ("0[]", MC_SIO_ERROR_BAD_PAYLOAD);
  expect_sio_error ("0\"token\"", MC_SIO_ERROR_BAD_PAYLOAD);
  expect_sio_error ("0null", MC_SIO_ERROR_BAD_PAYLOAD);
  expect_sio_error ("1{}", MC_SIO_ERROR_BAD_PAYLOAD);
  expect_sio_error ("1/admin,[]", MC_SIO_ERROR_BAD_PAYLOAD);
  expect_sio_error ("2", MC_SIO_ERROR_BAD_PAYLOAD);
  expect_sio_error ("2{\"x\":1}", MC_SIO_ERROR_BAD_PAYLOAD);
  expect_sio_error ("2\"x\"", MC_SIO_ERROR_BAD_PAYLOAD);
  expect_sio_error ("2[]", MC_SIO_ERROR_BAD_PAYLOAD);
  expect_sio_error ("2[1]", MC_SIO_ERROR_BAD_PAYLOAD);          /* numeric event names: see sio_packet.h */
  expect_sio_error ("2[null,\"x\"]", MC_SIO_ERROR_BAD_PAYLOAD);
  expect_sio_error ("2[[\"x\"]]", MC_SIO_ERROR_BAD_PAYLOAD);
  expect_sio_error ("2[\"connect\"]", MC_SIO_ERROR_BAD_PAYLOAD);
  expect_sio_error ("2[\"connect_error\",{}]", MC_SIO_ERROR_BAD_PAYLOAD);
  expect_sio_error ("2[\"disconnect\"]", MC_SIO_ERROR_BAD_PAYLOAD);
  expect_sio_error ("2[\"disconnecting\"]", MC_SIO_ERROR_BAD_PAYLOAD);
  expect_sio_error ("2[\"newListener\"]", MC_SIO_ERROR_BAD_PAYLOAD);
  expect_sio_error ("21[\"removeListener\"]", MC_SIO_ERROR_BAD_PAYLOAD);
  expect_sio_error ("51-[\"disconnect\",{\"_placeholder\":true,\"num\":0}]", MC_SIO_ERROR_BAD_PAYLOAD);
  expect_sio_error ("51-{\"_placeholder\":true,\"num\":0}", MC_SIO_ERROR_BAD_PAYLOAD);
  expect_sio_error ("31", MC_SIO_ERROR_BAD_PAYLOAD);
  expect_sio_error ("31{}", MC_SIO_ERROR_BAD_PAYLOAD);
  expect_sio_error ("31\"ok\"", MC_SIO_ERROR_BAD_PAYLOAD);
  expect_sio_error ("61-1{}", MC_SIO_ERROR_BAD_PAYLOAD);
  expect_sio_error ("4", MC_SIO_ERROR_BAD_PAYLOAD);
  expect_sio_error ("4[]", MC_SIO_ERROR_BAD_PAYLOAD);
  expect_sio_error ("4true", MC_SIO_ERROR_BAD_PAYLOAD);
  /* the event name is matched exactly */
  {
    g_autoptr (GError) error = NULL;
    g_autoptr (McSioPacket) p = sio_decode ("2[\"Connect\"]", &error);
    g_assert_no_error (error);
    g_assert_nonnull (p);
  }
}

/* JSON inside a packet: what the strict reader refuses (test_json.c) is a
 * packet fault with the position counted in the packet. */
static void
test_json_in_packets (void)
{
  static const char *const bad[] = {
    "/* c */1", "'a'", "0x10", "01", "1.", "NaN", "1e400", "\"\\u0000\"", "\"\\ud800\"", "\"a\tb\"", "[1,]",
    "{\"a\":1,}", "{a:1}", "[1 2]", "[1]x",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++) {
    g_autofree char *packet = g_strdup_printf ("2[\"x\",%s]", bad[i]);
    g_free (expect_error (DECODE_SIO, packet, strlen (packet), MC_SIO_ERROR_BAD_JSON));
  }
  expect_sio_error ("2[\"x\"] [2]", MC_SIO_ERROR_BAD_JSON);
  expect_sio_error ("2[\"x\"]x", MC_SIO_ERROR_BAD_JSON);
  expect_sio_error ("2[\"x\"", MC_SIO_ERROR_BAD_JSON);
  expect_sio_error ("2,[\"x\"]", MC_SIO_ERROR_BAD_JSON);
  {
    /* the position is in the packet, not in the JSON part */
    char *m = expect_error (DECODE_SIO, "2/a,5[\"x\",]", 11, MC_SIO_ERROR_BAD_JSON);
    g_assert_nonnull (strstr (m, "byte 10"));
    g_free (m);
  }
  {
    g_autofree char *digits = g_strnfill (600, '1');
    g_autofree char *packet = g_strdup_printf ("2[\"x\",%s]", digits);
    expect_sio_error (packet, MC_SIO_ERROR_BAD_JSON);
  }
}

static void
test_json_depth (void)
{
  g_autoptr (GString) ok = g_string_new ("2[\"x\",");
  g_autoptr (GString) deep = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (McSioPacket) packet = NULL;
  char *m;

  /* the event array is level 1; levels 2..MAX alternate arrays and objects */
  for (int level = 2; level <= MC_JSON_MAX_DEPTH; level++)
    g_string_append (ok, level % 2 ? "{\"k\":" : "[");
  for (int level = MC_JSON_MAX_DEPTH; level >= 2; level--)
    g_string_append (ok, level % 2 ? "}" : "]");
  g_string_append_c (ok, ']');
  packet = sio_decode (ok->str, &error);
  g_assert_no_error (error);

  deep = g_string_new ("2[\"x\",");
  for (int i = 0; i < MC_JSON_MAX_DEPTH; i++)
    g_string_append_c (deep, '[');
  m = expect_error (DECODE_SIO, deep->str, deep->len, MC_SIO_ERROR_BAD_JSON);
  g_assert_nonnull (strstr (m, "deeper than"));
  g_free (m);

  /* many members, then the last one repeated many times: linear, not quadratic
   * (json_object_set_member alone takes seconds here) */
  {
    g_autoptr (GString) big = g_string_new ("2[\"x\",{");
    g_autoptr (McSioPacket) p = NULL;
    gint64 start = g_get_monotonic_time ();

    for (int i = 0; i < 30000; i++)
      g_string_append_printf (big, "\"k%d\":0,", i);
    for (int i = 0; i < 30000; i++)
      g_string_append (big, "\"k29999\":1,");
    g_string_append (big, "\"end\":0}]");
    p = sio_decode (big->str, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (json_object_get_size (json_node_get_object (mc_sio_packet_get_event_arg (p, 0))), ==, 30001);
    g_test_message ("30000 members + 30000 repeats: %" G_GINT64_FORMAT " ms", (g_get_monotonic_time () - start) / 1000);
  }

  /* a megabyte of '[' is refused quickly, without deep recursion */
  {
    g_autofree char *brackets = g_strnfill (1 << 20, '[');
    g_free (expect_error (DECODE_SIO, brackets, 1 << 20, MC_SIO_ERROR_BAD_TYPE));
    brackets[0] = '2';
    g_free (expect_error (DECODE_SIO, brackets, 1 << 20, MC_SIO_ERROR_BAD_JSON));
  }
}

/* ---- corpus ---------------------------------------------------------------
 * fuzz/corpora/fuzz_sio_packet/ holds one input per file:
 *   good-ws-NAME / good-poll-NAME: a websocket text frame / a polling body that
 *     decodes fully (Engine.IO, then Socket.IO for every text MESSAGE);
 *   bad-ws-CODE-NAME / bad-poll-CODE-NAME: rejected at some stage with CODE,
 *     one of the names below.
 * The same files seed the fuzzer. */

static const struct {
  const char *name;
  McSioError code;
} corpus_codes[] = {
  { "empty", MC_SIO_ERROR_EMPTY },       { "type", MC_SIO_ERROR_BAD_TYPE },
  { "nsp", MC_SIO_ERROR_BAD_NAMESPACE }, { "ackid", MC_SIO_ERROR_BAD_ACK_ID },
  { "attach", MC_SIO_ERROR_BAD_ATTACHMENTS }, { "json", MC_SIO_ERROR_BAD_JSON },
  { "payload", MC_SIO_ERROR_BAD_PAYLOAD }, { "base64", MC_SIO_ERROR_BAD_BASE64 },
  { "utf8", MC_SIO_ERROR_BAD_UTF8 },
};

/* Decodes a websocket frame or a polling body the way a server would; returns
 * FALSE with error at the first stage that rejects it. */
static gboolean
corpus_decode (gboolean poll, const char *data, gsize len, GError **error)
{
  g_autoptr (GPtrArray) packets = NULL;

  if (poll) {
    packets = payload_decode (data, len, error);
    if (!packets)
      return FALSE;
  } else {
    McEioPacket *packet = eio_decode (data, len, error);
    if (!packet)
      return FALSE;
    packets = g_ptr_array_new_with_free_func ((GDestroyNotify) mc_eio_packet_free);
    g_ptr_array_add (packets, packet);
  }
  for (guint i = 0; i < packets->len; i++) {
    McEioPacket *packet = packets->pdata[i];
    g_autoptr (McSioPacket) sio = NULL;
    const char *text;
    gsize text_len;

    if (packet->type != MC_EIO_MESSAGE || packet->binary)
      continue;
    text = mc_eio_packet_get_text (packet, &text_len);
    sio = decode_exact (DECODE_SIO, text, text_len, error);
    if (!sio)
      return FALSE;
  }
  return TRUE;
}

static void
test_corpus (void)
{
  const char *source = g_getenv ("MESHCALL_SOURCE_DIR");
  g_autofree char *dir_path = g_build_filename (source ? source : MESHCALL_SOURCE_DIR, "fuzz", "corpora", "fuzz_sio_packet", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (GDir) dir = g_dir_open (dir_path, 0, &error);
  const char *name;
  guint n_good = 0, n_bad = 0;

  g_assert_no_error (error);
  while ((name = g_dir_read_name (dir))) {
    g_autofree char *path = g_build_filename (dir_path, name, NULL);
    g_autofree char *data = NULL;
    g_auto (GStrv) parts = NULL;
    gsize len;
    gboolean good = g_str_has_prefix (name, "good-");
    gboolean bad = g_str_has_prefix (name, "bad-");
    gboolean poll;
    gboolean ok;

    if (!good && !bad)
      continue;
    g_assert_true (g_file_get_contents (path, &data, &len, &error));
    parts = g_strsplit (name, "-", 4);
    g_assert_cmpuint (g_strv_length (parts), >=, 3);
    if (g_strcmp0 (parts[1], "ws") != 0 && g_strcmp0 (parts[1], "poll") != 0) {
      g_test_fail_printf ("%s: kind must be ws or poll", name);
      continue;
    }
    poll = g_strcmp0 (parts[1], "poll") == 0;
    ok = corpus_decode (poll, data, len, &error);

    if (good) {
      n_good++;
      if (!ok)
        g_test_fail_printf ("%s: rejected: %s", name, error->message);
    } else {
      gint code = -1;

      n_bad++;
      for (guint i = 0; i < G_N_ELEMENTS (corpus_codes); i++)
        if (g_strcmp0 (parts[2], corpus_codes[i].name) == 0)
          code = corpus_codes[i].code;
      if (code < 0 || !parts[3]) {
        g_test_fail_printf ("%s: name must be bad-KIND-CODE-NAME with a known CODE", name);
      } else if (ok) {
        g_test_fail_printf ("%s: accepted", name);
      } else if (!g_error_matches (error, MC_SIO_ERROR, code)) {
        g_test_fail_printf ("%s: expected %s, got code %d: %s", name, parts[2], error->code, error->message);
      } else {
        g_assert_true (g_utf8_validate (error->message, -1, NULL));
        g_test_message ("%s: %s", name, error->message);
      }
    }
    g_clear_error (&error);
  }
  g_test_message ("corpus: %u good, %u bad", n_good, n_bad);
  g_assert_cmpuint (n_good, >=, 5);
  g_assert_cmpuint (n_bad, >=, 40);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  mc_log_init ();

  g_test_add_func ("/sio/roundtrip", test_sio_roundtrip);
  g_test_add_func ("/sio/canonical", test_sio_canonical);
  g_test_add_func ("/sio/constructors", test_sio_constructors);
  g_test_add_func ("/sio/errors", test_sio_errors);
  g_test_add_func ("/sio/namespaces", test_sio_namespaces);
  g_test_add_func ("/sio/ack-ids", test_sio_ack_ids);
  g_test_add_func ("/sio/attachments", test_sio_attachments);
  g_test_add_func ("/sio/placeholders", test_sio_placeholders);
  g_test_add_func ("/sio/payload-shapes", test_sio_payload_shapes);
  g_test_add_func ("/json/in-packets", test_json_in_packets);
  g_test_add_func ("/json/depth", test_json_depth);
  g_test_add_func ("/corpus", test_corpus);
  return g_test_run ();
}

/* Engine.IO / Socket.IO packet codec: round trips for every packet type,
 * strict rejection of malformed input, and the fuzz/corpora/fuzz_sio_packet corpus.
 *
 * Every decoder call gets an exact-size heap copy of its input (no trailing
 * NUL), so AddressSanitizer and valgrind catch any read past len. */
#include "meshcall/base/log.h"
#include "meshcall/proto/sio_packet.h"

#include <math.h>
#include <string.h>

/* ---- helpers ------------------------------------------------------------- */

typedef enum { DECODE_EIO, DECODE_PAYLOAD, DECODE_SIO } DecodeKind;

static gpointer
decode_exact (DecodeKind kind, const char *input, gsize len, GError **error)
{
  g_autofree char *copy = g_memdup2 (input, len);

  switch (kind) {
  case DECODE_EIO: return mc_eio_packet_decode (copy, len, error);
  case DECODE_PAYLOAD: return mc_eio_payload_decode (copy, len, error);
  case DECODE_SIO: return mc_sio_packet_decode (copy, len, error);
  }
  g_assert_not_reached ();
}

static McSioPacket *
sio_decode (const char *text, GError **error)
{
  return decode_exact (DECODE_SIO, text, strlen (text), error);
}

static McEioPacket *
eio_decode (const char *text, gsize len, GError **error)
{
  return decode_exact (DECODE_EIO, text, len, error);
}

static GPtrArray *
payload_decode (const char *text, gsize len, GError **error)
{
  return decode_exact (DECODE_PAYLOAD, text, len, error);
}

/* Asserts rejection with code; returns the message for further checks. */
static char *
expect_error (DecodeKind kind, const char *input, gsize len, McSioError code)
{
  g_autoptr (GError) error = NULL;
  gpointer result = decode_exact (kind, input, len, &error);
  char *message;

  if (result) {
    g_autofree char *shown = g_strescape (input, NULL);
    g_test_fail_printf ("'%s' was accepted, expected error code %d", shown, code);
    if (kind == DECODE_PAYLOAD)
      g_ptr_array_unref (result);
    else if (kind == DECODE_EIO)
      mc_eio_packet_free (result);
    else
      mc_sio_packet_free (result);
    return g_strdup ("");
  }
  g_assert_nonnull (error);
  if (!g_error_matches (error, MC_SIO_ERROR, (gint) code)) {
    g_autofree char *shown = g_strescape (input, NULL);
    g_test_fail_printf ("'%s': expected code %d, got %d: %s", shown, code, error->code, error->message);
  }
  g_assert_true (g_utf8_validate (error->message, -1, NULL));
  g_test_message ("rejected: %s", error->message);
  message = g_strdup (error->message);
  return message;
}

static void
expect_sio_error (const char *text, McSioError code)
{
  g_free (expect_error (DECODE_SIO, text, strlen (text), code));
}

static JsonNode *
json (const char *text)
{
  g_autoptr (GError) error = NULL;
  JsonNode *node = mc_json_decode (text, strlen (text), &error);

  g_assert_no_error (error);
  return node;
}

static void
assert_json_equal (JsonNode *node, const char *expected)
{
  g_autoptr (JsonNode) want = expected ? json (expected) : NULL;

  if (!want) {
    g_assert_null (node);
    return;
  }
  g_assert_nonnull (node);
  if (!json_node_equal (node, want)) {
    g_autofree char *got = mc_json_encode (node);
    g_test_fail_printf ("JSON %s != expected %s", got, expected);
  }
}

/* ---- Engine.IO ----------------------------------------------------------- */

static void
test_eio_roundtrip (void)
{
  static const struct {
    const char *wire;
    McEioType type;
    const char *data;
  } cases[] = {
    { "0{\"sid\":\"lv_VI97HAXpY6yYWAAAC\",\"upgrades\":[\"websocket\"],\"pingInterval\":25000,"
      "\"pingTimeout\":20000,\"maxPayload\":1000000}",
      MC_EIO_OPEN,
      "{\"sid\":\"lv_VI97HAXpY6yYWAAAC\",\"upgrades\":[\"websocket\"],\"pingInterval\":25000,"
      "\"pingTimeout\":20000,\"maxPayload\":1000000}" },
    { "1", MC_EIO_CLOSE, "" },
    { "2", MC_EIO_PING, "" },
    { "3", MC_EIO_PONG, "" },
    { "2probe", MC_EIO_PING, "probe" },
    { "3probe", MC_EIO_PONG, "probe" },
    { "4hello", MC_EIO_MESSAGE, "hello" },
    { "4", MC_EIO_MESSAGE, "" },
    { "42[\"x\",\"\xc3\xa9\xf0\x9f\x98\x80\"]", MC_EIO_MESSAGE, "2[\"x\",\"\xc3\xa9\xf0\x9f\x98\x80\"]" },
    { "5", MC_EIO_UPGRADE, "" },
    { "6", MC_EIO_NOOP, "" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr (GError) error = NULL;
    g_autoptr (McEioPacket) packet = eio_decode (cases[i].wire, strlen (cases[i].wire), &error);
    g_autofree char *encoded = NULL;
    gsize len;
    const char *text;

    g_assert_no_error (error);
    g_assert_cmpint (packet->type, ==, cases[i].type);
    g_assert_false (packet->binary);
    text = mc_eio_packet_get_text (packet, &len);
    g_assert_cmpstr (text, ==, cases[i].data);
    g_assert_cmpuint (len, ==, strlen (cases[i].data));
    g_assert_cmpuint (g_bytes_get_size (packet->data), ==, strlen (cases[i].data));
    encoded = mc_eio_packet_encode (packet);
    g_assert_cmpstr (encoded, ==, cases[i].wire);
  }
}

static void
test_eio_constructors (void)
{
  g_autoptr (McEioPacket) ping = mc_eio_packet_new (MC_EIO_PING, "probe");
  g_autoptr (McEioPacket) noop = mc_eio_packet_new (MC_EIO_NOOP, NULL);
  g_autoptr (McEioPacket) upgrade = mc_eio_packet_new (MC_EIO_UPGRADE, "");
  g_autofree char *a = mc_eio_packet_encode (ping);
  g_autofree char *b = mc_eio_packet_encode (noop);
  g_autofree char *c = mc_eio_packet_encode (upgrade);
  gsize len = 99;

  g_assert_cmpstr (a, ==, "2probe");
  g_assert_cmpstr (b, ==, "6");
  g_assert_cmpstr (c, ==, "5");
  g_assert_cmpstr (mc_eio_packet_get_text (noop, &len), ==, "");
  g_assert_cmpuint (len, ==, 0);
  g_assert_nonnull (noop->data);
}

static void
test_eio_binary (void)
{
  static const guchar raw[] = { 0x01, 0x02, 0x03, 0x00, 0xff };
  g_autoptr (GBytes) bytes = g_bytes_new_static (raw, sizeof raw);
  g_autoptr (McEioPacket) packet = mc_eio_packet_new_binary (bytes);
  g_autoptr (McEioPacket) decoded = NULL;
  g_autoptr (McEioPacket) empty = mc_eio_packet_new_binary (NULL);
  g_autoptr (McEioPacket) empty_decoded = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *text = mc_eio_packet_encode (packet);
  g_autofree char *empty_text = mc_eio_packet_encode (empty);

  g_assert_true (packet->binary);
  g_assert_cmpint (packet->type, ==, MC_EIO_MESSAGE);
  g_assert_null (mc_eio_packet_get_text (packet, NULL));
  g_assert_cmpstr (text, ==, "bAQIDAP8=");

  decoded = eio_decode (text, strlen (text), &error);
  g_assert_no_error (error);
  g_assert_true (decoded->binary);
  g_assert_cmpint (decoded->type, ==, MC_EIO_MESSAGE);
  g_assert_true (g_bytes_equal (decoded->data, bytes));

  g_assert_cmpstr (empty_text, ==, "b");
  empty_decoded = eio_decode ("b", 1, &error);
  g_assert_no_error (error);
  g_assert_true (empty_decoded->binary);
  g_assert_cmpuint (g_bytes_get_size (empty_decoded->data), ==, 0);

  /* unpadded base64, as Node's Buffer also reads it */
  {
    g_autoptr (McEioPacket) unpadded = eio_decode ("bAQIDAP8", 8, &error);
    g_assert_no_error (error);
    g_assert_true (g_bytes_equal (unpadded->data, bytes));
  }
}

static void
test_eio_errors (void)
{
  char *m;

  g_free (expect_error (DECODE_EIO, "", 0, MC_SIO_ERROR_EMPTY));
  m = expect_error (DECODE_EIO, "7", 1, MC_SIO_ERROR_BAD_TYPE);
  g_assert_nonnull (strstr (m, "'7' at byte 0"));
  g_free (m);
  g_free (expect_error (DECODE_EIO, "x4", 2, MC_SIO_ERROR_BAD_TYPE));
  m = expect_error (DECODE_EIO, "4ab\xff", 4, MC_SIO_ERROR_BAD_UTF8);
  g_assert_nonnull (strstr (m, "byte 3"));
  g_free (m);
  m = expect_error (DECODE_EIO, "4a\0b", 4, MC_SIO_ERROR_BAD_UTF8);
  g_assert_nonnull (strstr (m, "NUL byte at byte 2"));
  g_free (m);
  g_free (expect_error (DECODE_EIO, "4\xc3", 2, MC_SIO_ERROR_BAD_UTF8));           /* truncated sequence */
  g_free (expect_error (DECODE_EIO, "4\xed\xa0\x80", 4, MC_SIO_ERROR_BAD_UTF8));   /* UTF-8 surrogate */
  g_free (expect_error (DECODE_EIO, "4\xc0\xaf", 3, MC_SIO_ERROR_BAD_UTF8));       /* overlong */
  m = expect_error (DECODE_EIO, "bAQ!D", 5, MC_SIO_ERROR_BAD_BASE64);
  g_assert_nonnull (strstr (m, "'!' at byte 3"));
  g_free (m);
  g_free (expect_error (DECODE_EIO, "bA", 2, MC_SIO_ERROR_BAD_BASE64));       /* 1 char: truncated */
  g_free (expect_error (DECODE_EIO, "bAQ=", 4, MC_SIO_ERROR_BAD_BASE64));     /* padding mid-group */
  g_free (expect_error (DECODE_EIO, "bA===", 5, MC_SIO_ERROR_BAD_BASE64));
  g_free (expect_error (DECODE_EIO, "bAQ==AQ==", 9, MC_SIO_ERROR_BAD_BASE64));
  g_free (expect_error (DECODE_EIO, "bAQ-_", 5, MC_SIO_ERROR_BAD_BASE64));    /* base64url is not accepted */
}

/* ---- polling payloads ------------------------------------------------------ */

static void
test_payload_batch (void)
{
  static const char body[] = "40\x1e" "42[\"hello\",1]\x1e" "2probe\x1e" "6";
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) packets = payload_decode (body, sizeof body - 1, &error);
  g_autofree char *encoded = NULL;

  g_assert_no_error (error);
  g_assert_cmpuint (packets->len, ==, 4);
  g_assert_cmpint (((McEioPacket *) packets->pdata[0])->type, ==, MC_EIO_MESSAGE);
  g_assert_cmpstr (mc_eio_packet_get_text (packets->pdata[0], NULL), ==, "0");
  g_assert_cmpstr (mc_eio_packet_get_text (packets->pdata[1], NULL), ==, "2[\"hello\",1]");
  g_assert_cmpint (((McEioPacket *) packets->pdata[2])->type, ==, MC_EIO_PING);
  g_assert_cmpstr (mc_eio_packet_get_text (packets->pdata[2], NULL), ==, "probe");
  g_assert_cmpint (((McEioPacket *) packets->pdata[3])->type, ==, MC_EIO_NOOP);
  encoded = mc_eio_payload_encode (packets);
  g_assert_cmpstr (encoded, ==, body);

  /* a single packet is a payload too */
  {
    g_autoptr (GPtrArray) one = payload_decode ("3", 1, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (one->len, ==, 1);
  }
  /* no packets encodes to the empty body */
  {
    g_autoptr (GPtrArray) none = g_ptr_array_new_with_free_func ((GDestroyNotify) mc_eio_packet_free);
    g_autofree char *empty = mc_eio_payload_encode (none);
    g_assert_cmpstr (empty, ==, "");
  }
}

/* What socket.io-client sends over polling for socket.emit("upload", Buffer.from([1,2,3,4])). */
static void
test_payload_binary (void)
{
  static const char body[] = "451-[\"upload\",{\"_placeholder\":true,\"num\":0}]\x1e" "bAQIDBA==";
  static const guchar raw[] = { 1, 2, 3, 4 };
  g_autoptr (GBytes) attachment = g_bytes_new_static (raw, sizeof raw);
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) packets = payload_decode (body, sizeof body - 1, &error);
  g_autoptr (McSioPacket) sio = NULL;
  g_autoptr (GPtrArray) built = g_ptr_array_new_with_free_func ((GDestroyNotify) mc_eio_packet_free);
  g_autofree char *encoded = NULL;
  McEioPacket *message, *binary;
  const char *text;
  gsize len;

  g_assert_no_error (error);
  g_assert_cmpuint (packets->len, ==, 2);
  message = packets->pdata[0];
  binary = packets->pdata[1];
  g_assert_false (message->binary);
  g_assert_true (binary->binary);
  g_assert_true (g_bytes_equal (binary->data, attachment));

  text = mc_eio_packet_get_text (message, &len);
  sio = decode_exact (DECODE_SIO, text, len, &error);
  g_assert_no_error (error);
  g_assert_cmpint (sio->type, ==, MC_SIO_BINARY_EVENT);
  g_assert_cmpuint (sio->n_attachments, ==, 1);
  g_assert_cmpstr (mc_sio_packet_get_event_name (sio), ==, "upload");

  /* and built from parts it encodes to the same body */
  g_ptr_array_add (built, mc_eio_packet_new (MC_EIO_MESSAGE, text));
  g_ptr_array_add (built, mc_eio_packet_new_binary (attachment));
  encoded = mc_eio_payload_encode (built);
  g_assert_cmpstr (encoded, ==, body);
}

static void
test_payload_errors (void)
{
  char *m;

  g_free (expect_error (DECODE_PAYLOAD, "", 0, MC_SIO_ERROR_EMPTY));
  m = expect_error (DECODE_PAYLOAD, "4a\x1e", 3, MC_SIO_ERROR_EMPTY);
  g_assert_nonnull (strstr (m, "packet 1"));
  g_assert_nonnull (strstr (m, "byte 3"));
  g_free (m);
  g_free (expect_error (DECODE_PAYLOAD, "\x1e" "4a", 3, MC_SIO_ERROR_EMPTY));
  g_free (expect_error (DECODE_PAYLOAD, "4a\x1e\x1e" "4b", 6, MC_SIO_ERROR_EMPTY));
  m = expect_error (DECODE_PAYLOAD, "4a\x1e" "bAQ=\x1e" "4b", 10, MC_SIO_ERROR_BAD_BASE64);
  g_assert_nonnull (strstr (m, "packet 1"));
  g_free (m);
  m = expect_error (DECODE_PAYLOAD, "4a\x1e" "4b\x1e" "9", 7, MC_SIO_ERROR_BAD_TYPE);
  g_assert_nonnull (strstr (m, "packet 2"));
  g_assert_nonnull (strstr (m, "byte 6"));
  g_free (m);
  g_free (expect_error (DECODE_PAYLOAD, "4a\x1e" "4\xfe", 5, MC_SIO_ERROR_BAD_UTF8));
}

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

  g_test_add_func ("/eio/roundtrip", test_eio_roundtrip);
  g_test_add_func ("/eio/constructors", test_eio_constructors);
  g_test_add_func ("/eio/binary", test_eio_binary);
  g_test_add_func ("/eio/errors", test_eio_errors);
  g_test_add_func ("/payload/batch", test_payload_batch);
  g_test_add_func ("/payload/binary", test_payload_binary);
  g_test_add_func ("/payload/errors", test_payload_errors);
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

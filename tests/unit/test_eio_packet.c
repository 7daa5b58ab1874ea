/* Engine.IO packet codec (proto/eio_packet.h): round trips for every
 * packet type, binary packets, polling payloads, strict rejection of
 * malformed input. (Socket.IO on top, and the corpus: test_sio_packet.c.) */
#include "meshcall/base/log.h"
#include "packet_decode.h"

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
  return g_test_run ();
}

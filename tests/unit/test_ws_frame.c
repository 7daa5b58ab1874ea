/* The websocket frame codec (proto/ws_frame.h): client frames parsed at
 * every length boundary and refused for every RFC 6455 rule a server
 * enforces, server headers encoded, fragments checked in order, text and
 * close payloads, and the fuzz_ws_frame seed corpus. */
#include "meshcall/proto/ws_frame.h"
#include "corpus.h"
#include "../../fuzz/ws_frame_input.h"

#include <string.h>

static const guint8 key[4] = { 1, 2, 3, 4 };

/* A masked client frame (key 1,2,3,4), encoded by the codec itself. */
static GByteArray *
client_frame (gboolean fin, McWsOpcode opcode, const void *payload, gsize len)
{
  GByteArray *f = g_byte_array_new ();
  guint8 h[MC_WS_FRAME_MAX_HEADER];
  gsize hlen = mc_ws_frame_encode_header (h, fin, opcode, len, key);

  g_byte_array_append (f, h, (guint) hlen);
  g_byte_array_append (f, payload, (guint) len);
  mc_ws_frame_mask (f->data + hlen, len, key);
  return f;
}

static void
test_parse_frames (void)
{
  g_autoptr (GByteArray) text = client_frame (TRUE, MC_WS_OP_TEXT, "hello", 5);
  McWsFrame frame;
  McWsFault fault;

  /* Complete, and every truncation of it needs more bytes. */
  for (gsize cut = 0; cut < text->len; cut++)
    g_assert_cmpint (mc_ws_frame_parse (text->data, cut, 1000, &frame, &fault), ==, 0);
  g_assert_cmpint (mc_ws_frame_parse (text->data, text->len, 1000, &frame, &fault), ==, (gssize) text->len);
  g_assert_true (frame.fin);
  g_assert_cmpint (frame.opcode, ==, MC_WS_OP_TEXT);
  g_assert_cmpuint (frame.payload_at, ==, 6);
  g_assert_cmpuint (frame.payload_len, ==, 5);
  g_assert_cmpmem (text->data + frame.payload_at, 5, "hello", 5);
}

/* Each length on both sides of a boundary of the length forms, in the
 * shortest form, with max_payload at the length and one below it. */
static void
test_parse_boundaries (void)
{
  static const struct {
    gsize len;
    gsize header;
  } cases[] = {
    { 0, 6 }, { 125, 6 }, { 126, 8 }, { 127, 8 }, { 65535, 8 }, { 65536, 14 }, { 65537, 14 },
  };
  g_autofree guint8 *big = g_malloc (65537);

  for (gsize i = 0; i < 65537; i++)
    big[i] = (guint8) ('a' + i % 26);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr (GByteArray) f = client_frame (TRUE, MC_WS_OP_BINARY, big, cases[i].len);
    McWsFrame frame;
    McWsFault fault;

    g_assert_cmpuint (f->len, ==, cases[i].header + cases[i].len);
    /* A header that announces more than max_payload is refused at once. */
    if (cases[i].len > 0) {
      g_assert_cmpint (mc_ws_frame_parse (f->data, cases[i].header, cases[i].len - 1, &frame, &fault), ==, -1);
      g_assert_cmpint (fault.code, ==, MC_WS_CLOSE_TOO_BIG);
    }
    g_assert_cmpint (mc_ws_frame_parse (f->data, f->len - 1, cases[i].len, &frame, &fault), ==, 0);
    g_assert_cmpint (mc_ws_frame_parse (f->data, f->len, cases[i].len, &frame, &fault), ==, (gssize) f->len);
    g_assert_cmpuint (frame.payload_at, ==, cases[i].header);
    g_assert_cmpuint (frame.payload_len, ==, cases[i].len);
    g_assert_cmpmem (f->data + frame.payload_at, cases[i].len, big, cases[i].len);
  }
}

static void
test_parse_malformed (void)
{
  struct {
    guint8 bytes[16];
    gsize len;
    const char *why;
  } bad[] = {
    { { 0x81, 0x05, 'h', 'e', 'l', 'l', 'o' }, 7, "unmasked" },
    { { 0xC1, 0x80, 1, 2, 3, 4 }, 6, "reserved bit (compression not negotiated)" },
    { { 0x83, 0x80, 1, 2, 3, 4 }, 6, "unknown data opcode" },
    { { 0x8B, 0x80, 1, 2, 3, 4 }, 6, "unknown control opcode" },
    { { 0x09, 0x80, 1, 2, 3, 4 }, 6, "fragmented ping" },
    { { 0x89, 0xFE, 0x00, 0x80 }, 4, "control frame over 125 bytes" },
    { { 0x81, 0xFE, 0x00, 0x05 }, 4, "non-minimal 16-bit length" },
    { { 0x81, 0xFF, 0, 0, 0, 0, 0, 0, 0x00, 0x10 }, 10, "non-minimal 64-bit length" },
    { { 0x81, 0xFF, 0x80, 0, 0, 0, 0, 1, 0, 0 }, 10, "64-bit length with the top bit set" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++) {
    McWsFrame frame;
    McWsFault fault = { 0, NULL };
    guint8 copy[16];
    gssize n;

    memcpy (copy, bad[i].bytes, sizeof copy);
    n = mc_ws_frame_parse (copy, bad[i].len, 1 << 20, &frame, &fault);
    if (n != -1)
      g_error ("%s: parsed as %" G_GSSIZE_FORMAT, bad[i].why, n);
    g_assert_cmpint (fault.code, ==, MC_WS_CLOSE_PROTOCOL_ERROR);
    g_assert_nonnull (fault.reason);
    g_assert_cmpuint (strlen (fault.reason), <=, MC_WS_FRAME_MAX_REASON);
    g_assert_cmpmem (copy, bad[i].len, bad[i].bytes, bad[i].len);   /* untouched */
  }
}

static void
test_encode_header (void)
{
  static const struct {
    gsize len;
    guint8 bytes[10];
    gsize n;
  } cases[] = {
    { 0, { 0x81, 0 }, 2 },
    { 125, { 0x81, 125 }, 2 },
    { 126, { 0x81, 126, 0, 126 }, 4 },
    { 65535, { 0x81, 126, 0xff, 0xff }, 4 },
    { 65536, { 0x81, 127, 0, 0, 0, 0, 0, 1, 0, 0 }, 10 },
  };
  guint8 h[MC_WS_FRAME_MAX_HEADER];

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    gsize n = mc_ws_frame_encode_header (h, TRUE, MC_WS_OP_TEXT, cases[i].len, NULL);
    g_assert_cmpmem (h, n, cases[i].bytes, cases[i].n);
    /* A client's: the mask bit and the key follow. */
    n = mc_ws_frame_encode_header (h, FALSE, MC_WS_OP_CONTINUATION, cases[i].len, key);
    g_assert_cmpuint (n, ==, cases[i].n + 4);
    g_assert_cmpint (h[0], ==, 0x00);
    g_assert_cmpint (h[1], ==, cases[i].bytes[1] | 0x80);
    g_assert_cmpmem (h + n - 4, 4, key, 4);
  }
  g_assert_cmpuint (mc_ws_frame_encode_header (h, TRUE, MC_WS_OP_PONG, 3, NULL), ==, 2);
  g_assert_cmpint (h[0], ==, 0x8A);
}

static void
test_close_payload (void)
{
  guint8 p[MC_WS_FRAME_MAX_CONTROL];
  g_autofree char *long_reason = g_strnfill (200, 'r');
  gsize n;

  n = mc_ws_frame_close_payload (p, MC_WS_CLOSE_NORMAL, "bye");
  g_assert_cmpmem (p, n, "\x03\xe8" "bye", 5);
  g_assert_cmpuint (mc_ws_frame_close_code (p, n), ==, MC_WS_CLOSE_NORMAL);
  n = mc_ws_frame_close_payload (p, MC_WS_CLOSE_TOO_BIG, long_reason);
  g_assert_cmpuint (n, ==, MC_WS_FRAME_MAX_CONTROL);
  g_assert_cmpuint (mc_ws_frame_close_code (p, n), ==, MC_WS_CLOSE_TOO_BIG);
  g_assert_cmpuint (mc_ws_frame_close_payload (p, 0, "ignored"), ==, 0);
  /* A close without a code reads as a normal one. */
  g_assert_cmpuint (mc_ws_frame_close_code (p, 0), ==, MC_WS_CLOSE_NORMAL);
  g_assert_cmpuint (mc_ws_frame_close_code (p, 1), ==, MC_WS_CLOSE_NORMAL);
}

static void
test_check_text (void)
{
  McWsFault fault = { 0, NULL };

  g_assert_true (mc_ws_frame_check_text ((const guint8 *) "h\xc3\xa9", 3, &fault));
  g_assert_true (mc_ws_frame_check_text ((const guint8 *) "", 0, &fault));
  g_assert_false (mc_ws_frame_check_text ((const guint8 *) "\xff\xfe", 2, &fault));
  g_assert_cmpint (fault.code, ==, MC_WS_CLOSE_BAD_DATA);
  /* A character cut in two is not UTF-8 on its own. */
  g_assert_false (mc_ws_frame_check_text ((const guint8 *) "h\xc3", 2, &fault));
}

/* Frames one after another through mc_ws_frame_next: the steps it reports,
 * and where the fragment rules refuse. */
typedef struct {
  gboolean fin;
  McWsOpcode opcode;
  gsize len;
  McWsFrameStep step;
} SeqCase;

static McWsFrameStep
feed (McWsFrameSeq *seq, const SeqCase *c, gsize max_payload, McWsFault *fault)
{
  g_autofree char *payload = g_strnfill (c->len, 'x');
  g_autoptr (GByteArray) f = client_frame (c->fin, c->opcode, payload, c->len);
  McWsFrame frame;
  McWsFrameStep step;
  gsize n = mc_ws_frame_next (seq, f->data, f->len, max_payload, &frame, &step, fault);

  g_assert_cmpuint (n, ==, step == MC_WS_STEP_FAULT ? 0 : f->len);
  return step;
}

static void
run_sequence (const SeqCase *cases, guint n, gsize max_payload, guint16 fault_code)
{
  McWsFrameSeq seq = { 0 };
  McWsFault fault = { 0, NULL };

  for (guint i = 0; i < n; i++)
    g_assert_cmpint (feed (&seq, &cases[i], max_payload, &fault), ==, cases[i].step);
  g_assert_cmpint (fault.code, ==, fault_code);
}

static void
test_sequence (void)
{
  const SeqCase fragmented[] = {
    { TRUE, MC_WS_OP_BINARY, 3, MC_WS_STEP_MESSAGE },
    { FALSE, MC_WS_OP_TEXT, 4, MC_WS_STEP_FRAGMENT },
    { TRUE, MC_WS_OP_PING, 1, MC_WS_STEP_CONTROL },
    { FALSE, MC_WS_OP_CONTINUATION, 2, MC_WS_STEP_FRAGMENT },
    { TRUE, MC_WS_OP_CONTINUATION, 4, MC_WS_STEP_LAST },
    { TRUE, MC_WS_OP_TEXT, 10, MC_WS_STEP_MESSAGE },
  };
  const SeqCase stray[] = { { TRUE, MC_WS_OP_CONTINUATION, 1, MC_WS_STEP_FAULT } };
  const SeqCase nested[] = {
    { FALSE, MC_WS_OP_BINARY, 1, MC_WS_STEP_FRAGMENT },
    { TRUE, MC_WS_OP_TEXT, 1, MC_WS_STEP_FAULT },
  };
  /* 10 + 10 fits 20; the third part does not. */
  const SeqCase too_long[] = {
    { FALSE, MC_WS_OP_TEXT, 10, MC_WS_STEP_FRAGMENT },
    { FALSE, MC_WS_OP_CONTINUATION, 10, MC_WS_STEP_FRAGMENT },
    { TRUE, MC_WS_OP_CONTINUATION, 1, MC_WS_STEP_FAULT },
  };
  McWsFrameSeq seq = { 0 };
  McWsFault fault;

  run_sequence (fragmented, G_N_ELEMENTS (fragmented), 20, 0);
  run_sequence (stray, G_N_ELEMENTS (stray), 20, MC_WS_CLOSE_PROTOCOL_ERROR);
  run_sequence (nested, G_N_ELEMENTS (nested), 20, MC_WS_CLOSE_PROTOCOL_ERROR);
  run_sequence (too_long, G_N_ELEMENTS (too_long), 20, MC_WS_CLOSE_TOO_BIG);

  /* The message's opcode is kept for the caller after its last part. */
  g_assert_cmpint (feed (&seq, &fragmented[1], 20, &fault), ==, MC_WS_STEP_FRAGMENT);
  g_assert_true (seq.open);
  g_assert_cmpint (feed (&seq, &fragmented[4], 20, &fault), ==, MC_WS_STEP_LAST);
  g_assert_false (seq.open);
  g_assert_cmpint (seq.opcode, ==, MC_WS_OP_TEXT);
  g_assert_cmpuint (seq.len, ==, 8);
}

static gboolean
corpus_accepts (const char *name, const char *data, gsize len, GError **error)
{
  gsize max_payload;
  g_autoptr (GByteArray) stream = ws_input_expand ((const guint8 *) data, len, &max_payload);
  McWsFault fault = { 0, NULL };

  if (ws_input_walk (stream, max_payload, NULL, NULL, &fault))
    return TRUE;
  g_set_error (error, g_quark_from_static_string ("ws-frame-corpus"), fault.code, "close %u: %s", fault.code,
               fault.reason);
  return FALSE;
}

/* Every seed's verdict: good-* are read to their end, bad-* refused. */
static void
test_corpus (void)
{
  mc_test_check_corpus ("fuzz_ws_frame", 10, corpus_accepts);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/ws-frame/parse", test_parse_frames);
  g_test_add_func ("/ws-frame/parse-boundaries", test_parse_boundaries);
  g_test_add_func ("/ws-frame/parse-malformed", test_parse_malformed);
  g_test_add_func ("/ws-frame/encode-header", test_encode_header);
  g_test_add_func ("/ws-frame/close-payload", test_close_payload);
  g_test_add_func ("/ws-frame/check-text", test_check_text);
  g_test_add_func ("/ws-frame/sequence", test_sequence);
  g_test_add_func ("/ws-frame/corpus", test_corpus);
  return g_test_run ();
}

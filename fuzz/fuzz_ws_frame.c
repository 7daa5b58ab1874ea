/* libFuzzer target for the websocket frame codec (proto/ws_frame.h), which
 * reads every byte a websocket client sends to `meshcall serve`.
 *
 * The input is a stream of client frames (raw, or synthesized around the
 * length boundaries: ws_frame_input.h), read frame after frame as ws_conn.c
 * reads a connection, with one of eight max_payload limits. Checked:
 *  - nothing crashes or reads out of bounds (ASan), whatever the bytes;
 *  - every refusal has a close code meshcall sends (1002, 1007, 1009) and a
 *    non-empty UTF-8 reason that fits a close frame;
 *  - a parsed frame is within the limit, minimally encoded, masked; a
 *    control frame is final and short; every shorter prefix of it asks for
 *    more bytes;
 *  - re-encoded as a client would (same key), a frame is byte for byte what
 *    came in, and parses back to the same header and payload; encoded as a
 *    server frame (unmasked) it is refused, as a server must;
 *  - a close frame's code survives a round trip through the close payload.
 * Any disagreement aborts. */
#include "meshcall/proto/ws_frame.h"
#include "ws_frame_input.h"
#include "fuzz_common.h"



static void
check_fault (const McWsFault *fault)
{
  CHECK (fault->code == MC_WS_CLOSE_PROTOCOL_ERROR || fault->code == MC_WS_CLOSE_BAD_DATA ||
         fault->code == MC_WS_CLOSE_TOO_BIG);
  CHECK (fault->reason != NULL && fault->reason[0] != '\0');
  CHECK (strlen (fault->reason) <= MC_WS_FRAME_MAX_REASON);
  CHECK (g_utf8_validate (fault->reason, -1, NULL));
}

/* The header must use the shortest length form for its payload. */
static void
check_header (const McWsFrame *frame, gsize raw_len, gsize max_payload)
{
  gsize want_at = frame->payload_len < 126 ? 6 : frame->payload_len <= G_MAXUINT16 ? 8 : 14;

  CHECK (frame->payload_at == want_at);
  CHECK (frame->payload_at + frame->payload_len == raw_len);
  CHECK (frame->payload_len <= max_payload);
  CHECK (frame->opcode <= MC_WS_OP_BINARY || (frame->opcode >= MC_WS_OP_CLOSE && frame->opcode <= MC_WS_OP_PONG));
  if (frame->opcode >= MC_WS_OP_CLOSE)
    CHECK (frame->fin && frame->payload_len <= MC_WS_FRAME_MAX_CONTROL);
}

/* Encoded again, masked with the key it came with: the same bytes, the same frame. */
static void
check_client_round_trip (const guint8 *raw, gsize raw_len, const McWsFrame *frame, const guint8 *payload,
                         gsize max_payload)
{
  const guint8 *key = raw + frame->payload_at - 4;
  g_autofree guint8 *again = g_malloc (raw_len + 1);
  gsize hlen = mc_ws_frame_encode_header (again, frame->fin, frame->opcode, frame->payload_len, key);
  McWsFrame back;
  McWsFault fault;

  CHECK (hlen == frame->payload_at);
  memcpy (again + hlen, payload, frame->payload_len);
  mc_ws_frame_mask (again + hlen, frame->payload_len, key);
  CHECK (memcmp (again, raw, raw_len) == 0);
  /* Every prefix is incomplete (the header passed, so nothing is refused). */
  CHECK (mc_ws_frame_parse (again, raw_len - 1, max_payload, &back, &fault) == 0);
  CHECK (mc_ws_frame_parse (again, hlen - 1, max_payload, &back, &fault) == 0);
  CHECK (mc_ws_frame_parse (again, raw_len, max_payload, &back, &fault) == (gssize) raw_len);
  CHECK (back.fin == frame->fin && back.opcode == frame->opcode);
  CHECK (back.payload_at == frame->payload_at && back.payload_len == frame->payload_len);
  CHECK (memcmp (again + back.payload_at, payload, frame->payload_len) == 0);
}

static void
check_server_frame_refused (const McWsFrame *frame, gsize max_payload)
{
  guint8 header[MC_WS_FRAME_MAX_HEADER];
  gsize hlen = mc_ws_frame_encode_header (header, frame->fin, frame->opcode, frame->payload_len, NULL);
  McWsFrame back;
  McWsFault fault;

  CHECK (hlen == frame->payload_at - 4);
  CHECK (mc_ws_frame_parse (header, hlen, max_payload, &back, &fault) == -1);
  CHECK (fault.code == MC_WS_CLOSE_PROTOCOL_ERROR);
  check_fault (&fault);
}

static void
check_close (const guint8 *payload, gsize len)
{
  guint16 code = mc_ws_frame_close_code (payload, len);
  guint8 again[MC_WS_FRAME_MAX_CONTROL];
  g_autofree char *reason = len > 2 ? g_strndup ((const char *) payload + 2, len - 2) : NULL;
  gsize n;

  CHECK (len >= 2 || code == MC_WS_CLOSE_NORMAL);
  n = mc_ws_frame_close_payload (again, code, reason);
  if (code == 0) {
    CHECK (n == 0);   /* echoed as an empty close */
    return;
  }
  CHECK (n >= 2 && n <= MAX (len, 2));
  CHECK (mc_ws_frame_close_code (again, n) == code);
}

static void
visit (const guint8 *raw, gsize raw_len, const McWsFrame *frame, McWsFrameStep step, const guint8 *payload,
       gpointer user_data)
{
  gsize max_payload = *(const gsize *) user_data;

  CHECK (step == MC_WS_STEP_CONTROL || step == MC_WS_STEP_MESSAGE || step == MC_WS_STEP_FRAGMENT ||
         step == MC_WS_STEP_LAST);
  CHECK ((step == MC_WS_STEP_CONTROL) == (frame->opcode >= MC_WS_OP_CLOSE));
  CHECK ((step == MC_WS_STEP_MESSAGE) == (frame->fin && frame->opcode != MC_WS_OP_CONTINUATION &&
                                          frame->opcode < MC_WS_OP_CLOSE));
  check_header (frame, raw_len, max_payload);
  check_client_round_trip (raw, raw_len, frame, payload, max_payload);
  check_server_frame_refused (frame, max_payload);
  if (frame->opcode == MC_WS_OP_CLOSE)
    check_close (payload, frame->payload_len);
}


int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  gsize max_payload;
  g_autoptr (GByteArray) stream = ws_input_expand (data, size, &max_payload);
  McWsFault fault = { 0, NULL };

  if (!ws_input_walk (stream, max_payload, visit, &max_payload, &fault) && fault.code != 0)
    check_fault (&fault);
  return 0;
}

/* How fuzz_ws_frame reads its input, shared with the corpus check in
 * tests/unit/test_ws_frame.c so that a seed's verdict there is the verdict
 * the fuzzer reaches.
 *
 * Byte 0 configures the run: bits 0-2 pick max_payload from
 * ws_input_max_payloads; bit 7 set means "synthesize". The rest is either
 * the raw bytes a client sent, or (synthesize) records of four bytes that
 * each describe one frame, so that frames with payloads at and around the
 * 125/126/65535/65536 length boundaries exist although libFuzzer inputs are
 * short:
 *   [0] the first header byte as sent (FIN, RSV bits, opcode)
 *   [1] bit 7 masked, bit 6 length in the 16-bit form, bit 5 in the 64-bit
 *       form (non-minimal when the length is short), bits 0-4 a length class
 *       (ws_input_lengths; the last class is byte [2] itself)
 *   [2] a small length
 *   [3] seeds the masking key and the payload bytes (even: ASCII letters,
 *       odd: any bytes)
 *
 * Pure: reads nothing but its arguments. */
#pragma once

#include "meshcall/proto/ws_frame.h"

#include <string.h>

static const gsize ws_input_max_payloads[8] = { 0, 125, 126, 8192, 65535, 65536, 131072, 1 << 20 };
static const gsize ws_input_lengths[] = { 0, 1, 2, 124, 125, 126, 127, 128, 8191, 8192, 8193,
                                          65534, 65535, 65536, 65537, 131072, 131073 };
#define WS_INPUT_SYNTH_LIMIT (160 * 1024)   /* keeps a run fast; one frame may pass it */

/* A payload: letters for an even seed, any bytes for an odd one. Periodic,
 * so it is written once and then copied (byte loops are slow under the
 * fuzzer's instrumentation). */
static void
ws_input_fill (guint8 *p, gsize len, guint8 seed)
{
  gsize period = (seed & 1) ? 256 : 26;
  gsize done = MIN (len, period);

  for (gsize i = 0; i < done; i++)
    p[i] = (seed & 1) ? (guint8) (seed * (i + 1)) : (guint8) ('a' + (seed + i) % 26);
  while (done < len) {
    gsize n = MIN (done, len - done);
    memcpy (p + done, p, n);
    done += n;
  }
}

static void
ws_input_put_frame (GByteArray *out, const guint8 *rec)
{
  guint cls = (rec[1] & 0x1f) % (G_N_ELEMENTS (ws_input_lengths) + 1);
  gsize len = cls < G_N_ELEMENTS (ws_input_lengths) ? ws_input_lengths[cls] : rec[2];
  guint8 key = rec[3];
  guint8 mask[4] = { key, key ^ 0x5a, (guint8) (key + 1), (guint8) ~key };
  guint8 h[MC_WS_FRAME_MAX_HEADER] = { rec[0] };
  gsize hlen = 2;
  guint at = out->len;

  if ((rec[1] & 0x20) || len > G_MAXUINT16) {
    h[1] = 127;
    for (int i = 0; i < 8; i++)
      h[2 + i] = (guint8) ((guint64) len >> (56 - 8 * i));
    hlen = 10;
  } else if ((rec[1] & 0x40) || len >= 126) {
    h[1] = 126;
    h[2] = (guint8) (len >> 8);
    h[3] = (guint8) len;
    hlen = 4;
  } else {
    h[1] = (guint8) len;
  }
  if (rec[1] & 0x80) {
    h[1] |= 0x80;
    memcpy (h + hlen, mask, 4);
    hlen += 4;
  }
  g_byte_array_append (out, h, (guint) hlen);
  g_byte_array_set_size (out, (guint) (out->len + len));
  ws_input_fill (out->data + at + hlen, len, key);
  if (rec[1] & 0x80)
    mc_ws_frame_mask (out->data + at + hlen, len, mask);
}

/* The client's bytes the input stands for (with one spare byte allocated
 * after them, as ws_conn.c keeps one) and the max_payload to parse them with. */
static G_GNUC_UNUSED GByteArray *
ws_input_expand (const guint8 *data, gsize size, gsize *max_payload)
{
  GByteArray *out = g_byte_array_new ();

  *max_payload = size > 0 ? ws_input_max_payloads[data[0] & 7] : 131072;
  if (size == 0)
    return out;
  if (!(data[0] & 0x80)) {
    g_byte_array_append (out, data + 1, (guint) (size - 1));
  } else {
    for (gsize i = 1; i + 4 <= size && out->len < WS_INPUT_SYNTH_LIMIT; i += 4)
      ws_input_put_frame (out, data + i);
  }
  g_byte_array_set_size (out, out->len + 1);
  g_byte_array_set_size (out, out->len - 1);
  return out;
}

/* Called for every frame that parses: raw is the frame as the client sent
 * it (still masked), payload its unmasked payload. */
typedef void (*WsInputVisit) (const guint8 *raw, gsize raw_len, const McWsFrame *frame, McWsFrameStep step,
                              const guint8 *payload, gpointer user_data);

/* Reads stream as ws_conn.c reads a connection: frame after frame, messages
 * assembled from their fragments, text checked, nothing after a close frame.
 * TRUE when every byte belongs to a frame that passed and every message
 * ended; otherwise FALSE with *fault (code 0 for bytes left over, reason
 * saying so). */
static G_GNUC_UNUSED gboolean
ws_input_walk (GByteArray *stream, gsize max_payload, WsInputVisit visit, gpointer user_data, McWsFault *fault)
{
  g_autoptr (GByteArray) raw = g_byte_array_new ();
  g_autoptr (GByteArray) message = g_byte_array_new ();
  McWsFrameSeq seq = { 0 };
  gsize pos = 0;

  g_byte_array_append (raw, stream->data, stream->len);
  while (pos < stream->len) {
    McWsFrame frame;
    McWsFrameStep step;
    gsize n = mc_ws_frame_next (&seq, stream->data + pos, stream->len - pos, max_payload, &frame, &step, fault);
    const guint8 *payload = stream->data + pos + (n ? frame.payload_at : 0);

    if (step == MC_WS_STEP_FAULT)
      return FALSE;
    if (step == MC_WS_STEP_MORE) {
      *fault = (McWsFault) { 0, "the bytes end inside a frame" };
      return FALSE;
    }
    if (visit)
      visit (raw->data + pos, n, &frame, step, payload, user_data);
    pos += n;
    if (step == MC_WS_STEP_CONTROL && frame.opcode == MC_WS_OP_CLOSE)
      return TRUE;   /* the server reads nothing after a close */
    if (step == MC_WS_STEP_CONTROL)
      continue;
    if (step != MC_WS_STEP_MESSAGE)
      g_byte_array_append (message, payload, (guint) frame.payload_len);
    if (step == MC_WS_STEP_MESSAGE && frame.opcode == MC_WS_OP_TEXT &&
        !mc_ws_frame_check_text (payload, frame.payload_len, fault))
      return FALSE;
    if (step == MC_WS_STEP_LAST) {
      if (seq.opcode == MC_WS_OP_TEXT && !mc_ws_frame_check_text (message->data, message->len, fault))
        return FALSE;
      g_byte_array_set_size (message, 0);
    }
  }
  if (seq.open) {
    *fault = (McWsFault) { 0, "the bytes end inside a fragmented message" };
    return FALSE;
  }
  return TRUE;
}

/* RFC 6455 frames, pure (see ws_frame.h). */
#include "meshcall/proto/ws_frame.h"

#include <string.h>

static gssize
refuse (McWsFault *fault, guint16 code, const char *reason)
{
  fault->code = code;
  fault->reason = reason;
  return -1;
}

/* The opcode and flags of the first two header bytes, checked as a server must. */
static const char *
check_first_bytes (const guint8 *buf)
{
  guint8 opcode = buf[0] & 0x0f;

  if (buf[0] & 0x70)
    return "reserved bits set (no extension was negotiated)";
  if (!(buf[1] & 0x80))
    return "unmasked frame from a client";
  if (opcode >= MC_WS_OP_CLOSE) {
    if (opcode > MC_WS_OP_PONG)
      return "unknown control opcode";
    if (!(buf[0] & 0x80) || (buf[1] & 0x7f) > MC_WS_FRAME_MAX_CONTROL)
      return "fragmented or oversized control frame";
  } else if (opcode > MC_WS_OP_BINARY) {
    return "unknown data opcode";
  }
  return NULL;
}

gssize
mc_ws_frame_parse (guint8 *buf, gsize len, gsize max_payload, McWsFrame *frame, McWsFault *fault)
{
  const char *bad;
  guint64 plen;
  gsize at;

  if (len < 2)
    return 0;
  if ((bad = check_first_bytes (buf)) != NULL)
    return refuse (fault, MC_WS_CLOSE_PROTOCOL_ERROR, bad);
  plen = buf[1] & 0x7f;
  at = 2;
  if (plen == 126) {
    if (len < 4)
      return 0;
    plen = ((guint64) buf[2] << 8) | buf[3];
    at = 4;
    if (plen < 126)
      return refuse (fault, MC_WS_CLOSE_PROTOCOL_ERROR, "non-minimal payload length");
  } else if (plen == 127) {
    if (len < 10)
      return 0;
    plen = 0;
    for (int i = 0; i < 8; i++)
      plen = (plen << 8) | buf[2 + i];
    at = 10;
    if (plen <= G_MAXUINT16 || (plen >> 63))
      return refuse (fault, MC_WS_CLOSE_PROTOCOL_ERROR, "non-minimal or invalid payload length");
  }
  if (plen > max_payload)
    return refuse (fault, MC_WS_CLOSE_TOO_BIG, "frame longer than max payload");
  /* plen <= max_payload, a gsize: the sum below cannot wrap. */
  if (len - at < 4 || len - at - 4 < plen)
    return 0;
  mc_ws_frame_mask (buf + at + 4, (gsize) plen, buf + at);
  frame->fin = (buf[0] & 0x80) != 0;
  frame->opcode = (McWsOpcode) (buf[0] & 0x0f);
  frame->payload_at = at + 4;
  frame->payload_len = (gsize) plen;
  return (gssize) (at + 4 + plen);
}

gsize
mc_ws_frame_encode_header (guint8 header[MC_WS_FRAME_MAX_HEADER], gboolean fin, McWsOpcode opcode,
                           gsize payload_len, const guint8 *mask)
{
  gsize n;

  header[0] = (fin ? 0x80 : 0) | (opcode & 0x0f);
  if (payload_len < 126) {
    header[1] = (guint8) payload_len;
    n = 2;
  } else if (payload_len <= G_MAXUINT16) {
    header[1] = 126;
    header[2] = (guint8) (payload_len >> 8);
    header[3] = (guint8) payload_len;
    n = 4;
  } else {
    header[1] = 127;
    for (int i = 0; i < 8; i++)
      header[2 + i] = (guint8) ((guint64) payload_len >> (56 - 8 * i));
    n = 10;
  }
  if (mask == NULL)
    return n;
  header[1] |= 0x80;
  memcpy (header + n, mask, 4);
  return n + 4;
}

void
mc_ws_frame_mask (guint8 *data, gsize len, const guint8 mask[4])
{
  /* Eight bytes at a time: the server unmasks every byte a client sends. */
  const guint8 key8[8] = { mask[0], mask[1], mask[2], mask[3], mask[0], mask[1], mask[2], mask[3] };
  guint64 key;
  gsize i = 0;

  memcpy (&key, key8, sizeof key);
  for (; i + 8 <= len; i += 8) {
    guint64 word;
    memcpy (&word, data + i, sizeof word);
    word ^= key;
    memcpy (data + i, &word, sizeof word);
  }
  for (; i < len; i++)
    data[i] ^= mask[i & 3];
}

gsize
mc_ws_frame_close_payload (guint8 payload[MC_WS_FRAME_MAX_CONTROL], guint16 code, const char *reason)
{
  gsize rlen = reason ? MIN (strlen (reason), (gsize) MC_WS_FRAME_MAX_REASON) : 0;

  if (code == 0)
    return 0;
  payload[0] = (guint8) (code >> 8);
  payload[1] = (guint8) code;
  if (rlen)
    memcpy (payload + 2, reason, rlen);
  return 2 + rlen;
}

guint16
mc_ws_frame_close_code (const guint8 *payload, gsize len)
{
  return len >= 2 ? (guint16) ((payload[0] << 8) | payload[1]) : MC_WS_CLOSE_NORMAL;
}

gboolean
mc_ws_frame_check_text (const guint8 *data, gsize len, McWsFault *fault)
{
  if (g_utf8_validate_len ((const char *) data, len, NULL))
    return TRUE;
  refuse (fault, MC_WS_CLOSE_BAD_DATA, "text message is not UTF-8");
  return FALSE;
}

/* Where a data frame stands in its message. */
static McWsFrameStep
seq_add (McWsFrameSeq *seq, const McWsFrame *frame, gsize max_payload, McWsFault *fault)
{
  if (frame->opcode != MC_WS_OP_CONTINUATION && seq->open) {
    refuse (fault, MC_WS_CLOSE_PROTOCOL_ERROR, "new message inside a fragmented one");
    return MC_WS_STEP_FAULT;
  }
  if (frame->opcode == MC_WS_OP_CONTINUATION && !seq->open) {
    refuse (fault, MC_WS_CLOSE_PROTOCOL_ERROR, "continuation frame with no message");
    return MC_WS_STEP_FAULT;
  }
  if (frame->opcode != MC_WS_OP_CONTINUATION) {
    seq->opcode = frame->opcode;
    if (frame->fin)
      return MC_WS_STEP_MESSAGE;
    seq->open = TRUE;
    seq->len = 0;
  }
  /* Both are at most max_payload: no overflow. */
  if (frame->payload_len > max_payload - seq->len) {
    refuse (fault, MC_WS_CLOSE_TOO_BIG, "message longer than max payload");
    return MC_WS_STEP_FAULT;
  }
  seq->len += frame->payload_len;
  if (!frame->fin)
    return MC_WS_STEP_FRAGMENT;
  seq->open = FALSE;
  return MC_WS_STEP_LAST;
}

gsize
mc_ws_frame_next (McWsFrameSeq *seq, guint8 *buf, gsize len, gsize max_payload, McWsFrame *frame,
                  McWsFrameStep *step, McWsFault *fault)
{
  gssize n = mc_ws_frame_parse (buf, len, max_payload, frame, fault);

  if (n <= 0) {
    *step = n == 0 ? MC_WS_STEP_MORE : MC_WS_STEP_FAULT;
    return 0;
  }
  if (frame->opcode >= MC_WS_OP_CLOSE)
    *step = MC_WS_STEP_CONTROL;
  else
    *step = seq_add (seq, frame, max_payload, fault);
  return *step == MC_WS_STEP_FAULT ? 0 : (gsize) n;
}

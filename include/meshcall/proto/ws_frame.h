/* RFC 6455 websocket frames, pure: the frames a client sends parsed and
 * checked in order (masking, lengths, control frames, fragments), the frames
 * a server sends encoded, and text messages validated. No I/O and no
 * allocation; the transport that reads and writes sockets is
 * server/ws_conn.c, which keeps a McWsFrameSeq per connection.
 *
 * Network-facing: every refusal is a McWsFault, the close code to answer
 * with (RFC 6455 section 7.4.1) and a static reason that fits a close frame.
 * Nothing here aborts or reads past the length it is given.
 *
 * Threading: no state of its own; any thread, one McWsFrameSeq per caller.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Close codes used by meshcall (RFC 6455 section 7.4.1). */
#define MC_WS_CLOSE_NORMAL 1000
#define MC_WS_CLOSE_PROTOCOL_ERROR 1002
#define MC_WS_CLOSE_BAD_DATA 1007
#define MC_WS_CLOSE_POLICY_VIOLATION 1008
#define MC_WS_CLOSE_TOO_BIG 1009

/* A frame header: 2 bytes, up to 8 of length, 4 of mask. */
#define MC_WS_FRAME_MAX_HEADER 14
/* A control frame's payload, and a close frame's reason after its code. */
#define MC_WS_FRAME_MAX_CONTROL 125
#define MC_WS_FRAME_MAX_REASON (MC_WS_FRAME_MAX_CONTROL - 2)

typedef enum {
  MC_WS_OP_CONTINUATION = 0x0,
  MC_WS_OP_TEXT = 0x1,
  MC_WS_OP_BINARY = 0x2,
  MC_WS_OP_CLOSE = 0x8,
  MC_WS_OP_PING = 0x9,
  MC_WS_OP_PONG = 0xA,
} McWsOpcode;

/* Why a client's bytes were refused: answer with a close frame carrying
 * code and reason (static text, at most MC_WS_FRAME_MAX_REASON bytes). */
typedef struct {
  guint16 code;
  const char *reason;
} McWsFault;

/* One parsed frame; the payload is at buf + payload_at, already unmasked. */
typedef struct {
  gboolean fin;
  McWsOpcode opcode;
  gsize payload_at;
  gsize payload_len;
} McWsFrame;

/* Parses one client frame at buf. Returns its total size, 0 when more bytes
 * are needed, or -1 with *fault for a frame that breaks RFC 6455 for a
 * server (unmasked, reserved bits, unknown opcode, fragmented or long
 * control frame, non-minimal length: 1002) or whose payload is longer than
 * max_payload (1009, known from the header alone). On success the payload
 * is unmasked in place; on 0 or -1 buf is untouched. */
gssize mc_ws_frame_parse (guint8 *buf, gsize len, gsize max_payload, McWsFrame *frame, McWsFault *fault);

/* Writes the header of a frame with the shortest length form and returns
 * its size. mask NULL: a server frame (2, 4 or 10 bytes); otherwise a client
 * frame with that masking key (6, 8 or 14 bytes), whose payload the caller
 * masks with mc_ws_frame_mask(). */
gsize mc_ws_frame_encode_header (guint8 header[MC_WS_FRAME_MAX_HEADER], gboolean fin, McWsOpcode opcode,
                                 gsize payload_len, const guint8 *mask);
/* XORs len bytes with the masking key: masks a client payload, or unmasks it. */
void mc_ws_frame_mask (guint8 *data, gsize len, const guint8 mask[4]);

/* The payload of a close frame: code then reason (NULL or text, cut to
 * MC_WS_FRAME_MAX_REASON bytes); code 0 gives an empty payload. Returns its size. */
gsize mc_ws_frame_close_payload (guint8 payload[MC_WS_FRAME_MAX_CONTROL], guint16 code, const char *reason);
/* The code of a received close frame's payload; MC_WS_CLOSE_NORMAL when it has none. */
guint16 mc_ws_frame_close_code (const guint8 *payload, gsize len);

/* TRUE when data is valid UTF-8, as a text message must be; 1007 otherwise. */
gboolean mc_ws_frame_check_text (const guint8 *data, gsize len, McWsFault *fault);

/* ---- frames in order ---------------------------------------------------------- */

/* What the frames so far say about the message being received; start zeroed. */
typedef struct {
  gboolean open;       /* a fragmented message has started and not ended */
  McWsOpcode opcode;   /* TEXT or BINARY: of the open message, or of the last one */
  gsize len;           /* payload bytes of the open message so far */
} McWsFrameSeq;

typedef enum {
  MC_WS_STEP_MORE,      /* no complete frame yet: call again with more bytes */
  MC_WS_STEP_FAULT,     /* *fault says why; the connection must close */
  MC_WS_STEP_CONTROL,   /* a close, ping or pong (allowed between fragments) */
  MC_WS_STEP_MESSAGE,   /* a whole message in one frame */
  MC_WS_STEP_FRAGMENT,  /* part of a fragmented message; more parts follow */
  MC_WS_STEP_LAST,      /* the last part: the message (seq->opcode) is complete */
} McWsFrameStep;

/* Parses the next client frame at buf (mc_ws_frame_parse) and checks it
 * against the frames before it: a continuation needs an open message, a new
 * message may not start inside one (1002), a message's parts together stay
 * within max_payload (1009). Returns the frame's size (0 for MORE and
 * FAULT) and sets *step. */
gsize mc_ws_frame_next (McWsFrameSeq *seq, guint8 *buf, gsize len, gsize max_payload, McWsFrame *frame,
                        McWsFrameStep *step, McWsFault *fault);

G_END_DECLS

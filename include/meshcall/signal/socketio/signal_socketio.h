/* The Socket.IO signaling back end: meshcall's client for `meshcall serve`
 * and any server of the call protocol (docs/protocol.md) on stock
 * Socket.IO 4.
 *
 * Websocket-only Engine.IO v4 at PATH/socket.io/ (http(s):// maps to
 * ws(s)://), CONNECT with auth {token}, join-call with an ack. Connection
 * problems emit error MC_SIGNALING_ERROR_CONNECT once per loss and per failed
 * attempt (the message says when it retries) and retry like socket.io-client:
 * 1 s doubling to 5 s, +-50 % jitter, unlimited, 20 s per attempt; a server
 * silent for pingInterval + pingTimeout counts as lost. Final (state FAILED,
 * no retry): bad-token, malformed, a refused CONNECT, and call-full or
 * too-many-calls on the first join; duplicate-peer and other rejections retry with the same
 * back-off. After a re-join, peers missing from the server's list get 8 s to
 * re-join too before peer_left is reported (roster.h). leave: leave-call (ack
 * awaited up to 1 s), DISCONNECT, websocket close (up to 1 s), then done. */
#pragma once

#include "meshcall/base/backoff.h"
#include "meshcall/signal/signaling.h"

G_BEGIN_DECLS

/* The row for a program's table of back ends (schemes ws, wss, http, https). */
extern const McSignalingBackend mc_signal_socketio_backend;
/* The wait before each new connection attempt after a loss or a refused
 * attempt: 1 s doubling to 4 s, +-50 % (socket.io-client's jitter), reset
 * once joined. */
extern const McBackoff mc_signal_socketio_reconnect_backoff;

/* wss:// and https:// servers' certificates must chain to the CA
 * certificates in this PEM file (a self-signed server certificate may be
 * its own CA) instead of the system's (ca_file NULL: the system's again).
 * Applies to the back ends created after it; set once by the program.
 * Fails (MC_SIGNALING_ERROR_OTHER) when the file cannot be read or holds
 * no certificate. A certificate refused when connecting is final
 * (MC_SIGNALING_ERROR_CERTIFICATE), with a message saying what is wrong. */
gboolean mc_signal_socketio_set_ca_file (const char *ca_file, GError **error);

/* The constructor behind the row, for programs that want this back end only. */
McSignaling *mc_signal_socketio_new (const char *url, const McSignalingParams *params, GError **error);

G_END_DECLS

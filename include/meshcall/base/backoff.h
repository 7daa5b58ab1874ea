/* Retry delays: exponential back-off with jitter, as socket.io-client's
 * backo2 computes it, so that meshcall's clients retry like stock ones.
 * Pure: the random draw is passed in, so schedules are unit-tested.
 *
 *   delay(attempt) = min_ms * 2^attempt, then moved by up to jitter * delay
 *   (down when the draw's first decimal digit is even, else up), capped at
 *   max_ms.
 *
 * socket.io-client uses 1000 ms to 5000 ms with jitter 0.5; meshcall's
 * Socket.IO back end caps it at 4000 ms (mc_signal_socketio_reconnect_backoff).
 * A jitter of 0 gives the plain doubling schedule (1, 2, 4 ... s). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  guint min_ms;
  guint max_ms;
  double jitter;   /* 0 .. 1 */
} McBackoff;

/* attempt counts from 0 (the first retry); r is a draw in [0, 1), e.g.
 * g_random_double (). */
guint mc_backoff_delay_ms (const McBackoff *backoff, guint attempt, double r);

G_END_DECLS

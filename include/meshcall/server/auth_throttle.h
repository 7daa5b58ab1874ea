/* Failed authentication, throttled per source address: a pure decision
 * module (time is passed in; no timers, no I/O), unit-tested in
 * tests/unit/test_auth_throttle.c. `meshcall serve` asks it before checking
 * a token (CONNECT auth or join-call's) and tells it how the check went.
 *
 *   - The first MC_AUTH_FREE_FAILURES failures of an address in a window are
 *     answered at once (a typo).
 *   - Each one after that is answered only after a delay that doubles
 *     (250 ms, 500 ms, 1 s ... at most 4 s): sequential guessing slows down.
 *   - MC_AUTH_BLOCK_AFTER failures within MC_AUTH_WINDOW_S block the address
 *     for MC_AUTH_BLOCK_S: every attempt from it that carries a token is
 *     refused at once WITHOUT checking the token (so parallel guessing from
 *     one address learns nothing), the right one included.
 *   - A success clears the address. Failures older than the window are
 *     forgotten. At most MC_AUTH_MAX_ADDRESSES addresses are tracked (the
 *     one idle longest makes room).
 * Other addresses are never affected. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define MC_AUTH_FREE_FAILURES 3
#define MC_AUTH_BLOCK_AFTER 10
#define MC_AUTH_WINDOW_S 60
#define MC_AUTH_BLOCK_S 60
#define MC_AUTH_FIRST_DELAY_MS 250
#define MC_AUTH_MAX_DELAY_MS 4000
#define MC_AUTH_MAX_ADDRESSES 4096

typedef struct _McAuthThrottle McAuthThrottle;

McAuthThrottle *mc_auth_throttle_new (void);
void mc_auth_throttle_free (McAuthThrottle *t);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (McAuthThrottle, mc_auth_throttle_free)

/* The address (an IP, no port) may try a token now; FALSE: it is blocked,
 * and *retry_s says for how long still. */
gboolean mc_auth_throttle_allow (McAuthThrottle *t, const char *address, gint64 now_us, guint *retry_s);
/* A wrong or missing token from the address: how long to hold the refusal
 * back, in ms (0 = answer now). */
guint mc_auth_throttle_failed (McAuthThrottle *t, const char *address, gint64 now_us);
void mc_auth_throttle_succeeded (McAuthThrottle *t, const char *address);

typedef struct {
  guint64 failures;       /* wrong or missing tokens, since start */
  guint64 delayed;        /* refusals held back */
  guint64 blocked;        /* attempts refused without a check */
  guint blocked_now;      /* addresses blocked now */
} McAuthThrottleStats;

void mc_auth_throttle_get_stats (McAuthThrottle *t, gint64 now_us, McAuthThrottleStats *stats);

/* "10.0.0.7:51234" -> "10.0.0.7", "::1:51234" -> "::1" (the server's remote labels). */
char *mc_auth_throttle_address_of (const char *remote);

G_END_DECLS

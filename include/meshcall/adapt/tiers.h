/* Which encoder each remote peer gets: peers grouped into at most three
 * tiers by their estimates (rate_controller.h), each tier an encoder that
 * follows the lowest estimate among its peers and steps its resolution and
 * frame rate down a ladder when that is low. Pure and deterministic (time is
 * passed in); the call applies the plan (one encoder per tier off the one
 * capture, a peer moved at a keyframe). Tested in tests/unit/test_tiers.c.
 *
 * Grouping. Peers sorted by estimate, highest first; a peer joins the tier
 * above it when its estimate is at least JOIN (0.7) x that tier's highest,
 * else it starts the next tier; past the last tier, peers join the last.
 * That is the ideal plan. The current plan is kept, though, while it is
 * still good enough: every tier's lowest is at least STAY (0.5) x its
 * highest, no tier could join the one above it at MERGE (0.85), and the
 * tiers are still in order. A plan that is no longer good enough is replaced
 * by the ideal one only after it has been so for HOLD (1 s) without a break,
 * so one noisy estimate moves nobody and two peers oscillating around a
 * boundary stay where they are. A peer that joins or leaves re-plans at
 * once.
 *
 * The ladder. Rung 0 is the capture's size and rate (say 640x480@30), rung
 * 1 three quarters of the size at the full rate (480x360@30), rung 2 half
 * the size at half the rate (320x240@15). A tier steps down a rung when its
 * bitrate falls below 0.05 bit per pixel of its rung (about 460 kbit/s for
 * 640x480@30, 260 for 480x360@30) and up again when the bitrate reaches 1.3 x
 * the step-down point of the rung above, having stayed there for 3 s; down
 * is at once (a picture of mush is worse than a smaller one). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define MC_TIERS_MAX 3
#define MC_TIERS_RUNGS 3
#define MC_TIERS_JOIN 0.7
#define MC_TIERS_STAY 0.5
#define MC_TIERS_MERGE 0.85
#define MC_TIERS_HOLD_US G_USEC_PER_SEC
#define MC_TIERS_BITS_PER_PIXEL 0.05
#define MC_TIERS_UP_MARGIN 1.3
#define MC_TIERS_UP_HOLD_US (3 * G_USEC_PER_SEC)

typedef struct {
  guint width, height, fps;
} McTierFormat;

typedef struct {
  guint bitrate_bps;       /* the lowest estimate of its peers */
  guint rung;              /* 0..MC_TIERS_RUNGS-1 */
  McTierFormat format;     /* the rung's size and rate */
  guint n_peers;
} McTier;

typedef struct _McTiers McTiers;

/* top: the capture's format (rung 0); max_tiers 1..MC_TIERS_MAX. */
McTiers *mc_tiers_new (const McTierFormat *top, guint max_tiers);
void mc_tiers_free (McTiers *t);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (McTiers, mc_tiers_free)

/* A peer's estimate (bit/s): added if new. */
void mc_tiers_set_estimate (McTiers *t, const char *peer_id, guint bps);
void mc_tiers_remove (McTiers *t, const char *peer_id);

/* Re-plans as described above; TRUE if a peer moved, a tier's bitrate or
 * rung changed, or tiers came or went. */
gboolean mc_tiers_update (McTiers *t, gint64 now_us);

guint mc_tiers_get_n_tiers (const McTiers *t);
const McTier *mc_tiers_get_tier (const McTiers *t, guint index);
/* The peer's tier, or -1 for a peer not known (or not yet planned). */
int mc_tiers_get_peer_tier (const McTiers *t, const char *peer_id);
/* The format of a rung for a capture format (the ladder above). */
McTierFormat mc_tiers_rung_format (const McTierFormat *top, guint rung);
/* Below this a tier on the rung steps down (bit/s). */
guint mc_tiers_rung_floor (const McTierFormat *top, guint rung);

G_END_DECLS

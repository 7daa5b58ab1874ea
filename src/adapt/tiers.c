/* Peers grouped into encoder tiers, and each tier's rung (tiers.h). */
#include "meshcall/adapt/tiers.h"

#include <string.h>

typedef struct {
  char *id;
  guint bps;
  int tier;        /* -1: not planned yet */
} Peer;

struct _McTiers {
  McTierFormat top;
  guint max_tiers;
  GPtrArray *peers;            /* of Peer, sorted by estimate (highest first) at each update */
  McTier tiers[MC_TIERS_MAX];
  guint n_tiers;
  gboolean membership_changed;
  gint64 bad_since;            /* the plan stopped being good enough; 0: it is good */
  gint64 up_since[MC_TIERS_MAX];  /* a tier's bitrate allows the rung above since; 0: it does not */
};

static void
peer_free (Peer *p)
{
  g_free (p->id);
  g_free (p);
}

McTiers *
mc_tiers_new (const McTierFormat *top, guint max_tiers)
{
  McTiers *t = g_new0 (McTiers, 1);

  t->top = *top;
  t->top.fps = MAX (t->top.fps, 1);
  t->max_tiers = CLAMP (max_tiers, 1, MC_TIERS_MAX);
  t->peers = g_ptr_array_new_with_free_func ((GDestroyNotify) peer_free);
  return t;
}

void
mc_tiers_free (McTiers *t)
{
  if (t == NULL)
    return;
  g_ptr_array_unref (t->peers);
  g_free (t);
}

static Peer *
find (const McTiers *t, const char *id, guint *index)
{
  for (guint i = 0; i < t->peers->len; i++) {
    Peer *p = g_ptr_array_index (t->peers, i);
    if (g_str_equal (p->id, id)) {
      if (index)
        *index = i;
      return p;
    }
  }
  return NULL;
}

void
mc_tiers_set_estimate (McTiers *t, const char *peer_id, guint bps)
{
  Peer *p = find (t, peer_id, NULL);

  if (p == NULL) {
    p = g_new0 (Peer, 1);
    p->id = g_strdup (peer_id);
    p->tier = -1;
    g_ptr_array_add (t->peers, p);
    t->membership_changed = TRUE;
  }
  p->bps = bps;
}

void
mc_tiers_remove (McTiers *t, const char *peer_id)
{
  guint i;

  if (find (t, peer_id, &i) != NULL) {
    g_ptr_array_remove_index (t->peers, i);
    t->membership_changed = TRUE;
  }
}

McTierFormat
mc_tiers_rung_format (const McTierFormat *top, guint rung)
{
  McTierFormat f = *top;

  /* Even sizes: the encoders' 4:2:0 wants them. */
  if (rung == 1) {
    f.width = MAX (top->width * 3 / 4 / 2 * 2, 2);
    f.height = MAX (top->height * 3 / 4 / 2 * 2, 2);
  } else if (rung >= 2) {
    f.width = MAX (top->width / 2 / 2 * 2, 2);
    f.height = MAX (top->height / 2 / 2 * 2, 2);
    f.fps = MAX (top->fps / 2, 1);
  }
  return f;
}

guint
mc_tiers_rung_floor (const McTierFormat *top, guint rung)
{
  McTierFormat f = mc_tiers_rung_format (top, rung);

  return rung + 1 >= MC_TIERS_RUNGS ? 0 : (guint) (MC_TIERS_BITS_PER_PIXEL * f.width * f.height * f.fps);
}

static gint
by_estimate (gconstpointer a, gconstpointer b)
{
  const Peer *pa = *(Peer *const *) a, *pb = *(Peer *const *) b;

  if (pa->bps != pb->bps)
    return pa->bps > pb->bps ? -1 : 1;
  return strcmp (pa->id, pb->id);
}

/* The ideal grouping of the sorted peers, written into each peer's tier. */
static void
plan_ideal (McTiers *t)
{
  int tier = -1;
  guint head = 0;

  for (guint i = 0; i < t->peers->len; i++) {
    Peer *p = g_ptr_array_index (t->peers, i);
    if (tier < 0 || ((double) p->bps < MC_TIERS_JOIN * head && (guint) tier + 1 < t->max_tiers)) {
      tier++;
      head = p->bps;
    }
    p->tier = tier;
  }
}

typedef struct {
  guint lowest, highest, n;
} Span;

/* Every tier's span in the current plan; FALSE if a peer has none or a tier
 * is empty (the plan no longer fits the peers). */
static gboolean
spans_of (const McTiers *t, Span *spans, guint *n_tiers)
{
  guint n = 0;

  memset (spans, 0, sizeof (Span) * MC_TIERS_MAX);
  for (guint i = 0; i < t->peers->len; i++) {
    const Peer *p = g_ptr_array_index (t->peers, i);
    if (p->tier < 0 || (guint) p->tier >= t->max_tiers)
      return FALSE;
    Span *s = &spans[p->tier];
    if (s->n == 0 || p->bps < s->lowest)
      s->lowest = p->bps;
    if (s->n == 0 || p->bps > s->highest)
      s->highest = p->bps;
    s->n++;
    n = MAX (n, (guint) p->tier + 1);
  }
  for (guint i = 0; i < n; i++)
    if (spans[i].n == 0)
      return FALSE;
  *n_tiers = n;
  return TRUE;
}

static gboolean
good_enough (const McTiers *t)
{
  Span spans[MC_TIERS_MAX];
  guint n;

  if (!spans_of (t, spans, &n))
    return FALSE;
  for (guint i = 0; i < n; i++) {
    if ((double) spans[i].lowest < MC_TIERS_STAY * spans[i].highest)
      return FALSE;
    if (i + 1 < n && ((double) spans[i + 1].highest >= MC_TIERS_MERGE * spans[i].highest ||
                      spans[i + 1].highest > spans[i].lowest))
      return FALSE;
  }
  return TRUE;
}

/* The rung for a bitrate with no history: the highest whose floor it meets. */
static guint
rung_for (const McTiers *t, guint bps)
{
  guint rung = 0;

  while (rung + 1 < MC_TIERS_RUNGS && bps < mc_tiers_rung_floor (&t->top, rung))
    rung++;
  return rung;
}

static void
step_rung (McTiers *t, guint i, gint64 now_us)
{
  McTier *tier = &t->tiers[i];

  while (tier->rung + 1 < MC_TIERS_RUNGS && tier->bitrate_bps < mc_tiers_rung_floor (&t->top, tier->rung)) {
    tier->rung++;
    t->up_since[i] = 0;
  }
  if (tier->rung > 0 &&
      tier->bitrate_bps >= MC_TIERS_UP_MARGIN * mc_tiers_rung_floor (&t->top, tier->rung - 1)) {
    if (t->up_since[i] == 0)
      t->up_since[i] = now_us;
    else if (now_us - t->up_since[i] >= MC_TIERS_UP_HOLD_US) {
      tier->rung--;
      t->up_since[i] = 0;
    }
  } else {
    t->up_since[i] = 0;
  }
  tier->format = mc_tiers_rung_format (&t->top, tier->rung);
}

gboolean
mc_tiers_update (McTiers *t, gint64 now_us)
{
  McTier before[MC_TIERS_MAX];
  guint n_before = t->n_tiers;
  g_autofree int *tier_before = g_new (int, t->peers->len + 1);
  gboolean changed = t->membership_changed;
  Span spans[MC_TIERS_MAX];
  guint n = 0;

  memcpy (before, t->tiers, sizeof before);
  g_ptr_array_sort (t->peers, by_estimate);
  for (guint i = 0; i < t->peers->len; i++)
    tier_before[i] = ((Peer *) g_ptr_array_index (t->peers, i))->tier;

  if (t->membership_changed || !spans_of (t, spans, &n)) {
    plan_ideal (t);
    t->bad_since = 0;
  } else if (!good_enough (t)) {
    if (t->bad_since == 0)
      t->bad_since = now_us;
    if (now_us - t->bad_since >= MC_TIERS_HOLD_US) {
      plan_ideal (t);
      t->bad_since = 0;
    }
  } else {
    t->bad_since = 0;
  }
  t->membership_changed = FALSE;

  if (!spans_of (t, spans, &n))
    n = 0;
  t->n_tiers = n;
  for (guint i = 0; i < n; i++) {
    McTier *tier = &t->tiers[i];
    tier->bitrate_bps = spans[i].lowest;
    tier->n_peers = spans[i].n;
    if (i >= n_before) {
      tier->rung = rung_for (t, tier->bitrate_bps);
      t->up_since[i] = 0;
    }
    step_rung (t, i, now_us);
  }
  for (guint i = n; i < MC_TIERS_MAX; i++)
    memset (&t->tiers[i], 0, sizeof (McTier));

  if (n != n_before || memcmp (before, t->tiers, sizeof before) != 0)
    changed = TRUE;
  for (guint i = 0; i < t->peers->len && !changed; i++)
    changed = ((Peer *) g_ptr_array_index (t->peers, i))->tier != tier_before[i];
  return changed;
}

guint
mc_tiers_get_n_tiers (const McTiers *t)
{
  return t->n_tiers;
}

const McTier *
mc_tiers_get_tier (const McTiers *t, guint index)
{
  g_return_val_if_fail (index < t->n_tiers, NULL);
  return &t->tiers[index];
}

int
mc_tiers_get_peer_tier (const McTiers *t, const char *peer_id)
{
  const Peer *p = find (t, peer_id, NULL);

  return p ? p->tier : -1;
}

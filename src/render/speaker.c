/* Active-speaker detection with hold-off: see speaker.h. */
#include "meshcall/render/speaker.h"

#include <math.h>
#include <string.h>

/* A new speaker must be this much louder to take over from one who is
 * still talking. */
#define TAKEOVER_MARGIN_DB 3.0
#define SMOOTHING 0.3

typedef struct {
  char *id;
  double level_db;        /* smoothed */
  gint64 last_loud_us;    /* last reading above threshold, or -1 */
  gint64 speech_start_us; /* start of the current stretch of speech, or -1 */
} Peer;

struct _McSpeaker {
  McSpeakerParams params;
  GPtrArray *peers;       /* Peer* */
  Peer *active;
  gint64 active_since_us;
};

void
mc_speaker_get_default_params (McSpeakerParams *p)
{
  p->threshold_db = -45.0;
  p->release_us = 300 * G_TIME_SPAN_MILLISECOND;
  p->min_speech_us = 250 * G_TIME_SPAN_MILLISECOND;
  p->hold_us = 1500 * G_TIME_SPAN_MILLISECOND;
  p->silence_us = 3 * G_TIME_SPAN_SECOND;
}

static void
peer_free (gpointer data)
{
  Peer *p = data;

  g_free (p->id);
  g_free (p);
}

McSpeaker *
mc_speaker_new (const McSpeakerParams *params)
{
  McSpeaker *sp = g_new0 (McSpeaker, 1);

  if (params)
    sp->params = *params;
  else
    mc_speaker_get_default_params (&sp->params);
  sp->peers = g_ptr_array_new_with_free_func (peer_free);
  return sp;
}

void
mc_speaker_free (McSpeaker *sp)
{
  if (!sp)
    return;
  g_ptr_array_unref (sp->peers);
  g_free (sp);
}

static Peer *
find_peer (McSpeaker *sp, const char *id, guint *index)
{
  for (guint i = 0; i < sp->peers->len; i++) {
    Peer *p = g_ptr_array_index (sp->peers, i);

    if (strcmp (p->id, id) == 0) {
      if (index)
        *index = i;
      return p;
    }
  }
  return NULL;
}

static gboolean
is_speaking (const McSpeaker *sp, const Peer *p, gint64 now)
{
  return p->last_loud_us >= 0 && now - p->last_loud_us <= sp->params.release_us;
}

static gboolean
evaluate (McSpeaker *sp, gint64 now)
{
  Peer *best = NULL;
  gboolean held;

  held = sp->active && now - sp->active_since_us < sp->params.hold_us;
  if (sp->active && !held &&
      (sp->active->last_loud_us < 0 || now - sp->active->last_loud_us > sp->params.silence_us)) {
    sp->active = NULL;  /* a successor may still be chosen below */
  }

  for (guint i = 0; i < sp->peers->len; i++) {
    Peer *p = g_ptr_array_index (sp->peers, i);

    if (p == sp->active || !is_speaking (sp, p, now))
      continue;
    if (p->last_loud_us - p->speech_start_us < sp->params.min_speech_us)
      continue;
    if (!best || p->level_db > best->level_db)
      best = p;
  }
  if (!best)
    return FALSE;
  if (sp->active) {
    if (held)
      return FALSE;
    if (is_speaking (sp, sp->active, now) && best->level_db < sp->active->level_db + TAKEOVER_MARGIN_DB)
      return FALSE;
  }
  sp->active = best;
  sp->active_since_us = now;
  return TRUE;
}

gboolean
mc_speaker_update (McSpeaker *sp, const char *id, double level_db, gint64 now_us)
{
  const char *before = sp->active ? sp->active->id : NULL;
  Peer *p;

  g_return_val_if_fail (id != NULL, FALSE);
  p = find_peer (sp, id, NULL);
  if (!p) {
    p = g_new0 (Peer, 1);
    p->id = g_strdup (id);
    p->level_db = -INFINITY;
    p->last_loud_us = -1;
    p->speech_start_us = -1;
    g_ptr_array_add (sp->peers, p);
  }
  if (!isfinite (level_db))
    level_db = -INFINITY;
  if (isfinite (p->level_db) && isfinite (level_db))
    p->level_db = SMOOTHING * level_db + (1.0 - SMOOTHING) * p->level_db;
  else
    p->level_db = level_db;
  if (level_db > sp->params.threshold_db) {
    if (!is_speaking (sp, p, now_us))
      p->speech_start_us = now_us;
    p->last_loud_us = now_us;
  }
  evaluate (sp, now_us);
  return (sp->active ? sp->active->id : NULL) != before;
}

gboolean
mc_speaker_tick (McSpeaker *sp, gint64 now_us)
{
  const Peer *before = sp->active;

  evaluate (sp, now_us);
  return sp->active != before;
}

gboolean
mc_speaker_remove (McSpeaker *sp, const char *id)
{
  guint index;
  Peer *p = find_peer (sp, id, &index);
  gboolean was_active;

  if (!p)
    return FALSE;
  was_active = p == sp->active;
  if (was_active)
    sp->active = NULL;
  g_ptr_array_remove_index (sp->peers, index);
  return was_active;
}

const char *
mc_speaker_get_active (McSpeaker *sp)
{
  return sp->active ? sp->active->id : NULL;
}

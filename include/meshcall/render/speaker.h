/* Active-speaker detection from audio levels (GStreamer's `level` element
 * reports RMS/peak in dB per interval). Pure: time is passed in, so it is
 * unit-tested without clocks.
 *
 * A participant "speaks" while its level is above the threshold (with a short
 * release so gaps between words don't count as silence). The active speaker
 * changes only when someone else has spoken for min_speech_us, is louder than
 * the current one, and the current one has held the role for at least
 * hold_us — so the highlight doesn't flicker between two people talking at
 * once. A silent active speaker loses the role after silence_us. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  double threshold_db;   /* level above which a participant is speaking (default -45 dB) */
  gint64 release_us;     /* pause within speech that still counts as speaking (default 300 ms) */
  gint64 min_speech_us;  /* speech needed before someone can take over (default 250 ms) */
  gint64 hold_us;        /* minimum time the role stays with someone (default 1.5 s) */
  gint64 silence_us;     /* silence after which the role is dropped (default 3 s) */
} McSpeakerParams;

typedef struct _McSpeaker McSpeaker;

/* params may be NULL for the defaults above. */
McSpeaker *mc_speaker_new (const McSpeakerParams *params);
void mc_speaker_free (McSpeaker *sp);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (McSpeaker, mc_speaker_free)

void mc_speaker_get_default_params (McSpeakerParams *params);

/* A level reading (dB, <= 0; -inf or NaN for silence) for participant id at
 * time now_us (monotonic, non-decreasing). Returns TRUE if the active speaker
 * changed. */
gboolean mc_speaker_update (McSpeaker *sp, const char *id, double level_db, gint64 now_us);
/* Re-evaluates without a reading (call periodically, e.g. once per frame, so
 * silence is noticed even when level messages stop). TRUE if changed. */
gboolean mc_speaker_tick (McSpeaker *sp, gint64 now_us);
/* Forget a participant (it left); TRUE if it was the active speaker. */
gboolean mc_speaker_remove (McSpeaker *sp, const char *id);
/* Id of the active speaker or NULL; valid until the next call. */
const char *mc_speaker_get_active (McSpeaker *sp);

G_END_DECLS

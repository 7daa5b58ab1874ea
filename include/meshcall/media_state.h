/* The media-state signal: a participant tells each peer whether its
 * microphone is muted and its camera off, so their tiles show the marks.
 * It travels like offers and candidates, inside `webrtc-signal`, and is a
 * meshcall extension of the call protocol (docs/protocol.md) that other
 * clients may ignore:
 *
 *   {"type": "media-state", "audio": "muted" | "live", "video": "off" | "live"}
 *
 * Either member may be missing (= unchanged); unknown extra members are
 * allowed, as for the other signals. */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define MC_MEDIA_STATE_TYPE "media-state"

typedef struct {
  gboolean audio_muted;
  gboolean video_off;
} McMediaState;

/* A new signal object carrying both members. */
JsonNode *mc_media_state_to_signal (const McMediaState *state);
/* TRUE when the signal's type is "media-state" (whatever its members). */
gboolean mc_media_state_is_signal (JsonNode *signal);
/* Checks the members of a media-state signal object (used by the signaling
 * validator, mc_signaling_validate_signal). error is MC_SIGNALING_ERROR_MALFORMED. */
gboolean mc_media_state_validate (JsonObject *signal, GError **error);
/* Applies a valid media-state signal onto state (missing members keep their value). */
gboolean mc_media_state_apply (JsonNode *signal, McMediaState *state, GError **error);

G_END_DECLS

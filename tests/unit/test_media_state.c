/* The media-state signal: building, validating (also through the shared
 * signaling validator the server relays with) and applying. */
#include "meshcall/log.h"
#include "meshcall/media_state.h"
#include "meshcall/signaling.h"
#include "meshcall/sio_packet.h"

#include <string.h>

static JsonNode *
json (const char *text)
{
  g_autoptr (GError) error = NULL;
  JsonNode *node = mc_sio_json_decode (text, strlen (text), &error);
  g_assert_no_error (error);
  return node;
}

static void
test_round_trip (void)
{
  for (int i = 0; i < 4; i++) {
    McMediaState in = { i & 1, (i >> 1) & 1 }, out = { !in.audio_muted, !in.video_off };
    g_autoptr (JsonNode) signal = mc_media_state_to_signal (&in);
    g_autoptr (GError) error = NULL;

    g_assert_true (mc_media_state_is_signal (signal));
    g_assert_true (mc_signaling_validate_signal (signal, &error));
    g_assert_no_error (error);
    g_assert_true (mc_media_state_apply (signal, &out, &error));
    g_assert_cmpint (out.audio_muted, ==, in.audio_muted);
    g_assert_cmpint (out.video_off, ==, in.video_off);
  }
}

static void
test_wire_form (void)
{
  McMediaState s = { TRUE, FALSE };
  g_autoptr (JsonNode) signal = mc_media_state_to_signal (&s);
  g_autofree char *text = mc_sio_json_encode (signal);

  g_assert_nonnull (strstr (text, "\"type\":\"media-state\""));
  g_assert_nonnull (strstr (text, "\"audio\":\"muted\""));
  g_assert_nonnull (strstr (text, "\"video\":\"live\""));
}

static void
test_partial_update (void)
{
  McMediaState s = { FALSE, TRUE };
  g_autoptr (JsonNode) audio_only = json ("{\"type\":\"media-state\",\"audio\":\"muted\",\"extra\":1}");

  g_assert_true (mc_media_state_apply (audio_only, &s, NULL));
  g_assert_true (s.audio_muted);
  g_assert_true (s.video_off);   /* missing member: unchanged */
}

static void
test_invalid (void)
{
  const char *bad[] = {
    "{\"type\":\"media-state\"}",
    "{\"type\":\"media-state\",\"audio\":true}",
    "{\"type\":\"media-state\",\"audio\":\"off\"}",      /* audio is muted|live */
    "{\"type\":\"media-state\",\"video\":\"muted\"}",    /* video is off|live */
    "{\"type\":\"media-state\",\"audio\":\"live\",\"video\":null}",
    "{\"type\":\"media-state\",\"audio\":\"LIVE\"}",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++) {
    g_autoptr (JsonNode) node = json (bad[i]);
    g_autoptr (GError) error = NULL;
    McMediaState s = { FALSE, FALSE };

    if (mc_signaling_validate_signal (node, &error))
      g_error ("invalid media-state %s accepted by the signaling validator", bad[i]);
    g_assert_error (error, MC_SIGNALING_ERROR, MC_SIGNALING_ERROR_MALFORMED);
    g_clear_error (&error);
    g_assert_false (mc_media_state_apply (node, &s, &error));
    g_assert_error (error, MC_SIGNALING_ERROR, MC_SIGNALING_ERROR_MALFORMED);
    g_assert_false (s.audio_muted || s.video_off);
  }
  {
    g_autoptr (JsonNode) offer = json ("{\"type\":\"offer\",\"sdp\":\"v=0\"}");
    McMediaState s = { FALSE, FALSE };
    g_assert_false (mc_media_state_is_signal (offer));
    g_assert_false (mc_media_state_apply (offer, &s, NULL));
    g_assert_false (mc_media_state_is_signal (NULL));
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  mc_log_init ();
  g_test_add_func ("/media-state/round-trip", test_round_trip);
  g_test_add_func ("/media-state/wire-form", test_wire_form);
  g_test_add_func ("/media-state/partial-update", test_partial_update);
  g_test_add_func ("/media-state/invalid", test_invalid);
  return g_test_run ();
}

/* libFuzzer target for the typed signal decoder (proto/call_protocol.h),
 * the boundary where a relayed `signal` object becomes an McSignal.
 *
 * Every input is read as JSON, then decoded as a signal. A rejection must be
 * MC_PROTOCOL_ERROR_MALFORMED with a readable message, and the server's
 * validator must agree with the decoder. Whatever decodes is encoded and
 * decoded again: the second signal must equal the first, the encoding must
 * be stable, and a copy must encode the same. Any disagreement aborts. */
#include "meshcall/base/json.h"
#include "meshcall/proto/call_protocol.h"
#include "fuzz_common.h"



static char *
encode (const McSignal *s)
{
  g_autoptr (JsonNode) node = mc_signal_to_json (s);
  return mc_json_encode (node);
}

static gboolean
signal_equal (const McSignal *a, const McSignal *b)
{
  return a->type == b->type && g_strcmp0 (a->sdp, b->sdp) == 0 && g_strcmp0 (a->candidate, b->candidate) == 0 &&
         g_strcmp0 (a->sdp_mid, b->sdp_mid) == 0 && a->sdp_mline_index == b->sdp_mline_index &&
         a->audio_muted == b->audio_muted && a->video_off == b->video_off && a->recording == b->recording;
}


int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (JsonNode) node = mc_json_decode ((const char *) data, size, NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (McSignal) signal = NULL;
  g_autoptr (McSignal) again = NULL;
  g_autoptr (McSignal) copy = NULL;
  g_autoptr (JsonNode) encoded_node = NULL;
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;
  g_autofree char *third = NULL;
  gboolean valid;

  if (node == NULL)
    return 0;
  signal = mc_signal_from_json (node, &error);
  valid = mc_signal_validate_json (node, NULL);
  CHECK (valid == (signal != NULL));
  if (signal == NULL) {
    CHECK (error != NULL && error->domain == MC_PROTOCOL_ERROR && error->code == MC_PROTOCOL_ERROR_MALFORMED);
    CHECK (error->message && error->message[0] && g_utf8_validate (error->message, -1, NULL));
    return 0;
  }
  CHECK (signal->type <= MC_SIGNAL_RECORDING);
  CHECK (signal->recording == TRUE || signal->recording == FALSE);
  CHECK (signal->sdp_mline_index >= -1 && signal->sdp_mline_index <= 65535);
  first = encode (signal);
  encoded_node = mc_json_decode (first, strlen (first), NULL);
  CHECK (encoded_node != NULL);
  again = mc_signal_from_json (encoded_node, &error);
  if (again == NULL) {
    fprintf (stderr, "re-encoded signal rejected: %s\nencoded: %s\n", error->message, first);
    abort ();
  }
  CHECK (signal_equal (signal, again));
  second = encode (again);
  CHECK (strcmp (first, second) == 0);
  copy = mc_signal_copy (signal);
  third = encode (copy);
  CHECK (strcmp (first, third) == 0);
  return 0;
}

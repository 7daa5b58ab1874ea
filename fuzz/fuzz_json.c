/* libFuzzer target for the strict JSON reader (base/json.h).
 *
 * Every input is decoded as a whole document. A rejection must carry an
 * MC_JSON_ERROR with a readable, valid UTF-8 message. Whatever decodes is
 * encoded (compact and pretty) and decoded again: both must be accepted and
 * give an equal document, and encoding is idempotent. Any disagreement
 * aborts. */
#include "meshcall/base/json.h"
#include "fuzz_common.h"



static JsonNode *
decode_again (const char *text)
{
  g_autoptr (GError) error = NULL;
  JsonNode *node = mc_json_decode (text, strlen (text), &error);

  if (node == NULL) {
    fprintf (stderr, "re-encoded JSON rejected: %s\nencoded: %s\n", error->message, text);
    abort ();
  }
  return node;
}


int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) node = mc_json_decode ((const char *) data, size, &error);
  g_autoptr (JsonNode) again = NULL;
  g_autoptr (JsonNode) pretty_again = NULL;
  g_autofree char *compact = NULL;
  g_autofree char *pretty = NULL;
  g_autofree char *compact2 = NULL;

  if (node == NULL) {
    CHECK (error != NULL);
    CHECK (error->domain == MC_JSON_ERROR);
    CHECK (error->code == MC_JSON_ERROR_SYNTAX || error->code == MC_JSON_ERROR_UTF8);
    CHECK (error->message && error->message[0] && g_utf8_validate (error->message, -1, NULL));
    return 0;
  }
  CHECK (error == NULL);
  compact = mc_json_encode (node);
  pretty = mc_json_encode_pretty (node);
  again = decode_again (compact);
  pretty_again = decode_again (pretty);
  CHECK (json_node_equal (node, again));
  CHECK (json_node_equal (node, pretty_again));
  compact2 = mc_json_encode (again);
  CHECK (strcmp (compact, compact2) == 0);
  return 0;
}

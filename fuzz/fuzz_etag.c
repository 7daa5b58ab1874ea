/* libFuzzer target for the If-None-Match matcher of the call page
 * (include/meshcall/server/server_web.h): a header value a browser, or anyone, sends to
 * meshcall serve, against the page's entity tag.
 *
 * Whatever the input: no crash; a match is either "*" alone or names the
 * tag; whitespace around the value changes nothing; a value that matches
 * still matches with the tag appended to its list. Any disagreement aborts. */
#include "meshcall/server/server_web.h"
#include "fuzz_common.h"

#define ETAG "\"0123456789abcdef0123\""

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autofree char *value = g_strndup ((const char *) data, size);
  g_autofree char *padded = g_strdup_printf (" \t%s\t ", value);
  g_autofree char *longer = g_strdup_printf ("%s, %s", value, ETAG);
  gboolean match = mc_server_web_etag_matches (value, ETAG);

  CHECK (mc_server_web_etag_matches (padded, ETAG) == match);
  if (!match)
    return 0;
  CHECK (strstr (value, ETAG) != NULL || strchr (value, '*') != NULL);
  if (strchr (value, '*') == NULL)
    CHECK (mc_server_web_etag_matches (longer, ETAG));
  return 0;
}

/* libFuzzer target for the file channel's messages and the safe file name
 * (talk/file.h): what a remote participant's "file:ID" channel delivers,
 * and the name a received file would be saved under.
 *
 * A rejection must be MC_FILE_ERROR with a readable message. An offer that
 * decodes is encoded and decoded again to the same offer. Whatever the
 * input, as a name it gives a safe one: 1..255 bytes of UTF-8, no '/', '\',
 * control characters, leading dot or space. Any disagreement aborts. */
#include "meshcall/talk/file.h"
#include "fuzz_common.h"

static void
check_safe_name (const char *input)
{
  g_autofree char *safe = mc_file_safe_name (input);
  gsize len = strlen (safe);

  CHECK (len >= 1 && len <= MC_FILE_MAX_NAME);
  CHECK (g_utf8_validate (safe, -1, NULL));
  CHECK (strchr (safe, '/') == NULL && strchr (safe, '\\') == NULL);
  CHECK (safe[0] != '.' && safe[0] != ' ');
  for (const char *p = safe; *p; p = g_utf8_next_char (p)) {
    gunichar c = g_utf8_get_char (p);
    CHECK (!(c < 0x20 || (c >= 0x7f && c <= 0x9f)));
  }
  {
    g_autofree char *again = mc_file_safe_name (safe);
    CHECK (strcmp (again, safe) == 0);   /* already safe: unchanged */
  }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (McFileOffer) offer = NULL;
  g_autoptr (McFileOffer) again = NULL;
  g_autofree char *name = g_strndup ((const char *) data, size);
  g_autofree char *reason = NULL;
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;
  McFileKind kind = MC_FILE_KIND_ACCEPT, kind2 = MC_FILE_KIND_ACCEPT;
  gboolean ok = FALSE;

  check_safe_name (name);
  if (!mc_file_decode ((const char *) data, size, &kind, &offer, &reason, &ok, &error)) {
    CHECK (error != NULL && error->domain == MC_FILE_ERROR);
    CHECK (error->message && error->message[0] && g_utf8_validate (error->message, -1, NULL));
    CHECK (offer == NULL && reason == NULL);
    return 0;
  }
  if (kind != MC_FILE_KIND_OFFER) {
    CHECK (offer == NULL);
    return 0;
  }
  CHECK (offer != NULL && offer->size <= MC_FILE_MAX_SIZE && strlen (offer->sha256) == 64);
  first = mc_file_encode_offer (offer);
  CHECK (mc_file_decode (first, strlen (first), &kind2, &again, NULL, NULL, NULL));
  CHECK (kind2 == MC_FILE_KIND_OFFER);
  CHECK (strcmp (offer->id, again->id) == 0 && strcmp (offer->name, again->name) == 0 &&
         offer->size == again->size && strcmp (offer->sha256, again->sha256) == 0 &&
         strcmp (offer->mime, again->mime) == 0);
  second = mc_file_encode_offer (again);
  CHECK (strcmp (first, second) == 0);
  return 0;
}

/* Text helpers for network parsers (see text.h). */
#include "meshcall/base/text.h"

void
mc_text_describe_byte (char *buf, gsize size, guchar c)
{
  if (g_ascii_isprint (c))
    g_snprintf (buf, size, "'%c'", c);
  else
    g_snprintf (buf, size, "byte 0x%02x", c);
}

char *
mc_text_shorten (const char *s, glong max_chars)
{
  g_autofree char *head = NULL;

  if (g_utf8_strlen (s, -1) <= max_chars)
    return g_strdup (s);
  head = g_utf8_substring (s, 0, max_chars);
  return g_strconcat (head, "...", NULL);
}

gboolean
mc_text_check_utf8 (const char *what, const char *text, gsize len, gsize base, GQuark domain, gint code,
                    GError **error)
{
  const char *end;

  if (g_utf8_validate_len (text, len, &end))
    return TRUE;
  g_set_error (error, domain, code, "%s: %s at byte %" G_GSIZE_FORMAT, what,
               *end == '\0' ? "NUL byte" : "invalid UTF-8", base + (gsize) (end - text));
  return FALSE;
}

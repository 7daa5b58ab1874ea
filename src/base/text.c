/* Text helpers for network parsers (see text.h). */
#include "meshcall/base/text.h"

#include <string.h>

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

static gboolean
is_control (gunichar c)
{
  return c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0);
}

gboolean
mc_text_is_safe (const char *s)
{
  const char *end;

  if (s == NULL || !g_utf8_validate (s, -1, &end))
    return FALSE;
  for (const char *p = s; *p; p = g_utf8_next_char (p)) {
    if (is_control (g_utf8_get_char (p)))
      return FALSE;
  }
  return TRUE;
}

char *
mc_text_sanitize (const char *s)
{
  GString *out;

  if (s == NULL)
    return g_strdup ("(null)");
  if (mc_text_is_safe (s))
    return g_strdup (s);
  out = g_string_sized_new (strlen (s) + 16);
  for (const char *p = s; *p;) {
    gunichar c = g_utf8_get_char_validated (p, -1);
    if (c == (gunichar) -1 || c == (gunichar) -2) {
      g_string_append (out, "\xef\xbf\xbd");   /* U+FFFD for a byte that is not UTF-8 */
      p++;
      continue;
    }
    if (c < 0x80 && is_control (c))
      g_string_append_printf (out, "\\x%02x", c);
    else if (is_control (c))
      g_string_append_printf (out, "\\u{%02x}", c);
    else
      g_string_append_len (out, p, g_utf8_next_char (p) - p);
    p = g_utf8_next_char (p);
  }
  return g_string_free (out, FALSE);
}

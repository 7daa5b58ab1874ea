/* Small text helpers for parsers that face the network: how to show a byte
 * or a long string in a one-line message, and a UTF-8 check that says where
 * the text went wrong. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* "'a'" for a printable byte, "byte 0x1f" otherwise, into buf. */
void mc_text_describe_byte (char *buf, gsize size, guchar c);
/* At most max_chars characters of valid UTF-8 text, with "..." when cut. */
char *mc_text_shorten (const char *s, glong max_chars);
/* TRUE when text[0..len) is UTF-8 without NUL bytes; else sets error (domain,
 * code) to "WHAT: invalid UTF-8 at byte N" or "WHAT: NUL byte at byte N",
 * counting from base. */
gboolean mc_text_check_utf8 (const char *what, const char *text, gsize len, gsize base, GQuark domain, gint code,
                             GError **error);

/* A string that is safe to print on a terminal or into a log, whoever wrote
 * it (a remote participant's name, a server's error message): control
 * characters (C0, DEL, C1: what starts escape sequences, moves the cursor or
 * retitles the window) become "\xNN" / "\u{NN}" text, invalid UTF-8 bytes
 * become U+FFFD, and everything else, valid UTF-8 included, stays. NULL gives
 * "(null)". */
char *mc_text_sanitize (const char *s);
/* TRUE when mc_text_sanitize would change nothing (the common case: no copy needed). */
gboolean mc_text_is_safe (const char *s);

G_END_DECLS

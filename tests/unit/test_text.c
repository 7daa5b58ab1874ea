/* Text helpers for network input (base/text.h): what a remote party writes
 * reaches a terminal or a log only as safe text. */
#include "meshcall/base/text.h"

#include <string.h>

static void
test_sanitize (void)
{
  static const struct {
    const char *in, *out;
  } cases[] = {
    { "Alice", "Alice" },
    { "Zoë 會議室 🙂", "Zoë 會議室 🙂" },
    /* the name: an OSC title change, a screen clear, colours */
    { "evil\x1b]0;PWNED\x07\x1b[2J\x1b[31mRED", "evil\\x1b]0;PWNED\\x07\\x1b[2J\\x1b[31mRED" },
    { "a\nb\r\tc\x7f", "a\\x0ab\\x0d\\x09c\\x7f" },
    { "c1 \xc2\x9b" "31m", "c1 \\u{9b}31m" },       /* U+009B, the 8-bit CSI */
    { "bad \xff byte", "bad \xef\xbf\xbd byte" },    /* not UTF-8 */
    { "cut \xc3", "cut \xef\xbf\xbd" },
    { "", "" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autofree char *got = mc_text_sanitize (cases[i].in);
    g_assert_cmpstr (got, ==, cases[i].out);
    g_assert_true (mc_text_is_safe (got));
    /* no byte that starts an escape sequence survives */
    for (const char *p = got; *p; p++)
      g_assert_true ((guchar) *p >= 0x20 && (guchar) *p != 0x7f);
    g_assert_cmpint (mc_text_is_safe (cases[i].in), ==, strcmp (cases[i].in, cases[i].out) == 0);
  }
  {
    g_autofree char *null = mc_text_sanitize (NULL);
    g_assert_cmpstr (null, ==, "(null)");
    g_assert_false (mc_text_is_safe (NULL));
  }
}

static void
test_shorten_and_bytes (void)
{
  g_autofree char *short_ = mc_text_shorten ("ééééé", 3);
  char buf[16];

  g_assert_cmpstr (short_, ==, "ééé...");
  mc_text_describe_byte (buf, sizeof buf, 'a');
  g_assert_cmpstr (buf, ==, "'a'");
  mc_text_describe_byte (buf, sizeof buf, 0x1b);
  g_assert_cmpstr (buf, ==, "byte 0x1b");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/text/sanitize", test_sanitize);
  g_test_add_func ("/text/shorten-and-bytes", test_shorten_and_bytes);
  return g_test_run ();
}

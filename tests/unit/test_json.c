/* The strict JSON reader and writer (base/json.h): what json-glib accepts
 * and JSON.parse does not, numbers that read back exactly, the pretty
 * layout of --stats-json files, and the helpers validators use. */
#include "meshcall/base/json.h"
#include "corpus.h"

#include <math.h>
#include <string.h>

/* json-glib 1.6 accepts every one of these; JSON.parse and meshcall do not. */
static void
test_json_strict (void)
{
  static const char *const bad[] = {
    "/* c */1", "// c\n1", "'a'", "0x10", "01", "-01", ".5", "1.", "+1", "-", "1e", "1e+", "NaN", "Infinity",
    "-Infinity", "1e400", "-1e400", "tru", "nul", "True", "\"\\u0000\"", "\"a\\u0000b\"", "\"\\ud800\"",
    "\"\\ud800x\"", "\"\\ud800\\u0041\"", "\"\\udc00\"", "\"\\x41\"", "\"\\u12\"", "\"\\u12g4\"", "\"\\'\"",
    "\"a\tb\"", "\"a\nb\"", "\"a\x1f\"", "\"abc", "\"abc\\", "[1,]", "{\"a\":1,}", "[,1]", "{a:1}",
    "{\"a\" 1}", "{\"a\":}", "{1:2}", "[1 2]", "[", "{", "]", "}", "\"\\", "1 2", "[1] [2]", "[1]x",
    "\xc2\xa0\061", "\f1", "\v1",
  };
  static const struct {
    const char *in, *out;
  } good[] = {
    { "1e5", "100000" }, { "-0", "0" }, { "99999999999999999999", "1e+20" },
    { "-9223372036854775808", "-9223372036854775808" }, { "9223372036854775807", "9223372036854775807" },
    { "9223372036854775808", "9.223372036854776e+18" }, { "1e-400", "0" }, { "0.1", "0.1" },
    { "\"\\ud83d\\ude00\"", "\"\xf0\x9f\x98\x80\"" }, { "\"\\uFFFF\"", "\"\xef\xbf\xbf\"" },
    { " \t\r\n[ ] ", "[]" }, { "{\"\":{}}", "{\"\":{}}" }, { "[true,false,null]", "[true,false,null]" },
    { "\"\xe2\x80\xa8\"", "\"\xe2\x80\xa8\"" }, { "1.5E-3", "0.0015" }, { "123456789012345678", "123456789012345678" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++) {
    g_autoptr (GError) error = NULL;
    g_autoptr (JsonNode) node = NULL;
    g_autofree char *copy = g_strdup (bad[i]);
    gsize len = strlen (copy);

    node = mc_json_decode (copy, len, &error);
    if (node) {
      g_autofree char *shown = g_strescape (bad[i], NULL);
      g_test_fail_printf ("JSON '%s' accepted", shown);
      continue;
    }
    g_assert_error (error, MC_JSON_ERROR, MC_JSON_ERROR_SYNTAX);
    g_assert_nonnull (strstr (error->message, "at byte "));
  }

  for (guint i = 0; i < G_N_ELEMENTS (good); i++) {
    g_autoptr (GError) error = NULL;
    g_autoptr (JsonNode) node = mc_json_decode (good[i].in, strlen (good[i].in), &error);
    g_autofree char *out = NULL;

    g_assert_no_error (error);
    out = mc_json_encode (node);
    g_assert_cmpstr (out, ==, good[i].out);
  }
}

/* The writer's numbers always read back as the same value (json-glib's
 * generator writes 1e+21.0 for some of these). */
static void
test_json_numbers (void)
{
  static const double values[] = {
    1e21, 1e-300, 0.1, 5e-324, -0.0, 1.7976931348623157e308, -1.7976931348623157e308, 2.5, 1e16, 1.0 / 3,
    123456789.123, -1e-7, 9007199254740993.0,
  };

  for (guint i = 0; i < G_N_ELEMENTS (values); i++) {
    g_autoptr (JsonNode) node = json_node_init_double (json_node_alloc (), values[i]);
    g_autofree char *text = mc_json_encode (node);
    g_autoptr (GError) error = NULL;
    g_autoptr (JsonNode) back = mc_json_decode (text, strlen (text), &error);

    g_assert_no_error (error);
    g_assert_cmpfloat (json_node_get_double (back), ==, values[i]);
  }
  {
    g_autoptr (JsonNode) inf = json_node_init_double (json_node_alloc (), INFINITY);
    g_autofree char *text = mc_json_encode (inf);
    g_assert_cmpstr (text, ==, "null");
  }
  {
    g_autofree char *text = mc_json_encode (NULL);
    g_assert_cmpstr (text, ==, "null");
  }
  {
    /* strings built by code that are not UTF-8 are made valid, never sent broken */
    g_autoptr (JsonNode) node = json_node_init_string (json_node_alloc (), "a\xff" "b");
    g_autofree char *text = mc_json_encode (node);
    g_assert_true (g_utf8_validate (text, -1, NULL));
  }
}


static void
test_json_utf8 (void)
{
  static const struct {
    const char *text;
    gsize len;
  } bad[] = { { "\"a\xff\"", 4 }, { "\"a\0\"", 4 }, { "\"\xc3\"", 3 }, { "\"\xed\xa0\x80\"", 5 } };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++) {
    g_autoptr (GError) error = NULL;
    g_autoptr (JsonNode) node = mc_json_decode (bad[i].text, bad[i].len, &error);
    g_assert_null (node);
    g_assert_error (error, MC_JSON_ERROR, MC_JSON_ERROR_UTF8);
    g_assert_nonnull (strstr (error->message, "byte "));
  }
}

/* The layout json-glib's pretty generator writes, which readers of
 * --stats-json files (and grep in the tests) know. */
static void
test_json_pretty (void)
{
  const char *in = "{\"a\":1,\"b\":[],\"c\":{},\"d\":[1,{\"x\":\"y\"}],\"e\":1.5,\"f\":null,\"g\":true}";
  const char *want = "{\n  \"a\" : 1,\n  \"b\" : [],\n  \"c\" : {  },\n  \"d\" : [\n    1,\n    {\n      \"x\" : \"y\"\n"
                     "    }\n  ],\n  \"e\" : 1.5,\n  \"f\" : null,\n  \"g\" : true\n}";
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) node = mc_json_decode (in, strlen (in), &error);
  g_autofree char *pretty = mc_json_encode_pretty (node);
  g_autoptr (JsonNode) nan = json_node_init_double (json_node_alloc (), NAN);
  g_autofree char *nan_text = mc_json_encode_pretty (nan);

  g_assert_no_error (error);
  g_assert_cmpstr (pretty, ==, want);
  g_assert_cmpstr (nan_text, ==, "null");
}

static void
test_json_helpers (void)
{
  const char *in = "{\"s\":\"x\",\"n\":1,\"z\":null}";
  g_autoptr (JsonNode) node = mc_json_decode (in, strlen (in), NULL);
  JsonObject *obj = json_node_get_object (node);
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) part = NULL;

  g_assert_cmpstr (mc_json_get_string (obj, "s"), ==, "x");
  g_assert_null (mc_json_get_string (obj, "n"));
  g_assert_null (mc_json_get_string (obj, "missing"));
  g_assert_null (mc_json_get_string (NULL, "s"));
  g_assert_true (mc_json_member_is_null (obj, "z"));
  g_assert_true (mc_json_member_is_null (obj, "missing"));
  g_assert_false (mc_json_member_is_null (obj, "n"));
  g_assert_cmpstr (mc_json_describe_kind (node), ==, "an object");
  g_assert_cmpstr (mc_json_describe_kind (NULL), ==, "null");
  g_assert_cmpstr (mc_json_describe_kind (json_object_get_member (obj, "n")), ==, "a number");
  /* decode_part counts positions from base, and names the enclosing message */
  part = mc_json_decode_part ("Socket.IO packet", "[1,]", 4, 100, &error);
  g_assert_null (part);
  g_assert_error (error, MC_JSON_ERROR, MC_JSON_ERROR_SYNTAX);
  g_assert_nonnull (strstr (error->message, "Socket.IO packet: bad JSON at byte 103"));
}



static gboolean
json_accepts (const char *name, const char *data, gsize len, GError **error)
{
  g_autoptr (JsonNode) node = mc_json_decode (data, len, error);
  return node != NULL;
}

static void
test_json_corpus (void)
{
  mc_test_check_corpus ("fuzz_json", 10, json_accepts);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/json/strict", test_json_strict);
  g_test_add_func ("/json/numbers", test_json_numbers);
  g_test_add_func ("/json/utf8", test_json_utf8);
  g_test_add_func ("/json/pretty", test_json_pretty);
  g_test_add_func ("/json/helpers", test_json_helpers);
  g_test_add_func ("/json/corpus", test_json_corpus);
  return g_test_run ();
}

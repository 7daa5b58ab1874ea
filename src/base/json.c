/* Strict JSON reader and writer (see json.h). Every scan is bounded by the
 * length it was given, and every rejection names what was wrong and where. */
#include "meshcall/base/json.h"
#include "meshcall/base/text.h"

#include <errno.h>
#include <math.h>
#include <string.h>

G_DEFINE_QUARK (mc-json-error-quark, mc_json_error)

#define MAX_NUMBER_LEN 512

const char *
mc_json_describe_kind (JsonNode *node)
{
  GType type;

  if (!node || JSON_NODE_HOLDS_NULL (node))
    return "null";
  if (JSON_NODE_HOLDS_OBJECT (node))
    return "an object";
  if (JSON_NODE_HOLDS_ARRAY (node))
    return "an array";
  type = json_node_get_value_type (node);
  if (type == G_TYPE_STRING)
    return "a string";
  if (type == G_TYPE_BOOLEAN)
    return "a boolean";
  return "a number";
}

const char *
mc_json_get_string (JsonObject *obj, const char *member)
{
  JsonNode *n = obj ? json_object_get_member (obj, member) : NULL;

  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (n);
}

gboolean
mc_json_member_is_null (JsonObject *obj, const char *member)
{
  JsonNode *n = json_object_get_member (obj, member);
  return n == NULL || JSON_NODE_HOLDS_NULL (n);
}

/* ---- strict JSON reader -------------------------------------------------- */

typedef struct {
  const char *s;
  gsize len;
  gsize pos;
  gsize base;        /* offset of s in the caller's input, for messages */
  const char *what;  /* "Socket.IO packet", "JSON" */
  GError **error;
} JsonCursor;

static JsonNode *json_read_value (JsonCursor *c, guint depth);

static void G_GNUC_PRINTF (2, 3)
json_fail (JsonCursor *c, const char *format, ...)
{
  va_list args;
  g_autofree char *detail = NULL;

  va_start (args, format);
  detail = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (c->error, MC_JSON_ERROR, MC_JSON_ERROR_SYNTAX, "%s: bad JSON at byte %" G_GSIZE_FORMAT ": %s",
               c->what, c->base + c->pos, detail);
}

static void
json_fail_unexpected (JsonCursor *c, const char *expected)
{
  char got[16];

  if (c->pos >= c->len) {
    json_fail (c, "unexpected end, expected %s", expected);
    return;
  }
  mc_text_describe_byte (got, sizeof got, (guchar) c->s[c->pos]);
  json_fail (c, "unexpected %s, expected %s", got, expected);
}

static void
json_skip_ws (JsonCursor *c)
{
  while (c->pos < c->len) {
    char ch = c->s[c->pos];
    if (ch != ' ' && ch != '\t' && ch != '\n' && ch != '\r')
      break;
    c->pos++;
  }
}

static gboolean
json_read_hex4 (JsonCursor *c, guint *out)
{
  guint v = 0;

  if (c->len - c->pos < 4) {
    json_fail (c, "truncated \\u escape");
    return FALSE;
  }
  for (guint i = 0; i < 4; i++) {
    int d = g_ascii_xdigit_value (c->s[c->pos + i]);
    if (d < 0) {
      c->pos += i;
      json_fail (c, "bad hex digit in \\u escape");
      return FALSE;
    }
    v = v * 16 + (guint) d;
  }
  c->pos += 4;
  *out = v;
  return TRUE;
}

/* At the opening quote. Returns the unescaped UTF-8 string. */
static char *
json_read_string (JsonCursor *c)
{
  g_autoptr (GString) out = g_string_new (NULL);

  c->pos++;  /* '"' */
  for (;;) {
    gsize run = c->pos;
    guchar ch;

    /* Copy plain bytes in bulk; the whole input is already valid UTF-8. */
    while (c->pos < c->len && c->s[c->pos] != '"' && c->s[c->pos] != '\\' && (guchar) c->s[c->pos] >= 0x20)
      c->pos++;
    g_string_append_len (out, c->s + run, (gssize) (c->pos - run));
    if (c->pos >= c->len) {
      json_fail (c, "unterminated string");
      return NULL;
    }
    ch = (guchar) c->s[c->pos];
    if (ch == '"') {
      c->pos++;
      return g_string_free (g_steal_pointer (&out), FALSE);
    }
    if (ch < 0x20) {
      json_fail (c, "control character 0x%02x in string", ch);
      return NULL;
    }
    /* backslash */
    if (++c->pos >= c->len) {
      json_fail (c, "unterminated escape");
      return NULL;
    }
    ch = (guchar) c->s[c->pos];
    switch (ch) {
    case '"': g_string_append_c (out, '"'); break;
    case '\\': g_string_append_c (out, '\\'); break;
    case '/': g_string_append_c (out, '/'); break;
    case 'b': g_string_append_c (out, '\b'); break;
    case 'f': g_string_append_c (out, '\f'); break;
    case 'n': g_string_append_c (out, '\n'); break;
    case 'r': g_string_append_c (out, '\r'); break;
    case 't': g_string_append_c (out, '\t'); break;
    case 'u': {
      gsize at = c->pos - 1;
      guint hi, lo;
      gunichar u;

      c->pos++;
      if (!json_read_hex4 (c, &hi))
        return NULL;
      if (hi >= 0xdc00 && hi <= 0xdfff) {
        c->pos = at;
        json_fail (c, "unpaired UTF-16 surrogate \\u%04x", hi);
        return NULL;
      }
      if (hi >= 0xd800 && hi <= 0xdbff) {
        if (c->len - c->pos < 2 || c->s[c->pos] != '\\' || c->s[c->pos + 1] != 'u') {
          c->pos = at;
          json_fail (c, "unpaired UTF-16 surrogate \\u%04x", hi);
          return NULL;
        }
        c->pos += 2;
        if (!json_read_hex4 (c, &lo))
          return NULL;
        if (lo < 0xdc00 || lo > 0xdfff) {
          c->pos = at;
          json_fail (c, "unpaired UTF-16 surrogate \\u%04x", hi);
          return NULL;
        }
        u = 0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00);
      } else if (hi == 0) {
        /* C strings (and json-glib) cannot hold it. */
        c->pos = at;
        json_fail (c, "\\u0000 is not supported");
        return NULL;
      } else {
        u = hi;
      }
      g_string_append_unichar (out, u);
      continue;  /* pos is already past the escape */
    }
    default: {
      char got[16];
      mc_text_describe_byte (got, sizeof got, ch);
      json_fail (c, "invalid escape \\%s", got);
      return NULL;
    }
    }
    c->pos++;
  }
}

static gboolean
json_digits (JsonCursor *c)
{
  gsize start = c->pos;

  while (c->pos < c->len && g_ascii_isdigit (c->s[c->pos]))
    c->pos++;
  return c->pos > start;
}

/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? ; integers that fit stay
 * gint64, everything else becomes a double (as JavaScript reads it). */
static JsonNode *
json_read_number (JsonCursor *c)
{
  gsize start = c->pos;
  gboolean is_int = TRUE;
  char buf[MAX_NUMBER_LEN + 1];
  gsize n;

  if (c->s[c->pos] == '-')
    c->pos++;
  if (c->pos < c->len && c->s[c->pos] == '0') {
    c->pos++;
    if (c->pos < c->len && g_ascii_isdigit (c->s[c->pos])) {
      json_fail (c, "leading zero in number");
      return NULL;
    }
  } else if (!json_digits (c)) {
    json_fail_unexpected (c, "a digit");
    return NULL;
  }
  if (c->pos < c->len && c->s[c->pos] == '.') {
    c->pos++;
    is_int = FALSE;
    if (!json_digits (c)) {
      json_fail_unexpected (c, "a digit after '.'");
      return NULL;
    }
  }
  if (c->pos < c->len && (c->s[c->pos] == 'e' || c->s[c->pos] == 'E')) {
    c->pos++;
    is_int = FALSE;
    if (c->pos < c->len && (c->s[c->pos] == '+' || c->s[c->pos] == '-'))
      c->pos++;
    if (!json_digits (c)) {
      json_fail_unexpected (c, "a digit in the exponent");
      return NULL;
    }
  }

  n = c->pos - start;
  if (n > MAX_NUMBER_LEN) {
    c->pos = start;
    json_fail (c, "number longer than %d characters", MAX_NUMBER_LEN);
    return NULL;
  }
  memcpy (buf, c->s + start, n);
  buf[n] = '\0';

  if (is_int) {
    gint64 v;
    errno = 0;
    v = g_ascii_strtoll (buf, NULL, 10);
    if (errno == 0)
      return json_node_init_int (json_node_alloc (), v);
  }
  {
    double d = g_ascii_strtod (buf, NULL);
    if (!isfinite (d)) {
      c->pos = start;
      json_fail (c, "number out of range");
      return NULL;
    }
    return json_node_init_double (json_node_alloc (), d);
  }
}

static gboolean
json_read_literal (JsonCursor *c, const char *word)
{
  gsize n = strlen (word);

  if (c->len - c->pos < n || memcmp (c->s + c->pos, word, n) != 0)
    return FALSE;
  c->pos += n;
  return TRUE;
}

static JsonNode *
json_read_array (JsonCursor *c, guint depth)
{
  g_autoptr (JsonArray) array = json_array_new ();

  c->pos++;  /* '[' */
  json_skip_ws (c);
  if (c->pos < c->len && c->s[c->pos] == ']') {
    c->pos++;
    return json_node_init_array (json_node_alloc (), array);
  }
  for (;;) {
    JsonNode *element;

    json_skip_ws (c);
    element = json_read_value (c, depth);
    if (!element)
      return NULL;
    json_array_add_element (array, element);
    json_skip_ws (c);
    if (c->pos < c->len && c->s[c->pos] == ',') {
      c->pos++;
      continue;
    }
    if (c->pos < c->len && c->s[c->pos] == ']') {
      c->pos++;
      return json_node_init_array (json_node_alloc (), array);
    }
    json_fail_unexpected (c, "',' or ']'");
    return NULL;
  }
}

/* Members are collected first: json-glib's json_object_set_member() scans all
 * members on a repeated name, which a hostile payload could make quadratic. */
typedef struct {
  GPtrArray *names;    /* char *, in first-seen order */
  GPtrArray *values;   /* JsonNode *, parallel to names */
  GHashTable *index;   /* name -> position + 1; built once there are a few members */
} MemberList;

#define MEMBER_INDEX_AFTER 8

static void
member_list_clear (MemberList *m)
{
  g_clear_pointer (&m->index, g_hash_table_unref);
  g_clear_pointer (&m->names, g_ptr_array_unref);
  g_clear_pointer (&m->values, g_ptr_array_unref);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (MemberList, member_list_clear)

static gssize
member_list_find (MemberList *m, const char *name)
{
  if (m->index)
    return (gssize) GPOINTER_TO_SIZE (g_hash_table_lookup (m->index, name)) - 1;
  for (guint i = 0; i < m->names->len; i++)
    if (strcmp (m->names->pdata[i], name) == 0)
      return i;
  return -1;
}

/* Takes name and value. A repeated name keeps its first position and its last
 * value, as JSON.parse does. */
static void
member_list_add (MemberList *m, char *name, JsonNode *value)
{
  gssize at = member_list_find (m, name);

  if (at >= 0) {
    json_node_unref (m->values->pdata[at]);
    m->values->pdata[at] = value;
    g_free (name);
    return;
  }
  g_ptr_array_add (m->names, name);
  g_ptr_array_add (m->values, value);
  if (m->index) {
    g_hash_table_insert (m->index, name, GSIZE_TO_POINTER (m->names->len));
  } else if (m->names->len > MEMBER_INDEX_AFTER) {
    m->index = g_hash_table_new (g_str_hash, g_str_equal);
    for (guint i = 0; i < m->names->len; i++)
      g_hash_table_insert (m->index, m->names->pdata[i], GSIZE_TO_POINTER (i + 1));
  }
}

static JsonNode *
member_list_to_node (MemberList *m)
{
  JsonObject *object = json_object_new ();
  JsonNode *node;

  for (guint i = 0; i < m->names->len; i++)
    json_object_set_member (object, m->names->pdata[i], json_node_ref (m->values->pdata[i]));
  node = json_node_init_object (json_node_alloc (), object);
  json_object_unref (object);
  return node;
}

static JsonNode *
json_read_object (JsonCursor *c, guint depth)
{
  g_auto (MemberList) members = {
    g_ptr_array_new_with_free_func (g_free),
    g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref),
    NULL,
  };

  c->pos++;  /* '{' */
  json_skip_ws (c);
  if (c->pos < c->len && c->s[c->pos] == '}') {
    c->pos++;
    return member_list_to_node (&members);
  }
  for (;;) {
    char *name;
    JsonNode *member;

    json_skip_ws (c);
    if (c->pos >= c->len || c->s[c->pos] != '"') {
      json_fail_unexpected (c, "a member name in double quotes");
      return NULL;
    }
    name = json_read_string (c);
    if (!name)
      return NULL;
    json_skip_ws (c);
    if (c->pos >= c->len || c->s[c->pos] != ':') {
      json_fail_unexpected (c, "':'");
      g_free (name);
      return NULL;
    }
    c->pos++;
    json_skip_ws (c);
    member = json_read_value (c, depth);
    if (!member) {
      g_free (name);
      return NULL;
    }
    member_list_add (&members, name, member);
    json_skip_ws (c);
    if (c->pos < c->len && c->s[c->pos] == ',') {
      c->pos++;
      continue;
    }
    if (c->pos < c->len && c->s[c->pos] == '}') {
      c->pos++;
      return member_list_to_node (&members);
    }
    json_fail_unexpected (c, "',' or '}'");
    return NULL;
  }
}

/* At the first byte of a value (whitespace already skipped). */
static JsonNode *
json_read_value (JsonCursor *c, guint depth)
{
  char ch;

  if (c->pos >= c->len) {
    json_fail_unexpected (c, "a value");
    return NULL;
  }
  ch = c->s[c->pos];
  if (ch == '[' || ch == '{') {
    if (depth >= MC_JSON_MAX_DEPTH) {
      json_fail (c, "nested deeper than %d levels", MC_JSON_MAX_DEPTH);
      return NULL;
    }
    return ch == '[' ? json_read_array (c, depth + 1) : json_read_object (c, depth + 1);
  }
  if (ch == '"') {
    char *str = json_read_string (c);
    JsonNode *node;
    if (!str)
      return NULL;
    node = json_node_init_string (json_node_alloc (), str);
    g_free (str);
    return node;
  }
  if (ch == '-' || g_ascii_isdigit (ch))
    return json_read_number (c);
  if (json_read_literal (c, "true"))
    return json_node_init_boolean (json_node_alloc (), TRUE);
  if (json_read_literal (c, "false"))
    return json_node_init_boolean (json_node_alloc (), FALSE);
  if (json_read_literal (c, "null"))
    return json_node_init_null (json_node_alloc ());
  json_fail_unexpected (c, "a value");
  return NULL;
}

/* One complete JSON text in s[0..len) (already UTF-8-checked). */
static JsonNode *
json_read_document (const char *what, const char *s, gsize len, gsize base, GError **error)
{
  JsonCursor c = { s, len, 0, base, what, error };
  JsonNode *node;

  json_skip_ws (&c);
  node = json_read_value (&c, 0);
  if (!node)
    return NULL;
  json_skip_ws (&c);
  if (c.pos < c.len) {
    json_fail_unexpected (&c, "end of JSON");
    json_node_unref (node);
    return NULL;
  }
  return node;
}

JsonNode *
mc_json_decode (const char *text, gsize len, GError **error)
{
  g_return_val_if_fail (text != NULL || len == 0, NULL);

  if (!mc_text_check_utf8 ("JSON", text, len, 0, MC_JSON_ERROR, MC_JSON_ERROR_UTF8, error))
    return NULL;
  return json_read_document ("JSON", text, len, 0, error);
}

JsonNode *
mc_json_decode_part (const char *what, const char *text, gsize len, gsize base, GError **error)
{
  return json_read_document (what, text, len, base, error);
}

/* ---- JSON writer ----------------------------------------------------------- */

static void
json_write_string (GString *out, const char *str)
{
  g_autofree char *valid = NULL;

  if (!str)
    str = "";
  if (!g_utf8_validate (str, -1, NULL))
    str = valid = g_utf8_make_valid (str, -1);
  g_string_append_c (out, '"');
  for (const char *p = str; *p; p++) {
    guchar ch = (guchar) *p;
    switch (ch) {
    case '"': g_string_append (out, "\\\""); break;
    case '\\': g_string_append (out, "\\\\"); break;
    case '\b': g_string_append (out, "\\b"); break;
    case '\f': g_string_append (out, "\\f"); break;
    case '\n': g_string_append (out, "\\n"); break;
    case '\r': g_string_append (out, "\\r"); break;
    case '\t': g_string_append (out, "\\t"); break;
    default:
      if (ch < 0x20)
        g_string_append_printf (out, "\\u%04x", ch);
      else
        g_string_append_c (out, (char) ch);
    }
  }
  g_string_append_c (out, '"');
}

/* Shortest of %.15g/%.16g/%.17g that reads back as the same double. */
static void
json_write_double (GString *out, double d)
{
  static const char *const formats[] = { "%.15g", "%.16g", "%.17g" };
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  /* what JSON.stringify writes; -0 as "0" also keeps re-encoding stable */
  if (!isfinite (d)) {
    g_string_append (out, "null");
    return;
  }
  if (d == 0) {
    g_string_append_c (out, '0');
    return;
  }
  for (guint i = 0; i < G_N_ELEMENTS (formats); i++) {
    g_ascii_formatd (buf, sizeof buf, formats[i], d);
    if (g_ascii_strtod (buf, NULL) == d)
      break;
  }
  g_string_append (out, buf);
}

static void
json_indent (GString *out, int indent)
{
  g_string_append_c (out, '\n');
  for (int i = 0; i < indent; i++)
    g_string_append (out, "  ");
}

static void
json_write_value (GString *out, JsonNode *node)
{
  GType type = json_node_get_value_type (node);

  if (type == G_TYPE_INT64)
    g_string_append_printf (out, "%" G_GINT64_FORMAT, json_node_get_int (node));
  else if (type == G_TYPE_DOUBLE)
    json_write_double (out, json_node_get_double (node));
  else if (type == G_TYPE_BOOLEAN)
    g_string_append (out, json_node_get_boolean (node) ? "true" : "false");
  else if (type == G_TYPE_STRING)
    json_write_string (out, json_node_get_string (node));
  else
    g_string_append (out, "null");
}

/* indent < 0: compact. Otherwise json-glib's pretty layout, so existing
 * readers of --stats-json files see the same text. */
static void
json_write (GString *out, JsonNode *node, int indent)
{
  gboolean pretty = indent >= 0;

  if (!node) {
    g_string_append (out, "null");
    return;
  }
  switch (json_node_get_node_type (node)) {
  case JSON_NODE_OBJECT: {
    JsonObjectIter iter;
    const char *name;
    JsonNode *member;
    gboolean first = TRUE;

    g_string_append_c (out, '{');
    json_object_iter_init_ordered (&iter, json_node_get_object (node));
    while (json_object_iter_next_ordered (&iter, &name, &member)) {
      if (!first)
        g_string_append_c (out, ',');
      first = FALSE;
      if (pretty)
        json_indent (out, indent + 1);
      json_write_string (out, name);
      g_string_append (out, pretty ? " : " : ":");
      json_write (out, member, pretty ? indent + 1 : -1);
    }
    if (pretty && !first)
      json_indent (out, indent);
    else if (pretty)
      g_string_append (out, "  ");
    g_string_append_c (out, '}');
    break;
  }
  case JSON_NODE_ARRAY: {
    JsonArray *array = json_node_get_array (node);
    guint n = json_array_get_length (array);

    g_string_append_c (out, '[');
    for (guint i = 0; i < n; i++) {
      if (i)
        g_string_append_c (out, ',');
      if (pretty)
        json_indent (out, indent + 1);
      json_write (out, json_array_get_element (array, i), pretty ? indent + 1 : -1);
    }
    if (pretty && n > 0)
      json_indent (out, indent);
    g_string_append_c (out, ']');
    break;
  }
  case JSON_NODE_VALUE:
    json_write_value (out, node);
    break;
  case JSON_NODE_NULL:
  default:
    g_string_append (out, "null");
    break;
  }
}

void
mc_json_append (GString *out, JsonNode *node)
{
  json_write (out, node, -1);
}

char *
mc_json_encode (JsonNode *node)
{
  GString *out = g_string_new (NULL);

  json_write (out, node, -1);
  return g_string_free (out, FALSE);
}

char *
mc_json_encode_pretty (JsonNode *node)
{
  GString *out = g_string_new (NULL);

  json_write (out, node, 0);
  return g_string_free (out, FALSE);
}


/* Engine.IO v4 / Socket.IO v5 packet codec.
 *
 * Everything here parses bytes that came off the network, so every scan is
 * bounded by the length it was given (inputs need not be NUL-terminated) and
 * every rejection names what was wrong and at which byte. Validation mirrors
 * engine.io-parser 5 and socket.io-parser 4 (see sio_packet.h for where it is
 * stricter). JSON is read and written here rather than with json-glib 1.6,
 * whose parser accepts non-JSON and whose generator emits invalid JSON for
 * some doubles.
 */
#include "meshcall/sio_packet.h"

#include <errno.h>
#include <math.h>
#include <string.h>

G_DEFINE_QUARK (mc-sio-error-quark, mc_sio_error)

#define EIO_SEPARATOR '\x1e'
#define MAX_NUMBER_LEN 512

static const char *const reserved_events[] = {
  "connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener",
};

static const char *const sio_type_names[] = {
  "CONNECT", "DISCONNECT", "EVENT", "ACK", "CONNECT_ERROR", "BINARY_EVENT", "BINARY_ACK",
};

/* A byte as it can be shown in a one-line message. */
static void
describe_byte (char *buf, gsize size, guchar c)
{
  if (g_ascii_isprint (c))
    g_snprintf (buf, size, "'%c'", c);
  else
    g_snprintf (buf, size, "byte 0x%02x", c);
}

/* At most max_chars characters of valid UTF-8 text, for messages. */
static char *
shorten (const char *s, glong max_chars)
{
  if (g_utf8_strlen (s, -1) <= max_chars)
    return g_strdup (s);
  {
    g_autofree char *head = g_utf8_substring (s, 0, max_chars);
    return g_strconcat (head, "...", NULL);
  }
}

/* "an object", "a string", ... for messages. */
static const char *
json_kind (JsonNode *node)
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

static gboolean
check_utf8 (const char *what, const char *text, gsize len, gsize base, GError **error)
{
  const char *end;

  if (g_utf8_validate_len (text, len, &end))
    return TRUE;
  if (*end == '\0')
    g_set_error (error, MC_SIO_ERROR, MC_SIO_ERROR_BAD_UTF8, "%s: NUL byte at byte %" G_GSIZE_FORMAT,
                 what, base + (gsize) (end - text));
  else
    g_set_error (error, MC_SIO_ERROR, MC_SIO_ERROR_BAD_UTF8, "%s: invalid UTF-8 at byte %" G_GSIZE_FORMAT,
                 what, base + (gsize) (end - text));
  return FALSE;
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
  g_set_error (c->error, MC_SIO_ERROR, MC_SIO_ERROR_BAD_JSON, "%s: bad JSON at byte %" G_GSIZE_FORMAT ": %s",
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
  describe_byte (got, sizeof got, (guchar) c->s[c->pos]);
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
      describe_byte (got, sizeof got, ch);
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
    if (depth >= MC_SIO_MAX_JSON_DEPTH) {
      json_fail (c, "nested deeper than %d levels", MC_SIO_MAX_JSON_DEPTH);
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
mc_sio_json_decode (const char *text, gsize len, GError **error)
{
  g_return_val_if_fail (text != NULL || len == 0, NULL);

  if (!check_utf8 ("JSON", text, len, 0, error))
    return NULL;
  return json_read_document ("JSON", text, len, 0, error);
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
json_write (GString *out, JsonNode *node)
{
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
      json_write_string (out, name);
      g_string_append_c (out, ':');
      json_write (out, member);
    }
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
      json_write (out, json_array_get_element (array, i));
    }
    g_string_append_c (out, ']');
    break;
  }
  case JSON_NODE_VALUE: {
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
    break;
  }
  case JSON_NODE_NULL:
  default:
    g_string_append (out, "null");
    break;
  }
}

char *
mc_sio_json_encode (JsonNode *node)
{
  GString *out = g_string_new (NULL);

  json_write (out, node);
  return g_string_free (out, FALSE);
}

/* ---- base64 (strict: standard alphabet, '=' padding only at the end) ------- */

static int
base64_value (guchar ch)
{
  if (ch >= 'A' && ch <= 'Z')
    return ch - 'A';
  if (ch >= 'a' && ch <= 'z')
    return ch - 'a' + 26;
  if (ch >= '0' && ch <= '9')
    return ch - '0' + 52;
  if (ch == '+')
    return 62;
  if (ch == '/')
    return 63;
  return -1;
}

static GBytes *
base64_decode (const char *what, const char *s, gsize len, gsize base, GError **error)
{
  gsize n = len;
  guchar *out, *o;
  guint32 acc = 0;
  guint bits = 0;

  /* Padding is optional, but when present it must complete a 4-char group. */
  if (n > 0 && s[n - 1] == '=')
    n--;
  if (n > 0 && s[n - 1] == '=')
    n--;
  for (gsize i = 0; i < n; i++) {
    if (base64_value ((guchar) s[i]) < 0) {
      char got[16];
      describe_byte (got, sizeof got, (guchar) s[i]);
      g_set_error (error, MC_SIO_ERROR, MC_SIO_ERROR_BAD_BASE64,
                   "%s: invalid base64 character %s at byte %" G_GSIZE_FORMAT, what, got, base + i);
      return NULL;
    }
  }
  if (n < len && len % 4 != 0) {
    g_set_error (error, MC_SIO_ERROR, MC_SIO_ERROR_BAD_BASE64,
                 "%s: base64 padding at byte %" G_GSIZE_FORMAT " does not end a 4-character group", what,
                 base + n);
    return NULL;
  }
  if (n % 4 == 1) {
    g_set_error (error, MC_SIO_ERROR, MC_SIO_ERROR_BAD_BASE64,
                 "%s: truncated base64 ending at byte %" G_GSIZE_FORMAT " (%" G_GSIZE_FORMAT
                 " characters, one too many for whole bytes)", what, base + len, n);
    return NULL;
  }

  out = o = g_malloc (n / 4 * 3 + 3);
  for (gsize i = 0; i < n; i++) {
    acc = (acc << 6) | (guint32) base64_value ((guchar) s[i]);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      *o++ = (guchar) (acc >> bits);
    }
  }
  return g_bytes_new_take (out, (gsize) (o - out));
}

/* ---- Engine.IO ----------------------------------------------------------- */

/* Copy with a NUL after the data, so text packets read as C strings. */
static GBytes *
text_bytes (const char *text, gsize len)
{
  char *copy = g_malloc (len + 1);

  if (len)
    memcpy (copy, text, len);
  copy[len] = '\0';
  return g_bytes_new_take (copy, len);
}

McEioPacket *
mc_eio_packet_new (McEioType type, const char *text)
{
  McEioPacket *packet = g_new0 (McEioPacket, 1);

  packet->type = type;
  packet->data = text_bytes (text ? text : "", text ? strlen (text) : 0);
  return packet;
}

McEioPacket *
mc_eio_packet_new_binary (GBytes *bytes)
{
  McEioPacket *packet = g_new0 (McEioPacket, 1);

  packet->type = MC_EIO_MESSAGE;
  packet->binary = TRUE;
  packet->data = bytes ? g_bytes_ref (bytes) : g_bytes_new (NULL, 0);
  return packet;
}

void
mc_eio_packet_free (McEioPacket *packet)
{
  if (!packet)
    return;
  g_clear_pointer (&packet->data, g_bytes_unref);
  g_free (packet);
}

const char *
mc_eio_packet_get_text (const McEioPacket *packet, gsize *len)
{
  gsize size = 0;
  const char *data;

  g_return_val_if_fail (packet != NULL, NULL);
  if (packet->binary)
    return NULL;
  data = packet->data ? g_bytes_get_data (packet->data, &size) : NULL;
  if (len)
    *len = data ? size : 0;
  return data ? data : "";
}

/* "Engine.IO packet" or "polling payload, packet N", for messages. */
static char *
eio_what (int index)
{
  return index < 0 ? g_strdup ("Engine.IO packet") : g_strdup_printf ("polling payload, packet %d", index);
}

/* One packet of text[0..len); index is its place in a polling payload, or -1. */
static McEioPacket *
eio_decode_one (int index, const char *text, gsize len, gsize base, GError **error)
{
  guchar type;
  McEioPacket *packet;

  if (len == 0) {
    g_autofree char *what = eio_what (index);
    g_set_error (error, MC_SIO_ERROR, MC_SIO_ERROR_EMPTY, "%s: empty packet at byte %" G_GSIZE_FORMAT, what,
                 base);
    return NULL;
  }
  type = (guchar) text[0];
  if (type == 'b') {
    g_autofree char *what = eio_what (index);
    GBytes *bytes = base64_decode (what, text + 1, len - 1, base + 1, error);
    if (!bytes)
      return NULL;
    packet = mc_eio_packet_new_binary (bytes);
    g_bytes_unref (bytes);
    return packet;
  }
  if (type < '0' || type > '6') {
    g_autofree char *what = eio_what (index);
    char got[16];
    describe_byte (got, sizeof got, type);
    g_set_error (error, MC_SIO_ERROR, MC_SIO_ERROR_BAD_TYPE,
                 "%s: unknown packet type %s at byte %" G_GSIZE_FORMAT " (expected 0-6 or 'b')", what, got, base);
    return NULL;
  }
  packet = g_new0 (McEioPacket, 1);
  packet->type = (McEioType) (type - '0');
  packet->data = text_bytes (text + 1, len - 1);
  return packet;
}

McEioPacket *
mc_eio_packet_decode (const char *text, gsize len, GError **error)
{
  const char *what = "Engine.IO packet";

  g_return_val_if_fail (text != NULL || len == 0, NULL);

  if (len == 0) {
    g_set_error (error, MC_SIO_ERROR, MC_SIO_ERROR_EMPTY, "%s: empty", what);
    return NULL;
  }
  if (!check_utf8 (what, text, len, 0, error))
    return NULL;
  return eio_decode_one (-1, text, len, 0, error);
}

static void
eio_append (GString *out, const McEioPacket *packet)
{
  gsize size = 0;
  const guchar *data = packet->data ? g_bytes_get_data (packet->data, &size) : NULL;

  if (packet->binary) {
    g_autofree char *b64 = g_base64_encode (data, data ? size : 0);
    g_string_append_c (out, 'b');
    g_string_append (out, b64);
  } else {
    g_string_append_c (out, (char) ('0' + packet->type));
    if (data)
      g_string_append_len (out, (const char *) data, (gssize) size);
  }
}

char *
mc_eio_packet_encode (const McEioPacket *packet)
{
  GString *out;

  g_return_val_if_fail (packet != NULL, NULL);
  out = g_string_new (NULL);
  eio_append (out, packet);
  return g_string_free (out, FALSE);
}

GPtrArray *
mc_eio_payload_decode (const char *body, gsize len, GError **error)
{
  g_autoptr (GPtrArray) packets = NULL;
  gsize start = 0;

  g_return_val_if_fail (body != NULL || len == 0, NULL);

  if (len == 0) {
    g_set_error (error, MC_SIO_ERROR, MC_SIO_ERROR_EMPTY, "polling payload: empty");
    return NULL;
  }
  if (!check_utf8 ("polling payload", body, len, 0, error))
    return NULL;

  packets = g_ptr_array_new_with_free_func ((GDestroyNotify) mc_eio_packet_free);
  for (int index = 0;; index++) {
    const char *sep = memchr (body + start, EIO_SEPARATOR, len - start);
    gsize end = sep ? (gsize) (sep - body) : len;
    McEioPacket *packet = eio_decode_one (index, body + start, end - start, start, error);

    if (!packet)
      return NULL;
    g_ptr_array_add (packets, packet);
    if (!sep)
      break;
    start = end + 1;
  }
  return g_steal_pointer (&packets);
}

char *
mc_eio_payload_encode (GPtrArray *packets)
{
  GString *out;

  g_return_val_if_fail (packets != NULL, NULL);
  out = g_string_new (NULL);
  for (guint i = 0; i < packets->len; i++) {
    if (i)
      g_string_append_c (out, EIO_SEPARATOR);
    eio_append (out, g_ptr_array_index (packets, i));
  }
  return g_string_free (out, FALSE);
}

/* ---- Socket.IO ----------------------------------------------------------- */

McSioPacket *
mc_sio_packet_new (McSioType type, const char *nsp)
{
  McSioPacket *packet = g_new0 (McSioPacket, 1);

  packet->type = type;
  packet->nsp = g_strdup (nsp && *nsp ? nsp : "/");
  packet->ack_id = MC_SIO_NO_ACK;
  return packet;
}

void
mc_sio_packet_free (McSioPacket *packet)
{
  if (!packet)
    return;
  g_free (packet->nsp);
  g_clear_pointer (&packet->data, json_node_unref);
  g_free (packet);
}

static gboolean
is_binary_type (McSioType type)
{
  return type == MC_SIO_BINARY_EVENT || type == MC_SIO_BINARY_ACK;
}

static gboolean
is_string_node (JsonNode *node)
{
  return node && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING;
}

/* socket.io-parser's isPayloadValid, plus the stricter rules in sio_packet.h. */
static gboolean
sio_check_payload (const McSioPacket *p, gboolean nsp_terminated, gsize payload_at, GError **error)
{
  const char *what = "Socket.IO packet";
  const char *type_name = sio_type_names[p->type];
  JsonNode *data = p->data;

  switch (p->type) {
  case MC_SIO_CONNECT:
    if (data && !JSON_NODE_HOLDS_OBJECT (data))
      goto wrong_shape;
    break;
  case MC_SIO_DISCONNECT:
    if (data)
      goto wrong_shape;
    break;
  case MC_SIO_CONNECT_ERROR:
    if (!data)
      goto missing;
    if (!JSON_NODE_HOLDS_OBJECT (data) && !is_string_node (data))
      goto wrong_shape;
    break;
  case MC_SIO_EVENT:
  case MC_SIO_BINARY_EVENT: {
    JsonArray *array;
    const char *name;

    if (!data)
      goto missing;
    if (!JSON_NODE_HOLDS_ARRAY (data))
      goto wrong_shape;
    array = json_node_get_array (data);
    if (json_array_get_length (array) == 0) {
      g_set_error (error, MC_SIO_ERROR, MC_SIO_ERROR_BAD_PAYLOAD,
                   "%s: %s payload at byte %" G_GSIZE_FORMAT " is an empty array (no event name)", what,
                   type_name, payload_at);
      return FALSE;
    }
    if (!is_string_node (json_array_get_element (array, 0))) {
      g_set_error (error, MC_SIO_ERROR, MC_SIO_ERROR_BAD_PAYLOAD,
                   "%s: %s name at byte %" G_GSIZE_FORMAT " is %s, not a string", what, type_name, payload_at,
                   json_kind (json_array_get_element (array, 0)));
      return FALSE;
    }
    name = json_array_get_string_element (array, 0);
    for (guint i = 0; i < G_N_ELEMENTS (reserved_events); i++) {
      if (g_strcmp0 (name, reserved_events[i]) == 0) {
        g_set_error (error, MC_SIO_ERROR, MC_SIO_ERROR_BAD_PAYLOAD,
                     "%s: %s name '%s' at byte %" G_GSIZE_FORMAT " is reserved", what, type_name, name,
                     payload_at);
        return FALSE;
      }
    }
    break;
  }
  case MC_SIO_ACK:
  case MC_SIO_BINARY_ACK:
    if (!data)
      goto missing;
    if (!JSON_NODE_HOLDS_ARRAY (data))
      goto wrong_shape;
    break;
  }
  return TRUE;

missing:
  if (!nsp_terminated) {
    g_autofree char *nsp = shorten (p->nsp, 40);
    g_set_error (error, MC_SIO_ERROR, MC_SIO_ERROR_BAD_NAMESPACE,
                 "%s: namespace '%s' is not terminated by ',' (a %s packet needs a payload)", what, nsp,
                 type_name);
  } else
    g_set_error (error, MC_SIO_ERROR, MC_SIO_ERROR_BAD_PAYLOAD, "%s: %s packet without payload", what,
                 type_name);
  return FALSE;

wrong_shape:
  g_set_error (error, MC_SIO_ERROR, MC_SIO_ERROR_BAD_PAYLOAD,
               "%s: %s payload at byte %" G_GSIZE_FORMAT " must be %s, not %s", what, type_name, payload_at,
               p->type == MC_SIO_CONNECT ? "an object"
               : p->type == MC_SIO_DISCONNECT ? "absent"
               : p->type == MC_SIO_CONNECT_ERROR ? "an object or a string"
               : "an array",
               json_kind (data));
  return FALSE;
}

McSioPacket *
mc_sio_packet_decode (const char *text, gsize len, GError **error)
{
  const char *what = "Socket.IO packet";
  g_autoptr (McSioPacket) p = NULL;
  gsize i = 1;
  gboolean nsp_terminated = TRUE;
  gsize payload_at;

  g_return_val_if_fail (text != NULL || len == 0, NULL);

  if (len == 0) {
    g_set_error (error, MC_SIO_ERROR, MC_SIO_ERROR_EMPTY, "%s: empty", what);
    return NULL;
  }
  if (!check_utf8 (what, text, len, 0, error))
    return NULL;
  if (text[0] < '0' || text[0] > '6') {
    char got[16];
    describe_byte (got, sizeof got, (guchar) text[0]);
    g_set_error (error, MC_SIO_ERROR, MC_SIO_ERROR_BAD_TYPE,
                 "%s: unknown packet type %s at byte 0 (expected 0-6)", what, got);
    return NULL;
  }
  p = mc_sio_packet_new ((McSioType) (text[0] - '0'), NULL);

  /* "51-": attachment count, 1..MC_SIO_MAX_ATTACHMENTS, then '-' */
  if (is_binary_type (p->type)) {
    gsize start = i;
    guint64 n = 0;

    while (i < len && g_ascii_isdigit (text[i])) {
      if (n <= MC_SIO_MAX_ATTACHMENTS)  /* saturate: only "too many" matters past this */
        n = n * 10 + (guint64) (text[i] - '0');
      i++;
    }
    if (i == start) {
      g_set_error (error, MC_SIO_ERROR, MC_SIO_ERROR_BAD_ATTACHMENTS,
                   "%s: %s without attachment count at byte %" G_GSIZE_FORMAT, what, sio_type_names[p->type],
                   start);
      return NULL;
    }
    if (i >= len || text[i] != '-') {
      g_set_error (error, MC_SIO_ERROR, MC_SIO_ERROR_BAD_ATTACHMENTS,
                   "%s: attachment count not followed by '-' at byte %" G_GSIZE_FORMAT, what, i);
      return NULL;
    }
    if (n < 1 || n > MC_SIO_MAX_ATTACHMENTS) {
      g_set_error (error, MC_SIO_ERROR, MC_SIO_ERROR_BAD_ATTACHMENTS,
                   "%s: attachment count %.*s at byte %" G_GSIZE_FORMAT " is outside 1..%d", what,
                   (int) MIN (i - start, 24), text + start, start, MC_SIO_MAX_ATTACHMENTS);
      return NULL;
    }
    p->n_attachments = (guint) n;
    i++;
  }

  /* "/admin,": namespace up to ',' (or the end, as socket.io-parser reads it) */
  if (i < len && text[i] == '/') {
    gsize start = i;

    while (i < len && text[i] != ',') {
      if ((guchar) text[i] < 0x20 || text[i] == 0x7f) {
        g_set_error (error, MC_SIO_ERROR, MC_SIO_ERROR_BAD_NAMESPACE,
                     "%s: control character 0x%02x in namespace at byte %" G_GSIZE_FORMAT, what,
                     (guchar) text[i], i);
        return NULL;
      }
      i++;
    }
    g_free (p->nsp);
    p->nsp = g_strndup (text + start, i - start);
    if (i < len)
      i++;  /* ',' */
    else
      nsp_terminated = FALSE;
  }

  /* ack id: decimal, 0..G_MAXINT32 */
  if (i < len && g_ascii_isdigit (text[i])) {
    gsize start = i;
    gint64 id = 0;

    while (i < len && g_ascii_isdigit (text[i])) {
      id = id * 10 + (text[i] - '0');
      if (id > G_MAXINT32) {
        g_set_error (error, MC_SIO_ERROR, MC_SIO_ERROR_BAD_ACK_ID,
                     "%s: ack id at byte %" G_GSIZE_FORMAT " is larger than %d", what, start, G_MAXINT32);
        return NULL;
      }
      i++;
    }
    if (p->type != MC_SIO_EVENT && p->type != MC_SIO_ACK && !is_binary_type (p->type)) {
      g_set_error (error, MC_SIO_ERROR, MC_SIO_ERROR_BAD_ACK_ID,
                   "%s: %s packet cannot carry an ack id (byte %" G_GSIZE_FORMAT ")", what,
                   sio_type_names[p->type], start);
      return NULL;
    }
    p->ack_id = id;
  } else if (p->type == MC_SIO_ACK || p->type == MC_SIO_BINARY_ACK) {
    if (nsp_terminated) {
      g_set_error (error, MC_SIO_ERROR, MC_SIO_ERROR_BAD_ACK_ID, "%s: %s without ack id at byte %" G_GSIZE_FORMAT,
                   what, sio_type_names[p->type], i);
      return NULL;
    }
  }

  payload_at = i;
  if (i < len) {
    p->data = json_read_document (what, text + i, len - i, i, error);
    if (!p->data)
      return NULL;
  }
  if (!sio_check_payload (p, nsp_terminated, payload_at, error))
    return NULL;
  if (is_binary_type (p->type) && !mc_sio_packet_check_placeholders (p, p->n_attachments, error))
    return NULL;
  return g_steal_pointer (&p);
}

char *
mc_sio_packet_encode (const McSioPacket *packet)
{
  GString *out;

  g_return_val_if_fail (packet != NULL, NULL);
  out = g_string_new (NULL);
  g_string_append_c (out, (char) ('0' + packet->type));
  if (is_binary_type (packet->type))
    g_string_append_printf (out, "%u-", packet->n_attachments);
  if (packet->nsp && *packet->nsp && strcmp (packet->nsp, "/") != 0) {
    g_string_append (out, packet->nsp);
    g_string_append_c (out, ',');
  }
  if (packet->ack_id >= 0)
    g_string_append_printf (out, "%" G_GINT64_FORMAT, packet->ack_id);
  if (packet->data)
    json_write (out, packet->data);
  return g_string_free (out, FALSE);
}

McSioPacket *
mc_sio_packet_new_event (const char *nsp, const char *event, JsonNode *arg, gint64 ack_id)
{
  McSioPacket *packet = mc_sio_packet_new (MC_SIO_EVENT, nsp);
  JsonArray *array = json_array_new ();

  g_return_val_if_fail (event != NULL, packet);
  json_array_add_string_element (array, event);
  if (arg)
    json_array_add_element (array, json_node_copy (arg));
  packet->data = json_node_init_array (json_node_alloc (), array);
  json_array_unref (array);
  packet->ack_id = ack_id < 0 ? MC_SIO_NO_ACK : ack_id;
  return packet;
}

McSioPacket *
mc_sio_packet_new_ack (const char *nsp, gint64 ack_id, JsonNode *arg)
{
  McSioPacket *packet = mc_sio_packet_new (MC_SIO_ACK, nsp);
  JsonArray *array = json_array_new ();

  if (arg)
    json_array_add_element (array, json_node_copy (arg));
  packet->data = json_node_init_array (json_node_alloc (), array);
  json_array_unref (array);
  packet->ack_id = ack_id;
  return packet;
}

const char *
mc_sio_packet_get_event_name (const McSioPacket *packet)
{
  JsonArray *array;

  g_return_val_if_fail (packet != NULL, NULL);
  if (packet->type != MC_SIO_EVENT && packet->type != MC_SIO_BINARY_EVENT)
    return NULL;
  if (!packet->data || !JSON_NODE_HOLDS_ARRAY (packet->data))
    return NULL;
  array = json_node_get_array (packet->data);
  if (json_array_get_length (array) == 0 || !is_string_node (json_array_get_element (array, 0)))
    return NULL;
  return json_array_get_string_element (array, 0);
}

JsonNode *
mc_sio_packet_get_event_arg (const McSioPacket *packet, guint index)
{
  JsonArray *array;
  guint offset;

  g_return_val_if_fail (packet != NULL, NULL);
  if (packet->type == MC_SIO_EVENT || packet->type == MC_SIO_BINARY_EVENT)
    offset = 1;
  else if (packet->type == MC_SIO_ACK || packet->type == MC_SIO_BINARY_ACK)
    offset = 0;
  else
    return NULL;
  if (!packet->data || !JSON_NODE_HOLDS_ARRAY (packet->data))
    return NULL;
  array = json_node_get_array (packet->data);
  if (index >= G_MAXUINT - offset || index + offset >= json_array_get_length (array))
    return NULL;
  return json_array_get_element (array, index + offset);
}

/* ---- binary placeholders --------------------------------------------------- */

static gboolean
placeholder_num (JsonNode *num, guint n_attachments, gint64 *out)
{
  GType type;

  if (!num || !JSON_NODE_HOLDS_VALUE (num))
    return FALSE;
  type = json_node_get_value_type (num);
  if (type == G_TYPE_INT64) {
    *out = json_node_get_int (num);
  } else if (type == G_TYPE_DOUBLE) {
    double d = json_node_get_double (num);
    if (d != floor (d) || d < 0 || d >= (double) n_attachments)
      return FALSE;
    *out = (gint64) d;
  } else {
    return FALSE;
  }
  return *out >= 0 && *out < (gint64) n_attachments;
}

static gboolean
check_placeholders_in (JsonNode *node, guint n_attachments, GString *path, GError **error)
{
  gsize path_len = path->len;

  if (!node)
    return TRUE;
  if (JSON_NODE_HOLDS_ARRAY (node)) {
    JsonArray *array = json_node_get_array (node);
    guint n = json_array_get_length (array);

    for (guint i = 0; i < n; i++) {
      g_string_append_printf (path, "[%u]", i);
      if (!check_placeholders_in (json_array_get_element (array, i), n_attachments, path, error))
        return FALSE;
      g_string_truncate (path, path_len);
    }
  } else if (JSON_NODE_HOLDS_OBJECT (node)) {
    JsonObject *object = json_node_get_object (node);
    JsonNode *flag = json_object_get_member (object, "_placeholder");
    JsonObjectIter iter;
    const char *name;
    JsonNode *member;

    if (flag && JSON_NODE_HOLDS_VALUE (flag) && json_node_get_value_type (flag) == G_TYPE_BOOLEAN &&
        json_node_get_boolean (flag)) {
      gint64 num;
      if (!placeholder_num (json_object_get_member (object, "num"), n_attachments, &num)) {
        JsonNode *num_node = json_object_get_member (object, "num");
        g_autofree char *json = num_node ? mc_sio_json_encode (num_node) : g_strdup ("(missing)");
        g_autofree char *shown = shorten (json, 32);
        g_autofree char *where = shorten (path->str, 80);
        g_set_error (error, MC_SIO_ERROR, MC_SIO_ERROR_BAD_ATTACHMENTS,
                     "Socket.IO packet: placeholder at %s has num %s, but the packet has %u attachment(s)",
                     where, shown, n_attachments);
        return FALSE;
      }
      return TRUE;
    }
    json_object_iter_init_ordered (&iter, object);
    while (json_object_iter_next_ordered (&iter, &name, &member)) {
      g_string_append_c (path, '.');
      g_string_append (path, name);
      if (!check_placeholders_in (member, n_attachments, path, error))
        return FALSE;
      g_string_truncate (path, path_len);
    }
  }
  return TRUE;
}

gboolean
mc_sio_packet_check_placeholders (const McSioPacket *packet, guint n_attachments, GError **error)
{
  g_autoptr (GString) path = g_string_new ("$");

  g_return_val_if_fail (packet != NULL, FALSE);
  return check_placeholders_in (packet->data, n_attachments, path, error);
}

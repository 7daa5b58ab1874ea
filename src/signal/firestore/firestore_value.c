/* Firestore typed values <-> plain JSON, RFC 3339 timestamps (see
 * firestore_value.h). */
#include "meshcall/signal/firestore/firestore_value.h"
#include "meshcall/base/json.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

G_DEFINE_QUARK (mc-firestore-error-quark, mc_firestore_error)

#define MALFORMED(error, ...) g_set_error (error, MC_FIRESTORE_ERROR, MC_FIRESTORE_ERROR_MALFORMED, __VA_ARGS__)

/* At most 40 bytes of text for a message, as valid UTF-8 whatever came in. */
static char *
excerpt (const char *text)
{
  g_autofree char *cut = g_strndup (text, 40);

  return g_utf8_make_valid (cut, -1);
}

/* ---- timestamps ------------------------------------------------------------ */

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm). */
static gint64
days_from_civil (gint64 y, guint m, guint d)
{
  gint64 era, yoe, doy, doe;

  y -= m <= 2;
  era = (y >= 0 ? y : y - 399) / 400;
  yoe = y - era * 400;
  doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

static guint
days_in_month (gint64 y, guint m)
{
  static const guint days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
  gboolean leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

  return m == 2 && leap ? 29 : days[m - 1];
}

/* n digits at *p as a number; FALSE if any is not a digit. */
static gboolean
read_digits (const char **p, guint n, guint *out)
{
  guint v = 0;

  for (guint i = 0; i < n; i++) {
    if (!g_ascii_isdigit ((*p)[i]))
      return FALSE;
    v = v * 10 + (guint) ((*p)[i] - '0');
  }
  *p += n;
  *out = v;
  return TRUE;
}

static gboolean
expect (const char **p, char c)
{
  if (**p != c)
    return FALSE;
  (*p)++;
  return TRUE;
}

gboolean
mc_firestore_timestamp_parse (const char *text, gint64 *out_us, GError **error)
{
  const char *p = text;
  guint y, mo, d, h, mi, s, oh = 0, om = 0;
  gint64 frac = 0, offset_s = 0, scale = 100000;

  if (text == NULL) {
    MALFORMED (error, "a timestamp is missing");
    return FALSE;
  }
  if (!read_digits (&p, 4, &y) || !expect (&p, '-') || !read_digits (&p, 2, &mo) || !expect (&p, '-') ||
      !read_digits (&p, 2, &d) || !(expect (&p, 'T') || expect (&p, 't')) || !read_digits (&p, 2, &h) ||
      !expect (&p, ':') || !read_digits (&p, 2, &mi) || !expect (&p, ':') || !read_digits (&p, 2, &s))
    goto bad;
  if (*p == '.') {
    guint n = 0;
    p++;
    for (; g_ascii_isdigit (*p); p++, n++) {
      if (n < 6) {
        frac += (*p - '0') * scale;
        scale /= 10;
      }
    }
    if (n == 0 || n > 9)
      goto bad;
  }
  if (*p == 'Z' || *p == 'z') {
    p++;
  } else if (*p == '+' || *p == '-') {
    int sign = *p == '-' ? -1 : 1;
    p++;
    if (!read_digits (&p, 2, &oh) || !expect (&p, ':') || !read_digits (&p, 2, &om) || oh > 23 || om > 59)
      goto bad;
    offset_s = sign * (gint64) (oh * 3600 + om * 60);
  } else {
    goto bad;
  }
  if (*p != '\0' || y < 1 || mo < 1 || mo > 12 || d < 1 || d > days_in_month (y, mo) || h > 23 || mi > 59 || s > 59)
    goto bad;
  *out_us = ((days_from_civil (y, mo, d) * 86400 + h * 3600 + mi * 60 + s - offset_s) * G_USEC_PER_SEC) + frac;
  /* An offset must not move it out of years 0001..9999. */
  if (*out_us < days_from_civil (1, 1, 1) * 86400 * G_USEC_PER_SEC ||
      *out_us >= days_from_civil (10000, 1, 1) * 86400 * G_USEC_PER_SEC)
    goto bad;
  return TRUE;

bad: {
    g_autofree char *shown = excerpt (text);
    MALFORMED (error, "'%s' is not an RFC 3339 timestamp (YYYY-MM-DDTHH:MM:SS[.fraction]Z)", shown);
  }
  return FALSE;
}

char *
mc_firestore_timestamp_format (gint64 us)
{
  g_autoptr (GDateTime) t = g_date_time_new_from_unix_utc (us / G_USEC_PER_SEC - (us % G_USEC_PER_SEC < 0));
  gint64 frac = ((us % G_USEC_PER_SEC) + G_USEC_PER_SEC) % G_USEC_PER_SEC;
  gint y = 1970, m = 1, d = 1;

  if (t != NULL)
    g_date_time_get_ymd (t, &y, &m, &d);
  return g_strdup_printf ("%04d-%02d-%02dT%02d:%02d:%02d.%06" G_GINT64_FORMAT "Z", y, m, d,
                          t ? g_date_time_get_hour (t) : 0, t ? g_date_time_get_minute (t) : 0,
                          t ? g_date_time_get_second (t) : 0, frac);
}

/* ---- typed values -> plain JSON ------------------------------------------------ */

static gboolean
parse_int64 (const char *s, gint64 *out)
{
  char *end = NULL;
  gint64 v;

  /* Decimal only: no '+', no spaces, no leading zeros ("-0" is fine as 0). */
  if (s[0] == '\0' || (s[0] == '-' && s[1] == '\0'))
    return FALSE;
  if ((s[0] == '0' && s[1] != '\0') || (s[0] == '-' && s[1] == '0' && s[2] != '\0') || strlen (s) > 20)
    return FALSE;
  for (const char *c = s[0] == '-' ? s + 1 : s; *c; c++)
    if (!g_ascii_isdigit (*c))
      return FALSE;
  errno = 0;
  v = g_ascii_strtoll (s, &end, 10);
  if (errno != 0 || *end != '\0')
    return FALSE;
  *out = v;
  return TRUE;
}

static gboolean
holds_type (JsonNode *n, GType type)
{
  return n != NULL && JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == type;
}

/* The one member of a Value object: its kind and its content. */
static gboolean
value_kind (const char *what, JsonNode *value, const char **kind, JsonNode **content, GError **error)
{
  JsonObject *obj;
  g_autoptr (GList) members = NULL;

  if (value == NULL || !JSON_NODE_HOLDS_OBJECT (value)) {
    MALFORMED (error, "%s: a Firestore value is an object such as {\"stringValue\": ...}, got %s", what,
               mc_json_describe_kind (value));
    return FALSE;
  }
  obj = json_node_get_object (value);
  members = json_object_get_members (obj);
  if (members == NULL || members->next != NULL) {
    MALFORMED (error, "%s: a Firestore value has exactly one member (its kind), got %u", what,
               json_object_get_size (obj));
    return FALSE;
  }
  *kind = members->data;
  *content = json_object_get_member (obj, *kind);
  return TRUE;
}

static JsonNode *decode_value (const char *what, JsonNode *value, guint depth, GError **error);

static JsonNode *
decode_fields (const char *what, JsonNode *fields, guint depth, GError **error)
{
  g_autoptr (JsonNode) out = json_node_new (JSON_NODE_OBJECT);
  g_autoptr (JsonObject) obj = json_object_new ();
  g_autoptr (GList) names = NULL;

  if (fields != NULL && !JSON_NODE_HOLDS_OBJECT (fields)) {
    MALFORMED (error, "%s: fields is %s, expected an object", what, mc_json_describe_kind (fields));
    return NULL;
  }
  if (fields != NULL) {
    /* In the order the text had them (json-glib's iterator is unordered). */
    names = json_object_get_members (json_node_get_object (fields));
    for (GList *l = names; l; l = l->next) {
      const char *name = l->data;
      JsonNode *member = json_object_get_member (json_node_get_object (fields), name);
      g_autofree char *path = g_strdup_printf ("%s.%s", what, name);
      JsonNode *plain;

      if (name[0] == '\0') {
        MALFORMED (error, "%s: a field has an empty name", what);
        return NULL;
      }
      plain = decode_value (path, member, depth + 1, error);
      if (plain == NULL)
        return NULL;
      json_object_set_member (obj, name, plain);
    }
  }
  json_node_set_object (out, obj);
  return g_steal_pointer (&out);
}

static JsonNode *
decode_array (const char *what, JsonNode *content, guint depth, GError **error)
{
  JsonNode *values = NULL;
  g_autoptr (JsonArray) arr = json_array_new ();
  JsonNode *out;

  if (!JSON_NODE_HOLDS_OBJECT (content)) {
    MALFORMED (error, "%s: arrayValue is %s, expected {\"values\": [...]}", what, mc_json_describe_kind (content));
    return NULL;
  }
  values = json_object_get_member (json_node_get_object (content), "values");
  if (json_object_get_size (json_node_get_object (content)) != (values ? 1u : 0u) ||
      (values != NULL && !JSON_NODE_HOLDS_ARRAY (values))) {
    MALFORMED (error, "%s: arrayValue holds only a \"values\" array", what);
    return NULL;
  }
  for (guint i = 0; values != NULL && i < json_array_get_length (json_node_get_array (values)); i++) {
    g_autofree char *path = g_strdup_printf ("%s[%u]", what, i);
    JsonNode *element = json_array_get_element (json_node_get_array (values), i);
    JsonNode *plain;

    if (JSON_NODE_HOLDS_OBJECT (element) && json_object_has_member (json_node_get_object (element), "arrayValue")) {
      MALFORMED (error, "%s: an array directly inside an array (Firestore does not allow it)", path);
      return NULL;
    }
    plain = decode_value (path, element, depth + 1, error);
    if (plain == NULL)
      return NULL;
    json_array_add_element (arr, plain);
  }
  out = json_node_new (JSON_NODE_ARRAY);
  json_node_set_array (out, arr);
  return out;
}

static JsonNode *
decode_map (const char *what, JsonNode *content, guint depth, GError **error)
{
  JsonNode *fields;

  if (!JSON_NODE_HOLDS_OBJECT (content)) {
    MALFORMED (error, "%s: mapValue is %s, expected {\"fields\": {...}}", what, mc_json_describe_kind (content));
    return NULL;
  }
  fields = json_object_get_member (json_node_get_object (content), "fields");
  if (json_object_get_size (json_node_get_object (content)) != (fields ? 1u : 0u)) {
    MALFORMED (error, "%s: mapValue holds only a \"fields\" object", what);
    return NULL;
  }
  return decode_fields (what, fields, depth, error);
}

static JsonNode *
decode_scalar (const char *what, const char *kind, JsonNode *content, GError **error)
{
  JsonNode *out = json_node_new (JSON_NODE_VALUE);
  gint64 n;

  if (g_str_equal (kind, "stringValue") && holds_type (content, G_TYPE_STRING)) {
    json_node_set_string (out, json_node_get_string (content));
  } else if (g_str_equal (kind, "integerValue") && holds_type (content, G_TYPE_STRING) &&
             parse_int64 (json_node_get_string (content), &n)) {
    json_node_set_int (out, n);
  } else if (g_str_equal (kind, "doubleValue") && holds_type (content, G_TYPE_DOUBLE) &&
             isfinite (json_node_get_double (content))) {
    json_node_set_double (out, json_node_get_double (content));
  } else if (g_str_equal (kind, "doubleValue") && holds_type (content, G_TYPE_INT64)) {
    json_node_set_double (out, (double) json_node_get_int (content));
  } else if (g_str_equal (kind, "booleanValue") && holds_type (content, G_TYPE_BOOLEAN)) {
    json_node_set_boolean (out, json_node_get_boolean (content));
  } else if (g_str_equal (kind, "timestampValue") && holds_type (content, G_TYPE_STRING) &&
             mc_firestore_timestamp_parse (json_node_get_string (content), &n, NULL)) {
    json_node_set_string (out, json_node_get_string (content));
  } else {
    json_node_unref (out);
    MALFORMED (error, "%s: %s holds %s, which is not a valid %s", what, kind, mc_json_describe_kind (content), kind);
    return NULL;
  }
  return out;
}

static JsonNode *
decode_value (const char *what, JsonNode *value, guint depth, GError **error)
{
  static const char *const scalars[] = { "stringValue", "integerValue", "doubleValue", "booleanValue",
                                         "timestampValue", NULL };
  static const char *const unused[] = { "bytesValue", "referenceValue", "geoPointValue", NULL };
  const char *kind;
  JsonNode *content;

  if (depth > MC_FIRESTORE_MAX_DEPTH) {
    MALFORMED (error, "%s: nested more than %d maps or arrays deep", what, MC_FIRESTORE_MAX_DEPTH);
    return NULL;
  }
  if (!value_kind (what, value, &kind, &content, error))
    return NULL;
  if (g_strv_contains (scalars, kind))
    return decode_scalar (what, kind, content, error);
  if (g_str_equal (kind, "nullValue")) {
    if (!JSON_NODE_HOLDS_NULL (content) &&
        !(holds_type (content, G_TYPE_STRING) && g_str_equal (json_node_get_string (content), "NULL_VALUE"))) {
      MALFORMED (error, "%s: nullValue holds %s, expected \"NULL_VALUE\"", what, mc_json_describe_kind (content));
      return NULL;
    }
    return json_node_new (JSON_NODE_NULL);
  }
  if (g_str_equal (kind, "mapValue"))
    return decode_map (what, content, depth, error);
  if (g_str_equal (kind, "arrayValue"))
    return decode_array (what, content, depth, error);
  if (g_strv_contains (unused, kind)) {
    MALFORMED (error, "%s: %s is not used by meshcall's schema", what, kind);
  } else {
    g_autofree char *shown = excerpt (kind);
    MALFORMED (error, "%s: unknown Firestore value kind '%s'", what, shown);
  }
  return NULL;
}

JsonNode *
mc_firestore_value_decode (const char *what, JsonNode *value, GError **error)
{
  return decode_value (what, value, 0, error);
}

JsonNode *
mc_firestore_fields_decode (const char *what, JsonNode *fields, GError **error)
{
  if (fields == NULL || !JSON_NODE_HOLDS_OBJECT (fields)) {
    MALFORMED (error, "%s: fields is %s, expected an object", what, mc_json_describe_kind (fields));
    return NULL;
  }
  return decode_fields (what, fields, 0, error);
}

/* ---- plain JSON -> typed values -------------------------------------------------- */

static JsonNode *
typed (const char *kind, JsonNode *content)
{
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);
  JsonObject *obj = json_object_new ();

  json_object_set_member (obj, kind, content);
  json_node_take_object (node, obj);
  return node;
}

static JsonNode *
string_node (const char *s)
{
  JsonNode *n = json_node_new (JSON_NODE_VALUE);

  json_node_set_string (n, s);
  return n;
}

JsonNode *
mc_firestore_value_new_string (const char *s)
{
  return typed ("stringValue", string_node (s));
}

JsonNode *
mc_firestore_value_new_integer (gint64 n)
{
  g_autofree char *text = g_strdup_printf ("%" G_GINT64_FORMAT, n);

  return typed ("integerValue", string_node (text));
}

static JsonNode *encode_value (JsonNode *plain, guint depth, gboolean in_array, GError **error);

static JsonNode *
encode_object (JsonObject *obj, guint depth, GError **error)
{
  JsonObject *fields = json_object_new ();
  JsonNode *fields_node = json_node_new (JSON_NODE_OBJECT);
  JsonObject *map = json_object_new ();
  JsonNode *map_node = json_node_new (JSON_NODE_OBJECT);
  g_autoptr (GList) names = json_object_get_members (obj);

  json_node_take_object (fields_node, fields);
  for (GList *l = names; l; l = l->next) {
    const char *name = l->data;
    JsonNode *v = encode_value (json_object_get_member (obj, name), depth + 1, FALSE, error);
    if (v == NULL) {
      json_node_unref (fields_node);
      json_object_unref (map);
      json_node_unref (map_node);
      return NULL;
    }
    json_object_set_member (fields, name, v);
  }
  /* An empty map is {} (Firestore omits "fields"). */
  if (json_object_get_size (fields) > 0)
    json_object_set_member (map, "fields", fields_node);
  else
    json_node_unref (fields_node);
  json_node_take_object (map_node, map);
  return typed ("mapValue", map_node);
}

static JsonNode *
encode_array (JsonArray *arr, guint depth, GError **error)
{
  JsonArray *values = json_array_new ();
  JsonObject *obj = json_object_new ();
  JsonNode *obj_node = json_node_new (JSON_NODE_OBJECT);

  json_node_take_object (obj_node, obj);
  for (guint i = 0; i < json_array_get_length (arr); i++) {
    JsonNode *v = encode_value (json_array_get_element (arr, i), depth + 1, TRUE, error);
    if (v == NULL) {
      json_array_unref (values);
      json_node_unref (obj_node);
      return NULL;
    }
    json_array_add_element (values, v);
  }
  if (json_array_get_length (values) > 0)
    json_object_set_array_member (obj, "values", values);
  else
    json_array_unref (values);
  return typed ("arrayValue", obj_node);
}

static JsonNode *
encode_value (JsonNode *plain, guint depth, gboolean in_array, GError **error)
{
  JsonNode *n;
  GType type;

  if (depth > MC_FIRESTORE_MAX_DEPTH) {
    MALFORMED (error, "a value nested more than %d maps or arrays deep", MC_FIRESTORE_MAX_DEPTH);
    return NULL;
  }
  if (plain == NULL || JSON_NODE_HOLDS_NULL (plain))
    return typed ("nullValue", string_node ("NULL_VALUE"));
  if (JSON_NODE_HOLDS_OBJECT (plain))
    return encode_object (json_node_get_object (plain), depth, error);
  if (JSON_NODE_HOLDS_ARRAY (plain)) {
    if (in_array) {
      MALFORMED (error, "an array directly inside an array (Firestore does not allow it)");
      return NULL;
    }
    return encode_array (json_node_get_array (plain), depth, error);
  }
  type = json_node_get_value_type (plain);
  if (type == G_TYPE_INT64)
    return mc_firestore_value_new_integer (json_node_get_int (plain));
  if (type == G_TYPE_STRING)
    return mc_firestore_value_new_string (json_node_get_string (plain));
  if (type == G_TYPE_BOOLEAN) {
    n = json_node_new (JSON_NODE_VALUE);
    json_node_set_boolean (n, json_node_get_boolean (plain));
    return typed ("booleanValue", n);
  }
  n = json_node_new (JSON_NODE_VALUE);
  json_node_set_double (n, json_node_get_double (plain));
  return typed ("doubleValue", n);
}

JsonNode *
mc_firestore_value_encode (JsonNode *plain, GError **error)
{
  return encode_value (plain, 0, FALSE, error);
}

/* ---- one kind -------------------------------------------------------------------- */

static gboolean
get_kind (const char *what, JsonNode *value, const char *want, JsonNode **content, GError **error)
{
  const char *kind;

  if (value == NULL) {
    MALFORMED (error, "%s is missing", what);
    return FALSE;
  }
  if (!value_kind (what, value, &kind, content, error))
    return FALSE;
  if (!g_str_equal (kind, want)) {
    g_autofree char *shown = excerpt (kind);
    MALFORMED (error, "%s is a %s, expected a %s", what, shown, want);
    return FALSE;
  }
  return TRUE;
}

gboolean
mc_firestore_value_get_string (const char *what, JsonNode *value, const char **out, GError **error)
{
  JsonNode *content;

  if (!get_kind (what, value, "stringValue", &content, error))
    return FALSE;
  if (!holds_type (content, G_TYPE_STRING)) {
    MALFORMED (error, "%s: stringValue holds %s", what, mc_json_describe_kind (content));
    return FALSE;
  }
  *out = json_node_get_string (content);
  return TRUE;
}

gboolean
mc_firestore_value_get_integer (const char *what, JsonNode *value, gint64 *out, GError **error)
{
  JsonNode *content;

  if (!get_kind (what, value, "integerValue", &content, error))
    return FALSE;
  if (!holds_type (content, G_TYPE_STRING) || !parse_int64 (json_node_get_string (content), out)) {
    MALFORMED (error, "%s: integerValue is not a decimal string within 64 bits", what);
    return FALSE;
  }
  return TRUE;
}

gboolean
mc_firestore_value_get_timestamp (const char *what, JsonNode *value, gint64 *out_us, GError **error)
{
  JsonNode *content;

  if (!get_kind (what, value, "timestampValue", &content, error))
    return FALSE;
  if (!holds_type (content, G_TYPE_STRING)) {
    MALFORMED (error, "%s: timestampValue holds %s", what, mc_json_describe_kind (content));
    return FALSE;
  }
  if (!mc_firestore_timestamp_parse (json_node_get_string (content), out_us, error)) {
    g_prefix_error (error, "%s: ", what);
    return FALSE;
  }
  return TRUE;
}

/* Strict JSON (RFC 8259) reading and writing for everything that crosses the
 * wire or a file: json-glib 1.6's parser is lax (comments, 'single quotes',
 * 0x10, trailing garbage, integer overflow to -1) and its generator writes
 * invalid JSON for some doubles ("1e+21.0") and for NaN. The document model
 * stays json-glib's JsonNode.
 *
 * The reader rejects, with a message naming the byte: invalid UTF-8, NUL
 * bytes, "\u0000", unpaired surrogates, leading zeros, numbers out of a
 * double's range or longer than 512 characters, nesting deeper than
 * MC_JSON_MAX_DEPTH, and anything after the value. Integers that fit gint64
 * stay integers, other numbers become doubles, and a repeated member name
 * keeps its first position and its last value, as JavaScript reads them.
 * Pure: no I/O, bounded by the given length (no NUL terminator needed). */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define MC_JSON_ERROR (mc_json_error_quark ())
GQuark mc_json_error_quark (void);

typedef enum {
  MC_JSON_ERROR_SYNTAX,  /* not JSON (or nested too deep) */
  MC_JSON_ERROR_UTF8,    /* not valid UTF-8, or a NUL byte */
} McJsonError;

/* Values nested deeper than this are rejected (bounds recursion). */
#define MC_JSON_MAX_DEPTH 64

JsonNode *mc_json_decode (const char *text, gsize len, GError **error);
/* For codecs that embed JSON in a larger message: text[0..len) must already
 * be UTF-8-checked; messages read "WHAT: bad JSON at byte N" with N counted
 * from base (the offset of text in the message). */
JsonNode *mc_json_decode_part (const char *what, const char *text, gsize len, gsize base, GError **error);

/* Compact JSON; a NULL node gives "null"; non-finite doubles give null, as
 * JSON.stringify writes them. */
char *mc_json_encode (JsonNode *node);
/* The same, appended to out. */
void mc_json_append (GString *out, JsonNode *node);
/* Indented by two spaces, "member" : value, one member per line (the layout
 * of --stats-json files). */
char *mc_json_encode_pretty (JsonNode *node);

/* "an object", "a string", "null", ... for messages. */
const char *mc_json_describe_kind (JsonNode *node);

/* Typed member access for validators: the member if present with that
 * type, else NULL. */
const char *mc_json_get_string (JsonObject *obj, const char *member);
/* TRUE when the member is absent or null. */
gboolean mc_json_member_is_null (JsonObject *obj, const char *member);

G_END_DECLS

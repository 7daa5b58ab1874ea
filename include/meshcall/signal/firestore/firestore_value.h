/* Firestore's typed JSON values (the REST v1 `Value`: {"stringValue": ...},
 * {"integerValue": "12"}, {"mapValue": {"fields": {...}}}, ...) to and from
 * plain JSON, and RFC 3339 timestamps to and from microseconds.
 *
 * The decoder is strict, since whatever a server or another participant
 * wrote arrives here: exactly one kind per value, integerValue a decimal
 * string within int64 (never a JSON number: Firestore's REST API writes
 * strings), doubleValue finite, nullValue "NULL_VALUE" or null, map keys
 * valid UTF-8, nesting at most MC_FIRESTORE_MAX_DEPTH maps/arrays deep.
 * Kinds meshcall's schema never uses (bytesValue, referenceValue,
 * geoPointValue) are refused by name. A timestampValue decodes to its
 * RFC 3339 text (checked).
 *
 * The encoder maps a plain JSON value back: integers to integerValue
 * strings (never doubles: docs/firestore.md), doubles to doubleValue,
 * objects to mapValue, arrays to arrayValue (Firestore forbids an array
 * directly inside an array: refused).
 *
 * Pure: no I/O, no state; errors are MC_FIRESTORE_ERROR_MALFORMED with a
 * message naming the field path. Any thread. */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define MC_FIRESTORE_ERROR (mc_firestore_error_quark ())
GQuark mc_firestore_error_quark (void);

typedef enum {
  MC_FIRESTORE_ERROR_MALFORMED,    /* what Firestore or a participant sent does not fit the schema */
  MC_FIRESTORE_ERROR_UNAVAILABLE,  /* 429, 5xx, a network error: retried with back-off */
  MC_FIRESTORE_ERROR_AUTH,         /* a credential was refused (401, 403, a bad API key) */
  MC_FIRESTORE_ERROR_HTTP,         /* any other HTTP status */
  MC_FIRESTORE_ERROR_CONFIG,       /* the local set-up (token file, API key missing) */
} McFirestoreError;

#define MC_FIRESTORE_MAX_DEPTH 20

/* A typed value -> plain JSON. what names the value in messages ("signal"). */
JsonNode *mc_firestore_value_decode (const char *what, JsonNode *value, GError **error);
/* A `fields` object ({"name": Value, ...}) -> a plain JSON object. */
JsonNode *mc_firestore_fields_decode (const char *what, JsonNode *fields, GError **error);
/* Plain JSON -> a typed value; NULL (error set) for an array in an array or
 * nesting deeper than MC_FIRESTORE_MAX_DEPTH. */
JsonNode *mc_firestore_value_encode (JsonNode *plain, GError **error);

/* Typed values of one kind, for document fields. Each returns FALSE with an
 * error naming `what` when value is not of that kind. */
gboolean mc_firestore_value_get_string (const char *what, JsonNode *value, const char **out, GError **error);
gboolean mc_firestore_value_get_integer (const char *what, JsonNode *value, gint64 *out, GError **error);
gboolean mc_firestore_value_get_timestamp (const char *what, JsonNode *value, gint64 *out_us, GError **error);
JsonNode *mc_firestore_value_new_string (const char *s);
JsonNode *mc_firestore_value_new_integer (gint64 n);

/* RFC 3339 ("2026-01-02T03:04:05.123456789Z", or an offset such as +01:00;
 * years 0001..9999; digits past microseconds are truncated) -> µs since
 * the Unix epoch. */
gboolean mc_firestore_timestamp_parse (const char *text, gint64 *out_us, GError **error);
/* µs since the epoch -> "YYYY-MM-DDTHH:MM:SS.ffffffZ". */
char *mc_firestore_timestamp_format (gint64 us);

G_END_DECLS

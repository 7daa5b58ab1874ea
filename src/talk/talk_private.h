/* What chat.c and file.c share (private to src/talk/). */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Sets error (domain, code) to "PREFIX: MESSAGE" and returns FALSE. */
G_GNUC_INTERNAL gboolean talk_fail (GError **error, GQuark domain, gint code, const char *prefix, const char *format,
                                    ...) G_GNUC_PRINTF (5, 6);
/* 1..64 characters of A-Z a-z 0-9 . _ : - (message and file ids). */
G_GNUC_INTERNAL gboolean talk_is_id (const char *id);

/* data[0..len) as one JSON object with a string "type": the node (owned by
 * the caller; *obj and *type point into it), or NULL with error set
 * (domain, code, "PREFIX: ..."). */
G_GNUC_INTERNAL JsonNode *talk_decode_typed (const char *data, gsize len, GQuark domain, gint code,
                                             const char *prefix, JsonObject **obj, const char **type,
                                             GError **error);

G_END_DECLS

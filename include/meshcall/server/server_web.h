/* The call page of `meshcall serve` (docs/protocol.md, "The call page"): a
 * fixed table of paths, each a file of the GResource compiled into the
 * binary (src/server/web/ and socket.io-client's browser bundle), served to
 * GET and HEAD with its Content-Type, a strong ETag (a hash of its bytes)
 * and "Cache-Control: no-cache", so a browser keeps it and revalidates it
 * (If-None-Match → 304) every time: a new meshcall shows its page at once.
 * Used by server_http.c, which routes to it; public for its tests.
 *
 * Threading: none of its own; called from the SoupServer's handler. */
#pragma once

#include <libsoup/soup.h>

G_BEGIN_DECLS

typedef struct _McServerWeb McServerWeb;

/* Loads every file of the table from the compiled-in resource (they cannot
 * be missing: the build puts them there). */
McServerWeb *mc_server_web_new (void);
void mc_server_web_free (McServerWeb *web);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (McServerWeb, mc_server_web_free)

/* Answers msg when path is one of the page's files (405 to a method other
 * than GET and HEAD, 304 when If-None-Match matches) and returns TRUE;
 * FALSE (msg untouched) for any other path. */
gboolean mc_server_web_serve (McServerWeb *web, SoupServerMessage *msg, const char *path);

/* Whether an If-None-Match header value matches etag (a quoted strong
 * entity tag): "*", or a comma-separated list of entity tags compared
 * weakly (a W/ prefix is ignored, RFC 9110 section 13.1.2). A value that
 * is not a list of entity tags matches nothing. Pure. */
gboolean mc_server_web_etag_matches (const char *if_none_match, const char *etag);

G_END_DECLS

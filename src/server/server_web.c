/* The call page of `meshcall serve` (server_web.h). */
#include "meshcall/server/server_web.h"

#include <string.h>

/* Made by glib-compile-resources from web/meshcall-web.gresource.xml. */
GResource *mc_web_get_resource (void);

#define WEB_PREFIX "/meshcall/web/"

/* What the page may do, said to the browser: its own scripts and styles
 * only, Socket.IO to its own origin, media from the camera and from remote
 * streams, files offered for download as blob: links. */
#define PAGE_CSP                                                                            \
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "           \
  "media-src 'self' blob: mediastream:; img-src 'self' data: blob:; base-uri 'none'; "      \
  "form-action 'none'; frame-ancestors 'none'"

typedef struct {
  const char *path;          /* the URL path */
  const char *resource;      /* its file in the resource, under WEB_PREFIX */
  const char *content_type;
} McWebFile;

static const McWebFile web_files[] = {
  { "/", "index.html", "text/html; charset=utf-8" },
  { "/call.js", "call.js", "text/javascript; charset=utf-8" },
  { "/files.js", "files.js", "text/javascript; charset=utf-8" },
  { "/call.css", "call.css", "text/css; charset=utf-8" },
  /* socket.io-client's own browser bundle (tests/node/node_modules, scripts/setup.sh); not
   * under /socket.io*, which SoupServer hands to Engine.IO (its paths are prefixes) */
  { "/vendor/socket.io.min.js", "socket.io.min.js", "text/javascript; charset=utf-8" },
};

#define N_WEB_FILES G_N_ELEMENTS (web_files)

struct _McServerWeb {
  GBytes *data[N_WEB_FILES];
  char *etag[N_WEB_FILES];   /* quoted: "\"5f0c…\"" */
};

McServerWeb *
mc_server_web_new (void)
{
  McServerWeb *web = g_new0 (McServerWeb, 1);

  for (guint i = 0; i < N_WEB_FILES; i++) {
    g_autofree char *name = g_strconcat (WEB_PREFIX, web_files[i].resource, NULL);
    g_autoptr (GError) error = NULL;
    g_autofree char *sum = NULL;

    web->data[i] = g_resource_lookup_data (mc_web_get_resource (), name, G_RESOURCE_LOOKUP_FLAGS_NONE, &error);
    /* The build compiles every file of the table in (src/server/CMakeLists.txt). */
    if (web->data[i] == NULL)
      g_error ("the call page's %s is not in the binary: %s", name, error->message);
    sum = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, web->data[i]);
    web->etag[i] = g_strdup_printf ("\"%.20s\"", sum);
  }
  return web;
}

void
mc_server_web_free (McServerWeb *web)
{
  if (web == NULL)
    return;
  for (guint i = 0; i < N_WEB_FILES; i++) {
    g_clear_pointer (&web->data[i], g_bytes_unref);
    g_free (web->etag[i]);
  }
  g_free (web);
}

static const char *
skip_ows (const char *p)
{
  while (*p == ' ' || *p == '\t')
    p++;
  return p;
}

gboolean
mc_server_web_etag_matches (const char *value, const char *etag)
{
  size_t etag_len = strlen (etag);
  gboolean matched = FALSE;
  const char *p;

  if (value == NULL)
    return FALSE;
  p = skip_ows (value);
  if (*p == '*')
    return *skip_ows (p + 1) == '\0';
  /* #entity-tag: empty elements are allowed (RFC 9110 section 5.6.1). */
  for (;;) {
    const char *start;

    p = skip_ows (p);
    if (*p == '\0')
      return matched;
    if (*p == ',') {
      p++;
      continue;
    }
    if (p[0] == 'W' && p[1] == '/')
      p += 2;
    if (*p != '"')
      return FALSE;
    start = p++;
    /* etagc: %x21 / %x23-7E / obs-text */
    while (*p != '"') {
      if (*p == '\0' || (guchar) *p < 0x21 || *p == 0x7f)
        return FALSE;
      p++;
    }
    p++;
    if ((size_t) (p - start) == etag_len && memcmp (start, etag, etag_len) == 0)
      matched = TRUE;
    p = skip_ows (p);
    if (*p != ',' && *p != '\0')
      return FALSE;
  }
}

gboolean
mc_server_web_serve (McServerWeb *web, SoupServerMessage *msg, const char *path)
{
  const char *method = soup_server_message_get_method (msg);
  SoupMessageHeaders *request = soup_server_message_get_request_headers (msg);
  SoupMessageHeaders *response = soup_server_message_get_response_headers (msg);
  guint i;

  for (i = 0; i < N_WEB_FILES && !g_str_equal (path, web_files[i].path); i++)
    ;
  if (i == N_WEB_FILES)
    return FALSE;
  if (method != SOUP_METHOD_GET && method != SOUP_METHOD_HEAD) {
    static const char refusal[] = "{\"error\":\"only GET and HEAD\"}";

    soup_server_message_set_status (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, NULL);
    soup_message_headers_replace (response, "Allow", "GET, HEAD");
    soup_message_headers_replace (response, "Cache-Control", "no-store");
    soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_STATIC, refusal, strlen (refusal));
    return TRUE;
  }
  soup_message_headers_replace (response, "ETag", web->etag[i]);
  /* Kept by the browser, asked again (If-None-Match) every time. */
  soup_message_headers_replace (response, "Cache-Control", "no-cache");
  soup_message_headers_replace (response, "X-Content-Type-Options", "nosniff");
  soup_message_headers_replace (response, "Referrer-Policy", "no-referrer");
  if (i == 0)
    soup_message_headers_replace (response, "Content-Security-Policy", PAGE_CSP);
  /* Several If-None-Match headers come joined into one list. */
  if (mc_server_web_etag_matches (soup_message_headers_get_list (request, "If-None-Match"), web->etag[i])) {
    soup_server_message_set_status (msg, SOUP_STATUS_NOT_MODIFIED, NULL);
    /* RFC 9110: a 304's Content-Length, if any, is the 200's; libsoup would say 0. */
    soup_message_headers_set_content_length (response, g_bytes_get_size (web->data[i]));
    return TRUE;
  }
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_message_headers_replace (response, "Content-Type", web_files[i].content_type);
  soup_message_body_append_bytes (soup_server_message_get_response_body (msg), web->data[i]);
  return TRUE;
}

/* libcurl's multi interface on a GLib main loop (see http.h).
 *
 * One GSource per McHttp: curl's sockets are unix fds on it (added,
 * modified and removed as CURLMOPT_SOCKETFUNCTION asks), curl's timer is
 * its ready time (CURLMOPT_TIMERFUNCTION). A dispatch hands every ready fd
 * and an expired timer to curl_multi_socket_action, then reports finished
 * transfers. */
#include "meshcall/signal/firestore/http.h"
#include "meshcall/base/log.h"

#include <curl/curl.h>

#define MC_LOG_CATEGORY (&mc_log_signal)

/* After a renewal, connections are judged by their age for this long (by
 * then every older one has been closed or timed out). */
#define RENEW_WINDOW_S 600

typedef struct {
  GSource source;
  McHttp *http;
} HttpSource;

struct _McHttp {
  GMainContext *context;
  HttpSource *source;
  CURLM *multi;
  GHashTable *sockets;     /* curl_socket_t -> fd tag (gpointer) */
  GList *requests;         /* McHttpRequest*, in flight */
  guint64 count;
  gint64 renewed_us;       /* mc_http_renew_connections (monotonic), 0: never */
  gint refs;               /* a dispatch holds one, so done callbacks may free us */
};

struct _McHttpRequest {
  McHttp *http;
  CURL *easy;
  struct curl_slist *headers;
  GByteArray *body;
  gboolean too_big;
  McHttpDoneFunc done;
  gpointer user_data;
  GList *link;
};

static void
http_unref (McHttp *http)
{
  if (--http->refs > 0)
    return;
  g_hash_table_unref (http->sockets);
  g_main_context_unref (http->context);
  g_free (http);
}

static void
request_free (McHttpRequest *req)
{
  McHttp *http = req->http;

  if (req->link != NULL)
    http->requests = g_list_delete_link (http->requests, req->link);
  if (req->easy != NULL) {
    curl_multi_remove_handle (http->multi, req->easy);
    curl_easy_cleanup (req->easy);
  }
  curl_slist_free_all (req->headers);
  g_byte_array_unref (req->body);
  g_free (req);
}

/* ---- curl's callbacks ---------------------------------------------------------- */

static int
on_socket (CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
  McHttp *http = userp;
  gpointer tag = g_hash_table_lookup (http->sockets, GINT_TO_POINTER (fd));
  GIOCondition cond = 0;

  if (what == CURL_POLL_REMOVE) {
    if (tag != NULL) {
      g_source_remove_unix_fd (&http->source->source, tag);
      g_hash_table_remove (http->sockets, GINT_TO_POINTER (fd));
    }
    return 0;
  }
  if (what == CURL_POLL_IN || what == CURL_POLL_INOUT)
    cond |= G_IO_IN | G_IO_HUP | G_IO_ERR;
  if (what == CURL_POLL_OUT || what == CURL_POLL_INOUT)
    cond |= G_IO_OUT | G_IO_ERR;
  if (tag != NULL)
    g_source_modify_unix_fd (&http->source->source, tag, cond);
  else
    g_hash_table_insert (http->sockets, GINT_TO_POINTER (fd), g_source_add_unix_fd (&http->source->source, fd, cond));
  return 0;
}

static int
on_timer (CURLM *multi, long timeout_ms, void *userp)
{
  McHttp *http = userp;

  if (timeout_ms < 0)
    g_source_set_ready_time (&http->source->source, -1);
  else
    g_source_set_ready_time (&http->source->source, g_get_monotonic_time () + timeout_ms * 1000);
  return 0;
}

static size_t
on_write (char *data, size_t size, size_t n, void *userp)
{
  McHttpRequest *req = userp;

  if (req->body->len + size * n > MC_HTTP_MAX_BODY) {
    req->too_big = TRUE;
    return 0;
  }
  g_byte_array_append (req->body, (const guint8 *) data, (guint) (size * n));
  return size * n;
}

/* ---- the source ------------------------------------------------------------------ */

static void
report_finished (McHttp *http)
{
  CURLMsg *msg;
  int left;

  while ((msg = curl_multi_info_read (http->multi, &left)) != NULL) {
    McHttpRequest *req = NULL;
    McHttpResponse r = { 0 };
    guint8 nul = 0;

    if (msg->msg != CURLMSG_DONE)
      continue;
    curl_easy_getinfo (msg->easy_handle, CURLINFO_PRIVATE, (char **) &req);
    curl_easy_getinfo (msg->easy_handle, CURLINFO_RESPONSE_CODE, &r.status);
    curl_easy_getinfo (msg->easy_handle, CURLINFO_TOTAL_TIME, &r.seconds);
    if (msg->data.result != CURLE_OK) {
      r.status = 0;
      r.error = req->too_big ? "the answer is larger than 16 MiB" : curl_easy_strerror (msg->data.result);
    }
    g_byte_array_append (req->body, &nul, 1);
    r.body = (const char *) req->body->data;
    r.body_len = req->body->len - 1;
    MC_LOG ("http %ld in %.3f s (%zu bytes)%s%s", r.status, r.seconds, r.body_len, r.error ? ": " : "",
            r.error ? r.error : "");
    /* Off the list first: the callback may free the McHttp. */
    curl_multi_remove_handle (http->multi, req->easy);
    curl_easy_cleanup (g_steal_pointer (&req->easy));
    http->requests = g_list_delete_link (http->requests, req->link);
    req->link = NULL;
    if (req->done != NULL)
      req->done (req, &r, req->user_data);
    request_free (req);
    if (http->multi == NULL)
      return;   /* freed from the callback */
  }
}

static gboolean
source_dispatch (GSource *source, GSourceFunc callback, gpointer data)
{
  McHttp *http = ((HttpSource *) source)->http;
  GHashTableIter iter;
  gpointer key, tag;
  g_autoptr (GArray) ready = g_array_new (FALSE, FALSE, sizeof (int) * 2);
  int running = 0;

  http->refs++;
  /* Collect first: curl changes the socket table while it acts. */
  g_hash_table_iter_init (&iter, http->sockets);
  while (g_hash_table_iter_next (&iter, &key, &tag)) {
    GIOCondition cond = g_source_query_unix_fd (source, tag);
    int ev = 0;
    if (cond & G_IO_IN)
      ev |= CURL_CSELECT_IN;
    if (cond & G_IO_OUT)
      ev |= CURL_CSELECT_OUT;
    if (cond & (G_IO_ERR | G_IO_HUP))
      ev |= CURL_CSELECT_ERR;
    if (ev != 0) {
      int pair[2] = { GPOINTER_TO_INT (key), ev };
      g_array_append_vals (ready, pair, 1);
    }
  }
  for (guint i = 0; i < ready->len && http->multi != NULL; i++) {
    int *pair = &g_array_index (ready, int, i * 2);
    curl_multi_socket_action (http->multi, pair[0], pair[1], &running);
  }
  if (http->multi != NULL && g_source_get_ready_time (source) >= 0 &&
      g_source_get_ready_time (source) <= g_source_get_time (source)) {
    g_source_set_ready_time (source, -1);
    curl_multi_socket_action (http->multi, CURL_SOCKET_TIMEOUT, 0, &running);
  }
  if (http->multi != NULL)
    report_finished (http);
  http_unref (http);
  return G_SOURCE_CONTINUE;
}

static GSourceFuncs source_funcs = {
  .dispatch = source_dispatch,
};

/* ---- the API ----------------------------------------------------------------------- */

static gsize curl_ready;

McHttp *
mc_http_new (GMainContext *context)
{
  McHttp *http = g_new0 (McHttp, 1);

  if (g_once_init_enter (&curl_ready))
    g_once_init_leave (&curl_ready, curl_global_init (CURL_GLOBAL_DEFAULT) == CURLE_OK ? 1 : 2);
  http->refs = 1;
  http->context = g_main_context_ref (context ? context : g_main_context_default ());
  http->sockets = g_hash_table_new (NULL, NULL);
  http->source = (HttpSource *) g_source_new (&source_funcs, sizeof (HttpSource));
  http->source->http = http;
  g_source_set_name (&http->source->source, "meshcall-http");
  g_source_attach (&http->source->source, http->context);
  http->multi = curl_multi_init ();
  curl_multi_setopt (http->multi, CURLMOPT_SOCKETFUNCTION, on_socket);
  curl_multi_setopt (http->multi, CURLMOPT_SOCKETDATA, http);
  curl_multi_setopt (http->multi, CURLMOPT_TIMERFUNCTION, on_timer);
  curl_multi_setopt (http->multi, CURLMOPT_TIMERDATA, http);
  curl_multi_setopt (http->multi, CURLMOPT_PIPELINING, (long) CURLPIPE_MULTIPLEX);
  curl_multi_setopt (http->multi, CURLMOPT_MAX_HOST_CONNECTIONS, 6L);
  return http;
}

void
mc_http_free (McHttp *http)
{
  if (http == NULL)
    return;
  while (http->requests != NULL)
    request_free (http->requests->data);
  curl_multi_cleanup (g_steal_pointer (&http->multi));
  g_source_destroy (&http->source->source);
  g_source_unref (&http->source->source);
  http_unref (http);
}

McHttpRequest *
mc_http_request (McHttp *http, const char *method, const char *url, const char *const *headers, const char *body,
                 gsize body_len, guint timeout_ms, McHttpDoneFunc done, gpointer user_data)
{
  McHttpRequest *req = g_new0 (McHttpRequest, 1);
  CURL *e = curl_easy_init ();

  req->http = http;
  req->easy = e;
  req->body = g_byte_array_new ();
  req->done = done;
  req->user_data = user_data;
  for (guint i = 0; headers != NULL && headers[i]; i++)
    req->headers = curl_slist_append (req->headers, headers[i]);
  /* Without it curl sends "Expect: 100-continue" for larger bodies: a round trip. */
  req->headers = curl_slist_append (req->headers, "Expect:");
  curl_easy_setopt (e, CURLOPT_URL, url);
  curl_easy_setopt (e, CURLOPT_PRIVATE, req);
  curl_easy_setopt (e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt (e, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt (e, CURLOPT_HTTP_VERSION, (long) CURL_HTTP_VERSION_2TLS);
  curl_easy_setopt (e, CURLOPT_PIPEWAIT, 1L);
  curl_easy_setopt (e, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt (e, CURLOPT_TCP_NODELAY, 1L);
  curl_easy_setopt (e, CURLOPT_ACCEPT_ENCODING, "");
  curl_easy_setopt (e, CURLOPT_TIMEOUT_MS, (long) timeout_ms);
  curl_easy_setopt (e, CURLOPT_CONNECTTIMEOUT_MS, (long) MIN (timeout_ms, 10000));
  curl_easy_setopt (e, CURLOPT_HTTPHEADER, req->headers);
  curl_easy_setopt (e, CURLOPT_WRITEFUNCTION, on_write);
  curl_easy_setopt (e, CURLOPT_WRITEDATA, req);
  curl_easy_setopt (e, CURLOPT_USERAGENT, "meshcall");
  if (http->renewed_us != 0) {
    /* No connection made before the renewal is reused: a new one in the first
     * second, then none older than the time since. */
    gint64 since_s = (g_get_monotonic_time () - http->renewed_us) / G_USEC_PER_SEC;

    if (since_s < 1)
      curl_easy_setopt (e, CURLOPT_FRESH_CONNECT, 1L);
    else if (since_s < RENEW_WINDOW_S)
      curl_easy_setopt (e, CURLOPT_MAXLIFETIME_CONN, (long) since_s);
    else
      http->renewed_us = 0;
  }
  if (body != NULL) {
    curl_easy_setopt (e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t) body_len);
    curl_easy_setopt (e, CURLOPT_COPYPOSTFIELDS, body);
  }
  if (g_strcmp0 (method, body != NULL ? "POST" : "GET") != 0)
    curl_easy_setopt (e, CURLOPT_CUSTOMREQUEST, method);
  MC_LOG ("http %s %s (%zu bytes)", method, url, body ? body_len : 0);
  http->requests = g_list_prepend (http->requests, req);
  req->link = http->requests;
  http->count++;
  /* Any failure, even a malformed URL, comes back through done. */
  curl_multi_add_handle (http->multi, e);
  return req;
}

void
mc_http_cancel (McHttpRequest *request)
{
  if (request != NULL)
    request_free (request);
}

void
mc_http_renew_connections (McHttp *http)
{
  http->renewed_us = g_get_monotonic_time ();
}

guint64
mc_http_get_request_count (McHttp *http)
{
  return http->count;
}

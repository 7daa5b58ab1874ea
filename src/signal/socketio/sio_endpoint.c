/* Where a Socket.IO back end connects and whom it trusts (sio_endpoint.h):
 * the signaling URL as Engine.IO's websocket URL, and the program's
 * --ca-file as a TLS database. No connection state. */
#include "sio_endpoint.h"
#include "meshcall/signal/signaling.h"
#include "meshcall/signal/socketio/signal_socketio.h"

#include <string.h>

/* ws://h:p, wss://, http://, https:// -> http(s)://h:p/socket.io/?EIO=4&transport=websocket
 * (libsoup upgrades an http(s) request; the scheme only says whether TLS). */
char *
sio_endpoint_ws_url (const char *url, GError **error)
{
  g_autoptr (GError) local = NULL;
  g_autoptr (GUri) uri = g_uri_parse (url, G_URI_FLAGS_NONE, &local);
  g_autofree char *scheme = NULL;
  g_autofree char *path = NULL;
  g_autofree char *query = NULL;
  const char *host;

  if (uri == NULL) {
    g_set_error (error, MC_SIGNALING_ERROR, MC_SIGNALING_ERROR_BAD_URL, "signaling URL '%s' is malformed: %s", url,
                 local->message);
    return NULL;
  }
  host = g_uri_get_host (uri);
  if (host == NULL || host[0] == '\0') {
    g_set_error (error, MC_SIGNALING_ERROR, MC_SIGNALING_ERROR_BAD_URL,
                 "signaling URL '%s' names no host: use ws://HOST:PORT", url);
    return NULL;
  }
  if (g_uri_get_userinfo (uri) != NULL || g_uri_get_fragment (uri) != NULL) {
    g_set_error (error, MC_SIGNALING_ERROR, MC_SIGNALING_ERROR_BAD_URL,
                 "signaling URL '%s' has a user name or fragment; use ws://HOST:PORT (the token goes in --token)",
                 url);
    return NULL;
  }
  scheme = g_ascii_strdown (g_uri_get_scheme (uri), -1);
  if (strcmp (scheme, "ws") == 0 || strcmp (scheme, "http") == 0) {
    g_free (scheme);
    scheme = g_strdup ("http");
  } else {
    g_free (scheme);
    scheme = g_strdup ("https");
  }
  /* A bare host:port means the default Socket.IO path. */
  if (g_uri_get_path (uri)[0] == '\0' || strcmp (g_uri_get_path (uri), "/") == 0)
    path = g_strdup ("/socket.io/");
  else if (g_str_has_suffix (g_uri_get_path (uri), "/"))
    path = g_strdup (g_uri_get_path (uri));
  else
    path = g_strconcat (g_uri_get_path (uri), "/", NULL);
  if (g_uri_get_query (uri) != NULL && g_uri_get_query (uri)[0] != '\0')
    query = g_strconcat (g_uri_get_query (uri), "&EIO=4&transport=websocket", NULL);
  else
    query = g_strdup ("EIO=4&transport=websocket");
  return g_uri_join (G_URI_FLAGS_ENCODED, scheme, NULL, host, g_uri_get_port (uri), path, query, NULL);
}

/* The program's --ca-file, for every session made after it is set. */
static GTlsDatabase *ca_database;

gboolean
mc_signal_socketio_set_ca_file (const char *ca_file, GError **error)
{
  g_autolist (GTlsCertificate) certs = NULL;
  g_autoptr (GError) local = NULL;
  g_autofree char *path = NULL;
  GTlsDatabase *db;

  if (ca_file == NULL) {
    g_clear_object (&ca_database);
    return TRUE;
  }
  certs = g_tls_certificate_list_new_from_file (ca_file, &local);
  if (local) {
    g_set_error (error, MC_SIGNALING_ERROR, MC_SIGNALING_ERROR_OTHER, "%s", local->message);
    return FALSE;
  }
  if (certs == NULL) {
    g_set_error (error, MC_SIGNALING_ERROR, MC_SIGNALING_ERROR_OTHER,
                 "'%s' holds no PEM certificate (-----BEGIN CERTIFICATE-----)", ca_file);
    return FALSE;
  }
  /* GTlsFileDatabase wants an absolute path (it warns otherwise). */
  path = g_canonicalize_filename (ca_file, NULL);
  db = g_tls_file_database_new (path, &local);
  if (db == NULL) {
    g_set_error (error, MC_SIGNALING_ERROR, MC_SIGNALING_ERROR_OTHER, "'%s': %s", ca_file, local->message);
    return FALSE;
  }
  g_clear_object (&ca_database);
  ca_database = db;
  return TRUE;
}

GTlsDatabase *
sio_endpoint_ca_database (void)
{
  return ca_database;
}

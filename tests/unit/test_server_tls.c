/* `meshcall serve --tls-cert/--tls-key` in-process: start-up refusals,
 * wss:// sessions through ws_conn's TLS path, plain HTTP and garbage on
 * the TLS port. A test of its own: glib-networking's module keeps dynamic
 * thread-local storage in GTask's threads, on which GCC 12's LeakSanitizer
 * crashes at exit ("Tracer caught signal 11"), so under ASan it runs with
 * detect_leaks=0 (tests/CMakeLists.txt) and valgrind checks its leaks. */
#include "meshcall/server/call_server.h"
#include "eio_test_client.h"

#include <glib/gstdio.h>

/* A self-signed certificate for IP:127.0.0.1 (until 2126) and its key. */
static const char test_cert[] =
  "-----BEGIN CERTIFICATE-----\n"
  "MIIBoTCCAUigAwIBAgIUaSdp/+I9R15OP18U2ghtZLR/51gwCgYIKoZIzj0EAwIw\n"
  "HTEbMBkGA1UEAwwSbWVzaGNhbGwtdW5pdC10ZXN0MCAXDTI2MTIwMjAxMTgyMloY\n"
  "DzIxMjYxMTA4MDExODIyWjAdMRswGQYDVQQDDBJtZXNoY2FsbC11bml0LXRlc3Qw\n"
  "WTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAATZoJcFr3HJhG74GOIBCEF55HDdQMuh\n"
  "DRGFLOiyWfqNQwzF2OeaS9ZAicx2DJ+EIr1QKdR3SS/3mnB9OsURLjG+o2QwYjAd\n"
  "BgNVHQ4EFgQUrFf4++OtfT5S3VV6zgDxyDxELqgwHwYDVR0jBBgwFoAUrFf4++Ot\n"
  "fT5S3VV6zgDxyDxELqgwDwYDVR0TAQH/BAUwAwEB/zAPBgNVHREECDAGhwR/AAAB\n"
  "MAoGCCqGSM49BAMCA0cAMEQCIBiY1tn7TiwJCym1uTBoTG5fGqfdLIULB2zE2UYJ\n"
  "rcRcAiAtgPzABVrwE752zjeN8iq7BonTfxWjAhdkvQnn0gC+VA==\n"
  "-----END CERTIFICATE-----\n";
static const char test_key[] =
  "-----BEGIN PRIVATE KEY-----\n"
  "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgPb8ajwRMuJRoE9xA\n"
  "5nR6BP7bdu7axUj1Nwks8xYyXyChRANCAATZoJcFr3HJhG74GOIBCEF55HDdQMuh\n"
  "DRGFLOiyWfqNQwzF2OeaS9ZAicx2DJ+EIr1QKdR3SS/3mnB9OsURLjG+\n"
  "-----END PRIVATE KEY-----\n";

/* --tls-cert/--tls-key: start-up checks, wss:// sessions relaying through
 * ws_conn's TLS path (a message of several TLS records too), plain HTTP
 * answered 400, garbage closed with nothing sent. */
static void
test_tls (void)
{
  g_autofree char *dir = g_dir_make_tmp ("mc-tls-XXXXXX", NULL);
  g_autofree char *cert = g_build_filename (dir, "cert.pem", NULL);
  g_autofree char *key = g_build_filename (dir, "key.pem", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (GTlsDatabase) db = NULL;
  g_autoptr (SoupSession) session = new_session ();
  g_autofree char *url = NULL, *want = NULL, *ws_url = NULL, *plain = NULL, *junk = NULL, *big = NULL;
  g_autoptr (GString) sdp = g_string_new ("v=0\\r\\n");
  McCallServerConfig cfg;
  McCallServer *srv;
  RawClient *a, *b;
  guint port, mark;

  g_assert_true (g_file_set_contents (cert, test_cert, -1, NULL));
  g_assert_true (g_file_set_contents (key, test_key, -1, NULL));
  mc_call_server_config_init (&cfg);
  cfg.address = "127.0.0.1";
  cfg.port = 0;
  /* The certificate as its own key: refused, naming the file. */
  cfg.tls_cert_file = cert;
  cfg.tls_key_file = cert;
  g_assert_null (mc_call_server_new (&cfg, &error));
  g_assert_error (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE);
  g_assert_nonnull (strstr (error->message, "holds no PEM private key"));
  g_assert_nonnull (strstr (error->message, cert));
  g_clear_error (&error);
  cfg.tls_key_file = NULL;
  g_assert_null (mc_call_server_new (&cfg, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  cfg.tls_key_file = key;
  srv = mc_call_server_new (&cfg, &error);
  g_assert_no_error (error);
  port = mc_call_server_get_port (srv);
  url = mc_call_server_get_url (srv);
  want = g_strdup_printf ("https://127.0.0.1:%u", port);
  g_assert_cmpstr (url, ==, want);

  db = g_tls_file_database_new (cert, &error);
  g_assert_no_error (error);
  soup_session_set_tls_database (session, db);
  ws_url = g_strdup_printf ("wss://127.0.0.1:%u/socket.io/?EIO=4&transport=websocket", port);
  a = raw_open_url (session, ws_url, FALSE);
  b = raw_open_url (session, ws_url, FALSE);
  soup_websocket_connection_send_text (a->ws, "40");
  soup_websocket_connection_send_text (b->ws, "40");
  expect_frame (a, "40{\"sid\"", 0);
  expect_frame (b, "40{\"sid\"", 0);
  soup_websocket_connection_send_text (a->ws, "421[\"join-call\",{\"callId\":\"t\",\"peerId\":\"a\",\"name\":\"A\"}]");
  expect_frame (a, "431[{\"ok\":true", 0);
  soup_websocket_connection_send_text (b->ws, "421[\"join-call\",{\"callId\":\"t\",\"peerId\":\"b\",\"name\":\"B\"}]");
  expect_frame (b, "431[{\"ok\":true", 0);
  /* About 40 KB: several TLS records each way. */
  while (sdp->len < 40000)
    g_string_append (sdp, "a=x-filler:0123456789abcdef0123456789abcdef\\r\\n");
  big = g_strdup_printf ("422[\"webrtc-signal\",{\"targetPeerId\":\"b\",\"signal\":{\"type\":\"offer\",\"sdp\":\"%s\"}}]",
                         sdp->str);
  mark = b->frames->len;
  soup_websocket_connection_send_text (a->ws, big);
  g_assert_cmpuint (strlen (expect_frame (b, "42[\"webrtc-signal\",{\"fromPeerId\":\"a\"", mark)), >, 40000);
  expect_frame (a, "432[{\"ok\":true}]", 0);

  plain = raw_answer (raw_tcp (port, "GET /health HTTP/1.1\r\nHost: x\r\n\r\n"), "plain HTTP on the TLS port");
  g_assert_true (g_str_has_prefix (plain, "HTTP/1.1 400 "));
  g_assert_nonnull (strstr (plain, "use https:// or wss://"));
  junk = raw_answer (raw_tcp (port, "\x01\x02 not TLS"), "garbage on the TLS port");
  g_assert_cmpstr (junk, ==, "");

  raw_free (a);
  raw_free (b);
  mc_call_server_free (srv);
  drain ();
  g_unlink (cert);
  g_unlink (key);
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/server-tls/serve", test_tls);
  return g_test_run ();
}

/* TLS for the listener of `meshcall serve --tls-cert/--tls-key` (private to
 * src/server/): the certificate and key loaded and checked at start-up,
 * and one accepted connection taken from its first byte to a finished
 * handshake.
 *
 * A connection's first record is looked at with MSG_PEEK
 * (proto/tls_hello.h) before any TLS work: the handshake (glib-networking
 * runs it in a thread of GTask's pool) starts only once a whole ClientHello
 * has arrived, so a client that sends nothing or drips holds no thread,
 * only its place among the connections waiting for their request (and the
 * listener's header timeout closes it). A plain HTTP request is reported so
 * that it can be answered in plain text; anything else, and a failed
 * handshake, is reported with a reason for the log.
 *
 * Threading: the GMainContext that is thread-default at
 * mc_http_tls_accept_start(); the callback runs there. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* The server's certificate (with any chain after it in cert_file) and key,
 * from PEM files. Fails naming the file and what is wrong (G_IO_ERROR when
 * it cannot be read, G_TLS_ERROR_BAD_CERTIFICATE for its contents):
 * unreadable, no certificate, no key or an encrypted one, a key that is not
 * the certificate's, a certificate that has expired. */
GTlsCertificate *mc_http_tls_load (const char *cert_file, const char *key_file, GError **error);

typedef enum {
  MC_HTTP_TLS_OK,          /* handshake done: tls is the connection to serve */
  MC_HTTP_TLS_PLAIN_HTTP,  /* a plain HTTP request came: nothing was read, answer it in plain text */
  MC_HTTP_TLS_FAILED,      /* not TLS, or the handshake failed (why says how) */
  MC_HTTP_TLS_CLOSED,      /* the client closed (or reset) before sending a byte: a port check, not an attack */
} McHttpTlsResult;

typedef struct _McHttpTlsAccept McHttpTlsAccept;

typedef struct {
  /* The whole ClientHello is there: TRUE starts the handshake now; FALSE
   * holds it until mc_http_tls_accept_go() (the owner limits handshakes:
   * each holds a thread of GTask's pool, of which there are few, until it
   * ends). */
  gboolean (*ready) (gpointer user_data);
  /* result, tls (OK only; the callee's ref) and why (FAILED only) are
   * valid during the call. The accept is finished and freed after it. */
  void (*done) (McHttpTlsResult result, GIOStream *tls, const char *why, gpointer user_data);
} McHttpTlsEvents;

/* Starts on conn (referenced) with cert; done is called exactly once unless
 * cancelled first. events is not copied (a static table). */
McHttpTlsAccept *mc_http_tls_accept_start (GSocketConnection *conn, GTlsCertificate *cert,
                                           const McHttpTlsEvents *events, gpointer user_data);
/* Handshakes under way per client address: each holds one of the few
 * threads of GTask's pool until it ends (a client that stalls mid-handshake,
 * until the owner's timeout), so one address must not take them all. An
 * accept over the limit waits, oldest first, for one of its address's to
 * end. */
typedef struct _McHttpTlsGate McHttpTlsGate;

McHttpTlsGate *mc_http_tls_gate_new (guint per_address);
void mc_http_tls_gate_free (McHttpTlsGate *gate);
/* For ready: TRUE when accept (from address key) may start now; FALSE: it
 * is held, and started by a later mc_http_tls_gate_leave(). */
gboolean mc_http_tls_gate_enter (McHttpTlsGate *gate, const char *key, McHttpTlsAccept *accept);
/* accept's handshake ended, or accept goes (before it is freed or
 * cancelled): its place, or its hold, is given up; the next held one of its
 * address starts. Nothing for an accept that never entered. */
void mc_http_tls_gate_leave (McHttpTlsGate *gate, const char *key, McHttpTlsAccept *accept);
/* No callback after this. A handshake in its thread is interrupted (the
 * socket is shut down) and its objects let go once the thread is out.
 * Returns FALSE then: the socket must not be closed under that thread (it
 * closes when the last reference goes); TRUE: close it now. */
gboolean mc_http_tls_accept_cancel (McHttpTlsAccept *accept);

G_END_DECLS

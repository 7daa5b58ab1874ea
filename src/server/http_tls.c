/* TLS for the listener: the certificate, and a connection's hello and
 * handshake (http_tls.h). */
#include "http_tls.h"
#include "meshcall/proto/tls_hello.h"

#include <errno.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

/* An incomplete hello is looked at again after this, doubling: the bytes
 * already there keep the socket readable, so it cannot be watched. */
#define RECHECK_MIN_MS 50
#define RECHECK_MAX_MS 800

/* ---- the certificate ---------------------------------------------------------------- */

static int
no_passphrase (char *buf, int size, int rwflag, void *data)
{
  return 0;   /* an encrypted key fails instead of prompting */
}

/* The one file's contents, or an error naming it. */
static char *
read_pem (const char *what, const char *file, gsize *len, GError **error)
{
  g_autoptr (GError) local = NULL;
  char *text = NULL;

  if (!g_file_get_contents (file, &text, len, &local)) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "cannot read the TLS %s file: %s", what, local->message);
    return NULL;
  }
  return text;
}

static gboolean
check_pair (const char *cert_file, const char *key_file, GError **error)
{
  g_autofree char *cert_pem = NULL, *key_pem = NULL;
  gsize cert_len, key_len;
  BIO *bio;
  X509 *x509;
  EVP_PKEY *key;
  gboolean ok = FALSE;

  if ((cert_pem = read_pem ("certificate", cert_file, &cert_len, error)) == NULL ||
      (key_pem = read_pem ("key", key_file, &key_len, error)) == NULL)
    return FALSE;
  bio = BIO_new_mem_buf (cert_pem, (int) MIN (cert_len, G_MAXINT));
  x509 = PEM_read_bio_X509 (bio, NULL, no_passphrase, NULL);
  BIO_free (bio);
  if (x509 == NULL) {
    g_set_error (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE,
                 "TLS certificate file '%s' holds no PEM certificate (-----BEGIN CERTIFICATE-----)", cert_file);
    return FALSE;
  }
  bio = BIO_new_mem_buf (key_pem, (int) MIN (key_len, G_MAXINT));
  key = PEM_read_bio_PrivateKey (bio, NULL, no_passphrase, NULL);
  BIO_free (bio);
  if (key == NULL && strstr (key_pem, "ENCRYPTED") != NULL)
    g_set_error (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE,
                 "TLS key file '%s' is encrypted with a passphrase, which meshcall cannot ask for: decrypt it "
                 "(openssl pkey -in KEY -out PLAIN_KEY) and keep it readable only by the server's user", key_file);
  else if (key == NULL)
    g_set_error (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE,
                 "TLS key file '%s' holds no PEM private key (-----BEGIN PRIVATE KEY-----)", key_file);
  else if (X509_check_private_key (x509, key) != 1)
    g_set_error (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE,
                 "TLS key file '%s' is not the key of the certificate in '%s' (the first certificate there must be "
                 "the server's own)", key_file, cert_file);
  else if (X509_cmp_current_time (X509_get0_notAfter (x509)) <= 0)
    g_set_error (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE,
                 "the TLS certificate in '%s' has expired: clients would refuse it; make or get a new one",
                 cert_file);
  else
    ok = TRUE;
  EVP_PKEY_free (key);
  X509_free (x509);
  return ok;
}

GTlsCertificate *
mc_http_tls_load (const char *cert_file, const char *key_file, GError **error)
{
  g_autoptr (GError) local = NULL;
  GTlsCertificate *cert;

  if (!check_pair (cert_file, key_file, error))
    return NULL;
  /* GnuTLS (glib-networking) serves it: the chain after the first certificate goes out too. */
  cert = g_tls_certificate_new_from_files (cert_file, key_file, &local);
  if (cert == NULL)
    g_set_error (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE, "TLS certificate '%s' with key '%s': %s", cert_file,
                 key_file, local->message);
  return cert;
}

/* ---- one connection --------------------------------------------------------------- */

struct _McHttpTlsAccept {
  GSocketConnection *conn;
  GSocket *socket;
  GTlsCertificate *cert;
  GSource *watch;          /* until the first byte */
  GSource *recheck;        /* an incomplete hello */
  guint recheck_ms;
  GIOStream *tls;
  GCancellable *cancel;
  gboolean handshaking;
  gboolean cancelled;      /* during the handshake: freed by its callback, which calls nothing */
  const McHttpTlsEvents *events;
  gpointer user_data;
};

static void
clear_source (GSource **source)
{
  if (*source) {
    g_source_destroy (*source);
    g_clear_pointer (source, g_source_unref);
  }
}

static void
accept_free (McHttpTlsAccept *a)
{
  clear_source (&a->watch);
  clear_source (&a->recheck);
  g_clear_object (&a->tls);
  g_clear_object (&a->cancel);
  g_object_unref (a->cert);
  g_object_unref (a->conn);
  g_free (a);
}

static void
finish (McHttpTlsAccept *a, McHttpTlsResult result, const char *why)
{
  a->events->done (result, result == MC_HTTP_TLS_OK ? a->tls : NULL, why, a->user_data);
  accept_free (a);
}

static void
on_handshake (GObject *source, GAsyncResult *res, gpointer data)
{
  McHttpTlsAccept *a = data;
  g_autoptr (GError) error = NULL;
  g_autofree char *why = NULL;

  if (!g_tls_connection_handshake_finish (G_TLS_CONNECTION (source), res, &error) && !a->cancelled)
    why = g_strdup_printf ("TLS handshake failed (as it does for a client that does not trust this server's "
                           "certificate): %s", error->message);
  if (a->cancelled) {
    accept_free (a);
    return;
  }
  finish (a, why ? MC_HTTP_TLS_FAILED : MC_HTTP_TLS_OK, why);
}

static void
start_handshake (McHttpTlsAccept *a)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *why = NULL;

  a->tls = g_tls_server_connection_new (G_IO_STREAM (a->conn), a->cert, &error);
  if (a->tls == NULL) {
    why = g_strdup_printf ("TLS unavailable: %s", error->message);
    finish (a, MC_HTTP_TLS_FAILED, why);
    return;
  }
  /* Browsers and socket.io clients often just close: that is the end of the stream, not an attack. */
  g_tls_connection_set_require_close_notify (G_TLS_CONNECTION (a->tls), FALSE);
  a->cancel = g_cancellable_new ();
  a->handshaking = TRUE;
  g_tls_connection_handshake_async (G_TLS_CONNECTION (a->tls), G_PRIORITY_DEFAULT, a->cancel, on_handshake, a);
}

static gboolean on_recheck (gpointer data);

/* What has arrived decides; FALSE when a is finished (freed) or past its hello. */
static gboolean
look (McHttpTlsAccept *a)
{
  int fd = g_socket_get_fd (a->socket);
  guint8 head[MC_TLS_HELLO_PEEK];
  const char *why = NULL;
  int available = 0;
  ssize_t n;

  do
    n = recv (fd, head, sizeof head, MSG_PEEK | MSG_DONTWAIT);
  while (n < 0 && errno == EINTR);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
    return TRUE;
  if (n <= 0) {
    finish (a, MC_HTTP_TLS_CLOSED, NULL);
    return FALSE;
  }
  if (ioctl (fd, FIONREAD, &available) < 0 || available < n)
    available = (int) n;
  switch (mc_tls_hello_check (head, (gsize) n, (gsize) available, &why)) {
  case MC_TLS_HELLO_MORE:
    clear_source (&a->watch);
    if (a->recheck == NULL) {
      a->recheck_ms = a->recheck_ms ? MIN (a->recheck_ms * 2, RECHECK_MAX_MS) : RECHECK_MIN_MS;
      a->recheck = g_timeout_source_new (a->recheck_ms);
      g_source_set_callback (a->recheck, on_recheck, a, NULL);
      g_source_attach (a->recheck, g_main_context_get_thread_default ());
    }
    return TRUE;
  case MC_TLS_HELLO_COMPLETE:
    clear_source (&a->watch);
    if (a->events->ready (a->user_data))
      start_handshake (a);
    return FALSE;
  case MC_TLS_HELLO_PLAIN_HTTP:
    finish (a, MC_HTTP_TLS_PLAIN_HTTP, NULL);
    return FALSE;
  case MC_TLS_HELLO_GARBAGE:
  default:
    finish (a, MC_HTTP_TLS_FAILED, why);
    return FALSE;
  }
}

static gboolean
on_recheck (gpointer data)
{
  McHttpTlsAccept *a = data;

  g_clear_pointer (&a->recheck, g_source_unref);
  look (a);
  return G_SOURCE_REMOVE;
}

static gboolean
on_readable (GSocket *socket, GIOCondition cond, gpointer data)
{
  McHttpTlsAccept *a = data;

  if (!look (a))
    return G_SOURCE_REMOVE;   /* a is gone; its watch went with it */
  return a->watch ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

McHttpTlsAccept *
mc_http_tls_accept_start (GSocketConnection *conn, GTlsCertificate *cert, const McHttpTlsEvents *events,
                          gpointer user_data)
{
  McHttpTlsAccept *a = g_new0 (McHttpTlsAccept, 1);

  a->conn = g_object_ref (conn);
  a->socket = g_socket_connection_get_socket (conn);
  a->cert = g_object_ref (cert);
  a->events = events;
  a->user_data = user_data;
  a->watch = g_socket_create_source (a->socket, G_IO_IN | G_IO_HUP | G_IO_ERR, NULL);
  g_source_set_callback (a->watch, (GSourceFunc) (void (*) (void)) on_readable, a, NULL);
  g_source_attach (a->watch, g_main_context_get_thread_default ());
  return a;
}

gboolean
mc_http_tls_accept_cancel (McHttpTlsAccept *a)
{
  if (a == NULL)
    return TRUE;
  if (!a->handshaking) {
    accept_free (a);
    return TRUE;
  }
  /* The handshake thread may be in the socket: wake it, close nothing under it. */
  a->cancelled = TRUE;
  clear_source (&a->watch);
  shutdown (g_socket_get_fd (a->socket), SHUT_RDWR);
  g_cancellable_cancel (a->cancel);
  return FALSE;
}

/* ---- handshakes per address --------------------------------------------------------- */

typedef struct {
  GHashTable *running;     /* McHttpTlsAccept* */
  GQueue held;             /* McHttpTlsAccept*, oldest first */
} GateEntry;

struct _McHttpTlsGate {
  guint per_address;
  GHashTable *addrs;       /* key -> GateEntry* (owned), while it has running or held ones */
};

static void
gate_entry_free (GateEntry *e)
{
  g_hash_table_unref (e->running);
  g_queue_clear (&e->held);
  g_free (e);
}

McHttpTlsGate *
mc_http_tls_gate_new (guint per_address)
{
  McHttpTlsGate *gate = g_new0 (McHttpTlsGate, 1);

  gate->per_address = per_address;
  gate->addrs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) gate_entry_free);
  return gate;
}

void
mc_http_tls_gate_free (McHttpTlsGate *gate)
{
  if (gate == NULL)
    return;
  g_hash_table_unref (gate->addrs);
  g_free (gate);
}

gboolean
mc_http_tls_gate_enter (McHttpTlsGate *gate, const char *key, McHttpTlsAccept *a)
{
  GateEntry *e = g_hash_table_lookup (gate->addrs, key);

  if (e == NULL) {
    e = g_new0 (GateEntry, 1);
    e->running = g_hash_table_new (NULL, NULL);
    g_hash_table_insert (gate->addrs, g_strdup (key), e);
  }
  if (g_hash_table_size (e->running) < gate->per_address) {
    g_hash_table_add (e->running, a);
    return TRUE;
  }
  g_queue_push_tail (&e->held, a);
  return FALSE;
}

void
mc_http_tls_gate_leave (McHttpTlsGate *gate, const char *key, McHttpTlsAccept *a)
{
  GateEntry *e = g_hash_table_lookup (gate->addrs, key);
  McHttpTlsAccept *next;

  if (e == NULL || (!g_hash_table_remove (e->running, a) && !g_queue_remove (&e->held, a)))
    return;
  next = g_hash_table_size (e->running) < gate->per_address ? g_queue_pop_head (&e->held) : NULL;
  if (next)
    g_hash_table_add (e->running, next);
  if (g_hash_table_size (e->running) == 0)
    g_hash_table_remove (gate->addrs, key);
  /* Last: a handshake that fails at once comes back here. */
  if (next)
    start_handshake (next);
}

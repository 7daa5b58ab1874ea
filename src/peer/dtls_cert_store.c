/* Where the DTLS certificate is kept between runs (dtls_cert.h, "the
 * store"): the directory, its lock, reading and checking the file, writing
 * a new one atomically, and what to tell the user. */
#include "meshcall/peer/dtls_cert.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <openssl/crypto.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define LOCK_WAIT_MS 2000   /* another meshcall holds the lock for milliseconds */

const char *
mc_dtls_cert_source_to_string (McDtlsCertSource source)
{
  switch (source) {
  case MC_DTLS_CERT_REUSED: return "reused";
  case MC_DTLS_CERT_CREATED: return "created";
  case MC_DTLS_CERT_REPLACED: return "replaced";
  case MC_DTLS_CERT_IN_MEMORY: return "in-memory";
  }
  return "unknown";
}

void
mc_dtls_cert_report_clear (McDtlsCertReport *report)
{
  g_clear_pointer (&report->path, g_free);
  g_clear_pointer (&report->warning, g_free);
  g_clear_pointer (&report->note, g_free);
}

char *
mc_dtls_cert_default_dir (void)
{
  const char *systemd = g_getenv ("STATE_DIRECTORY");
  const char *xdg = g_getenv ("XDG_STATE_HOME");

  if (systemd && systemd[0] == '/') {
    const char *colon = strchr (systemd, ':');   /* several StateDirectory= entries */
    return colon ? g_strndup (systemd, (gsize) (colon - systemd)) : g_strdup (systemd);
  }
  /* The XDG spec: a relative path in XDG_STATE_HOME is invalid, ignore it. */
  if (xdg && xdg[0] == '/')
    return g_build_filename (xdg, "meshcall", NULL);
  return g_build_filename (g_get_home_dir (), ".local", "state", "meshcall", NULL);
}

static char *
format_time (gint64 t)
{
  g_autoptr (GDateTime) dt = g_date_time_new_from_unix_utc (t);
  return dt ? g_date_time_format (dt, "%Y-%m-%d %H:%M UTC") : g_strdup ("?");
}

/* The directory exists (made 0700 if not) and only we can change what is in it. */
static gboolean
prepare_dir (const char *dir, char **why)
{
  struct stat st;

  if (g_mkdir_with_parents (dir, 0700) != 0) {
    *why = g_strdup_printf ("cannot create it: %s", g_strerror (errno));
    return FALSE;
  }
  if (g_stat (dir, &st) != 0 || !S_ISDIR (st.st_mode)) {
    *why = g_strdup ("it is not a directory");
    return FALSE;
  }
  if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
    *why = g_strdup_printf ("other users can write to it (mode %04o)", (unsigned) (st.st_mode & 07777));
    return FALSE;
  }
  if (access (dir, W_OK | X_OK) != 0) {
    *why = g_strdup_printf ("cannot write to it: %s", g_strerror (errno));
    return FALSE;
  }
  return TRUE;
}

/* An exclusive advisory lock on the directory, so two processes starting at
 * once agree on one certificate. -1 (and no lock) when it is not to be had
 * within LOCK_WAIT_MS: the file is still replaced atomically. */
static int
lock_dir (const char *dir)
{
  int fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

  for (int waited = 0; fd >= 0; waited += 10) {
    if (flock (fd, LOCK_EX | LOCK_NB) == 0)
      return fd;
    if ((errno != EWOULDBLOCK && errno != EINTR) || waited >= LOCK_WAIT_MS)
      break;
    g_usleep (10 * 1000);
  }
  if (fd >= 0)
    close (fd);
  return -1;
}

/* The file's bytes, if it is a regular file of ours that nobody else can read. */
static char *
read_private_file (const char *path, gsize *len_out, gboolean *missing, char **why)
{
  int fd = open (path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
  struct stat st;
  char *data = NULL;
  gsize len = 0;

  *missing = fd < 0 && errno == ENOENT;
  if (fd < 0) {
    if (!*missing)
      *why = g_strdup_printf (errno == ELOOP ? "it is a symbolic link" : "cannot open it: %s", g_strerror (errno));
    return NULL;
  }
  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode))
    *why = g_strdup ("it is not a regular file");
  else if (st.st_uid != geteuid ())
    *why = g_strdup ("it belongs to another user");
  else if ((st.st_mode & 077) != 0)
    *why = g_strdup_printf ("other users could read it (mode %04o), so its key may be known", (unsigned) (st.st_mode & 07777));
  else if (st.st_size > MC_DTLS_CERT_MAX_FILE_SIZE)
    *why = g_strdup_printf ("it is %lld bytes, too large to be a certificate", (long long) st.st_size);
  else {
    data = g_malloc ((gsize) st.st_size + 1);
    while (len < (gsize) st.st_size) {
      gssize n = read (fd, data + len, (gsize) st.st_size - len);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        break;
      len += (gsize) n;
    }
    data[len] = '\0';
  }
  close (fd);
  *len_out = len;
  return data;
}

static void
wipe_free (char *data, gsize len)
{
  if (data) {
    OPENSSL_cleanse (data, len);
    g_free (data);
  }
}

/* The saved certificate if it is usable now; else NULL, with why it was
 * not (report->warning: something is wrong with it; report->note: due). */
static McDtlsCert *
read_saved (const char *path, gint64 now_s, McDtlsCertReport *report)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *why = NULL;
  g_autofree char *when = NULL;
  gboolean missing = FALSE;
  gsize len = 0;
  char *data = read_private_file (path, &len, &missing, &why);
  McDtlsCert *cert = data ? mc_dtls_cert_from_pem (data, len, &error) : NULL;

  wipe_free (data, len);
  if (missing)
    return NULL;
  if (cert == NULL) {
    report->warning = g_strdup_printf ("the DTLS certificate %s was unusable (%s); made a new one, so peers see a new "
                                       "fingerprint", path, why ? why : error->message);
    return NULL;
  }
  switch (mc_dtls_cert_check_age (cert, now_s)) {
  case MC_DTLS_CERT_CURRENT:
    return cert;
  case MC_DTLS_CERT_DUE:
    when = format_time (mc_dtls_cert_get_not_after (cert));
    report->note = g_strdup_printf ("the DTLS certificate %s expires %s: rotated", path, when);
    break;
  case MC_DTLS_CERT_NOT_YET_VALID:
    when = format_time (mc_dtls_cert_get_not_before (cert));
    report->note = g_strdup_printf ("the DTLS certificate %s is not valid before %s (the clock went back?): rotated",
                                    path, when);
    break;
  }
  mc_dtls_cert_unref (cert);
  return NULL;
}

/* A new certificate for the file (or for memory when it cannot be saved). */
static McDtlsCert *
make_and_save (const char *path, gint64 now_s, McDtlsCertReport *report, GError **error)
{
  g_autoptr (GError) save_error = NULL;
  McDtlsCert *cert = mc_dtls_cert_generate (now_s, error);

  if (cert == NULL)
    return NULL;
  if (g_file_set_contents_full (path, mc_dtls_cert_get_pem (cert), -1,
                                G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE, 0600, &save_error)) {
    report->source = report->warning ? MC_DTLS_CERT_REPLACED : MC_DTLS_CERT_CREATED;
    return cert;
  }
  g_free (report->warning);
  report->warning = g_strdup_printf ("cannot save the DTLS certificate as %s (%s); using a new one for this run only",
                                     path, save_error->message);
  report->source = MC_DTLS_CERT_IN_MEMORY;
  return cert;
}

McDtlsCert *
mc_dtls_cert_load (const char *state_dir, gint64 now_s, McDtlsCertReport *report, GError **error)
{
  g_autofree char *why = NULL;
  McDtlsCert *cert;
  int lock;

  memset (report, 0, sizeof *report);
  report->source = MC_DTLS_CERT_IN_MEMORY;
  if (state_dir == NULL)
    return mc_dtls_cert_generate (now_s, error);
  report->path = g_build_filename (state_dir, MC_DTLS_CERT_FILE, NULL);
  if (!prepare_dir (state_dir, &why)) {
    report->warning = g_strdup_printf ("cannot keep a DTLS certificate in %s (%s); using a new one for this run only",
                                       state_dir, why);
    return mc_dtls_cert_generate (now_s, error);
  }
  lock = lock_dir (state_dir);
  cert = read_saved (report->path, now_s, report);
  if (cert)
    report->source = MC_DTLS_CERT_REUSED;
  else
    cert = make_and_save (report->path, now_s, report, error);
  if (lock >= 0)
    close (lock);   /* releases the flock */
  return cert;
}

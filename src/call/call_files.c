/* File transfer in the call (docs/protocol.md, "File transfer"): one data
 * channel "file:ID" per file and peer (peer_channel.c), the offer, the
 * receiver's answer, 16 KiB binary chunks with back-pressure, the
 * receiver's SHA-256 check and file-done.
 *
 *  - Sending: mc_call_send_file hashes the file in a thread, then offers it
 *    to every matching peer whose chat channel is open, and to matching
 *    peers when theirs opens. At most SEND_HIGH_MARK bytes are buffered
 *    per channel; the file is read (pread) as the channel drains, so memory
 *    stays bounded whatever its size.
 *  - Receiving: accepted when the call has a download directory
 *    (mc_call_set_file_options) and the size is within the limit, else
 *    refused with a reason. The data goes to a hidden ".meshcall-XXXXXX.part"
 *    in that directory; only a whole file with the offered SHA-256 gets its
 *    safe name (talk/file.h), linked so that an existing file is never
 *    overwritten ("NAME (1).EXT", ...). A refusal, a bad hash, a peer that
 *    leaves or a channel that closes first removes the partial file. */
#include "call_private.h"

#include "meshcall/base/log.h"
#include "meshcall/base/text.h"
#include "meshcall/talk/file.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MC_LOG_CATEGORY (&mc_log_media)

#define SEND_HIGH_MARK (1024 * 1024)
#define ASK_TIMEOUT_S 120   /* an offer the user does not answer is refused */

typedef struct {
  McCall *call;
  gboolean sending;
  char *peer_id, *peer_name;
  McPeer *peer;             /* the McPeer the channel belongs to (not a reference) */
  McPeerChannel *channel;
  McFileOffer *offer;       /* what goes / came */
  int fd;                   /* the file read, or the partial file written */
  char *part_path;          /* receiving: the partial file */
  char *dir;                /* receiving: where it goes */
  GChecksum *sum;           /* receiving */
  guint64 done;             /* bytes sent / received */
  gboolean accepted, finished;
  gboolean asked;           /* receiving: waiting for mc_call_answer_file */
  gboolean closed;          /* the other side closed the channel */
  GSource *ask_timer;       /* ... until this gives up */
  gint64 last_report_us;
} Transfer;

/* A file being hashed, then offered to matching peers as they are ready. */
typedef struct {
  McCall *call;
  char *path, *to;
  McFileOffer *offer;       /* NULL while hashing */
  GHashTable *offered_to;   /* peer ids */
} Outgoing;

static void
report (Transfer *t, McCallFileState state, const char *message)
{
  McCallFileEvent ev = {
    .id = t->offer ? t->offer->id : NULL, .ask = t->asked && state == MC_CALL_FILE_OFFERED,
    .sending = t->sending, .peer_id = t->peer_id, .peer_name = t->peer_name,
    .name = t->offer ? t->offer->name : "?", .size = t->offer ? t->offer->size : 0,
    .done = t->done, .state = state, .message = message,
  };
  if (t->call->cb.file_event)
    t->call->cb.file_event (t->call, &ev, t->call->user_data);
}

static void
transfer_free (Transfer *t)
{
  if (t->ask_timer) {
    g_source_destroy (t->ask_timer);
    g_source_unref (t->ask_timer);
  }
  if (t->channel)
    mc_peer_channel_close (t->channel);
  if (t->fd >= 0)
    close (t->fd);
  if (t->part_path) {
    g_unlink (t->part_path);   /* only still set when the file did not complete */
    g_free (t->part_path);
  }
  if (t->sum)
    g_checksum_free (t->sum);
  mc_file_offer_free (t->offer);
  g_free (t->dir);
  g_free (t->peer_id);
  g_free (t->peer_name);
  g_free (t);
}

/* Ends a transfer (from an idle: channel events may still be on the stack). */
static void
finish (Transfer *t, McCallFileState state, const char *message)
{
  if (t->finished)
    return;
  t->finished = TRUE;
  if (state == MC_CALL_FILE_FAILED)
    MC_INFO ("file %s %s %s: %s", t->offer ? t->offer->name : "?", t->sending ? "to" : "from", t->peer_id,
             message);
  if (t->part_path) {
    g_unlink (t->part_path);
    g_clear_pointer (&t->part_path, g_free);
  }
  report (t, state, message);
  /* A receiver leaves the channel for its sender to close: closing it
   * first can overtake our last answer (file-reject, file-done). */
  if (!t->sending && t->channel != NULL && !t->closed)
    return;
  g_ptr_array_remove (t->call->transfers, t);
}

static void
progress (Transfer *t)
{
  gint64 now = g_get_monotonic_time ();

  if (now - t->last_report_us < G_USEC_PER_SEC / 4)
    return;
  t->last_report_us = now;
  report (t, MC_CALL_FILE_PROGRESS, NULL);
}

/* ---- sending ------------------------------------------------------------------ */

static void
send_pump (McPeerChannel *ch, gpointer data)
{
  Transfer *t = data;
  guint8 buf[MC_FILE_CHUNK];

  if (!t->accepted || t->finished)
    return;
  while (t->done < t->offer->size && mc_peer_channel_get_buffered (ch) < SEND_HIGH_MARK) {
    gsize want = (gsize) MIN ((guint64) MC_FILE_CHUNK, t->offer->size - t->done);
    ssize_t n = pread (t->fd, buf, want, (off_t) t->done);
    g_autoptr (GBytes) bytes = NULL;
    g_autoptr (GError) error = NULL;

    if (n <= 0) {
      finish (t, MC_CALL_FILE_FAILED, n < 0 ? g_strerror (errno) : "the file got shorter while it was sent");
      return;
    }
    bytes = g_bytes_new (buf, (gsize) n);
    if (!mc_peer_channel_send_data (ch, bytes, &error)) {
      finish (t, MC_CALL_FILE_FAILED, error->message);
      return;
    }
    t->done += (guint64) n;
  }
  progress (t);
}

static void
send_open (McPeerChannel *ch, gpointer data)
{
  Transfer *t = data;
  g_autofree char *wire = mc_file_encode_offer (t->offer);
  g_autoptr (GError) error = NULL;

  if (!mc_peer_channel_send_text (ch, wire, &error))
    finish (t, MC_CALL_FILE_FAILED, error->message);
  else
    report (t, MC_CALL_FILE_OFFERED, NULL);
}

static void
send_text (McPeerChannel *ch, const char *text, gpointer data)
{
  Transfer *t = data;
  g_autoptr (GError) error = NULL;
  g_autofree char *reason = NULL;
  McFileKind kind;
  gboolean ok = FALSE;

  if (!mc_file_decode (text, strlen (text), &kind, NULL, &reason, &ok, &error)) {
    MC_DEBUG ("file channel from %s: dropped: %s", t->peer_id, error->message);
    return;
  }
  if (kind == MC_FILE_KIND_ACCEPT && !t->accepted) {
    t->accepted = TRUE;
    send_pump (ch, t);
  } else if (kind == MC_FILE_KIND_REJECT) {
    g_autofree char *why = g_strdup_printf ("refused%s%s", reason ? ": " : "", reason ? reason : "");
    finish (t, MC_CALL_FILE_FAILED, why);
  } else if (kind == MC_FILE_KIND_DONE) {
    finish (t, ok ? MC_CALL_FILE_DONE : MC_CALL_FILE_FAILED, ok ? NULL : "the receiver's SHA-256 did not match");
  }
}

static void
channel_closed (McPeerChannel *ch, gpointer data)
{
  Transfer *t = data;

  t->closed = TRUE;
  if (t->finished)
    g_ptr_array_remove (t->call->transfers, t);   /* a receiver's, answered: the sender closed it */
  else
    finish (t, MC_CALL_FILE_FAILED, "the channel closed before the end");
}

static void
offer_to (McCall *call, Outgoing *out, Entry *e)
{
  static const McPeerChannelEvents events = {
    .open = send_open, .text = send_text, .writable = send_pump, .closed = channel_closed,
  };
  Transfer *t = g_new0 (Transfer, 1);
  g_autofree char *label = g_strconcat (MC_FILE_LABEL_PREFIX, out->offer->id, NULL);
  g_autoptr (GError) error = NULL;

  g_hash_table_add (out->offered_to, g_strdup (e->peer_id));
  t->call = call;
  t->sending = TRUE;
  t->peer_id = g_strdup (e->peer_id);
  t->peer_name = g_strdup (e->name);
  t->peer = e->peer;
  t->offer = g_new0 (McFileOffer, 1);
  *t->offer = *out->offer;
  t->offer->id = g_strdup (out->offer->id);
  t->offer->name = g_strdup (out->offer->name);
  t->offer->mime = g_strdup (out->offer->mime);
  t->fd = open (out->path, O_RDONLY | O_CLOEXEC);
  if (t->fd < 0) {
    t->finished = TRUE;
    report (t, MC_CALL_FILE_FAILED, g_strerror (errno));
    transfer_free (t);
    return;
  }
  g_ptr_array_add (call->transfers, t);
  t->channel = mc_peer_channel_open (e->peer, label, &events, t, &error);
  if (t->channel == NULL)
    finish (t, MC_CALL_FILE_FAILED, error->message);
}

static gboolean
matches (Outgoing *out, Entry *e)
{
  return out->to == NULL || g_strcmp0 (out->to, e->name) == 0 || g_strcmp0 (out->to, e->peer_id) == 0;
}

static void
offer_to_ready (McCall *call, Outgoing *out)
{
  GHashTableIter it;
  gpointer value;

  g_hash_table_iter_init (&it, call->entries);
  while (g_hash_table_iter_next (&it, NULL, &value)) {
    Entry *e = value;
    if (e->peer && mc_peer_chat_is_open (e->peer) && matches (out, e) &&
        !g_hash_table_contains (out->offered_to, e->peer_id))
      offer_to (call, out, e);
  }
}

static void
outgoing_free (Outgoing *out)
{
  if (out == NULL)
    return;
  g_free (out->path);
  g_free (out->to);
  mc_file_offer_free (out->offer);
  g_hash_table_destroy (out->offered_to);
  g_free (out);
}

/* The hashing thread. */
static void
hash_file (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  const char *path = data;
  g_autoptr (GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  guint8 buf[64 * 1024];
  int fd = open (path, O_RDONLY | O_CLOEXEC);
  ssize_t n;

  if (fd < 0) {
    g_task_return_new_error (task, G_FILE_ERROR, g_file_error_from_errno (errno), "%s: %s", path, g_strerror (errno));
    return;
  }
  while ((n = read (fd, buf, sizeof buf)) > 0 && !g_cancellable_is_cancelled (cancellable))
    g_checksum_update (sum, buf, n);
  close (fd);
  if (n < 0) {
    g_task_return_new_error (task, G_FILE_ERROR, G_FILE_ERROR_IO, "%s: %s", path, g_strerror (errno));
    return;
  }
  g_task_return_pointer (task, g_strdup (g_checksum_get_string (sum)), g_free);
}

static void
hashed (GObject *source, GAsyncResult *res, gpointer data)
{
  Outgoing *out = data;
  g_autoptr (GError) error = NULL;
  g_autofree char *hex = g_task_propagate_pointer (G_TASK (res), &error);
  McCall *call = out->call;

  if (hex == NULL) {
    if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
      mc_log_error ("cannot send %s: %s", out->path, error->message);
    if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
      g_ptr_array_remove (call->outgoing, out);
    else
      outgoing_free (out);
    return;
  }
  memcpy (out->offer->sha256, hex, 65);
  MC_INFO ("file %s: %" G_GUINT64_FORMAT " bytes, SHA-256 %s", out->path, out->offer->size, hex);
  offer_to_ready (call, out);
}

gboolean
mc_call_send_file (McCall *call, const char *path, const char *to, GError **error)
{
  g_autoptr (GTask) task = NULL;
  g_autofree char *base = g_path_get_basename (path);
  g_autofree char *id = g_uuid_string_random ();
  GStatBuf st;
  Outgoing *out;

  if (g_stat (path, &st) != 0) {
    g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errno), "%s: %s", path, g_strerror (errno));
    return FALSE;
  }
  if (!S_ISREG (st.st_mode)) {
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s is not a regular file", path);
    return FALSE;
  }
  out = g_new0 (Outgoing, 1);
  out->call = call;
  out->path = g_strdup (path);
  out->to = g_strdup (to);
  out->offered_to = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  out->offer = g_new0 (McFileOffer, 1);
  out->offer->id = g_steal_pointer (&id);
  out->offer->name = g_steal_pointer (&base);
  out->offer->size = (guint64) st.st_size;
  out->offer->mime = g_strdup ("application/octet-stream");
  g_ptr_array_add (call->outgoing, out);
  task = g_task_new (NULL, call->files_cancel, hashed, out);
  g_task_set_task_data (task, g_strdup (path), g_free);
  g_task_run_in_thread (task, hash_file);
  return TRUE;
}

/* ---- receiving ---------------------------------------------------------------- */

static void
reply (Transfer *t, const char *json)
{
  g_autoptr (GError) error = NULL;

  if (!mc_peer_channel_send_text (t->channel, json, &error))
    MC_INFO ("file channel to %s: %s", t->peer_id, error->message);
}

static void
refuse (Transfer *t, const char *reason)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) node = NULL;
  g_autofree char *json = NULL;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, "file-reject");
  json_builder_set_member_name (b, "reason");
  json_builder_add_string_value (b, reason);
  json_builder_end_object (b);
  node = json_builder_get_root (b);
  json = json_to_string (node, FALSE);
  reply (t, json);
  finish (t, MC_CALL_FILE_FAILED, reason);
}

/* Links the partial file to a free name in dir: never overwrites. */
static char *
publish (const char *part, const char *dir, const char *safe, GError **error)
{
  const char *dot = strrchr (safe, '.');
  g_autofree char *stem = dot && dot != safe ? g_strndup (safe, dot - safe) : g_strdup (safe);
  const char *ext = dot && dot != safe ? dot : "";

  for (guint i = 0; i < 1000; i++) {
    g_autofree char *name = i == 0 ? g_strdup (safe) : g_strdup_printf ("%s (%u)%s", stem, i, ext);
    g_autofree char *path = g_build_filename (dir, name, NULL);
    if (link (part, path) == 0) {
      g_unlink (part);
      return g_steal_pointer (&path);
    }
    if (errno != EEXIST) {
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errno), "%s: %s", path, g_strerror (errno));
      return NULL;
    }
  }
  g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_EXIST, "1000 files named like %s already in %s", safe, dir);
  return NULL;
}

static void
recv_complete (Transfer *t)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *safe = mc_file_safe_name (t->offer->name);
  g_autofree char *path = NULL;

  close (t->fd);
  t->fd = -1;
  if (strcmp (g_checksum_get_string (t->sum), t->offer->sha256) != 0) {
    reply (t, "{\"type\":\"file-done\",\"ok\":false}");
    finish (t, MC_CALL_FILE_FAILED, "the SHA-256 does not match: removed");
    return;
  }
  path = publish (t->part_path, t->dir, safe, &error);
  if (path == NULL) {
    reply (t, "{\"type\":\"file-done\",\"ok\":false}");
    finish (t, MC_CALL_FILE_FAILED, error->message);
    return;
  }
  g_clear_pointer (&t->part_path, g_free);
  reply (t, "{\"type\":\"file-done\",\"ok\":true}");
  finish (t, MC_CALL_FILE_DONE, path);
}

static void
recv_data (McPeerChannel *ch, GBytes *data, gpointer user_data)
{
  Transfer *t = user_data;
  gsize len;
  const guint8 *p = g_bytes_get_data (data, &len);

  if (!t->accepted || t->finished)
    return;
  if (len > MC_FILE_CHUNK || t->done + len > t->offer->size) {
    refuse (t, len > MC_FILE_CHUNK ? "a chunk over 16 KiB" : "more data than the offered size");
    return;
  }
  while (len > 0) {
    ssize_t n = write (t->fd, p, len);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      refuse (t, g_strerror (errno));
      return;
    }
    g_checksum_update (t->sum, p, (gsize) n);
    t->done += (guint64) n;
    p += n;
    len -= (gsize) n;
  }
  progress (t);
  if (t->done == t->offer->size)
    recv_complete (t);
}

/* Accepted: a partial file in dir, then the data. */
static void
start_receiving (Transfer *t, const char *dir)
{
  /* Not the offered name: a 255-byte one would leave no room for the suffix. */
  g_autofree char *tmpl = g_build_filename (dir, ".meshcall-XXXXXX.part", NULL);

  t->asked = FALSE;
  if (g_mkdir_with_parents (dir, 0755) != 0) {
    refuse (t, g_strerror (errno));
    return;
  }
  t->fd = g_mkstemp_full (tmpl, O_WRONLY | O_CLOEXEC, 0644);   /* XXXXXX before the suffix: g_mkstemp finds it */
  if (t->fd < 0) {
    refuse (t, g_strerror (errno));
    return;
  }
  g_free (t->dir);
  t->dir = g_strdup (dir);
  t->part_path = g_steal_pointer (&tmpl);
  t->sum = g_checksum_new (G_CHECKSUM_SHA256);
  t->accepted = TRUE;
  reply (t, "{\"type\":\"file-accept\"}");
  if (t->offer->size == 0)
    recv_complete (t);
}

static gboolean
on_ask_timeout (gpointer data)
{
  Transfer *t = data;

  g_clear_pointer (&t->ask_timer, g_source_unref);
  refuse (t, "not answered");
  return G_SOURCE_REMOVE;
}

gboolean
mc_call_answer_file (McCall *call, const char *id, gboolean accept)
{
  for (guint i = 0; call->transfers && i < call->transfers->len; i++) {
    Transfer *t = g_ptr_array_index (call->transfers, i);
    if (!t->asked || t->offer == NULL || g_strcmp0 (t->offer->id, id) != 0)
      continue;
    if (t->ask_timer) {
      g_source_destroy (t->ask_timer);
      g_clear_pointer (&t->ask_timer, g_source_unref);
    }
    if (accept)
      start_receiving (t, call->files_ask_dir);
    else
      refuse (t, "refused by the user");
    return TRUE;
  }
  return FALSE;
}

static void
recv_text (McPeerChannel *ch, const char *text, gpointer user_data)
{
  Transfer *t = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (McFileOffer) offer = NULL;
  McFileKind kind;

  if (!mc_file_decode (text, strlen (text), &kind, &offer, NULL, NULL, &error)) {
    MC_DEBUG ("file channel from %s: dropped: %s", t->peer_id, error->message);
    return;
  }
  if (kind != MC_FILE_KIND_OFFER || t->offer != NULL)
    return;
  t->offer = g_steal_pointer (&offer);
  if (t->offer->size > t->call->files_max) {
    g_autofree char *why = g_strdup_printf ("larger than the limit of %" G_GUINT64_FORMAT " bytes", t->call->files_max);
    report (t, MC_CALL_FILE_OFFERED, NULL);
    refuse (t, why);
    return;
  }
  if (t->call->files_dir != NULL) {
    report (t, MC_CALL_FILE_OFFERED, NULL);
    start_receiving (t, t->call->files_dir);
  } else if (t->call->files_ask_dir != NULL && t->call->cb.file_event != NULL) {
    t->asked = TRUE;
    t->ask_timer = g_timeout_source_new_seconds (ASK_TIMEOUT_S);
    g_source_set_callback (t->ask_timer, on_ask_timeout, t, NULL);
    g_source_attach (t->ask_timer, NULL);
    report (t, MC_CALL_FILE_OFFERED, NULL);
  } else {
    report (t, MC_CALL_FILE_OFFERED, NULL);
    refuse (t, "not accepting files");
  }
}

void
call_files_channel_announced (McPeer *peer, McPeerChannel *ch, const char *label, gpointer user_data)
{
  static const McPeerChannelEvents events = { .text = recv_text, .data = recv_data, .closed = channel_closed };
  McCall *call = user_data;
  Entry *e = call_lookup_entry_by_peer (call, peer);
  Transfer *t;

  if (e == NULL || !g_str_has_prefix (label, MC_FILE_LABEL_PREFIX)) {
    MC_INFO ("peer %s: closing a data channel labelled \"%s\"", mc_peer_get_remote_id (peer), label);
    mc_peer_channel_close (ch);
    return;
  }
  t = g_new0 (Transfer, 1);
  t->call = call;
  t->fd = -1;
  t->peer_id = g_strdup (e->peer_id);
  t->peer_name = g_strdup (e->name);
  t->peer = peer;
  t->channel = ch;
  g_ptr_array_add (call->transfers, t);
  mc_peer_channel_set_events (ch, &events, t);
}

/* ---- the call's side -------------------------------------------------------------- */

void
call_files_init (McCall *call)
{
  call->transfers = g_ptr_array_new_with_free_func ((GDestroyNotify) transfer_free);
  call->outgoing = g_ptr_array_new_with_free_func ((GDestroyNotify) outgoing_free);
  call->files_cancel = g_cancellable_new ();
  call->files_max = MC_CALL_DEFAULT_MAX_FILE_SIZE;
}

void
call_files_clear (McCall *call)
{
  g_cancellable_cancel (call->files_cancel);
  /* A hash still running frees its Outgoing when it returns cancelled. */
  if (call->outgoing)
    for (guint i = 0; i < call->outgoing->len; i++)
      if (((Outgoing *) g_ptr_array_index (call->outgoing, i))->offer->sha256[0] == '\0')
        g_ptr_array_index (call->outgoing, i) = NULL;
  g_clear_pointer (&call->transfers, g_ptr_array_unref);
  g_clear_pointer (&call->outgoing, g_ptr_array_unref);
  g_clear_object (&call->files_cancel);
  g_clear_pointer (&call->files_dir, g_free);
  g_clear_pointer (&call->files_ask_dir, g_free);
}

void
call_files_peer_ready (McCall *call, Entry *e)
{
  for (guint i = 0; call->outgoing && i < call->outgoing->len; i++) {
    Outgoing *out = g_ptr_array_index (call->outgoing, i);
    if (out && out->offer->sha256[0] && matches (out, e) && !g_hash_table_contains (out->offered_to, e->peer_id))
      offer_to (call, out, e);
  }
}

/* The McPeer is going: its channels die with it, and so do their transfers. */
void
call_files_peer_gone (McCall *call, McPeer *peer)
{
  for (guint i = call->transfers ? call->transfers->len : 0; i > 0; i--) {
    Transfer *t = g_ptr_array_index (call->transfers, i - 1);
    if (t->peer != peer)
      continue;
    t->channel = NULL;   /* the peer frees it */
    if (t->finished)
      g_ptr_array_remove (call->transfers, t);
    else
      finish (t, MC_CALL_FILE_FAILED, "the connection went away");
  }
}

void
mc_call_set_file_options (McCall *call, const char *accept_dir, const char *ask_dir, guint64 max_size)
{
  g_free (call->files_dir);
  call->files_dir = g_strdup (accept_dir);
  g_free (call->files_ask_dir);
  call->files_ask_dir = g_strdup (ask_dir);
  call->files_max = max_size > 0 ? max_size : MC_CALL_DEFAULT_MAX_FILE_SIZE;
}

void
call_files_format_status (McCall *call, GString *s)
{
  for (guint i = 0; call->transfers && i < call->transfers->len; i++) {
    Transfer *t = g_ptr_array_index (call->transfers, i);
    g_autofree char *name = NULL;
    if (t->offer == NULL || !t->accepted)
      continue;
    name = mc_text_sanitize (t->offer->name);   /* theirs: printed on a terminal */
    g_string_append_printf (s, " | file %s %s %s %.0f%%", name, t->sending ? "to" : "from", t->peer_name,
                            t->offer->size ? 100.0 * (double) t->done / (double) t->offer->size : 100.0);
  }
}

/* Engine.IO v4 packet codec: one packet per websocket text frame, polling
 * bodies joined by '\x1e', binary as 'b' + strict base64. Everything here
 * parses bytes that came off the network: every scan is bounded by the
 * length it was given and every rejection names what was wrong and at which
 * byte. Validation mirrors engine.io-parser 5. */
#include "meshcall/proto/eio_packet.h"
#include "meshcall/base/text.h"

#include <string.h>

G_DEFINE_QUARK (mc-sio-error-quark, mc_sio_error)

#define EIO_SEPARATOR '\x1e'

/* ---- base64 (strict: standard alphabet, '=' padding only at the end) ------- */

static int
base64_value (guchar ch)
{
  if (ch >= 'A' && ch <= 'Z')
    return ch - 'A';
  if (ch >= 'a' && ch <= 'z')
    return ch - 'a' + 26;
  if (ch >= '0' && ch <= '9')
    return ch - '0' + 52;
  if (ch == '+')
    return 62;
  if (ch == '/')
    return 63;
  return -1;
}

static GBytes *
base64_decode (const char *what, const char *s, gsize len, gsize base, GError **error)
{
  gsize n = len;
  guchar *out, *o;
  guint32 acc = 0;
  guint bits = 0;

  /* Padding is optional, but when present it must complete a 4-char group. */
  if (n > 0 && s[n - 1] == '=')
    n--;
  if (n > 0 && s[n - 1] == '=')
    n--;
  for (gsize i = 0; i < n; i++) {
    if (base64_value ((guchar) s[i]) < 0) {
      char got[16];
      mc_text_describe_byte (got, sizeof got, (guchar) s[i]);
      g_set_error (error, MC_SIO_ERROR, MC_SIO_ERROR_BAD_BASE64,
                   "%s: invalid base64 character %s at byte %" G_GSIZE_FORMAT, what, got, base + i);
      return NULL;
    }
  }
  if (n < len && len % 4 != 0) {
    g_set_error (error, MC_SIO_ERROR, MC_SIO_ERROR_BAD_BASE64,
                 "%s: base64 padding at byte %" G_GSIZE_FORMAT " does not end a 4-character group", what,
                 base + n);
    return NULL;
  }
  if (n % 4 == 1) {
    g_set_error (error, MC_SIO_ERROR, MC_SIO_ERROR_BAD_BASE64,
                 "%s: truncated base64 ending at byte %" G_GSIZE_FORMAT " (%" G_GSIZE_FORMAT
                 " characters, one too many for whole bytes)", what, base + len, n);
    return NULL;
  }

  out = o = g_malloc (n / 4 * 3 + 3);
  for (gsize i = 0; i < n; i++) {
    acc = (acc << 6) | (guint32) base64_value ((guchar) s[i]);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      *o++ = (guchar) (acc >> bits);
    }
  }
  return g_bytes_new_take (out, (gsize) (o - out));
}

/* ---- Engine.IO ----------------------------------------------------------- */

/* Copy with a NUL after the data, so text packets read as C strings. */
static GBytes *
text_bytes (const char *text, gsize len)
{
  char *copy = g_malloc (len + 1);

  if (len)
    memcpy (copy, text, len);
  copy[len] = '\0';
  return g_bytes_new_take (copy, len);
}

McEioPacket *
mc_eio_packet_new (McEioType type, const char *text)
{
  McEioPacket *packet = g_new0 (McEioPacket, 1);

  packet->type = type;
  packet->data = text_bytes (text ? text : "", text ? strlen (text) : 0);
  return packet;
}

McEioPacket *
mc_eio_packet_new_binary (GBytes *bytes)
{
  McEioPacket *packet = g_new0 (McEioPacket, 1);

  packet->type = MC_EIO_MESSAGE;
  packet->binary = TRUE;
  packet->data = bytes ? g_bytes_ref (bytes) : g_bytes_new (NULL, 0);
  return packet;
}

void
mc_eio_packet_free (McEioPacket *packet)
{
  if (!packet)
    return;
  g_clear_pointer (&packet->data, g_bytes_unref);
  g_free (packet);
}

const char *
mc_eio_packet_get_text (const McEioPacket *packet, gsize *len)
{
  gsize size = 0;
  const char *data;

  g_return_val_if_fail (packet != NULL, NULL);
  if (packet->binary)
    return NULL;
  data = packet->data ? g_bytes_get_data (packet->data, &size) : NULL;
  if (len)
    *len = data ? size : 0;
  return data ? data : "";
}

/* "Engine.IO packet" or "polling payload, packet N", for messages. */
static char *
eio_what (int index)
{
  return index < 0 ? g_strdup ("Engine.IO packet") : g_strdup_printf ("polling payload, packet %d", index);
}

/* One packet of text[0..len); index is its place in a polling payload, or -1. */
static McEioPacket *
eio_decode_one (int index, const char *text, gsize len, gsize base, GError **error)
{
  guchar type;
  McEioPacket *packet;

  if (len == 0) {
    g_autofree char *what = eio_what (index);
    g_set_error (error, MC_SIO_ERROR, MC_SIO_ERROR_EMPTY, "%s: empty packet at byte %" G_GSIZE_FORMAT, what,
                 base);
    return NULL;
  }
  type = (guchar) text[0];
  if (type == 'b') {
    g_autofree char *what = eio_what (index);
    GBytes *bytes = base64_decode (what, text + 1, len - 1, base + 1, error);
    if (!bytes)
      return NULL;
    packet = mc_eio_packet_new_binary (bytes);
    g_bytes_unref (bytes);
    return packet;
  }
  if (type < '0' || type > '6') {
    g_autofree char *what = eio_what (index);
    char got[16];
    mc_text_describe_byte (got, sizeof got, type);
    g_set_error (error, MC_SIO_ERROR, MC_SIO_ERROR_BAD_TYPE,
                 "%s: unknown packet type %s at byte %" G_GSIZE_FORMAT " (expected 0-6 or 'b')", what, got, base);
    return NULL;
  }
  packet = g_new0 (McEioPacket, 1);
  packet->type = (McEioType) (type - '0');
  packet->data = text_bytes (text + 1, len - 1);
  return packet;
}

McEioPacket *
mc_eio_packet_decode (const char *text, gsize len, GError **error)
{
  const char *what = "Engine.IO packet";

  g_return_val_if_fail (text != NULL || len == 0, NULL);

  if (len == 0) {
    g_set_error (error, MC_SIO_ERROR, MC_SIO_ERROR_EMPTY, "%s: empty", what);
    return NULL;
  }
  if (!mc_text_check_utf8 (what, text, len, 0, MC_SIO_ERROR, MC_SIO_ERROR_BAD_UTF8, error))
    return NULL;
  return eio_decode_one (-1, text, len, 0, error);
}

static void
eio_append (GString *out, const McEioPacket *packet)
{
  gsize size = 0;
  const guchar *data = packet->data ? g_bytes_get_data (packet->data, &size) : NULL;

  if (packet->binary) {
    g_autofree char *b64 = g_base64_encode (data, data ? size : 0);
    g_string_append_c (out, 'b');
    g_string_append (out, b64);
  } else {
    g_string_append_c (out, (char) ('0' + packet->type));
    if (data)
      g_string_append_len (out, (const char *) data, (gssize) size);
  }
}

char *
mc_eio_packet_encode (const McEioPacket *packet)
{
  GString *out;

  g_return_val_if_fail (packet != NULL, NULL);
  out = g_string_new (NULL);
  eio_append (out, packet);
  return g_string_free (out, FALSE);
}

GPtrArray *
mc_eio_payload_decode (const char *body, gsize len, GError **error)
{
  g_autoptr (GPtrArray) packets = NULL;
  gsize start = 0;

  g_return_val_if_fail (body != NULL || len == 0, NULL);

  if (len == 0) {
    g_set_error (error, MC_SIO_ERROR, MC_SIO_ERROR_EMPTY, "polling payload: empty");
    return NULL;
  }
  if (!mc_text_check_utf8 ("polling payload", body, len, 0, MC_SIO_ERROR, MC_SIO_ERROR_BAD_UTF8, error))
    return NULL;

  packets = g_ptr_array_new_with_free_func ((GDestroyNotify) mc_eio_packet_free);
  for (int index = 0;; index++) {
    const char *sep = memchr (body + start, EIO_SEPARATOR, len - start);
    gsize end = sep ? (gsize) (sep - body) : len;
    McEioPacket *packet = eio_decode_one (index, body + start, end - start, start, error);

    if (!packet)
      return NULL;
    g_ptr_array_add (packets, packet);
    if (!sep)
      break;
    start = end + 1;
  }
  return g_steal_pointer (&packets);
}

char *
mc_eio_payload_encode (GPtrArray *packets)
{
  GString *out;

  g_return_val_if_fail (packets != NULL, NULL);
  out = g_string_new (NULL);
  for (guint i = 0; i < packets->len; i++) {
    if (i)
      g_string_append_c (out, EIO_SEPARATOR);
    eio_append (out, g_ptr_array_index (packets, i));
  }
  return g_string_free (out, FALSE);
}


/* Helpers shared by the server library (server_util.h). */
#include "server_util.h"

#include <sys/random.h>

char *
mc_server_random_id (void)
{
  guint8 bytes[15];
  gsize n = 0;
  char *id;

  while (n < sizeof bytes) {
    ssize_t r = getrandom (bytes + n, sizeof bytes - n, 0);
    if (r <= 0)
      break;
    n += (gsize) r;
  }
  for (; n < sizeof bytes; n++)
    bytes[n] = (guint8) g_random_int_range (0, 256);
  id = g_base64_encode (bytes, sizeof bytes);
  for (char *p = id; *p; p++) {
    if (*p == '+')
      *p = '-';
    else if (*p == '/')
      *p = '_';
  }
  return id;
}

GSource *
mc_server_timeout_add (GMainContext *context, guint ms, GSourceFunc func, gpointer data)
{
  GSource *source = g_timeout_source_new (ms);

  g_source_set_callback (source, func, data, NULL);
  g_source_attach (source, context);
  return source;
}

void
mc_server_source_clear (GSource **source)
{
  if (*source) {
    g_source_destroy (*source);
    g_source_unref (*source);
    *source = NULL;
  }
}

gboolean
mc_server_token_equal (const char *given, const char *expected)
{
  g_autofree char *a = g_compute_checksum_for_string (G_CHECKSUM_SHA256, given, -1);
  g_autofree char *b = g_compute_checksum_for_string (G_CHECKSUM_SHA256, expected, -1);
  guint diff = 0;

  for (gsize i = 0; a[i] && b[i]; i++)
    diff |= (guint) (a[i] ^ b[i]);
  return diff == 0;
}

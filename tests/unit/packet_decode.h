/* What the packet codec tests share (test_eio_packet.c, test_sio_packet.c):
 * every decoder call gets an exact-size heap copy of its input (no trailing
 * NUL), so AddressSanitizer and valgrind catch any read past len; expected
 * rejections are checked for their MC_SIO_ERROR code. */
#pragma once

#include "meshcall/base/json.h"
#include "meshcall/proto/sio_packet.h"

#include <string.h>

typedef enum { DECODE_EIO, DECODE_PAYLOAD, DECODE_SIO } DecodeKind;

G_GNUC_UNUSED static gpointer
decode_exact (DecodeKind kind, const char *input, gsize len, GError **error)
{
  g_autofree char *copy = g_memdup2 (input, len);

  switch (kind) {
  case DECODE_EIO: return mc_eio_packet_decode (copy, len, error);
  case DECODE_PAYLOAD: return mc_eio_payload_decode (copy, len, error);
  case DECODE_SIO: return mc_sio_packet_decode (copy, len, error);
  }
  g_assert_not_reached ();
}

G_GNUC_UNUSED static McSioPacket *
sio_decode (const char *text, GError **error)
{
  return decode_exact (DECODE_SIO, text, strlen (text), error);
}

G_GNUC_UNUSED static McEioPacket *
eio_decode (const char *text, gsize len, GError **error)
{
  return decode_exact (DECODE_EIO, text, len, error);
}

G_GNUC_UNUSED static GPtrArray *
payload_decode (const char *text, gsize len, GError **error)
{
  return decode_exact (DECODE_PAYLOAD, text, len, error);
}

/* Asserts rejection with code; returns the message for further checks. */
G_GNUC_UNUSED static char *
expect_error (DecodeKind kind, const char *input, gsize len, McSioError code)
{
  g_autoptr (GError) error = NULL;
  gpointer result = decode_exact (kind, input, len, &error);
  char *message;

  if (result) {
    g_autofree char *shown = g_strescape (input, NULL);
    g_test_fail_printf ("'%s' was accepted, expected error code %d", shown, code);
    if (kind == DECODE_PAYLOAD)
      g_ptr_array_unref (result);
    else if (kind == DECODE_EIO)
      mc_eio_packet_free (result);
    else
      mc_sio_packet_free (result);
    return g_strdup ("");
  }
  g_assert_nonnull (error);
  if (!g_error_matches (error, MC_SIO_ERROR, (gint) code)) {
    g_autofree char *shown = g_strescape (input, NULL);
    g_test_fail_printf ("'%s': expected code %d, got %d: %s", shown, code, error->code, error->message);
  }
  g_assert_true (g_utf8_validate (error->message, -1, NULL));
  g_test_message ("rejected: %s", error->message);
  message = g_strdup (error->message);
  return message;
}

G_GNUC_UNUSED static void
expect_sio_error (const char *text, McSioError code)
{
  g_free (expect_error (DECODE_SIO, text, strlen (text), code));
}

G_GNUC_UNUSED static JsonNode *
json (const char *text)
{
  g_autoptr (GError) error = NULL;
  JsonNode *node = mc_json_decode (text, strlen (text), &error);

  g_assert_no_error (error);
  return node;
}

G_GNUC_UNUSED static void
assert_json_equal (JsonNode *node, const char *expected)
{
  g_autoptr (JsonNode) want = expected ? json (expected) : NULL;

  if (!want) {
    g_assert_null (node);
    return;
  }
  g_assert_nonnull (node);
  if (!json_node_equal (node, want)) {
    g_autofree char *got = mc_json_encode (node);
    g_test_fail_printf ("JSON %s != expected %s", got, expected);
  }
}

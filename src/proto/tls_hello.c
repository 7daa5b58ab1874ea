/* The first bytes of a TLS connection (tls_hello.h). */
#include "meshcall/proto/tls_hello.h"

#define TLS_CONTENT_HANDSHAKE 22
#define TLS_HANDSHAKE_CLIENT_HELLO 1

static McTlsHelloVerdict
garbage (const char **why, const char *text)
{
  if (why)
    *why = text;
  return MC_TLS_HELLO_GARBAGE;
}

McTlsHelloVerdict
mc_tls_hello_check (const guint8 *head, gsize len, gsize available, const char **why)
{
  gsize body;

  g_return_val_if_fail (len <= available, MC_TLS_HELLO_GARBAGE);
  if (why)
    *why = NULL;
  if (len == 0)
    return MC_TLS_HELLO_MORE;
  /* Every HTTP method is capital letters (RFC 9110 section 9). */
  if (head[0] >= 'A' && head[0] <= 'Z')
    return MC_TLS_HELLO_PLAIN_HTTP;
  if (head[0] != TLS_CONTENT_HANDSHAKE)
    return garbage (why, "the first record is not a TLS handshake");
  if (len < 2)
    return MC_TLS_HELLO_MORE;
  if (head[1] != 3)
    return garbage (why, "not a TLS record version (3.x)");
  if (len < MC_TLS_RECORD_HEADER)
    return MC_TLS_HELLO_MORE;
  body = ((gsize) head[3] << 8) | head[4];
  if (body == 0 || body > MC_TLS_RECORD_MAX_BODY)
    return garbage (why, "a TLS record length out of range");
  if (len < MC_TLS_HELLO_PEEK)
    return MC_TLS_HELLO_MORE;
  if (head[5] != TLS_HANDSHAKE_CLIENT_HELLO)
    return garbage (why, "the first handshake message is not a ClientHello");
  return available >= MC_TLS_RECORD_HEADER + body ? MC_TLS_HELLO_COMPLETE : MC_TLS_HELLO_MORE;
}

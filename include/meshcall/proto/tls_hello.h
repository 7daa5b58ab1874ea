/* The first bytes of a connection to a TLS listener, judged before any TLS
 * work is done for it (`meshcall serve --tls-cert`, docs/protocol.md
 * "Transport: TLS"). Pure: no I/O, fuzzed (fuzz_tls_hello).
 *
 * A TLS client starts with a handshake record (RFC 8446 section 5.1: type
 * 22, legacy version 3.x, a length of at most 2^14) holding a ClientHello
 * (handshake type 1). The server starts a handshake only once that whole
 * record has arrived, so a client that connects and sends nothing, or
 * drips, costs no handshake; a plain HTTP request (a method in capitals)
 * can be answered in plain text; anything else is refused at once. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define MC_TLS_RECORD_HEADER 5
#define MC_TLS_RECORD_MAX_BODY 16384   /* 2^14, RFC 8446 section 5.1 */
/* Bytes the verdict looks at; more change nothing. */
#define MC_TLS_HELLO_PEEK (MC_TLS_RECORD_HEADER + 1)

typedef enum {
  MC_TLS_HELLO_MORE,        /* too few bytes yet to say */
  MC_TLS_HELLO_COMPLETE,    /* a ClientHello record, all of it arrived */
  MC_TLS_HELLO_PLAIN_HTTP,  /* a plain-text HTTP request on the TLS port */
  MC_TLS_HELLO_GARBAGE,     /* not TLS: refuse (why says what was seen) */
} McTlsHelloVerdict;

/* head: the first min(available, MC_TLS_HELLO_PEEK) bytes of the
 * connection; available: every byte that has arrived so far (len <=
 * available). why (nullable) gets a static phrase for GARBAGE. */
McTlsHelloVerdict mc_tls_hello_check (const guint8 *head, gsize len, gsize available, const char **why);

G_END_DECLS

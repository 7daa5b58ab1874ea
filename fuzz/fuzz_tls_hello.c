/* libFuzzer target for the verdict on a TLS listener's first bytes
 * (proto/tls_hello.h), which sees every connection to `meshcall serve
 * --tls-cert` before anything else does.
 *
 * The input is what a client sends; it is judged as it would arrive, after
 * every byte. Checked, whatever the bytes:
 *  - a ClientHello is complete only when its whole record has arrived, and
 *    starts 0x16 0x03 .. 0x01 with a length of 1 to 2^14;
 *  - plain HTTP exactly when the first byte is a capital letter;
 *  - a refusal always says why;
 *  - once not "more", the verdict never changes as more bytes arrive.
 * Any disagreement aborts. */
#include "meshcall/proto/tls_hello.h"
#include "fuzz_common.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  McTlsHelloVerdict settled = MC_TLS_HELLO_MORE;

  for (gsize n = 0; n <= size; n++) {
    const char *why = NULL;
    gsize len = MIN (n, MC_TLS_HELLO_PEEK);
    McTlsHelloVerdict v = mc_tls_hello_check (data, len, n, &why);

    CHECK ((v == MC_TLS_HELLO_GARBAGE) == (why != NULL && why[0] != '\0'));
    CHECK ((v == MC_TLS_HELLO_PLAIN_HTTP) == (n > 0 && data[0] >= 'A' && data[0] <= 'Z'));
    if (v == MC_TLS_HELLO_COMPLETE) {
      gsize body = ((gsize) data[3] << 8) | data[4];
      CHECK (len == MC_TLS_HELLO_PEEK && data[0] == 0x16 && data[1] == 0x03 && data[5] == 0x01);
      CHECK (body >= 1 && body <= MC_TLS_RECORD_MAX_BODY && n >= MC_TLS_RECORD_HEADER + body);
    }
    CHECK (settled == MC_TLS_HELLO_MORE || v == settled);
    settled = v;
  }
  return 0;
}

/* libFuzzer target for the report blocks read out of received RTCP
 * (peer/rtcp_report.h), which the peer runs on every RTCP packet the remote
 * sends before rtpsession sees it. From a heap copy of exactly the input's
 * length (ASan sees any read past it), any broken rule aborts:
 *   - a refusal is MC_RTCP_ERROR_MALFORMED with a readable message, and
 *     then no block is found;
 *   - a block found is about the SSRC asked for, with a 24-bit loss count;
 *   - the round trip of any block is -1 or within 0..60 s.
 * The SSRC asked for is the first four bytes' (so mutations can hit it) and
 * a fixed one. Seed corpus fuzz/corpora/fuzz_rtcp/: good-* are valid RTCP
 * (with or without a block for 0x11223344), bad-* are not;
 * tests/unit/test_rtcp_report.c checks every file's verdict. */
#include "meshcall/peer/rtcp_report.h"

#include <gst/gst.h>

/* GstRTCPBuffer reads a GstBuffer. The first refusal and the first parse
 * register quarks and types once per process (GLib's quark array grows
 * past 2048 entries after gst_init): made here, before libFuzzer counts
 * leaks per input, they are not reported as one. */
static void warm_up (void);
#define MC_FUZZ_INIT                                                                                     \
  do {                                                                                                   \
    gst_init (NULL, NULL);                                                                               \
    warm_up ();                                                                                          \
  } while (0)
#include "fuzz_common.h"

static void
check (const guint8 *data, gsize size, guint32 ssrc)
{
  g_autoptr (GError) error = NULL;
  McRtcpReport r = { 0 };
  gboolean found = mc_rtcp_report_find (data, size, ssrc, &r, &error);

  if (error != NULL) {
    CHECK (!found);
    CHECK (error->domain == MC_RTCP_ERROR && error->code == MC_RTCP_ERROR_MALFORMED);
    CHECK (error->message != NULL && error->message[0] != '\0' && g_utf8_validate (error->message, -1, NULL));
    return;
  }
  if (!found)
    return;
  CHECK (r.ssrc == ssrc);
  CHECK (r.cumulative_lost >= -(1 << 23) && r.cumulative_lost < (1 << 23));
  for (gint64 t = 0; t < 4; t++) {
    double rtt = mc_rtcp_report_rtt_ms (&r, G_GINT64_CONSTANT (1764600000000000) + t * 700000);
    CHECK (rtt == -1 || (rtt >= 0 && rtt <= 60000));
  }
}

static void
warm_up (void)
{
  /* An empty packet (refused) and a receiver report with one block about 0x11223344. */
  static const guint8 rr[] = { 0x81, 0xc9, 0x00, 0x07, 0xde, 0xad, 0xbe, 0xef, 0x11, 0x22, 0x33, 0x44,
                               0x10, 0x00, 0x00, 0x05, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x10,
                               0x12, 0x34, 0x56, 0x78, 0x00, 0x00, 0x10, 0x00 };

  check ((const guint8 *) "", 0, 0x11223344);
  check (rr, sizeof rr, 0x11223344);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autofree guint8 *copy = g_memdup2 (data, size);
  guint32 first = size >= 4 ? GUINT32_FROM_BE (*(const guint32 *) (gconstpointer) data) : 0;

  check (copy, size, 0x11223344);
  check (copy, size, first);
  return 0;
}

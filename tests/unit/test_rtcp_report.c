/* Report blocks out of received RTCP (peer/rtcp_report.h): the block about
 * our video among others, nothing for a packet without one, a refusal for
 * bytes that are not RTCP, the round trip from LSR/DLSR, and the verdict of
 * every seed of fuzz/corpora/fuzz_rtcp/. */
#include "meshcall/peer/rtcp_report.h"
#include "corpus.h"

#include <gst/gst.h>
#include <string.h>

#define VIDEO 0x11223344u
#define AUDIO 0x55667788u

static gsize
put_rb (guint8 *p, guint32 ssrc, guint8 fraction, gint32 lost, guint32 highest, guint32 jitter, guint32 lsr,
        guint32 dlsr)
{
  guint32 words[6] = { g_htonl (ssrc), g_htonl (((guint32) fraction << 24) | ((guint32) lost & 0xffffff)),
                       g_htonl (highest), g_htonl (jitter), g_htonl (lsr), g_htonl (dlsr) };
  memcpy (p, words, sizeof words);
  return sizeof words;
}

/* An RR from 0xaaaa0001 with blocks about (first, second); n_blocks 0..2. */
static gsize
make_rr (guint8 *buf, guint n_blocks, guint32 first, guint32 second)
{
  gsize len = 8;
  guint32 sender = g_htonl (0xaaaa0001);

  memcpy (buf + 4, &sender, 4);
  if (n_blocks > 0)
    len += put_rb (buf + len, first, first == VIDEO ? 64 : 0, first == VIDEO ? 12 : 0, 5000, 90, 0x12345678, 0x8000);
  if (n_blocks > 1)
    len += put_rb (buf + len, second, second == VIDEO ? 64 : 0, second == VIDEO ? 12 : 0, 5000, 90, 0x12345678, 0x8000);
  buf[0] = 0x80 | n_blocks;
  buf[1] = 201;
  buf[2] = 0;
  buf[3] = (guint8) (len / 4 - 1);
  return len;
}

static void
test_find (void)
{
  guint8 buf[64];
  McRtcpReport r;
  gsize len;

  /* Ours is found whichever block it is. */
  len = make_rr (buf, 2, AUDIO, VIDEO);
  g_assert_true (mc_rtcp_report_find (buf, len, VIDEO, &r, NULL));
  g_assert_cmphex (r.ssrc, ==, VIDEO);
  g_assert_cmpuint (r.fraction_lost, ==, 64);
  g_assert_cmpint (r.cumulative_lost, ==, 12);
  g_assert_cmpuint (r.ext_highest_seq, ==, 5000);
  g_assert_cmpuint (r.jitter, ==, 90);
  g_assert_cmphex (r.lsr, ==, 0x12345678);
  g_assert_cmphex (r.dlsr, ==, 0x8000);
  len = make_rr (buf, 2, VIDEO, AUDIO);
  g_assert_true (mc_rtcp_report_find (buf, len, VIDEO, &r, NULL));
  g_assert_cmpuint (r.fraction_lost, ==, 64);
  g_assert_true (mc_rtcp_report_find (buf, len, AUDIO, &r, NULL));
  g_assert_cmpuint (r.fraction_lost, ==, 0);

  /* No block about it: FALSE, no error. */
  {
    g_autoptr (GError) error = NULL;
    len = make_rr (buf, 1, AUDIO, 0);
    g_assert_false (mc_rtcp_report_find (buf, len, VIDEO, &r, &error));
    g_assert_no_error (error);
    len = make_rr (buf, 0, 0, 0);
    g_assert_false (mc_rtcp_report_find (buf, len, VIDEO, &r, &error));
    g_assert_no_error (error);
  }
  /* Not RTCP: refused, saying so. */
  {
    g_autoptr (GError) error = NULL;
    len = make_rr (buf, 2, AUDIO, VIDEO);
    g_assert_false (mc_rtcp_report_find (buf, len - 3, VIDEO, &r, &error));
    g_assert_error (error, MC_RTCP_ERROR, MC_RTCP_ERROR_MALFORMED);
    g_assert_nonnull (strstr (error->message, "RTCP"));
  }
  {
    g_autoptr (GError) error = NULL;
    g_assert_false (mc_rtcp_report_find (NULL, 0, VIDEO, &r, &error));
    g_assert_error (error, MC_RTCP_ERROR, MC_RTCP_ERROR_MALFORMED);
  }
}

/* NTP short format (16.16) of a real time, as rtpsession stamps its SRs. */
static guint32
ntp_short (gint64 real_us)
{
  guint64 secs = (guint64) real_us / G_USEC_PER_SEC + G_GUINT64_CONSTANT (2208988800);
  guint64 frac = ((guint64) real_us % G_USEC_PER_SEC << 32) / G_USEC_PER_SEC;
  return (guint32) (((secs & 0xffff) << 16) | (frac >> 16));
}

static void
test_rtt (void)
{
  gint64 sent = G_GINT64_CONSTANT (1764600000) * G_USEC_PER_SEC + 123456;
  McRtcpReport r = { .ssrc = VIDEO, .lsr = ntp_short (sent), .dlsr = 0x8000 /* 0.5 s */ };

  /* Sent at `sent`, held 0.5 s by them, back 0.55 s after: 50 ms. */
  g_assert_cmpfloat_with_epsilon (mc_rtcp_report_rtt_ms (&r, sent + 550000), 50.0, 0.1);
  /* Across the 16-bit seconds wrap of the short format. */
  sent = (G_GINT64_CONSTANT (2208988800) * -1 + (G_GINT64_CONSTANT (1) << 32) + 65535) * G_USEC_PER_SEC + 900000;
  r.lsr = ntp_short (sent);
  r.dlsr = 0;
  g_assert_cmpfloat_with_epsilon (mc_rtcp_report_rtt_ms (&r, sent + 200000), 200.0, 0.1);
  /* No SR of ours reached them yet; or a clock that jumped back. */
  r.lsr = 0;
  g_assert_cmpfloat (mc_rtcp_report_rtt_ms (&r, sent), ==, -1);
  r.lsr = ntp_short (sent + 2 * G_USEC_PER_SEC);
  g_assert_cmpfloat (mc_rtcp_report_rtt_ms (&r, sent), ==, -1);
}

static gboolean
corpus_verdict (const char *name, const char *data, gsize len, GError **error)
{
  McRtcpReport r;

  if (mc_rtcp_report_find ((const guint8 *) data, len, VIDEO, &r, error))
    return TRUE;
  return error == NULL || *error == NULL;
}

static void
test_corpus (void)
{
  mc_test_check_corpus ("fuzz_rtcp", 8, corpus_verdict);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  gst_init (NULL, NULL);   /* GstRTCPBuffer reads a GstBuffer */
  g_test_add_func ("/rtcp-report/find", test_find);
  g_test_add_func ("/rtcp-report/rtt", test_rtt);
  g_test_add_func ("/rtcp-report/corpus", test_corpus);
  return g_test_run ();
}

/* SDP/candidate validation and look-ups (see peer_sdp.h). */
#include "meshcall/peer/peer_sdp.h"
#include "meshcall/peer/peer.h"
#include "meshcall/peer/dtls_cert.h"
#include "meshcall/base/log.h"

#include <gio/gio.h>
#include <stdlib.h>
#include <string.h>

#define MC_LOG_CATEGORY (&mc_log_media)

G_DEFINE_QUARK (mc-sdp-error-quark, mc_sdp_error)

GstSDPMessage *
mc_peer_sdp_parse (const char *text, GError **error)
{
  GstSDPMessage *sdp = NULL;

  if (text == NULL || !g_str_has_prefix (text, "v=")) {
    g_set_error (error, MC_SDP_ERROR, MC_SDP_ERROR_INVALID, "SDP does not start with 'v='");
    return NULL;
  }
  if (gst_sdp_message_new_from_text (text, &sdp) != GST_SDP_OK || sdp == NULL) {
    g_set_error (error, MC_SDP_ERROR, MC_SDP_ERROR_INVALID, "SDP could not be parsed");
    return NULL;
  }
  return sdp;
}

static const char *
media_or_session_attr (const GstSDPMessage *sdp, const GstSDPMedia *media, const char *key)
{
  const char *v = gst_sdp_media_get_attribute_val (media, key);
  return v ? v : gst_sdp_message_get_attribute_val (sdp, key);
}

/* An RTP payload type (0..127) at the start of `s`, its end in *end; -1
 * when `s` does not start with one. */
static int
parse_pt (const char *s, const char **end)
{
  int pt = 0;
  guint digits = 0;

  while (g_ascii_isdigit (s[digits]) && digits < 4)
    pt = pt * 10 + (s[digits++] - '0');
  *end = s + digits;
  return digits > 0 && digits < 4 && pt <= 127 ? pt : -1;
}

int
mc_peer_sdp_find_payload (const GstSDPMedia *media, const char *encoding)
{
  int fallback = -1;
  gsize enc_len = strlen (encoding);

  for (guint i = 0; i < gst_sdp_media_formats_len (media); i++) {
    const char *fmt_end;
    int pt = parse_pt (gst_sdp_media_get_format (media, i), &fmt_end);
    if (pt < 0 || *fmt_end != '\0')
      continue;
    for (guint a = 0; a < gst_sdp_media_attributes_len (media); a++) {
      const GstSDPAttribute *attr = gst_sdp_media_get_attribute (media, a);
      const char *end;
      if (g_strcmp0 (attr->key, "rtpmap") != 0 || attr->value == NULL)
        continue;
      if (parse_pt (attr->value, &end) != pt || *end != ' ')
        continue;
      if (g_ascii_strncasecmp (end + 1, encoding, enc_len) != 0 || end[1 + enc_len] != '/')
        continue;
      if (g_ascii_strcasecmp (encoding, "H264") != 0)
        return pt;
      /* H264: want packetization-mode=1 and a baseline profile browsers share. */
      for (guint b = 0; b < gst_sdp_media_attributes_len (media); b++) {
        const GstSDPAttribute *f = gst_sdp_media_get_attribute (media, b);
        const char *fend;
        if (g_strcmp0 (f->key, "fmtp") != 0 || f->value == NULL)
          continue;
        if (parse_pt (f->value, &fend) != pt)
          continue;
        if (strstr (fend, "packetization-mode=1") != NULL &&
            (strstr (fend, "profile-level-id=42e0") != NULL || strstr (fend, "profile-level-id=4200") != NULL))
          return pt;
      }
      if (fallback < 0)
        fallback = pt;
    }
  }
  return fallback;
}

guint
mc_peer_sdp_twcc_id (const GstSDPMedia *media)
{
  for (guint a = 0; a < gst_sdp_media_attributes_len (media); a++) {
    const GstSDPAttribute *attr = gst_sdp_media_get_attribute (media, a);
    char *end;
    long id;
    if (g_strcmp0 (attr->key, "extmap") != 0 || attr->value == NULL)
      continue;
    id = strtol (attr->value, &end, 10);
    if (*end == '/')
      end = strchr (end, ' ');
    if (end == NULL || id < 1 || id > 14)
      continue;
    while (*end == ' ')
      end++;
    if (g_str_has_prefix (end, MC_PEER_SDP_TWCC_URI))
      return (guint) id;
  }
  return 0;
}

int
mc_peer_sdp_find_media (const GstSDPMessage *sdp, const char *kind)
{
  for (guint i = 0; i < gst_sdp_message_medias_len (sdp); i++) {
    if (g_strcmp0 (gst_sdp_media_get_media (gst_sdp_message_get_media (sdp, i)), kind) == 0)
      return (int) i;
  }
  return -1;
}

const char *
mc_peer_sdp_get_mid (const GstSDPMessage *sdp, guint mline)
{
  if (mline >= gst_sdp_message_medias_len (sdp))
    return NULL;
  return gst_sdp_media_get_attribute_val (gst_sdp_message_get_media (sdp, mline), "mid");
}

int
mc_peer_sdp_mline_of_mid (const GstSDPMessage *sdp, const char *mid)
{
  for (guint i = 0; i < gst_sdp_message_medias_len (sdp); i++) {
    if (g_strcmp0 (mc_peer_sdp_get_mid (sdp, i), mid) == 0)
      return (int) i;
  }
  return -1;
}

gboolean
mc_peer_sdp_remote_sends (const GstSDPMedia *media)
{
  if (gst_sdp_media_get_port (media) == 0)
    return FALSE;
  return gst_sdp_media_get_attribute_val (media, "recvonly") == NULL &&
         gst_sdp_media_get_attribute_val (media, "inactive") == NULL;
}

/* The SSRC a word of an a=ssrc or a=ssrc-group value starts with, if any. */
static void
add_ssrc (GHashTable *map, const char *word, const char *kind)
{
  char *end;
  guint64 ssrc;

  if (!g_ascii_isdigit (word[0]))
    return;
  ssrc = g_ascii_strtoull (word, &end, 10);
  if (ssrc <= G_MAXUINT32 && (*end == '\0' || *end == ' '))
    g_hash_table_insert (map, GUINT_TO_POINTER ((guint) ssrc), (gpointer) kind);
}

GHashTable *
mc_peer_sdp_ssrc_kinds (const GstSDPMessage *sdp)
{
  GHashTable *map = g_hash_table_new (g_direct_hash, g_direct_equal);

  for (guint i = 0; i < gst_sdp_message_medias_len (sdp); i++) {
    const GstSDPMedia *media = gst_sdp_message_get_media (sdp, i);
    const char *kind = g_strcmp0 (gst_sdp_media_get_media (media), "video") == 0 ? "video"
                       : g_strcmp0 (gst_sdp_media_get_media (media), "audio") == 0 ? "audio"
                                                                                      : NULL;
    if (kind == NULL)
      continue;
    for (guint a = 0; a < gst_sdp_media_attributes_len (media); a++) {
      const GstSDPAttribute *attr = gst_sdp_media_get_attribute (media, a);
      if (attr->value == NULL)
        continue;
      if (g_strcmp0 (attr->key, "ssrc") == 0) {
        add_ssrc (map, attr->value, kind);
      } else if (g_strcmp0 (attr->key, "ssrc-group") == 0) {
        /* "SEMANTICS SSRC...". A bare "a=ssrc-group" has the value "",
         * which splits into no words at all. */
        g_auto (GStrv) parts = g_strsplit (attr->value, " ", -1);
        for (guint p = 1; parts[0] != NULL && parts[p] != NULL; p++)
          add_ssrc (map, parts[p], kind);
      }
    }
  }
  return map;
}

gboolean
mc_peer_validate_sdp (const char *text, const char *type, GError **error)
{
  g_autoptr (GError) local = NULL;
  GstSDPMessage *sdp = mc_peer_sdp_parse (text, &local);
  gboolean ok = FALSE;
  guint usable = 0;

  if (sdp == NULL) {
    g_set_error (error, MC_SDP_ERROR, MC_SDP_ERROR_INVALID, "%s: %s", type, local->message);
    return FALSE;
  }
  if (g_strcmp0 (gst_sdp_message_get_version (sdp), "0") != 0) {
    g_set_error (error, MC_SDP_ERROR, MC_SDP_ERROR_INVALID, "%s: SDP version is not 0", type);
    goto out;
  }
  if (gst_sdp_message_medias_len (sdp) == 0) {
    g_set_error (error, MC_SDP_ERROR, MC_SDP_ERROR_INVALID, "%s: SDP has no m= sections", type);
    goto out;
  }
  for (guint i = 0; i < gst_sdp_message_medias_len (sdp); i++) {
    const GstSDPMedia *media = gst_sdp_message_get_media (sdp, i);
    const char *kind = gst_sdp_media_get_media (media);
    g_autoptr (GError) fp_error = NULL;
    const char *fp;

    if (kind == NULL) {
      g_set_error (error, MC_SDP_ERROR, MC_SDP_ERROR_INVALID, "%s: m-line %u has no media type", type, i);
      goto out;
    }
    if (gst_sdp_media_get_port (media) == 0 || g_strcmp0 (kind, "application") == 0)
      continue;
    if (g_strcmp0 (kind, "video") != 0 && g_strcmp0 (kind, "audio") != 0)
      continue;
    if (media_or_session_attr (sdp, media, "ice-ufrag") == NULL ||
        media_or_session_attr (sdp, media, "ice-pwd") == NULL) {
      g_set_error (error, MC_SDP_ERROR, MC_SDP_ERROR_INVALID, "%s: %s m-line %u has no ICE credentials", type,
                   kind, i);
      goto out;
    }
    fp = media_or_session_attr (sdp, media, "fingerprint");
    if (fp == NULL) {
      g_set_error (error, MC_SDP_ERROR, MC_SDP_ERROR_INVALID, "%s: %s m-line %u has no DTLS fingerprint", type,
                   kind, i);
      goto out;
    }
    if (!mc_dtls_fingerprint_parse (fp, -1, NULL, &fp_error)) {
      g_set_error (error, MC_SDP_ERROR, MC_SDP_ERROR_INVALID, "%s: %s m-line %u: %s", type, kind, i,
                   fp_error->message);
      goto out;
    }
    if (g_strcmp0 (kind, "video") == 0 && mc_peer_sdp_find_payload (media, "VP8") < 0 &&
        mc_peer_sdp_find_payload (media, "H264") < 0) {
      g_set_error (error, MC_SDP_ERROR, MC_SDP_ERROR_UNSUPPORTED, "%s: video m-line %u offers neither VP8 nor H264",
                   type, i);
      goto out;
    }
    if (g_strcmp0 (kind, "audio") == 0 && mc_peer_sdp_find_payload (media, "OPUS") < 0) {
      g_set_error (error, MC_SDP_ERROR, MC_SDP_ERROR_UNSUPPORTED, "%s: audio m-line %u has no Opus", type, i);
      goto out;
    }
    usable++;
  }
  if (usable == 0) {
    g_set_error (error, MC_SDP_ERROR, MC_SDP_ERROR_UNSUPPORTED, "%s: no active audio or video m-line", type);
    goto out;
  }
  ok = TRUE;
out:
  gst_sdp_message_free (sdp);
  return ok;
}

/* 1..max_digits decimal digits and nothing else, with a value in lo..hi. */
static gboolean
is_number (const char *s, gsize max_digits, guint64 lo, guint64 hi)
{
  guint64 v = 0;
  gsize n = 0;

  for (; s[n] != '\0'; n++) {
    if (!g_ascii_isdigit (s[n]) || n >= max_digits)
      return FALSE;
    v = v * 10 + (guint64) (s[n] - '0');
  }
  return n > 0 && v >= lo && v <= hi;
}

gboolean
mc_peer_validate_candidate (const char *candidate, GError **error)
{
  g_auto (GStrv) tok = NULL;
  const char *c = candidate;
  guint n;

  if (c == NULL) {
    g_set_error (error, MC_SDP_ERROR, MC_SDP_ERROR_CANDIDATE, "candidate: missing");
    return FALSE;
  }
  if (*c == '\0')
    return TRUE;   /* end of candidates */
  if (strlen (c) > 1024) {
    g_set_error (error, MC_SDP_ERROR, MC_SDP_ERROR_CANDIDATE, "candidate: longer than 1024 characters");
    return FALSE;
  }
  if (g_str_has_prefix (c, "a="))
    c += 2;
  if (!g_str_has_prefix (c, "candidate:")) {
    g_set_error (error, MC_SDP_ERROR, MC_SDP_ERROR_CANDIDATE, "candidate: does not start with 'candidate:'");
    return FALSE;
  }
  for (const char *p = c; *p; p++) {
    if ((guchar) *p < 0x20 || (guchar) *p > 0x7e) {
      g_set_error (error, MC_SDP_ERROR, MC_SDP_ERROR_CANDIDATE, "candidate: contains control or non-ASCII bytes");
      return FALSE;
    }
  }
  tok = g_strsplit (c + strlen ("candidate:"), " ", -1);
  n = g_strv_length (tok);
  if (n < 7 || *tok[0] == '\0') {
    g_set_error (error, MC_SDP_ERROR, MC_SDP_ERROR_CANDIDATE,
                 "candidate: expected 'candidate:FOUNDATION COMPONENT TRANSPORT PRIORITY ADDRESS PORT typ TYPE'");
    return FALSE;
  }
  if (!is_number (tok[1], 10, 1, 256)) {
    g_set_error (error, MC_SDP_ERROR, MC_SDP_ERROR_CANDIDATE, "candidate: bad component id '%s'", tok[1]);
    return FALSE;
  }
  if (g_ascii_strcasecmp (tok[2], "udp") != 0 && g_ascii_strcasecmp (tok[2], "tcp") != 0) {
    g_set_error (error, MC_SDP_ERROR, MC_SDP_ERROR_CANDIDATE, "candidate: unknown transport '%s'", tok[2]);
    return FALSE;
  }
  if (!is_number (tok[3], 10, 0, G_MAXUINT64)) {
    g_set_error (error, MC_SDP_ERROR, MC_SDP_ERROR_CANDIDATE, "candidate: bad priority '%s'", tok[3]);
    return FALSE;
  }
  if (*tok[4] == '\0' || strlen (tok[4]) > 255) {
    g_set_error (error, MC_SDP_ERROR, MC_SDP_ERROR_CANDIDATE, "candidate: bad address");
    return FALSE;
  }
  if (!is_number (tok[5], 5, 0, 65535)) {
    g_set_error (error, MC_SDP_ERROR, MC_SDP_ERROR_CANDIDATE, "candidate: bad port '%s'", tok[5]);
    return FALSE;
  }
  if (g_strcmp0 (tok[6], "typ") != 0 || n < 8 ||
      (g_strcmp0 (tok[7], "host") != 0 && g_strcmp0 (tok[7], "srflx") != 0 && g_strcmp0 (tok[7], "prflx") != 0 &&
       g_strcmp0 (tok[7], "relay") != 0)) {
    g_set_error (error, MC_SDP_ERROR, MC_SDP_ERROR_CANDIDATE, "candidate: missing or unknown 'typ' (host, srflx, prflx, relay)");
    return FALSE;
  }
  {
    GInetAddress *addr = g_inet_address_new_from_string (tok[4]);
    gboolean ok = addr != NULL;
    if (!ok) {   /* a host name, e.g. a browser's mDNS "UUID.local" */
      ok = TRUE;
      for (const char *p = tok[4]; *p; p++)
        ok = ok && (g_ascii_isalnum (*p) || *p == '.' || *p == '-');
    }
    g_clear_object (&addr);
    if (!ok) {
      g_set_error (error, MC_SDP_ERROR, MC_SDP_ERROR_CANDIDATE, "candidate: bad address '%s'", tok[4]);
      return FALSE;
    }
  }
  return TRUE;
}

const char *
mc_peer_sdp_get_fingerprint (const GstSDPMessage *sdp)
{
  const char *fp = gst_sdp_message_get_attribute_val (sdp, "fingerprint");

  if (fp == NULL && gst_sdp_message_medias_len (sdp) > 0)
    fp = gst_sdp_media_get_attribute_val (gst_sdp_message_get_media (sdp, 0), "fingerprint");
  return fp;
}

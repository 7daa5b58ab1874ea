/* SDP and ICE-candidate checks and look-ups for McPeer and the stats: the
 * parts of a remote description meshcall relies on, validated up front so a
 * bad peer gets a message that says what was wrong. */
#pragma once

#include <gst/sdp/sdp.h>

#include "meshcall/peer/sdp_error.h"

G_BEGIN_DECLS

#define MC_PEER_SDP_TWCC_URI "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01"

/* Parses SDP text; NULL with an error for text that is not SDP at all. */
GstSDPMessage *mc_peer_sdp_parse (const char *text, GError **error);

/* Payload type in a media section for an encoding ("VP8", "H264", "OPUS",
 * case-insensitive); for H264 prefers packetization-mode=1 constrained
 * baseline. -1 when absent. */
int mc_peer_sdp_find_payload (const GstSDPMedia *media, const char *encoding);
/* TWCC header-extension id in a media section, 0 when absent. */
guint mc_peer_sdp_twcc_id (const GstSDPMedia *media);
/* First media section of a kind ("video"/"audio"), or -1. */
int mc_peer_sdp_find_media (const GstSDPMessage *sdp, const char *kind);
/* The a=mid of section `mline`, or NULL. */
const char *mc_peer_sdp_get_mid (const GstSDPMessage *sdp, guint mline);
/* m-line index of a mid, or -1. */
int mc_peer_sdp_mline_of_mid (const GstSDPMessage *sdp, const char *mid);
/* TRUE when the section's direction lets the remote send to us. */
gboolean mc_peer_sdp_remote_sends (const GstSDPMedia *media);
/* The DTLS fingerprint ("sha-256 AB:..."): the session's a=fingerprint,
 * else the first m-line's; NULL when there is none. */
const char *mc_peer_sdp_get_fingerprint (const GstSDPMessage *sdp);
/* SSRC -> media kind ("video"/"audio", static strings) from a=ssrc and
 * a=ssrc-group lines. */
GHashTable *mc_peer_sdp_ssrc_kinds (const GstSDPMessage *sdp);

G_END_DECLS

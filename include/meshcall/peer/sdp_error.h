/* The error domain of what was wrong with a remote description or ICE
 * candidate. A header of its own (GLib only) so the pure negotiation module
 * can report a refused candidate without including GStreamer's SDP library;
 * peer_sdp.h includes it. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define MC_SDP_ERROR (mc_sdp_error_quark ())
GQuark mc_sdp_error_quark (void);

typedef enum {
  MC_SDP_ERROR_INVALID,      /* not SDP, or without what WebRTC needs (m-lines, ICE, DTLS) */
  MC_SDP_ERROR_UNSUPPORTED,  /* valid, but no codec meshcall can decode or send */
  MC_SDP_ERROR_CANDIDATE,    /* a malformed ICE candidate, or one for no m-line of the session */
} McSdpError;

G_END_DECLS

/* The Firestore signaling back end: the call's signals through Cloud
 * Firestore's v1 REST API (docs/firestore.md), for calls across the
 * internet where no server is shared.
 *
 * URL firestore://PROJECT_ID[/DATABASE] (DATABASE default "(default)").
 * Endpoints follow the SDKs' conventions: FIRESTORE_EMULATOR_HOST=host:port
 * means plain HTTP to the emulator, FIREBASE_AUTH_EMULATOR_HOST points the
 * anonymous sign-in at the Auth emulator; otherwise TLS to Google's
 * production endpoints.
 *
 * Credentials, in this order: an ID token read from id_token_file (re-read
 * when the file changes); an anonymous sign-in with api_key (refreshed
 * before it expires); with the emulator and neither, an unsigned token the
 * emulator accepts (as the SDK's mockUserToken), for the requested peer id
 * or a random one. The peer id is the auth uid.
 *
 * Join: create our participant document, read the list (live = a
 * heartbeat younger than 15 s by the read's server time); a live document
 * under our uid is duplicate-peer, 6 live participants before us
 * call-full: both final. Then a heartbeat every 5 s, the inbox polled
 * every inbox_poll_ms (fast_poll_ms for 3 s after any signal or roster
 * change), the participant list every participants_poll_ms. Who offers:
 * the later joinedAt (peer_joined's existing=TRUE means the other does).
 * 429, 5xx, network errors and garbage answers are retried with back-off
 * (250 ms doubling to 8 s, +-50 %), reported as MC_SIGNALING_ERROR_CONNECT
 * (not final); a refused credential (401 after a refresh, 403) is final,
 * MC_PROTOCOL_ERROR_BAD_TOKEN with a message naming the credential.
 *
 * Threading: the GMainContext that was thread-default at creation, as
 * signaling.h says. */
#pragma once

#include "meshcall/signal/signaling.h"

G_BEGIN_DECLS

typedef struct {
  char *api_key;          /* the project's Web API key, for anonymous sign-in (NULL: none) */
  char *id_token_file;    /* a file holding an ID token (NULL: none) */
  guint inbox_poll_ms;    /* idle inbox poll, default 500 */
  guint participants_poll_ms;  /* idle participant-list poll, default 5000 */
  guint fast_poll_ms;     /* both, while a negotiation or a roster change is fresh; default 125 */
} McFirestoreConfig;

#define MC_FIRESTORE_DEFAULT_INBOX_POLL_MS 500
#define MC_FIRESTORE_DEFAULT_PARTICIPANTS_POLL_MS 5000
#define MC_FIRESTORE_DEFAULT_FAST_POLL_MS 125
#define MC_FIRESTORE_HEARTBEAT_MS 5000
#define MC_FIRESTORE_LIVE_US (15 * G_USEC_PER_SEC)
#define MC_FIRESTORE_MAX_PARTICIPANTS 6

void mc_firestore_config_init (McFirestoreConfig *cfg);   /* the defaults, no credentials */
void mc_firestore_config_clear (McFirestoreConfig *cfg);

/* What the row's create uses: the program sets it once from its options
 * (copied) before creating a back end; NULL restores the defaults. */
void mc_signal_firestore_set_config (const McFirestoreConfig *cfg);

/* The row for a program's table of back ends (scheme firestore). */
extern const McSignalingBackend mc_signal_firestore_backend;

/* The constructor with its own configuration (cfg NULL: the defaults). */
McSignaling *mc_signal_firestore_new (const char *url, const McSignalingParams *params, const McFirestoreConfig *cfg,
                                      GError **error);
/* The URL's parts: project and database (NULL, error set, when malformed). */
gboolean mc_signal_firestore_parse_url (const char *url, char **project, char **database, GError **error);
/* HTTP requests this back end made, for benchmarks and tests. */
guint64 mc_signal_firestore_get_request_count (McSignaling *sig);

G_END_DECLS

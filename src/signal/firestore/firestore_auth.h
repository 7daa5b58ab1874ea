/* The Firestore back end's credentials (private): an ID token from a file
 * (re-read when it changes), an anonymous sign-in through the Identity
 * Toolkit REST API refreshed through the secure-token endpoint before it
 * expires, or the emulator's unsigned token. Network problems are retried
 * here with back-off and reported as not final; a refused API key or a
 * disabled anonymous sign-in is final.
 *
 * Threading: the McHttp's context. */
#pragma once

#include "meshcall/signal/firestore/http.h"

G_BEGIN_DECLS

typedef enum {
  FS_AUTH_MOCK,        /* emulator only: an unsigned token for a chosen uid */
  FS_AUTH_ANONYMOUS,   /* accounts:signUp with the API key */
  FS_AUTH_TOKEN_FILE,  /* an ID token the operator mints */
} FsAuthMode;

typedef struct {
  FsAuthMode mode;
  const char *project;
  const char *api_key;
  const char *token_file;
  const char *uid;          /* FS_AUTH_MOCK */
  const char *auth_base;    /* "https://identitytoolkit.googleapis.com/" or the emulator's "http://H:P/identitytoolkit.googleapis.com/" */
  const char *token_base;   /* "https://securetoken.googleapis.com/" or "http://H:P/securetoken.googleapis.com/" */
} FsAuthConfig;

typedef struct _FsAuth FsAuth;

/* error NULL: a token is ready (the first, or a refreshed one). */
typedef void (*FsAuthEvent) (FsAuth *auth, const GError *error, gboolean final, gpointer user_data);

FsAuth *fs_auth_new (McHttp *http, GMainContext *context, const FsAuthConfig *cfg, FsAuthEvent event,
                     gpointer user_data);
void fs_auth_free (FsAuth *auth);
/* Signs in (or reads the file); the event reports the outcome, never from
 * inside this call. */
void fs_auth_start (FsAuth *auth);
/* The current ID token (NULL before the first), the file re-read first
 * when it changed. */
const char *fs_auth_get_token (FsAuth *auth);
const char *fs_auth_get_uid (FsAuth *auth);
/* Firestore refused the token (401): get a new one now if we can; FALSE
 * when nothing can change it (a token file that did not change). */
gboolean fs_auth_refresh (FsAuth *auth);
/* "the ID token in FILE", "the anonymous sign-in with [firestore] api-key", ... */
const char *fs_auth_describe (FsAuth *auth);

G_END_DECLS

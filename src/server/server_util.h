/* Small helpers shared by the files of the server library (private to
 * src/server/): unguessable ids, one-shot timers, constant-time token
 * comparison. Threading: none of their own; timers fire on the context given. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* 20 URL-safe base64 characters from 15 random bytes: a session id is all
 * it takes to post into a polling session, so it must not be guessable. */
char *mc_server_random_id (void);

/* A timeout source attached to context (NULL: the default one); the caller
 * owns the returned ref and drops it with mc_server_source_clear(). */
GSource *mc_server_timeout_add (GMainContext *context, guint ms, GSourceFunc func, gpointer data);
/* Destroys and unrefs *source (nullable) and sets it to NULL. */
void mc_server_source_clear (GSource **source);

/* Compares digests, so that the time taken says nothing about the token. */
gboolean mc_server_token_equal (const char *given, const char *expected);

G_END_DECLS

/* The DTLS certificate a call command runs with (peer/dtls_cert.h): the
 * directory from --state-dir / [call] state-dir or the default, the file
 * loaded or made, and what the user is told about it.
 *
 * Threading: main thread, at start-up (blocking file I/O of a few kB). */
#pragma once

#include "meshcall/peer/dtls_cert.h"

G_BEGIN_DECLS

/* The value of --state-dir / [call] state-dir that keeps nothing on disk. */
#define MC_CLI_STATE_DIR_NONE "none"

/* state_dir: NULL for the default (mc_dtls_cert_default_dir), "none" for a
 * certificate in memory only. A warning (a file replaced, a directory that
 * cannot be used) is one user line; the rest goes to the debug log. NULL
 * (with `error`) only when no certificate can be made at all. */
McDtlsCert *mc_cli_dtls_certificate (const char *state_dir, GError **error);

G_END_DECLS

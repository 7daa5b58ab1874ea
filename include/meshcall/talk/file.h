/* File transfer's pure parts (docs/protocol.md, "File transfer"; the call
 * carries it out in call_files.c): the messages on a file's own data
 * channel and the safe name a received file is saved under. Pure: no I/O,
 * fuzzed (fuzz/fuzz_file.c).
 *
 * The exchange, one reliable ordered channel labelled "file:ID" per file
 * and receiver: the sender's text message
 *   {"type":"file-offer","id":ID,"name":NAME,"size":BYTES,"sha256":HEX,"mime":TYPE}
 * then the receiver's {"type":"file-accept"} or
 * {"type":"file-reject","reason":TEXT}; after an accept, binary messages of
 * at most MC_FILE_CHUNK bytes until `size` bytes came, and the receiver's
 * {"type":"file-done","ok":BOOL} once it checked the SHA-256.
 *
 * Threading: none of its own. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define MC_FILE_ERROR (mc_file_error_quark ())
GQuark mc_file_error_quark (void);

typedef enum {
  MC_FILE_ERROR_MALFORMED,   /* not a file-channel message (the message says which rule) */
} McFileError;

#define MC_FILE_LABEL_PREFIX "file:"
#define MC_FILE_CHUNK 16384                 /* bytes per binary message */
#define MC_FILE_MAX_MESSAGE 8192            /* bytes of a text message */
#define MC_FILE_MAX_NAME 255                /* bytes of a saved name (a Linux file name's limit) */
#define MC_FILE_MAX_SIZE G_GUINT64_CONSTANT (9007199254740991)   /* 2^53-1: what a browser can count */

typedef enum {
  MC_FILE_KIND_OFFER,
  MC_FILE_KIND_ACCEPT,
  MC_FILE_KIND_REJECT,
  MC_FILE_KIND_DONE,
} McFileKind;

typedef struct {
  char *id;          /* the chat protocol's id rules: 1..64 of [A-Za-z0-9._:-] */
  char *name;        /* as the sender gave it (1..1024 bytes, UTF-8): make it safe before use */
  guint64 size;      /* 0..MC_FILE_MAX_SIZE */
  char sha256[65];   /* 64 lower-case hex digits */
  char *mime;        /* "type/subtype" (1..127 bytes of token characters), or "application/octet-stream" */
} McFileOffer;

void mc_file_offer_free (McFileOffer *offer);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (McFileOffer, mc_file_offer_free)

/* One text message of a file channel. *offer (for OFFER), *reason (for
 * REJECT, may be NULL in the message) and *ok (for DONE) are filled when
 * not NULL. */
gboolean mc_file_decode (const char *data, gsize len, McFileKind *kind, McFileOffer **offer, char **reason,
                         gboolean *ok, GError **error);
char *mc_file_encode_offer (const McFileOffer *offer);

/* The name a received file may be saved under in a download directory:
 * the last path component (after '/' or '\'), control characters and
 * invalid UTF-8 dropped, leading dots and spaces dropped (no hidden files,
 * never "." or ".."), at most MC_FILE_MAX_NAME bytes (cut at a character,
 * keeping the extension when it is short); "file" when nothing is left. */
char *mc_file_safe_name (const char *name);

G_END_DECLS

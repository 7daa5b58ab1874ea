/* Configuration file loading and validation against a schema, so that every
 * mistake is reported with file, line, key and what was expected. */
#include "meshcall/base/config.h"
#include "meshcall/base/log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MC_LOG_CATEGORY (&mc_log_main)

G_DEFINE_QUARK (mc-config-error-quark, mc_config_error)

typedef enum { KEY_STRING, KEY_INT, KEY_BOOL, KEY_ENUM } KeyType;

typedef struct {
  const char *group;
  const char *key;
  KeyType type;
  gint64 min, max;         /* KEY_INT */
  const char *choices;     /* KEY_ENUM: '|'-separated */
} SchemaKey;

/* Every key meshcall reads. conf/meshcall.conf documents each one. */
static const SchemaKey schema[] = {
  { "signaling", "url", KEY_STRING },
  { "signaling", "token", KEY_STRING },
  { "signaling", "name", KEY_STRING },
  { "signaling", "peer-id", KEY_STRING },
  { "signaling", "ca-file", KEY_STRING },

  { "firestore", "api-key", KEY_STRING },
  { "firestore", "id-token-file", KEY_STRING },
  { "firestore", "inbox-poll-ms", KEY_INT, 50, 60000 },
  { "firestore", "participants-poll-ms", KEY_INT, 100, 60000 },
  { "firestore", "fast-poll-ms", KEY_INT, 20, 5000 },

  { "serve", "listen", KEY_STRING },
  { "serve", "token", KEY_STRING },
  { "serve", "max-participants", KEY_INT, 2, 64 },
  { "serve", "max-calls", KEY_INT, 1, 1000000 },
  { "serve", "max-connections", KEY_INT, 1, 1000000 },
  { "serve", "max-payload", KEY_INT, 1024, 16 * 1024 * 1024 },
  { "serve", "ping-interval", KEY_INT, 50, 600000 },
  { "serve", "ping-timeout", KEY_INT, 50, 600000 },
  { "serve", "rate-limit", KEY_INT, 1, 100000 },
  { "serve", "resume-grace", KEY_INT, 0, 600000 },
  { "serve", "header-timeout", KEY_INT, 100, 600000 },
  { "serve", "max-pending-per-address", KEY_INT, 1, 1000000 },
  { "serve", "listen-backlog", KEY_INT, 1, 65535 },
  { "serve", "tls-cert", KEY_STRING },
  { "serve", "tls-key", KEY_STRING },

  { "media", "video", KEY_STRING },
  { "media", "audio", KEY_STRING },
  { "media", "size", KEY_STRING },
  { "media", "fps", KEY_INT, 1, 120 },
  { "media", "video-codec", KEY_ENUM, 0, 0, "vp8|h264" },
  { "media", "audio-processing", KEY_BOOL },
  { "media", "jitter-latency", KEY_INT, 0, 5000 },
  { "media", "min-bitrate", KEY_INT, 50, 20000 },
  { "media", "max-bitrate", KEY_INT, 50, 20000 },

  { "ice", "stun", KEY_STRING },
  { "ice", "turn", KEY_STRING },
  { "ice", "transport-policy", KEY_ENUM, 0, 0, "all|relay" },

  { "call", "headless", KEY_BOOL },
  { "call", "stats-json", KEY_STRING },
  { "call", "media-timeout", KEY_INT, 0, 600 },
  { "call", "state-dir", KEY_STRING },
  { "chat", "log", KEY_STRING },
  { "files", "accept-dir", KEY_STRING },
  { "files", "max-size", KEY_STRING },

  { "status", "listen", KEY_STRING },
  { "status", "min-peers", KEY_INT, 0, 64 },

  { "record", "out", KEY_STRING },
  { "record", "compose", KEY_STRING },
  { "record", "compose-size", KEY_STRING },
  { "record", "compose-fps", KEY_INT, 1, 60 },
  { "record", "stats-json", KEY_STRING },
  { "record", "media-timeout", KEY_INT, 1, 600 },

  { "display", "render", KEY_STRING },
  { "display", "fullscreen", KEY_BOOL },
  { "display", "font", KEY_STRING },
  { "display", "self-view", KEY_BOOL },
  { "display", "stats", KEY_BOOL },
  { "display", "width", KEY_INT, 160, 7680 },
  { "display", "height", KEY_INT, 120, 4320 },
  { "display", "max-fps", KEY_INT, 0, 240 },
  { "display", "render-path", KEY_ENUM, 0, 0, "auto|surface|software|opengl|opengles2" },
};

struct _McConfig {
  char *path;
  GKeyFile *kf;
};

static const SchemaKey *
schema_find (const char *group, const char *key)
{
  for (gsize i = 0; i < G_N_ELEMENTS (schema); i++) {
    if (g_str_equal (schema[i].group, group) && (key == NULL || g_str_equal (schema[i].key, key)))
      return &schema[i];
  }
  return NULL;
}

static char *
schema_keys_of (const char *group)
{
  GString *s = g_string_new (NULL);

  for (gsize i = 0; i < G_N_ELEMENTS (schema); i++) {
    if (!g_str_equal (schema[i].group, group))
      continue;
    g_string_append_printf (s, "%s%s", s->len ? ", " : "", schema[i].key);
  }
  return g_string_free (s, FALSE);
}

static char *
schema_groups (void)
{
  GString *s = g_string_new (NULL);

  for (gsize i = 0; i < G_N_ELEMENTS (schema); i++) {
    if (i > 0 && g_str_equal (schema[i - 1].group, schema[i].group))
      continue;
    g_string_append_printf (s, "%s[%s]", s->len ? ", " : "", schema[i].group);
  }
  return g_string_free (s, FALSE);
}

static gboolean
parse_int (const char *text, gint64 *out)
{
  char *end = NULL;

  errno = 0;
  *out = g_ascii_strtoll (text, &end, 10);
  return errno == 0 && end != text && *end == '\0';
}

static gboolean
parse_bool (const char *text, gboolean *out)
{
  if (g_str_equal (text, "true") || g_str_equal (text, "yes") || g_str_equal (text, "1")) {
    *out = TRUE;
    return TRUE;
  }
  if (g_str_equal (text, "false") || g_str_equal (text, "no") || g_str_equal (text, "0")) {
    *out = FALSE;
    return TRUE;
  }
  return FALSE;
}

static gboolean
check_value (const char *path, guint line, const SchemaKey *sk, const char *value, GError **error)
{
  gint64 n;
  gboolean b;

  switch (sk->type) {
  case KEY_STRING:
    return TRUE;
  case KEY_INT:
    if (!parse_int (value, &n) || n < sk->min || n > sk->max) {
      g_set_error (error, MC_CONFIG_ERROR, MC_CONFIG_ERROR_VALUE,
                   "%s:%u: [%s] %s expects a whole number from %" G_GINT64_FORMAT " to %" G_GINT64_FORMAT ", got '%s'",
                   path, line, sk->group, sk->key, sk->min, sk->max, value);
      return FALSE;
    }
    return TRUE;
  case KEY_BOOL:
    if (!parse_bool (value, &b)) {
      g_set_error (error, MC_CONFIG_ERROR, MC_CONFIG_ERROR_VALUE,
                   "%s:%u: [%s] %s expects true or false, got '%s'", path, line, sk->group, sk->key, value);
      return FALSE;
    }
    return TRUE;
  case KEY_ENUM: {
    g_auto (GStrv) choices = g_strsplit (sk->choices, "|", -1);
    if (!g_strv_contains ((const char *const *) choices, value)) {
      g_autofree char *list = g_strjoinv (", ", choices);
      g_set_error (error, MC_CONFIG_ERROR, MC_CONFIG_ERROR_VALUE,
                   "%s:%u: [%s] %s expects one of %s, got '%s'", path, line, sk->group, sk->key, list, value);
      return FALSE;
    }
    return TRUE;
  }
  }
  return TRUE;
}

/* GKeyFile reports neither line numbers nor unknown keys, so walk the text
 * ourselves first; GKeyFile then does the unescaping. */
static gboolean
validate_text (const char *path, const char *text, GError **error)
{
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  g_autofree char *group = NULL;
  /* "group\nkey" -> the line it was first set on: GKeyFile would keep the
   * last one without a word. */
  g_autoptr (GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 0; lines[i] != NULL; i++) {
    guint lineno = i + 1;
    char *line = g_strstrip (lines[i]);
    char *eq;

    if (*line == '\0' || *line == '#')
      continue;
    if (*line == '[') {
      gsize len = strlen (line);
      if (len < 3 || line[len - 1] != ']') {
        g_set_error (error, MC_CONFIG_ERROR, MC_CONFIG_ERROR_SYNTAX,
                     "%s:%u: a group header looks like [name], got '%s'", path, lineno, line);
        return FALSE;
      }
      g_free (group);
      group = g_strndup (line + 1, len - 2);
      if (schema_find (group, NULL) == NULL) {
        g_autofree char *groups = schema_groups ();
        g_set_error (error, MC_CONFIG_ERROR, MC_CONFIG_ERROR_UNKNOWN,
                     "%s:%u: unknown group [%s]; known groups are %s", path, lineno, group, groups);
        return FALSE;
      }
      continue;
    }
    eq = strchr (line, '=');
    if (eq == NULL) {
      g_set_error (error, MC_CONFIG_ERROR, MC_CONFIG_ERROR_SYNTAX,
                   "%s:%u: expected 'key = value', '[group]' or a '# comment', got '%s'", path, lineno, line);
      return FALSE;
    }
    *eq = '\0';
    {
      const char *key = g_strstrip (line);
      const char *value = g_strstrip (eq + 1);
      const SchemaKey *sk;

      if (group == NULL) {
        g_set_error (error, MC_CONFIG_ERROR, MC_CONFIG_ERROR_SYNTAX,
                     "%s:%u: key '%s' comes before any [group] header", path, lineno, key);
        return FALSE;
      }
      sk = schema_find (group, key);
      if (sk == NULL) {
        g_autofree char *keys = schema_keys_of (group);
        g_set_error (error, MC_CONFIG_ERROR, MC_CONFIG_ERROR_UNKNOWN,
                     "%s:%u: unknown key '%s' in [%s]; known keys are %s", path, lineno, key, group, keys);
        return FALSE;
      }
      if (!check_value (path, lineno, sk, value, error))
        return FALSE;
      {
        char *where = g_strdup_printf ("%s\n%s", group, key);
        guint first = GPOINTER_TO_UINT (g_hash_table_lookup (seen, where));
        if (first != 0) {
          g_set_error (error, MC_CONFIG_ERROR, MC_CONFIG_ERROR_DUPLICATE,
                       "%s:%u: [%s] %s is set twice (first on line %u); keep one of them", path, lineno, group, key,
                       first);
          g_free (where);
          return FALSE;
        }
        g_hash_table_insert (seen, where, GUINT_TO_POINTER (lineno));
      }
    }
  }
  return TRUE;
}

McConfig *
mc_config_new_empty (void)
{
  McConfig *cfg = g_new0 (McConfig, 1);

  cfg->kf = g_key_file_new ();
  return cfg;
}

void
mc_config_free (McConfig *cfg)
{
  if (cfg == NULL)
    return;
  g_free (cfg->path);
  g_key_file_unref (cfg->kf);
  g_free (cfg);
}

static char *
default_path (void)
{
  g_autofree char *user = g_build_filename (g_get_user_config_dir (), "meshcall", "meshcall.conf", NULL);

  if (g_file_test (user, G_FILE_TEST_IS_REGULAR))
    return g_steal_pointer (&user);
  if (g_file_test ("/etc/meshcall/meshcall.conf", G_FILE_TEST_IS_REGULAR))
    return g_strdup ("/etc/meshcall/meshcall.conf");
  return NULL;
}

McConfig *
mc_config_load (const char *explicit_path, GError **error)
{
  g_autoptr (McConfig) cfg = mc_config_new_empty ();
  g_autofree char *text = NULL;
  g_autoptr (GError) local = NULL;
  gsize len;

  cfg->path = explicit_path ? g_strdup (explicit_path) : default_path ();
  if (cfg->path == NULL)
    return g_steal_pointer (&cfg);

  if (!g_file_get_contents (cfg->path, &text, &len, &local)) {
    g_set_error (error, MC_CONFIG_ERROR, MC_CONFIG_ERROR_NOT_FOUND,
                 "cannot read config file %s: %s", cfg->path, local->message);
    return NULL;
  }
  if (!g_utf8_validate (text, len, NULL) || memchr (text, '\0', len) != NULL) {
    g_set_error (error, MC_CONFIG_ERROR, MC_CONFIG_ERROR_SYNTAX,
                 "%s: not a text file (invalid UTF-8 or NUL bytes)", cfg->path);
    return NULL;
  }
  if (!validate_text (cfg->path, text, error))
    return NULL;
  if (!g_key_file_load_from_data (cfg->kf, text, len, G_KEY_FILE_NONE, &local)) {
    g_set_error (error, MC_CONFIG_ERROR, MC_CONFIG_ERROR_SYNTAX, "%s: %s", cfg->path, local->message);
    return NULL;
  }
  MC_INFO ("loaded config %s", cfg->path);
  return g_steal_pointer (&cfg);
}

const char *
mc_config_get_path (McConfig *cfg)
{
  return cfg->path;
}

gboolean
mc_config_has (McConfig *cfg, const char *group, const char *key)
{
  return g_key_file_has_key (cfg->kf, group, key, NULL);
}

static char *
raw_value (McConfig *cfg, const char *group, const char *key, KeyType type)
{
  const SchemaKey *sk = schema_find (group, key);

  /* A key missing from the schema is a bug in meshcall: the file could never set it. */
  if (sk == NULL || !(sk->type == type || (type == KEY_STRING && sk->type == KEY_ENUM))) {
    MC_ERROR ("config key [%s] %s is read but not in the schema with that type", group, key);
    return NULL;
  }
  return g_key_file_get_string (cfg->kf, group, key, NULL);
}

char *
mc_config_get_string (McConfig *cfg, const char *group, const char *key, const char *fallback)
{
  g_autofree char *v = raw_value (cfg, group, key, KEY_STRING);

  if (v == NULL)
    return g_strdup (fallback);
  return g_strdup (g_strstrip (v));
}

gint64
mc_config_get_int (McConfig *cfg, const char *group, const char *key, gint64 fallback)
{
  g_autofree char *v = raw_value (cfg, group, key, KEY_INT);
  gint64 n;

  if (v == NULL || !parse_int (g_strstrip (v), &n))
    return fallback;
  return n;
}

gboolean
mc_config_get_bool (McConfig *cfg, const char *group, const char *key, gboolean fallback)
{
  g_autofree char *v = raw_value (cfg, group, key, KEY_BOOL);
  gboolean b;

  if (v == NULL || !parse_bool (g_strstrip (v), &b))
    return fallback;
  return b;
}

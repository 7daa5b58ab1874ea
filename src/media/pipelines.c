/* Finding, expanding and parsing the pipelines/ text files. */
#include "meshcall/media/pipelines.h"
#include "meshcall/base/log.h"

#include <string.h>

#define MC_LOG_CATEGORY (&mc_log_media)

G_DEFINE_QUARK (mc-pipelines-error-quark, mc_pipelines_error)

#ifndef MESHCALL_PIPELINES_DIR
#define MESHCALL_PIPELINES_DIR "/usr/local/share/meshcall/pipelines"
#endif
#ifndef MESHCALL_SOURCE_DIR
#define MESHCALL_SOURCE_DIR "."
#endif

char *
mc_pipelines_find (const char *name)
{
  g_autofree char *file = g_strconcat (name, ".pipeline", NULL);
  const char *env_src = g_getenv ("MESHCALL_SOURCE_DIR");
  g_autofree char *user_dir = g_build_filename (g_get_user_config_dir (), "meshcall", "pipelines", NULL);
  g_autofree char *src_dir = g_build_filename (MESHCALL_SOURCE_DIR, "pipelines", NULL);
  g_autofree char *env_dir = env_src ? g_build_filename (env_src, "pipelines", NULL) : NULL;
  const char *dirs[] = { user_dir, MESHCALL_PIPELINES_DIR, src_dir, env_dir };

  for (gsize i = 0; i < G_N_ELEMENTS (dirs); i++) {
    if (dirs[i] == NULL)
      continue;
    g_autofree char *path = g_build_filename (dirs[i], file, NULL);
    if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
      return g_steal_pointer (&path);
  }
  return NULL;
}

static const char *
lookup_var (const char *const *vars, const char *name, gsize len)
{
  for (gsize i = 0; vars != NULL && vars[i] != NULL && vars[i + 1] != NULL; i += 2) {
    if (strlen (vars[i]) == len && strncmp (vars[i], name, len) == 0)
      return vars[i + 1];
  }
  return NULL;
}

char *
mc_pipelines_expand (const char *text, const char *const *vars, const char *origin, GError **error)
{
  g_autoptr (GString) out = g_string_new (NULL);
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);

  for (guint n = 0; lines[n] != NULL; n++) {
    const char *line = lines[n];
    const char *p = line;

    while (*p == ' ' || *p == '\t')
      p++;
    if (*p == '#' || *p == '\0')
      continue;
    while (*p != '\0') {
      const char *at = strchr (p, '@');
      if (at == NULL) {
        g_string_append (out, p);
        break;
      }
      g_string_append_len (out, p, at - p);
      if (at[1] == '@') {
        g_string_append_c (out, '@');
        p = at + 2;
        continue;
      }
      const char *end = strchr (at + 1, '@');
      if (end == NULL) {
        g_set_error (error, MC_PIPELINES_ERROR, MC_PIPELINES_ERROR_PLACEHOLDER,
                     "%s:%u: unterminated placeholder '%s' (write @@ for a literal @)", origin, n + 1, at);
        return NULL;
      }
      const char *value = lookup_var (vars, at + 1, end - at - 1);
      if (value == NULL) {
        g_set_error (error, MC_PIPELINES_ERROR, MC_PIPELINES_ERROR_PLACEHOLDER,
                     "%s:%u: unknown placeholder @%.*s@", origin, n + 1, (int) (end - at - 1), at + 1);
        return NULL;
      }
      g_string_append (out, value);
      p = end + 1;
    }
    g_string_append_c (out, ' ');
  }
  g_strstrip (out->str);
  out->len = strlen (out->str);
  return g_string_free (g_steal_pointer (&out), FALSE);
}

char *
mc_pipelines_load (const char *name, const char *const *vars, GError **error)
{
  g_autofree char *path = mc_pipelines_find (name);
  g_autofree char *text = NULL;

  if (path == NULL) {
    g_autofree char *user_dir = g_build_filename (g_get_user_config_dir (), "meshcall", "pipelines", NULL);
    g_set_error (error, MC_PIPELINES_ERROR, MC_PIPELINES_ERROR_NOT_FOUND,
                 "pipeline file '%s.pipeline' not found in %s, %s or %s/pipelines", name, user_dir,
                 MESHCALL_PIPELINES_DIR, MESHCALL_SOURCE_DIR);
    return NULL;
  }
  if (!g_file_get_contents (path, &text, NULL, error))
    return NULL;
  MC_DEBUG ("pipeline %s from %s", name, path);
  return mc_pipelines_expand (text, vars, path, error);
}

GstElement *
mc_pipelines_parse_bin (const char *description, const char *origin, GError **error)
{
  g_autoptr (GError) local = NULL;
  GstElement *bin = gst_parse_bin_from_description_full (description, TRUE, NULL,
                                                         GST_PARSE_FLAG_FATAL_ERRORS, &local);

  if (bin == NULL) {
    g_set_error (error, MC_PIPELINES_ERROR, MC_PIPELINES_ERROR_PARSE, "%s: %s (pipeline: %s)", origin,
                 local ? local->message : "parse failed", description);
    return NULL;
  }
  return bin;
}

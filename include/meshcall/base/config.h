/* Configuration file (GKeyFile). Looked up as: --config FILE, else
 * $XDG_CONFIG_HOME/meshcall/meshcall.conf (~/.config/...), else
 * /etc/meshcall/meshcall.conf; none found is an empty config. Every key is
 * validated against a schema at load time (config.c), so a typo or a bad
 * value is reported with file, line, key and what was expected. Command-line
 * flags override config values: a subcommand fills its option variables from
 * the config first, then lets GOption parse over them (cli/cli_config.h
 * finds --config in a command line). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define MC_CONFIG_ERROR (mc_config_error_quark ())
GQuark mc_config_error_quark (void);

typedef enum {
  MC_CONFIG_ERROR_NOT_FOUND,  /* --config FILE does not exist */
  MC_CONFIG_ERROR_SYNTAX,     /* not a key file */
  MC_CONFIG_ERROR_UNKNOWN,    /* unknown group or key */
  MC_CONFIG_ERROR_VALUE,      /* value of the wrong type or out of range */
  MC_CONFIG_ERROR_DUPLICATE,  /* a key set twice in its group */
} McConfigError;

typedef struct _McConfig McConfig;

McConfig *mc_config_load (const char *explicit_path, GError **error);
McConfig *mc_config_new_empty (void);
void mc_config_free (McConfig *cfg);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (McConfig, mc_config_free)

/* Path of the file that was loaded, or NULL for an empty config. */
const char *mc_config_get_path (McConfig *cfg);

gboolean mc_config_has (McConfig *cfg, const char *group, const char *key);
/* Typed getters return the configured value or the fallback. The key must be
 * in the schema with that type (programming error otherwise). */
char *mc_config_get_string (McConfig *cfg, const char *group, const char *key, const char *fallback);
gint64 mc_config_get_int (McConfig *cfg, const char *group, const char *key, gint64 fallback);
gboolean mc_config_get_bool (McConfig *cfg, const char *group, const char *key, gboolean fallback);

G_END_DECLS

/* For the option parsers' unit tests: "COMMAND ARGS... --config FILE" as
 * a command line gives it, FILE a temporary file holding the config text. */
#pragma once

#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

typedef struct {
  char *config;        /* the temporary file; option_args_clear removes it */
  GPtrArray *strings;  /* owns the words */
  char **argv;         /* a copy of the pointers: GOption takes words out of it */
  int argc;
} OptionArgs;

static inline void
option_args_init (OptionArgs *a, const char *command, const char *config_text, const char *const *args)
{
  g_autoptr (GError) error = NULL;
  int fd = g_file_open_tmp ("meshcall-options-XXXXXX.conf", &a->config, &error);

  g_assert_no_error (error);
  close (fd);
  g_assert_true (g_file_set_contents (a->config, config_text ? config_text : "", -1, NULL));
  a->strings = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (a->strings, g_strdup (command));
  for (guint i = 0; args[i]; i++)
    g_ptr_array_add (a->strings, g_strdup (args[i]));
  g_ptr_array_add (a->strings, g_strdup ("--config"));
  g_ptr_array_add (a->strings, g_strdup (a->config));
  a->argc = (int) a->strings->len;
  a->argv = g_new0 (char *, a->argc + 1);
  memcpy (a->argv, a->strings->pdata, sizeof (char *) * a->argc);
}

static inline void
option_args_clear (OptionArgs *a)
{
  g_unlink (a->config);
  g_free (a->config);
  g_free (a->argv);
  g_ptr_array_unref (a->strings);
}

/* Parsing --render against a table of renderers and opening one with the
 * auto fallback: see renderer_table.h. */
#include "meshcall/render/renderer_table.h"

#include "meshcall/base/log.h"

#include <string.h>

#define MC_LOG_CATEGORY (&mc_log_render)

static const McRendererClass *
find_class (const McRendererClass *const *table, const char *name)
{
  for (guint i = 0; table[i]; i++)
    if (g_ascii_strcasecmp (table[i]->name, name) == 0)
      return table[i];
  return NULL;
}

gboolean
mc_renderer_choice_parse (McRendererChoice *choice, const McRendererClass *const *table, const char *spec,
                          GError **error)
{
  g_auto (GStrv) parts = spec ? g_strsplit (spec, ":", 2) : NULL;
  const McRendererClass *klass = NULL;
  g_autofree char *variant = NULL;

  if (parts && parts[0] && !parts[1] && g_ascii_strcasecmp (parts[0], "auto") == 0) {
    mc_renderer_choice_clear (choice);
    choice->automatic = TRUE;
    return TRUE;
  }
  if (parts && parts[0] && !parts[1] && g_ascii_strcasecmp (parts[0], "none") == 0) {
    mc_renderer_choice_set_none (choice);
    return TRUE;
  }
  if (parts && parts[0])
    klass = find_class (table, parts[0]);
  if (klass && parts[1]) {
    variant = g_ascii_strdown (parts[1], -1);
    if (!klass->check_variant || !klass->check_variant (variant))
      klass = NULL;
  }
  if (!klass) {
    g_autofree char *accepted = mc_renderer_table_describe (table, NULL);

    g_set_error (error, MC_RENDERER_ERROR, MC_RENDERER_ERROR_BAD_KIND, "unknown renderer '%s': expected %s",
                 spec ? spec : "", accepted);
    return FALSE;
  }
  mc_renderer_choice_clear (choice);
  choice->klass = klass;
  choice->variant = g_steal_pointer (&variant);
  return TRUE;
}

void
mc_renderer_choice_set_none (McRendererChoice *choice)
{
  mc_renderer_choice_clear (choice);
}

void
mc_renderer_choice_clear (McRendererChoice *choice)
{
  g_clear_pointer (&choice->variant, g_free);
  choice->klass = NULL;
  choice->automatic = FALSE;
}

char *
mc_renderer_table_describe (const McRendererClass *const *table, const char *auto_note)
{
  GString *out = g_string_new ("auto");

  if (auto_note)
    g_string_append (out, auto_note);
  for (guint i = 0; table[i]; i++) {
    g_string_append_printf (out, ", %s", table[i]->name);
    for (guint v = 0; table[i]->variants && table[i]->variants[v]; v++)
      g_string_append_printf (out, ", %s:%s", table[i]->name, table[i]->variants[v]);
  }
  g_string_append (out, " or none");
  return g_string_free (out, FALSE);
}

char *
mc_renderer_table_describe_auto (const McRendererClass *const *table)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; table[i]; i++) {
    gboolean last = table[i + 1] == NULL;

    if (i > 0)
      g_string_append (out, ", else ");
    g_string_append (out, table[i]->where ? table[i]->where : table[i]->name);
    /* The last one is what is left: its condition goes without saying. */
    if (!last && table[i]->when)
      g_string_append_printf (out, " %s", table[i]->when);
  }
  if (out->len == 0)
    g_string_append (out, "no picture");
  return g_string_free (out, FALSE);
}

static McRenderer *
start_class (const McRendererClass *klass, const char *variant, const McRendererOptions *options, GError **error)
{
  McRendererOptions o = *options;
  McRenderer *r;

  o.variant = variant;
  r = mc_renderer_new (klass, &o, error);
  if (r && mc_renderer_start (r, error))
    return r;
  g_clear_pointer (&r, mc_renderer_free);
  if (error && !*error)
    g_set_error (error, MC_RENDERER_ERROR, MC_RENDERER_ERROR_UNAVAILABLE, "the %s renderer failed to start",
                 klass->name);
  return NULL;
}

/* Auto: the classes whose probe passes, in table order; each one that fails
 * to start is followed by a notice naming the next, the last by going on
 * without a picture. */
static McRenderer *
open_auto (const McRendererClass *const *table, const McRendererOptions *options)
{
  g_autoptr (GPtrArray) candidates = g_ptr_array_new ();
  g_autoptr (GError) last = NULL;

  for (guint i = 0; table[i]; i++) {
    g_autoptr (GError) why = NULL;

    if (!table[i]->probe || table[i]->probe (&why))
      g_ptr_array_add (candidates, (gpointer) table[i]);
    else
      MC_INFO ("renderer %s not tried: %s", table[i]->name, why ? why->message : "unavailable");
  }
  for (guint i = 0; i < candidates->len; i++) {
    const McRendererClass *klass = g_ptr_array_index (candidates, i);
    McRenderer *r;

    g_clear_error (&last);
    r = start_class (klass, NULL, options, &last);
    if (r)
      return r;
    MC_INFO ("renderer %s: %s", klass->name, last->message);
    if (i + 1 < candidates->len) {
      const McRendererClass *next = g_ptr_array_index (candidates, i + 1);
      mc_log_user ("%s; drawing in %s instead", last->message, next->where ? next->where : next->name);
    }
  }
  if (last)
    mc_log_user ("%s; going on without a picture", last->message);
  return NULL;
}

McRenderer *
mc_renderer_open (const McRendererClass *const *table, const McRendererChoice *choice,
                  const McRendererOptions *options, GError **error)
{
  if (choice->automatic)
    return open_auto (table, options);
  if (!choice->klass)
    return NULL;
  return start_class (choice->klass, choice->variant, options, error);
}

/* The chat overlay and its input line: see chat_overlay.h. */
#include "meshcall/render/chat_overlay.h"

#include "meshcall/base/text.h"

#include <string.h>

typedef struct {
  char *line;       /* "NAME: TEXT", safe to print */
  gint64 at_us;
} Line;

struct _McChatOverlay {
  Line lines[MC_CHAT_OVERLAY_LINES];   /* a ring: the newest at (head + n - 1) */
  guint head, n;
  gboolean hidden;
  guint unread;
  gint64 shown_us;   /* 'c' showed it: the lines count as new from then */
  GString *input;    /* NULL: closed */
};

McChatOverlay *
mc_chat_overlay_new (void)
{
  return g_new0 (McChatOverlay, 1);
}

void
mc_chat_overlay_free (McChatOverlay *o)
{
  if (o == NULL)
    return;
  for (guint i = 0; i < MC_CHAT_OVERLAY_LINES; i++)
    g_free (o->lines[i].line);
  if (o->input)
    g_string_free (o->input, TRUE);
  g_free (o);
}

/* One printable line: newlines and tabs as spaces, controls escaped. */
static char *
one_line (const char *s)
{
  g_autofree char *flat = g_strdup (s);

  for (char *p = flat; *p; p++)
    if (*p == '\n' || *p == '\t' || *p == '\r')
      *p = ' ';
  return mc_text_sanitize (flat);
}

static void
push (McChatOverlay *o, char *line, gint64 now_us)
{
  guint slot;

  if (o->n == MC_CHAT_OVERLAY_LINES) {
    g_free (o->lines[o->head].line);
    o->head = (o->head + 1) % MC_CHAT_OVERLAY_LINES;
    o->n--;
  }
  slot = (o->head + o->n) % MC_CHAT_OVERLAY_LINES;
  o->lines[slot].line = line;
  o->lines[slot].at_us = now_us;
  o->n++;
}

void
mc_chat_overlay_add (McChatOverlay *o, const char *name, const char *text, gint64 now_us)
{
  g_autofree char *n = one_line (name ? name : "?");
  g_autofree char *t = one_line (text ? text : "");

  push (o, g_strdup_printf ("%s: %s", n, t), now_us);
  if (o->hidden)
    o->unread++;
}

void
mc_chat_overlay_notice (McChatOverlay *o, const char *text, gint64 now_us)
{
  push (o, one_line (text), now_us);
}

gboolean
mc_chat_overlay_toggle (McChatOverlay *o, gint64 now_us)
{
  o->hidden = !o->hidden;
  if (!o->hidden) {
    o->unread = 0;
    o->shown_us = now_us;
  }
  return !o->hidden;
}

guint
mc_chat_overlay_unread (McChatOverlay *o)
{
  return o->unread;
}

/* How visible the newest line makes the overlay: 1 for SHOW_US, then down to 0. */
static double
opacity (McChatOverlay *o, gint64 now_us)
{
  gint64 newest, age;

  if (o->hidden || o->n == 0)
    return 0;
  if (o->input)
    return 1;   /* typing: the conversation stays up */
  newest = MAX (o->lines[(o->head + o->n - 1) % MC_CHAT_OVERLAY_LINES].at_us, o->shown_us);
  age = now_us - newest;
  if (age <= MC_CHAT_OVERLAY_SHOW_US)
    return 1;
  if (age >= MC_CHAT_OVERLAY_SHOW_US + MC_CHAT_OVERLAY_FADE_US)
    return 0;
  return 1.0 - (double) (age - MC_CHAT_OVERLAY_SHOW_US) / MC_CHAT_OVERLAY_FADE_US;
}

char **
mc_chat_overlay_visible (McChatOverlay *o, gint64 now_us, double *alpha)
{
  double a = opacity (o, now_us);
  char **out;

  *alpha = a;
  if (a <= 0)
    return NULL;
  out = g_new0 (char *, o->n + 1);
  for (guint i = 0; i < o->n; i++)
    out[i] = g_strdup (o->lines[(o->head + i) % MC_CHAT_OVERLAY_LINES].line);
  return out;
}

double
mc_chat_overlay_alpha (McChatOverlay *o, gint64 now_us)
{
  return opacity (o, now_us);
}

gboolean
mc_chat_overlay_animating (McChatOverlay *o, gint64 now_us)
{
  double a = opacity (o, now_us);
  return a > 0 && a < 1;
}

void
mc_chat_overlay_open_input (McChatOverlay *o)
{
  if (o->input == NULL)
    o->input = g_string_new (NULL);
}

gboolean
mc_chat_overlay_input_is_open (McChatOverlay *o)
{
  return o->input != NULL;
}

static void
close_input (McChatOverlay *o)
{
  g_string_free (o->input, TRUE);
  o->input = NULL;
}

/* Erases the last character (a partial UTF-8 sequence counts as one). */
static void
erase_char (GString *s)
{
  gsize len = s->len;

  while (len > 0 && ((guchar) s->str[len - 1] & 0xc0) == 0x80)
    len--;
  if (len > 0)
    len--;
  g_string_truncate (s, len);
}

McChatInputResult
mc_chat_overlay_input_key (McChatOverlay *o, int key)
{
  if (o->input == NULL)
    return MC_CHAT_INPUT_IGNORED;
  switch (key) {
  case '\r': case '\n':
    if (o->input->len == 0) {
      close_input (o);
      return MC_CHAT_INPUT_CHANGED;
    }
    return MC_CHAT_INPUT_SUBMIT;
  case 127: case 8:
    erase_char (o->input);
    return MC_CHAT_INPUT_CHANGED;
  case 27:
    close_input (o);
    return MC_CHAT_INPUT_CHANGED;
  case 21:   /* Ctrl-U */
    g_string_truncate (o->input, 0);
    return MC_CHAT_INPUT_CHANGED;
  default:
    if (key < 0x20 || key > 0xff)
      return MC_CHAT_INPUT_CHANGED;
    if (o->input->len < MC_CHAT_OVERLAY_INPUT_MAX)
      g_string_append_c (o->input, (char) key);
    return MC_CHAT_INPUT_CHANGED;
  }
}

McChatInputResult
mc_chat_overlay_input_text (McChatOverlay *o, const char *utf8)
{
  if (o->input == NULL)
    return MC_CHAT_INPUT_IGNORED;
  if (utf8 && o->input->len + strlen (utf8) <= MC_CHAT_OVERLAY_INPUT_MAX)
    g_string_append (o->input, utf8);
  return MC_CHAT_INPUT_CHANGED;
}

char *
mc_chat_overlay_input_display (McChatOverlay *o)
{
  return o->input ? one_line (o->input->str) : NULL;
}

char *
mc_chat_overlay_take_input (McChatOverlay *o)
{
  char *text;

  if (o->input == NULL || o->input->len == 0)
    return NULL;
  text = g_string_free (o->input, FALSE);
  o->input = NULL;
  return text;
}

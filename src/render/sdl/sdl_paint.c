/* Colours, rectangles and cached text for the SDL grid: see sdl_paint.h. */
#include "meshcall/render/sdl/sdl_paint.h"

#include "meshcall/base/log.h"
#include "meshcall/render/renderer.h"

#include <fontconfig/fontconfig.h>

#define MC_LOG_CATEGORY (&mc_log_render)

char *
mc_sdl_paint_find_font (const char *font, GError **error)
{
  FcConfig *config;
  FcPattern *pattern, *match;
  FcResult result;
  FcChar8 *file = NULL;
  char *path = NULL;

  if (font && *font && g_file_test (font, G_FILE_TEST_IS_REGULAR))
    return g_strdup (font);
  if (!font || !*font)
    font = "DejaVu Sans:bold";
  config = FcInitLoadConfigAndFonts ();
  pattern = FcNameParse ((const FcChar8 *) font);
  if (config && pattern) {
    FcConfigSubstitute (config, pattern, FcMatchPattern);
    FcDefaultSubstitute (pattern);
    match = FcFontMatch (config, pattern, &result);
    if (match && FcPatternGetString (match, FC_FILE, 0, &file) == FcResultMatch)
      path = g_strdup ((const char *) file);
    if (match)
      FcPatternDestroy (match);
  }
  if (pattern)
    FcPatternDestroy (pattern);
  if (config)
    FcConfigDestroy (config);
  if (!path)
    g_set_error (error, MC_RENDERER_ERROR, MC_RENDERER_ERROR_UNAVAILABLE,
                 "no font found for '%s' (install fonts-dejavu-core or set [display] font to a .ttf file)", font);
  return path;
}

static void
text_free (gpointer data)
{
  McSdlText *t = data;

  if (t->tex)
    SDL_DestroyTexture (t->tex);
  g_free (t);
}

void
mc_sdl_paint_init (McSdlPaint *p, SDL_Renderer *ren, char *font_path)
{
  p->ren = ren;
  p->font_path = font_path;
  p->font = p->font_big = NULL;
  p->font_px = 0;
  p->texts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, text_free);
}

void
mc_sdl_paint_clear (McSdlPaint *p)
{
  g_clear_pointer (&p->texts, g_hash_table_unref);
  g_clear_pointer (&p->font, TTF_CloseFont);
  g_clear_pointer (&p->font_big, TTF_CloseFont);
  g_clear_pointer (&p->font_path, g_free);
  p->ren = NULL;
}

gboolean
mc_sdl_paint_open_fonts (McSdlPaint *p, int out_h)
{
  int px = CLAMP (out_h / 36, 12, 40);

  if (px == p->font_px && p->font)
    return TRUE;
  g_hash_table_remove_all (p->texts);
  g_clear_pointer (&p->font, TTF_CloseFont);
  g_clear_pointer (&p->font_big, TTF_CloseFont);
  p->font = TTF_OpenFont (p->font_path, px);
  p->font_big = TTF_OpenFont (p->font_path, px * 3 / 2);
  p->font_px = px;
  if (!p->font || !p->font_big) {
    MC_WARNING ("cannot open font %s: %s", p->font_path, TTF_GetError ());
    return FALSE;
  }
  return TRUE;
}

void
mc_sdl_paint_begin_frame (McSdlPaint *p)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, p->texts);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    ((McSdlText *) value)->used = FALSE;
}

void
mc_sdl_paint_end_frame (McSdlPaint *p)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, p->texts);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (!((McSdlText *) value)->used)
      g_hash_table_iter_remove (&iter);
}

void
mc_sdl_paint_forget (McSdlPaint *p)
{
  g_hash_table_remove_all (p->texts);
}

void
mc_sdl_paint_set_color (McSdlPaint *p, McSdlColor c)
{
  SDL_SetRenderDrawColor (p->ren, c.r, c.g, c.b, c.a);
}

void
mc_sdl_paint_fill (McSdlPaint *p, int x, int y, int w, int h, McSdlColor c)
{
  SDL_Rect rect = { x, y, w, h };

  mc_sdl_paint_set_color (p, c);
  SDL_RenderFillRect (p->ren, &rect);
}

void
mc_sdl_paint_frame (McSdlPaint *p, SDL_Rect r, int thickness, McSdlColor c)
{
  mc_sdl_paint_fill (p, r.x, r.y, r.w, thickness, c);
  mc_sdl_paint_fill (p, r.x, r.y + r.h - thickness, r.w, thickness, c);
  mc_sdl_paint_fill (p, r.x, r.y, thickness, r.h, c);
  mc_sdl_paint_fill (p, r.x + r.w - thickness, r.y, thickness, r.h, c);
}

McSdlText *
mc_sdl_paint_text (McSdlPaint *p, TTF_Font *font, const char *text, McSdlColor c, int wrap)
{
  g_autofree char *key = NULL;
  McSdlText *t;
  SDL_Surface *surf;
  SDL_Color color = { c.r, c.g, c.b, c.a };

  if (!font || !text || !*text)
    return NULL;
  key = g_strdup_printf ("%p|%02x%02x%02x%02x|%d|%s", (void *) font, c.r, c.g, c.b, c.a, wrap, text);
  t = g_hash_table_lookup (p->texts, key);
  if (t) {
    t->used = TRUE;
    return t;
  }
  surf = wrap > 0 ? TTF_RenderUTF8_Blended_Wrapped (font, text, color, (Uint32) wrap)
                  : TTF_RenderUTF8_Blended (font, text, color);
  if (!surf) {
    MC_WARNING ("cannot render text: %s", TTF_GetError ());
    return NULL;
  }
  t = g_new0 (McSdlText, 1);
  t->tex = SDL_CreateTextureFromSurface (p->ren, surf);
  t->w = surf->w;
  t->h = surf->h;
  t->used = TRUE;
  SDL_FreeSurface (surf);
  g_hash_table_insert (p->texts, g_steal_pointer (&key), t);
  return t;
}

void
mc_sdl_paint_draw_text (McSdlPaint *p, McSdlText *t, int x, int y)
{
  SDL_Rect dst;

  if (!t || !t->tex)
    return;
  dst = (SDL_Rect) { x, y, t->w, t->h };
  SDL_RenderCopy (p->ren, t->tex, NULL, &dst);
}

int
mc_sdl_paint_label (McSdlPaint *p, TTF_Font *font, const char *text, McSdlColor fg, McSdlColor bg, int x, int y,
                    int max_w)
{
  McSdlText *t = mc_sdl_paint_text (p, font, text, fg, 0);
  int pad = MAX (2, p->font_px / 4);
  SDL_Rect clip = { x, y, max_w, 0 };

  if (!t || max_w <= 2 * pad)
    return 0;
  clip.h = t->h + 2 * pad;
  mc_sdl_paint_fill (p, x, y, MIN (t->w + 2 * pad, max_w), t->h + 2 * pad, bg);
  SDL_RenderSetClipRect (p->ren, &clip);
  mc_sdl_paint_draw_text (p, t, x + pad, y + pad);
  SDL_RenderSetClipRect (p->ren, NULL);
  return MIN (t->w + 2 * pad, max_w);
}

void
mc_sdl_paint_centered (McSdlPaint *p, TTF_Font *font, const char *text, McSdlColor c, SDL_Rect box, int wrap)
{
  McSdlText *t = mc_sdl_paint_text (p, font, text, c, wrap);

  if (!t)
    return;
  SDL_RenderSetClipRect (p->ren, &box);
  mc_sdl_paint_draw_text (p, t, box.x + (box.w - t->w) / 2, box.y + (box.h - t->h) / 2);
  SDL_RenderSetClipRect (p->ren, NULL);
}

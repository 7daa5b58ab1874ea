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
  if (t->surf)
    SDL_FreeSurface (t->surf);
  g_free (t);
}

void
mc_sdl_paint_init (McSdlPaint *p, SDL_Renderer *ren, SDL_Surface *surface, char *font_path)
{
  p->ren = ren;
  p->surface = surface;
  p->region = (SDL_Rect) { 0, 0, surface ? surface->w : 0, surface ? surface->h : 0 };
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
  p->surface = NULL;
}

void
mc_sdl_paint_set_surface (McSdlPaint *p, SDL_Surface *surface)
{
  p->surface = surface;
}

void
mc_sdl_paint_set_region (McSdlPaint *p, SDL_Rect region)
{
  p->region = region;
  mc_sdl_paint_clip (p, NULL);
}

void
mc_sdl_paint_clip (McSdlPaint *p, const SDL_Rect *r)
{
  SDL_Rect clip = p->region;

  if (r && !SDL_IntersectRect (r, &p->region, &clip))
    clip = (SDL_Rect) { p->region.x, p->region.y, 0, 0 };
  if (p->surface)
    SDL_SetClipRect (p->surface, &clip);
  else
    SDL_RenderSetClipRect (p->ren, &clip);
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
  p->frame++;
}

/* A piece of text not drawn for this many partial repaints goes (the window
 * surface repaints only what changed, so what shows is not drawn each time). */
#define KEEP_UNDRAWN_FRAMES 300

void
mc_sdl_paint_end_frame (McSdlPaint *p, gboolean full)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, p->texts);
  while (g_hash_table_iter_next (&iter, NULL, &value)) {
    guint64 used = ((McSdlText *) value)->used;

    if (full ? used != p->frame : p->frame - used > KEEP_UNDRAWN_FRAMES)
      g_hash_table_iter_remove (&iter);
  }
}

void
mc_sdl_paint_forget (McSdlPaint *p)
{
  g_hash_table_remove_all (p->texts);
}

void
mc_sdl_paint_set_color (McSdlPaint *p, McSdlColor c)
{
  if (p->ren)
    SDL_SetRenderDrawColor (p->ren, c.r, c.g, c.b, c.a);
}

/* A translucent box on the surface: SDL_FillRect does not blend, so a box
 * of that colour is made once (cached like text) and blended on. */
static McSdlText *
surface_box (McSdlPaint *p, int w, int h, McSdlColor c)
{
  g_autofree char *key = g_strdup_printf ("box|%02x%02x%02x%02x|%dx%d", c.r, c.g, c.b, c.a, w, h);
  McSdlText *t = g_hash_table_lookup (p->texts, key);
  SDL_Surface *surf;

  if (t) {
    t->used = p->frame;
    return t;
  }
  surf = SDL_CreateRGBSurfaceWithFormat (0, w, h, 32, SDL_PIXELFORMAT_ARGB8888);
  if (!surf)
    return NULL;
  SDL_FillRect (surf, NULL, SDL_MapRGBA (surf->format, c.r, c.g, c.b, c.a));
  SDL_SetSurfaceBlendMode (surf, SDL_BLENDMODE_BLEND);
  t = g_new0 (McSdlText, 1);
  t->surf = surf;
  t->w = w;
  t->h = h;
  t->used = p->frame;
  g_hash_table_insert (p->texts, g_steal_pointer (&key), t);
  return t;
}

void
mc_sdl_paint_fill (McSdlPaint *p, int x, int y, int w, int h, McSdlColor c)
{
  SDL_Rect rect = { x, y, w, h };

  if (w <= 0 || h <= 0)
    return;
  if (p->ren) {
    mc_sdl_paint_set_color (p, c);
    SDL_RenderFillRect (p->ren, &rect);
  } else if (c.a == 0xff) {
    SDL_FillRect (p->surface, &rect, SDL_MapRGB (p->surface->format, c.r, c.g, c.b));
  } else {
    mc_sdl_paint_draw_text (p, surface_box (p, w, h, c), x, y);
  }
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
    t->used = p->frame;
    return t;
  }
  surf = wrap > 0 ? TTF_RenderUTF8_Blended_Wrapped (font, text, color, (Uint32) wrap)
                  : TTF_RenderUTF8_Blended (font, text, color);
  if (!surf) {
    MC_WARNING ("cannot render text: %s", TTF_GetError ());
    return NULL;
  }
  t = g_new0 (McSdlText, 1);
  t->w = surf->w;
  t->h = surf->h;
  t->used = p->frame;
  if (p->ren) {
    t->tex = SDL_CreateTextureFromSurface (p->ren, surf);
    SDL_FreeSurface (surf);
  } else {
    SDL_SetSurfaceBlendMode (surf, SDL_BLENDMODE_BLEND);
    t->surf = surf;
  }
  g_hash_table_insert (p->texts, g_steal_pointer (&key), t);
  return t;
}

void
mc_sdl_paint_draw_text (McSdlPaint *p, McSdlText *t, int x, int y)
{
  SDL_Rect dst;

  if (!t || !(t->tex || t->surf))
    return;
  dst = (SDL_Rect) { x, y, t->w, t->h };
  if (t->surf)
    SDL_BlitSurface (t->surf, NULL, p->surface, &dst);
  else
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
  mc_sdl_paint_clip (p, &clip);
  mc_sdl_paint_draw_text (p, t, x + pad, y + pad);
  mc_sdl_paint_clip (p, NULL);
  return MIN (t->w + 2 * pad, max_w);
}

void
mc_sdl_paint_centered (McSdlPaint *p, TTF_Font *font, const char *text, McSdlColor c, SDL_Rect box, int wrap)
{
  McSdlText *t = mc_sdl_paint_text (p, font, text, c, wrap);

  if (!t)
    return;
  mc_sdl_paint_clip (p, &box);
  mc_sdl_paint_draw_text (p, t, box.x + (box.w - t->w) / 2, box.y + (box.h - t->h) / 2);
  mc_sdl_paint_clip (p, NULL);
}

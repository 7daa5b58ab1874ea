/* The chat on the SDL grid: the overlay's lines at the bottom left over
 * everything (fading with the view's chat_alpha), the input line under
 * them, the file transfers' line between the two, and the unread count as
 * a badge while the chat is hidden. */
#include "meshcall/render/sdl/sdl_paint.h"

static const McSdlColor CHAT_TEXT = { 0xf0, 0xf0, 0xf0, 0xff };
static const McSdlColor CHAT_BG = { 0x00, 0x00, 0x00, 0xb0 };
static const McSdlColor INPUT_BG = { 0x20, 0x40, 0x80, 0xe0 };
static const McSdlColor BADGE_BG = { 0x20, 0x60, 0xc0, 0xe8 };
static const McSdlColor TRANSFER_BG = { 0x20, 0x70, 0x40, 0xe0 };

static McSdlColor
faded (McSdlColor c, double alpha)
{
  c.a = (Uint8) (c.a * alpha);
  return c;
}

/* One line on its box at (x, y) with its bottom at y; returns its height. */
static int
line_up (McSdlPaint *p, const char *text, McSdlColor bg, double alpha, int x, int bottom, int max_w)
{
  McSdlText *t = mc_sdl_paint_text (p, p->font, text, CHAT_TEXT, max_w);
  int pad = p->font_px / 4;

  if (t == NULL)
    return 0;
  mc_sdl_paint_fill (p, x, bottom - t->h - 2 * pad, t->w + 2 * pad, t->h + 2 * pad, faded (bg, alpha));
  SDL_SetTextureAlphaMod (t->tex, (Uint8) (255 * alpha));
  mc_sdl_paint_draw_text (p, t, x + pad, bottom - t->h - pad);
  SDL_SetTextureAlphaMod (t->tex, 255);
  return t->h + 2 * pad;
}

void
mc_sdl_paint_chat (McSdlPaint *p, const McRendererView *view, int out_w, int out_h)
{
  int margin = p->font_px / 2, bottom = out_h - margin, max_w = out_w * 3 / 5;
  guint n = view->chat ? g_strv_length (view->chat) : 0;

  if (view->chat_input != NULL) {
    g_autofree char *line = g_strdup_printf ("Say: %s_", view->chat_input);
    bottom -= line_up (p, line, INPUT_BG, 1.0, margin, bottom, out_w - 2 * margin) + margin / 2;
  }
  if (view->transfers != NULL)
    bottom -= line_up (p, view->transfers, TRANSFER_BG, 1.0, margin, bottom, out_w - 2 * margin) + margin / 2;
  for (guint i = n; i > 0 && bottom > out_h / 3; i--)
    bottom -= line_up (p, view->chat[i - 1], CHAT_BG, view->chat_alpha, margin, bottom, max_w) + margin / 4;
  if (view->chat_unread > 0) {
    g_autofree char *badge = g_strdup_printf ("%u unread (c)", view->chat_unread);
    line_up (p, badge, BADGE_BG, 1.0, margin, out_h - margin, max_w);
  }
}

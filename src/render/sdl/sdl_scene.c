/* The SDL grid's scene: see sdl_scene.h. */
#include "meshcall/render/sdl/sdl_scene.h"

#include "meshcall/render/overlay.h"

#include <string.h>

#define TILE_PADDING 4
#define BORDER 4

static const McSdlColor COLOR_BG = { 0x14, 0x14, 0x14, 0xff };
static const McSdlColor COLOR_TILE = { 0x2a, 0x2a, 0x2e, 0xff };
static const McSdlColor COLOR_TEXT = { 0xf0, 0xf0, 0xf0, 0xff };
static const McSdlColor COLOR_LABEL_BG = { 0x00, 0x00, 0x00, 0xa0 };
static const McSdlColor COLOR_SPEAKING = { 0x3c, 0xd0, 0x5a, 0xff };
static const McSdlColor COLOR_MUTED = { 0xd8, 0x30, 0x30, 0xff };
static const McSdlColor COLOR_STATUS = { 0xe0, 0x8a, 0x00, 0xe8 };
static const McSdlColor COLOR_SELF_BORDER = { 0xd0, 0xd0, 0xd0, 0xff };
static const McSdlColor COLOR_RECORDING = { 0xc8, 0x10, 0x10, 0xf0 };

/* Where everything goes for one view. */
typedef struct {
  guint n;
  McLayoutTile lt[MC_LAYOUT_MAX_TILES];
  gboolean self_shown;
  SDL_Rect self_video, self_border;
  McSdlText *status;
  SDL_Rect status_box;
  McSdlText *recording;       /* the recording mark, top right, over everything */
  SDL_Rect recording_box;
  int out_w, out_h;
} Placement;

static void
scene_tile_clear (McSdlSceneTile *t)
{
  mc_sdl_video_clear (&t->video);
  g_clear_pointer (&t->overlay, g_free);
  t->seq = 0;
  t->target = (McRendererTarget) { 0 };
}

static void
scene_tile_free (gpointer data)
{
  scene_tile_clear (data);
  g_free (data);
}

void
mc_sdl_scene_init (McSdlScene *sc, gboolean retained)
{
  sc->tiles = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, scene_tile_free);
  memset (&sc->self, 0, sizeof sc->self);
  sc->layout = NULL;
  sc->retained = retained;
}

void
mc_sdl_scene_clear (McSdlScene *sc)
{
  g_clear_pointer (&sc->tiles, g_hash_table_unref);
  scene_tile_clear (&sc->self);
  g_clear_pointer (&sc->layout, g_free);
}

void
mc_sdl_scene_invalidate (McSdlScene *sc)
{
  g_clear_pointer (&sc->layout, g_free);
}

void
mc_sdl_scene_forget (McSdlScene *sc)
{
  g_hash_table_remove_all (sc->tiles);
  scene_tile_clear (&sc->self);
  g_clear_pointer (&sc->layout, g_free);
  mc_sdl_paint_forget (&sc->paint);
}

static SDL_Rect
to_sdl (McRect r)
{
  return (SDL_Rect) { r.x, r.y, r.w, r.h };
}

static gboolean
overlaps (const SDL_Rect *a, const SDL_Rect *b)
{
  return SDL_HasIntersection (a, b);
}

static const McRendererTileView *
tile_at (const McRendererView *view, guint i)
{
  return &g_array_index (view->tiles, McRendererTileView, i);
}

static void
place (McSdlScene *sc, const McRendererView *view, int out_w, int out_h, Placement *pl)
{
  McSdlPaint *p = &sc->paint;
  double aspects[MC_LAYOUT_MAX_TILES];
  McLayoutParams params = { TILE_PADDING, 0 };

  memset (pl, 0, sizeof *pl);
  pl->out_w = out_w;
  pl->out_h = out_h;
  pl->n = MIN (view->tiles->len, MC_LAYOUT_MAX_TILES);
  for (guint i = 0; i < pl->n; i++)
    aspects[i] = tile_at (view, i)->aspect;
  if (pl->n > 0)
    mc_layout_compute (out_w, out_h, pl->n, aspects, &params, pl->lt, NULL);
  if (view->self_view && (view->self.sample || (view->self.flags & (MC_TILE_CAMERA_OFF | MC_TILE_MUTED)))) {
    double aspect = view->self.aspect > 0 ? view->self.aspect : 4.0 / 3.0;
    int margin = MAX (8, out_w / 80);
    int w = CLAMP (out_w / 5, 96, 480);
    int h = (int) (w / aspect);

    if (h > out_h / 3) {
      h = out_h / 3;
      w = (int) (h * aspect);
    }
    pl->self_shown = TRUE;
    pl->self_video = (SDL_Rect) { out_w - w - margin, out_h - h - margin, w, h };
    pl->self_border = (SDL_Rect) { pl->self_video.x - 2, pl->self_video.y - 2, w + 4, h + 4 };
  }
  if (view->status) {
    pl->status = mc_sdl_paint_text (p, p->font_big, view->status, COLOR_TEXT, out_w - 40);
    if (pl->status) {
      int pad = p->font_px / 2;

      pl->status_box = (SDL_Rect) { (out_w - pl->status->w) / 2 - pad, pad, pl->status->w + 2 * pad,
                                    pl->status->h + 2 * pad };
    }
  }
  if (view->recording) {
    g_autofree char *mark = mc_overlay_recording_mark (view->recording);
    pl->recording = mc_sdl_paint_text (p, p->font, mark, COLOR_TEXT, out_w / 2);
    if (pl->recording) {
      int pad = MAX (2, p->font_px / 4);

      pl->recording_box = (SDL_Rect) { out_w - pl->recording->w - 2 * pad - p->font_px / 2, p->font_px / 2,
                                       pl->recording->w + 2 * pad, pl->recording->h + 2 * pad };
    }
  }
}

/* Everything whose change repaints the whole window. */
static char *
layout_key (const McRendererView *view, const Placement *pl)
{
  GString *k = g_string_new (NULL);

  g_string_append_printf (k, "%dx%d|%d|self %d:%d,%d,%d,%d|", pl->out_w, pl->out_h, view->show_stats, pl->self_shown,
                          pl->self_video.x, pl->self_video.y, pl->self_video.w, pl->self_video.h);
  for (guint i = 0; i < pl->n; i++) {
    McRect v = pl->lt[i].video;

    g_string_append_printf (k, "%s:%d,%d,%d,%d|", tile_at (view, i)->id, v.x, v.y, v.w, v.h);
  }
  g_string_append_printf (k, "status:%s|rec:%s|", view->status ? view->status : "",
                          view->recording ? view->recording : "");
  /* The chat over the pictures: a new line, the fade, the input line. */
  g_string_append_printf (k, "chat:%.3f:%u:%s|%s|", view->chat_alpha, view->chat_unread,
                          view->chat_input ? view->chat_input : "", view->transfers ? view->transfers : "");
  for (guint i = 0; view->chat && view->chat_alpha > 0 && view->chat[i]; i++)
    g_string_append_printf (k, "%s\n", view->chat[i]);
  if (pl->n == 0)
    g_string_append (k, view->waiting);
  return g_string_free (k, FALSE);
}

/* The words and marks on a tile, as drawn: a change repaints the tile. */
static char *
overlay_key (const McRendererTileView *v, gboolean show_stats)
{
  g_auto (GStrv) lines = show_stats ? mc_overlay_stats_lines (v) : NULL;
  g_autofree char *stats = lines ? g_strjoinv ("\n", lines) : NULL;

  return g_strdup_printf ("%s|%x|%s", v->name, v->flags, stats ? stats : "");
}

static McSdlSceneTile *
scene_tile_for (McSdlScene *sc, const char *id)
{
  McSdlSceneTile *t = g_hash_table_lookup (sc->tiles, id);

  if (!t) {
    t = g_new0 (McSdlSceneTile, 1);
    g_hash_table_insert (sc->tiles, g_strdup (id), t);
  }
  t->used = TRUE;
  return t;
}

/* On a retained target frames are prepared by the streams at the size drawn. */
static void
set_target (McSdlScene *sc, McRenderer *r, const char *id, McSdlSceneTile *t, SDL_Rect video)
{
  McRendererTarget target = { video.w, video.h, MC_SDL_VIDEO_PREPARED_FORMAT };

  if (!sc->retained || (t->target.width == target.width && t->target.height == target.height))
    return;
  t->target = target;
  mc_renderer_set_tile_target (r, id, &target);
}

/* Name and state marks along the bottom of the picture. */
static void
draw_name (McSdlPaint *p, const McRendererTileView *v, const char *name, SDL_Rect area)
{
  int pad = MAX (2, p->font_px / 4);
  int h = TTF_FontHeight (p->font) + 2 * pad;
  int x = area.x + pad, y = area.y + area.h - h - pad;
  int right = area.x + area.w - pad;
  McOverlayMark marks[MC_OVERLAY_MAX_MARKS];
  guint n_marks = mc_overlay_marks (v->flags, marks);

  if (area.h < h + 2 * pad)
    y = area.y;
  x += mc_sdl_paint_label (p, p->font, name, COLOR_TEXT, COLOR_LABEL_BG, x, y, right - x) + pad;
  /* The microphone mark in red, the others on the name's dark label. */
  for (guint i = 0; i < n_marks && x < right; i++)
    x += mc_sdl_paint_label (p, p->font, marks[i].text, COLOR_TEXT,
                             marks[i].flag == MC_TILE_MUTED ? COLOR_MUTED : COLOR_LABEL_BG, x, y, right - x) + pad;
}

static void
draw_picture (McSdlPaint *p, McSdlSceneTile *t, const McRendererTileView *v, SDL_Rect video, SDL_Rect cell,
              McSdlSceneResult *res)
{
  gboolean uploaded = FALSE;

  if (v->sample && !(v->flags & MC_TILE_CAMERA_OFF) && mc_sdl_video_draw (&t->video, p, v, video, &uploaded)) {
    if (uploaded) {
      res->n_uploaded++;
      res->oldest_push_us = MIN (res->oldest_push_us, v->push_us);
    }
    return;
  }
  {
    SDL_Rect box = video.w > 0 ? video : cell;

    mc_sdl_paint_fill (p, box.x, box.y, box.w, box.h, COLOR_TILE);
    mc_sdl_paint_centered (p, p->font, mc_overlay_placeholder (v->flags), COLOR_TEXT, box, 0);
  }
}

static void
draw_stats (McSdlPaint *p, const McRendererTileView *v, SDL_Rect video)
{
  g_auto (GStrv) lines = mc_overlay_stats_lines (v);
  g_autofree char *text = g_strjoinv ("\n", lines);
  McSdlText *t = mc_sdl_paint_text (p, p->font, text, COLOR_TEXT, video.w - 8);
  int pad = MAX (2, p->font_px / 4);

  if (!t)
    return;
  mc_sdl_paint_clip (p, &video);
  mc_sdl_paint_fill (p, video.x + pad, video.y + pad, t->w + 2 * pad, t->h + 2 * pad, COLOR_LABEL_BG);
  mc_sdl_paint_draw_text (p, t, video.x + 2 * pad, video.y + 2 * pad);
  mc_sdl_paint_clip (p, NULL);
}

static void
draw_tile (McSdlScene *sc, McSdlSceneTile *t, const McRendererTileView *v, const McLayoutTile *lt,
           gboolean show_stats, McSdlSceneResult *res)
{
  McSdlPaint *p = &sc->paint;
  SDL_Rect video = to_sdl (lt->video), cell = to_sdl (lt->cell);

  if (video.w <= 0 || video.h <= 0)
    return;
  draw_picture (p, t, v, video, cell, res);
  if (v->flags & MC_TILE_SPEAKING) {
    SDL_Rect b = { video.x - BORDER + 1, video.y - BORDER + 1, video.w + 2 * BORDER - 2, video.h + 2 * BORDER - 2 };

    SDL_IntersectRect (&b, &cell, &b);
    mc_sdl_paint_frame (p, b, BORDER, COLOR_SPEAKING);
  }
  draw_name (p, v, v->name, video);
  if (show_stats)
    draw_stats (p, v, video);
}

static void
draw_self (McSdlScene *sc, const McRendererView *view, const Placement *pl, McSdlSceneResult *res)
{
  McSdlPaint *p = &sc->paint;

  mc_sdl_paint_frame (p, pl->self_border, 2, COLOR_SELF_BORDER);
  draw_picture (p, &sc->self, &view->self, pl->self_video, pl->self_video, res);
  draw_name (p, &view->self, MC_OVERLAY_SELF_NAME, pl->self_video);
}

/* The background of outer around hole (which a picture covers): up to four
 * bands, so that no pixel is written twice. */
static void
fill_around (McSdlPaint *p, SDL_Rect outer, SDL_Rect hole)
{
  SDL_Rect in;

  if (!SDL_IntersectRect (&outer, &hole, &in)) {
    mc_sdl_paint_fill (p, outer.x, outer.y, outer.w, outer.h, COLOR_BG);
    return;
  }
  mc_sdl_paint_fill (p, outer.x, outer.y, outer.w, in.y - outer.y, COLOR_BG);
  mc_sdl_paint_fill (p, outer.x, in.y + in.h, outer.w, outer.y + outer.h - in.y - in.h, COLOR_BG);
  mc_sdl_paint_fill (p, outer.x, in.y, in.x - outer.x, in.h, COLOR_BG);
  mc_sdl_paint_fill (p, in.x + in.w, in.y, outer.x + outer.w - in.x - in.w, in.h, COLOR_BG);
}

/* One region, in z-order: the background (but where the hole's picture
 * goes), the tiles it meets, the self view, the banner, the chat. */
static void
draw_region (McSdlScene *sc, const McRendererView *view, const Placement *pl, SDL_Rect region, SDL_Rect hole,
             McSdlSceneResult *res)
{
  McSdlPaint *p = &sc->paint;

  mc_sdl_paint_set_region (p, region);
  fill_around (p, region, hole);
  if (pl->n == 0) {
    SDL_Rect all = { 0, 0, pl->out_w, pl->out_h };

    mc_sdl_paint_centered (p, p->font_big, view->waiting, COLOR_TEXT, all, pl->out_w * 4 / 5);
  }
  for (guint i = 0; i < pl->n; i++) {
    SDL_Rect cell = to_sdl (pl->lt[i].cell);
    const McRendererTileView *v = tile_at (view, i);

    if (overlaps (&cell, &region))
      draw_tile (sc, scene_tile_for (sc, v->id), v, &pl->lt[i], view->show_stats, res);
  }
  if (pl->self_shown && overlaps (&pl->self_border, &region))
    draw_self (sc, view, pl, res);
  if (pl->status && overlaps (&pl->status_box, &region)) {
    int pad = p->font_px / 2;

    mc_sdl_paint_fill (p, pl->status_box.x, pl->status_box.y, pl->status_box.w, pl->status_box.h, COLOR_STATUS);
    mc_sdl_paint_draw_text (p, pl->status, pl->status_box.x + pad, pl->status_box.y + pad);
  }
  if (pl->recording && overlaps (&pl->recording_box, &region)) {
    int pad = MAX (2, p->font_px / 4);
    const SDL_Rect *b = &pl->recording_box;

    mc_sdl_paint_fill (p, b->x, b->y, b->w, b->h, COLOR_RECORDING);
    mc_sdl_paint_draw_text (p, pl->recording, b->x + pad, b->y + pad);
  }
  mc_sdl_paint_chat (p, view, pl->out_w, pl->out_h);   /* clipped to the region */
}

static void
add_region (McSdlSceneResult *res, SDL_Rect r, SDL_Rect hole)
{
  if (res->n_regions < G_N_ELEMENTS (res->regions)) {
    res->holes[res->n_regions] = hole;
    res->regions[res->n_regions++] = r;
  }
}

static gboolean
has_picture (const McRendererTileView *v)
{
  return v->sample && !(v->flags & MC_TILE_CAMERA_OFF);
}

/* What changed since the last draw: the regions to repaint. A tile is marked
 * drawn here; its picture is counted once however many regions it meets. */
static void
find_changes (McSdlScene *sc, McRenderer *r, const McRendererView *view, const Placement *pl,
              McSdlSceneResult *res)
{
  for (guint i = 0; i < pl->n; i++) {
    const McRendererTileView *v = tile_at (view, i);
    McSdlSceneTile *t = scene_tile_for (sc, v->id);
    g_autofree char *overlay = overlay_key (v, view->show_stats);
    gboolean words = g_strcmp0 (overlay, t->overlay) != 0;
    SDL_Rect video = to_sdl (pl->lt[i].video), hole = has_picture (v) ? video : (SDL_Rect) { 0 };

    set_target (sc, r, v->id, t, video);
    if (!res->full && !words && t->seq == v->seq)
      continue;
    t->seq = v->seq;
    g_free (t->overlay);
    t->overlay = g_steal_pointer (&overlay);
    res->n_drawn++;
    /* A new frame repaints the picture (and the words on it); new words or
     * marks the cell, where the speaking border is. */
    if (!res->full)
      add_region (res, words ? to_sdl (pl->lt[i].cell) : video, hole);
  }
  if (pl->self_shown) {
    g_autofree char *overlay = overlay_key (&view->self, FALSE);

    set_target (sc, r, NULL, &sc->self, pl->self_video);
    if (res->full || sc->self.seq != view->self.seq || g_strcmp0 (overlay, sc->self.overlay) != 0) {
      sc->self.seq = view->self.seq;
      g_free (sc->self.overlay);
      sc->self.overlay = g_steal_pointer (&overlay);
      res->n_drawn++;
      if (!res->full)
        add_region (res, pl->self_border, (SDL_Rect) { 0 });
    }
  }
}

void
mc_sdl_scene_draw (McSdlScene *sc, McRenderer *r, const McRendererView *view, int out_w, int out_h,
                   McSdlSceneResult *res)
{
  Placement pl;
  g_autofree char *layout = NULL;
  GHashTableIter iter;
  gpointer value;

  memset (res, 0, sizeof *res);
  res->oldest_push_us = G_MAXINT64;
  g_hash_table_iter_init (&iter, sc->tiles);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    ((McSdlSceneTile *) value)->used = FALSE;
  place (sc, view, out_w, out_h, &pl);
  layout = layout_key (view, &pl);
  res->full = !sc->retained || g_strcmp0 (layout, sc->layout) != 0;
  if (res->full) {
    g_free (sc->layout);
    sc->layout = g_steal_pointer (&layout);
    add_region (res, (SDL_Rect) { 0, 0, out_w, out_h }, (SDL_Rect) { 0 });
  }
  find_changes (sc, r, view, &pl, res);
  for (guint i = 0; i < res->n_regions; i++)
    draw_region (sc, view, &pl, res->regions[i], res->holes[i], res);
  mc_sdl_paint_set_region (&sc->paint, (SDL_Rect) { 0, 0, out_w, out_h });

  /* Tiles that left: their textures and targets go. */
  g_hash_table_iter_init (&iter, sc->tiles);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (!((McSdlSceneTile *) value)->used)
      g_hash_table_iter_remove (&iter);
}

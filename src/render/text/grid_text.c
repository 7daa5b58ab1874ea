/* Terminal grid renderer: see grid_text.h.
 *
 * The layout is computed in "virtual pixels" (terminal cells times the cell
 * size in pixels, from TIOCGWINSZ or a 1:2 guess) so tiles keep their aspect
 * on screen, then mapped back to cells. Each tile's latest frame is converted
 * and scaled to RGBA at the canvas size (I420 by libyuv's box filter, other
 * formats by a GstVideoConverter). In symbols
 * mode every cell is an upper half block with the top pixel as foreground
 * and the bottom one as background (two pixels of truecolor per cell, as
 * mpv's tct output draws): chafa's symbol search cost 20-35 ms a frame for a
 * 160x48 terminal, this costs about one (docs/bench-render.md). Sixel and
 * kitty are encoded by a ChafaCanvas. A tile is re-printed only when it has
 * a new frame or the layout changed.
 *
 * The terminal itself (raw mode, keys, signals, restoring it) is the
 * program's: it is taken through the host at start and released at stop. */
#include "meshcall/render/text/grid_text.h"

#include "meshcall/base/log.h"
#include "meshcall/render/layout.h"
#include "meshcall/render/overlay.h"

#include <chafa.h>
#include <gst/video/video.h>
#include <libyuv.h>
#include <poll.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define MC_LOG_CATEGORY (&mc_log_render)

#define DEFAULT_CELL_W 8
#define DEFAULT_CELL_H 16

typedef struct {
  GstVideoConverter *conv;
  guint8 *planes;        /* symbols from I420: the frame scaled by libyuv (no converter) */
  GstVideoInfo in_info;
  int px_w, px_h;        /* RGBA size fed to chafa */
  guint8 *rgba;
  ChafaCanvas *canvas;
  int cols, rows;        /* canvas size in cells */
  guint64 seq;           /* last printed frame */
  gboolean used;
} TextTile;

typedef struct {
  McTextMode mode;
  ChafaTermInfo *term_info;
  const McRendererHost *host;  /* gave us the terminal; takes it back at stop */
  int in_fd, out_fd;
  int cols, rows, cell_w, cell_h;
  GHashTable *tiles;     /* id -> TextTile* */
  TextTile self;
  char *layout_sig;      /* changes => clear screen and re-print everything */
  GString *out;
} Text;

/* What we draw with, and what undoes it (the host writes it when it takes
 * the terminal back, on every exit path). */
static const char TAKE_SCREEN[] = "\x1b[?1049h\x1b[?25l\x1b[2J";
static const char RESTORE_SCREEN[] = "\x1b[0m\x1b[2J\x1b[H\x1b[?25h\x1b[?1049l";

static gboolean
env_contains (const char *name, const char *needle)
{
  const char *v = g_getenv (name);
  return v && strstr (v, needle) != NULL;
}

McTextMode
mc_grid_text_detect_mode (void)
{
  /* Pixel modes need passthrough inside tmux/screen, which chafa 1.12
   * cannot do: symbols there. */
  if (g_getenv ("TMUX") || env_contains ("TERM", "screen") || env_contains ("TERM", "tmux"))
    return MC_TEXT_MODE_SYMBOLS;
  if (g_getenv ("KITTY_WINDOW_ID") || env_contains ("TERM", "kitty") || env_contains ("TERM", "ghostty") ||
      env_contains ("TERM_PROGRAM", "WezTerm") || env_contains ("TERM_PROGRAM", "ghostty"))
    return MC_TEXT_MODE_KITTY;
  if (env_contains ("TERM", "foot") || env_contains ("TERM", "mlterm") || env_contains ("TERM", "contour") ||
      env_contains ("TERM", "yaft"))
    return MC_TEXT_MODE_SIXEL;
  return MC_TEXT_MODE_SYMBOLS;
}

gboolean
mc_grid_text_mode_from_variant (const char *variant, McTextMode *mode)
{
  static const struct {
    const char *name;
    McTextMode mode;
  } modes[] = {
    { "auto", MC_TEXT_MODE_AUTO },
    { "symbols", MC_TEXT_MODE_SYMBOLS },
    { "sixel", MC_TEXT_MODE_SIXEL },
    { "kitty", MC_TEXT_MODE_KITTY },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (modes); i++) {
    if (g_ascii_strcasecmp (variant ? variant : "auto", modes[i].name) == 0) {
      *mode = modes[i].mode;
      return TRUE;
    }
  }
  return FALSE;
}

gboolean
mc_grid_text_probe (GError **error)
{
  const char *term = g_getenv ("TERM");

  if (!isatty (STDIN_FILENO) || !isatty (STDOUT_FILENO)) {
    g_set_error (error, MC_RENDERER_ERROR, MC_RENDERER_ERROR_UNAVAILABLE, "stdin and stdout are not a terminal");
    return FALSE;
  }
  if (!term || !*term || strcmp (term, "dumb") == 0) {
    g_set_error (error, MC_RENDERER_ERROR, MC_RENDERER_ERROR_UNAVAILABLE, "TERM is %s",
                 term && *term ? "dumb" : "not set");
    return FALSE;
  }
  return TRUE;
}

/* Primary Device Attributes: a terminal that can draw sixels lists 4. The
 * reply comes on in_fd, which the host keeps in raw mode. */
static gboolean
query_sixel_support (int in_fd, int out_fd)
{
  char buf[128];
  gsize len = 0;
  gint64 deadline = g_get_monotonic_time () + 200 * G_TIME_SPAN_MILLISECOND;

  mc_renderer_write_all (out_fd, "\x1b[c", 3);
  while (len < sizeof buf - 1) {
    struct pollfd pfd = { in_fd, POLLIN, 0 };
    int left = (int) ((deadline - g_get_monotonic_time ()) / 1000);
    ssize_t n;

    if (left <= 0 || poll (&pfd, 1, left) <= 0)
      break;
    n = read (in_fd, buf + len, 1);
    if (n <= 0)
      break;
    len++;
    if (buf[len - 1] == 'c')
      break;
  }
  buf[len] = '\0';
  if (len == 0 || !strstr (buf, "\x1b[?"))
    return FALSE;
  {
    g_auto (GStrv) parts = g_strsplit_set (strstr (buf, "[?") + 2, ";c", -1);

    for (guint i = 1; parts[i]; i++)
      if (strcmp (parts[i], "4") == 0)
        return TRUE;
  }
  return FALSE;
}

static void
text_tile_clear (TextTile *t)
{
  g_clear_pointer (&t->conv, gst_video_converter_free);
  g_clear_pointer (&t->planes, g_free);
  g_clear_pointer (&t->rgba, g_free);
  g_clear_pointer (&t->canvas, chafa_canvas_unref);
  t->px_w = t->px_h = t->cols = t->rows = 0;
  t->seq = 0;
}

static void
text_tile_free (gpointer data)
{
  text_tile_clear (data);
  g_free (data);
}

static void
query_size (Text *t)
{
  struct winsize ws = { 0 };

  if (ioctl (t->out_fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0 && ws.ws_row > 0) {
    t->cols = ws.ws_col;
    t->rows = ws.ws_row;
    if (ws.ws_xpixel >= ws.ws_col && ws.ws_ypixel >= ws.ws_row) {
      t->cell_w = ws.ws_xpixel / ws.ws_col;
      t->cell_h = ws.ws_ypixel / ws.ws_row;
      return;
    }
  } else {
    t->cols = 80;
    t->rows = 24;
  }
  t->cell_w = DEFAULT_CELL_W;
  t->cell_h = DEFAULT_CELL_H;
}

/* (Re)creates the converter and canvas for a frame of this size. */
static gboolean
prepare_tile (Text *t, TextTile *tt, GstSample *sample, int cols, int rows)
{
  GstVideoInfo in_info, out_info;
  GstCaps *caps = gst_sample_get_caps (sample);
  int px_w, px_h;

  if (!caps || !gst_video_info_from_caps (&in_info, caps))
    return FALSE;
  if (t->mode == MC_TEXT_MODE_SYMBOLS) {
    /* Two pixels a cell, one above the other. */
    px_w = cols;
    px_h = rows * 2;
  } else {
    px_w = cols * t->cell_w;
    px_h = rows * t->cell_h;
  }
  if ((tt->conv || tt->planes) && tt->cols == cols && tt->rows == rows &&
      gst_video_info_is_equal (&in_info, &tt->in_info))
    return TRUE;

  text_tile_clear (tt);
  if (t->mode == MC_TEXT_MODE_SYMBOLS && (GST_VIDEO_INFO_FORMAT (&in_info) == GST_VIDEO_FORMAT_I420 ||
                                          GST_VIDEO_INFO_FORMAT (&in_info) == GST_VIDEO_FORMAT_YV12)) {
    /* What decoders give: libyuv's box filter averages the few pixels a
     * cell stands for, a tenth of what GStreamer's converter costs here. */
    tt->planes = g_malloc ((gsize) px_w * px_h + 2 * (gsize) ((px_w + 1) / 2) * ((px_h + 1) / 2));
  } else {
    gst_video_info_set_format (&out_info, GST_VIDEO_FORMAT_RGBA, px_w, px_h);
    /* The converter only scales and converts colours, never rates or fields. */
    GST_VIDEO_INFO_FPS_N (&out_info) = GST_VIDEO_INFO_FPS_N (&in_info);
    GST_VIDEO_INFO_FPS_D (&out_info) = GST_VIDEO_INFO_FPS_D (&in_info);
    GST_VIDEO_INFO_INTERLACE_MODE (&out_info) = GST_VIDEO_INFO_INTERLACE_MODE (&in_info);
    tt->conv = gst_video_converter_new (&in_info, &out_info, NULL);
    if (!tt->conv)
      return FALSE;
  }
  tt->in_info = in_info;
  tt->px_w = px_w;
  tt->px_h = px_h;
  tt->rgba = g_malloc ((gsize) px_w * px_h * 4);
  tt->cols = cols;
  tt->rows = rows;
  if (t->mode != MC_TEXT_MODE_SYMBOLS) {
    ChafaCanvasConfig *cfg = chafa_canvas_config_new ();
    ChafaSymbolMap *map = chafa_symbol_map_new ();

    chafa_canvas_config_set_geometry (cfg, cols, rows);
    chafa_canvas_config_set_canvas_mode (cfg, CHAFA_CANVAS_MODE_TRUECOLOR);
    chafa_canvas_config_set_cell_geometry (cfg, t->cell_w, t->cell_h);
    switch (t->mode) {
    case MC_TEXT_MODE_SIXEL:
      chafa_canvas_config_set_pixel_mode (cfg, CHAFA_PIXEL_MODE_SIXELS);
      break;
    case MC_TEXT_MODE_KITTY:
      chafa_canvas_config_set_pixel_mode (cfg, CHAFA_PIXEL_MODE_KITTY);
      break;
    default:
      chafa_canvas_config_set_pixel_mode (cfg, CHAFA_PIXEL_MODE_SYMBOLS);
      break;
    }
    /* Blocks, half-blocks and quadrants: readable at a distance and fast. */
    chafa_symbol_map_add_by_tags (map, CHAFA_SYMBOL_TAG_BLOCK | CHAFA_SYMBOL_TAG_SPACE | CHAFA_SYMBOL_TAG_HALF |
                                  CHAFA_SYMBOL_TAG_QUAD);
    chafa_canvas_config_set_symbol_map (cfg, map);
    chafa_canvas_config_set_work_factor (cfg, 0.2f);
    tt->canvas = chafa_canvas_new (cfg);
    chafa_symbol_map_unref (map);
    chafa_canvas_config_unref (cfg);
  }
  return TRUE;
}

static void
move_to (GString *out, int col, int row)
{
  g_string_append_printf (out, "\x1b[%d;%dH", row + 1, col + 1);
}

/* ";R;G;Bm" without printf: this runs for every cell of every frame. */
static void
append_rgb (GString *out, const guint8 *px)
{
  char buf[16], *p = buf;

  for (int i = 0; i < 3; i++) {
    guint v = px[i];

    *p++ = ';';
    if (v >= 100)
      *p++ = (char) ('0' + v / 100);
    if (v >= 10)
      *p++ = (char) ('0' + v / 10 % 10);
    *p++ = (char) ('0' + v % 10);
  }
  *p++ = 'm';
  g_string_append_len (out, buf, p - buf);
}

/* Each cell an upper half block: top pixel in front, bottom pixel behind;
 * a colour is only sent when it differs from the cell before. */
static void
print_half_blocks (Text *t, TextTile *tt, int col, int row)
{
  for (int r = 0; r < tt->rows; r++) {
    const guint8 *top = tt->rgba + (gsize) (2 * r) * tt->px_w * 4;
    const guint8 *bottom = top + (gsize) tt->px_w * 4;
    guint32 fg = G_MAXUINT32, bg = G_MAXUINT32;

    move_to (t->out, col, row + r);
    for (int c = 0; c < tt->cols; c++, top += 4, bottom += 4) {
      guint32 f = (guint32) top[0] << 16 | (guint32) top[1] << 8 | top[2];
      guint32 b = (guint32) bottom[0] << 16 | (guint32) bottom[1] << 8 | bottom[2];

      if (f != fg) {
        g_string_append (t->out, "\x1b[38;2");
        append_rgb (t->out, top);
        fg = f;
      }
      if (b != bg) {
        g_string_append (t->out, "\x1b[48;2");
        append_rgb (t->out, bottom);
        bg = b;
      }
      g_string_append (t->out, "\xe2\x96\x80");  /* U+2580 UPPER HALF BLOCK */
    }
    g_string_append (t->out, "\x1b[0m");
  }
}

/* Draws the tile's frame at (col,row); a canvas is printed line by line so
 * each line starts at the tile's column. */
static void
print_frame (Text *t, TextTile *tt, GstSample *sample, int col, int row)
{
  GstVideoFrame in, out;
  GstVideoInfo out_info;
  GstBuffer *buf = gst_sample_get_buffer (sample);
  GString *gs;

  if (!buf || !gst_video_frame_map (&in, &tt->in_info, buf, GST_MAP_READ))
    return;
  gst_video_info_set_format (&out_info, GST_VIDEO_FORMAT_RGBA, tt->px_w, tt->px_h);
  if (tt->planes) {
    int w = tt->px_w, h = tt->px_h, cw = (w + 1) / 2;
    guint8 *y = tt->planes, *u = y + (gsize) w * h, *v = u + (gsize) cw * ((h + 1) / 2);

    /* libyuv's "ABGR" is R, G, B, A in memory. */
    I420Scale (GST_VIDEO_FRAME_COMP_DATA (&in, 0), GST_VIDEO_FRAME_COMP_STRIDE (&in, 0),
               GST_VIDEO_FRAME_COMP_DATA (&in, 1), GST_VIDEO_FRAME_COMP_STRIDE (&in, 1),
               GST_VIDEO_FRAME_COMP_DATA (&in, 2), GST_VIDEO_FRAME_COMP_STRIDE (&in, 2),
               GST_VIDEO_FRAME_WIDTH (&in), GST_VIDEO_FRAME_HEIGHT (&in), y, w, u, cw, v, cw, w, h, kFilterBox);
    I420ToABGR (y, w, u, cw, v, cw, tt->rgba, w * 4, w, h);
  } else {
    GstBuffer *wrap = gst_buffer_new_wrapped_full (0, tt->rgba, (gsize) tt->px_w * tt->px_h * 4, 0,
                                                   (gsize) tt->px_w * tt->px_h * 4, NULL, NULL);
    if (gst_video_frame_map (&out, &out_info, wrap, GST_MAP_WRITE)) {
      gst_video_converter_frame (tt->conv, &in, &out);
      gst_video_frame_unmap (&out);
    }
    gst_buffer_unref (wrap);
  }
  gst_video_frame_unmap (&in);

  if (t->mode == MC_TEXT_MODE_SYMBOLS) {
    print_half_blocks (t, tt, col, row);
    return;
  }
  chafa_canvas_draw_all_pixels (tt->canvas, CHAFA_PIXEL_RGBA8_UNASSOCIATED, tt->rgba, tt->px_w, tt->px_h,
                                tt->px_w * 4);
  gs = chafa_canvas_print (tt->canvas, t->term_info);
  move_to (t->out, col, row);
  g_string_append_len (t->out, gs->str, (gssize) gs->len);
  g_string_free (gs, TRUE);
}

static void
print_box (Text *t, int col, int row, int cols, int rows, const char *text)
{
  for (int i = 0; i < rows; i++) {
    move_to (t->out, col, row + i);
    g_string_append (t->out, "\x1b[48;2;42;42;46m");
    for (int j = 0; j < cols; j++)
      g_string_append_c (t->out, ' ');
  }
  if (text && rows > 0) {
    glong len = g_utf8_strlen (text, -1);
    int c = col + MAX (0, (cols - (int) len) / 2);

    move_to (t->out, c, row + rows / 2);
    g_string_append (t->out, "\x1b[38;2;240;240;240m");
    g_string_append (t->out, text);
  }
  g_string_append (t->out, "\x1b[0m");
}

/* Text clipped or padded to exactly `width` columns. */
static void
append_fitted (GString *out, const char *text, int width)
{
  glong len = g_utf8_strlen (text, -1);

  if (len > width) {
    const char *end = g_utf8_offset_to_pointer (text, MAX (0, width));
    g_string_append_len (out, text, end - text);
  } else {
    g_string_append (out, text);
    for (glong i = len; i < width; i++)
      g_string_append_c (out, ' ');
  }
}

static void
print_label (Text *t, const McRendererTileView *v, gboolean show_stats, int col, int row, int width)
{
  g_autoptr (GString) label = g_string_new (NULL);
  McOverlayMark marks[MC_OVERLAY_MAX_MARKS];
  guint n_marks;
  int pad;

  if (width <= 0)
    return;
  /* One line under the picture: the name, the marks, the overlay's lines. */
  g_string_append (label, v->name);
  n_marks = mc_overlay_marks (v->flags, marks);
  for (guint i = 0; i < n_marks; i++)
    g_string_append_printf (label, " [%s]", marks[i].text);
  if (show_stats) {
    g_auto (GStrv) lines = mc_overlay_stats_lines (v);

    for (guint i = 0; lines[i]; i++)
      g_string_append_printf (label, " | %s", lines[i]);
  }
  pad = MAX (0, (width - (int) g_utf8_strlen (label->str, -1)) / 2);
  move_to (t->out, col, row);
  g_string_append (t->out, "\x1b[0m");
  for (int i = 0; i < pad; i++)
    g_string_append_c (t->out, ' ');
  /* Active speaker: highlighted name. */
  if (v->flags & MC_TILE_SPEAKING)
    g_string_append (t->out, "\x1b[1;30;48;2;60;208;90m");
  else if (v->flags & MC_TILE_MUTED)
    g_string_append (t->out, "\x1b[1;38;2;255;110;110m");
  else
    g_string_append (t->out, "\x1b[1m");
  append_fitted (t->out, label->str, width - pad);
  g_string_append (t->out, "\x1b[0m");
}

static TextTile *
text_tile_for (Text *t, const char *id)
{
  TextTile *tt = g_hash_table_lookup (t->tiles, id);

  if (!tt) {
    tt = g_new0 (TextTile, 1);
    g_hash_table_insert (t->tiles, g_strdup (id), tt);
  }
  tt->used = TRUE;
  return tt;
}

static void
draw_tile_picture (Text *t, TextTile *tt, const McRendererTileView *v, int col, int row, int cols, int rows,
                   gboolean full, guint *n_uploaded, gint64 *oldest_push)
{
  if (cols <= 0 || rows <= 0)
    return;
  if (v->sample && !(v->flags & MC_TILE_CAMERA_OFF)) {
    if ((full || tt->seq != v->seq) && prepare_tile (t, tt, v->sample, cols, rows)) {
      print_frame (t, tt, v->sample, col, row);
      tt->seq = v->seq;
      (*n_uploaded)++;
      *oldest_push = MIN (*oldest_push, v->push_us);
    }
  } else if (full || tt->seq != G_MAXUINT64) {
    print_box (t, col, row, cols, rows, mc_overlay_placeholder (v->flags));
    tt->seq = G_MAXUINT64;  /* box drawn; a frame replaces it */
  }
}

/* The empty call's message, word-wrapped and centred below row `top`. */
static void
print_waiting (Text *t, const char *waiting, int top)
{
  g_auto (GStrv) lines = NULL;
  g_autofree char *wrapped = NULL;
  GString *w = g_string_new (NULL);
  int width = MAX (10, t->cols - 4), col = 0;
  g_auto (GStrv) words = g_strsplit (waiting, " ", -1);

  for (guint i = 0; words[i]; i++) {
    int wl = (int) g_utf8_strlen (words[i], -1);
    if (col > 0 && col + 1 + wl > width) {
      g_string_append_c (w, '\n');
      col = 0;
    } else if (col > 0) {
      g_string_append_c (w, ' ');
      col++;
    }
    g_string_append (w, words[i]);
    col += wl;
  }
  wrapped = g_string_free (w, FALSE);
  lines = g_strsplit (wrapped, "\n", -1);
  for (guint i = 0; lines[i]; i++) {
    int len = (int) g_utf8_strlen (lines[i], -1);
    move_to (t->out, MAX (0, (t->cols - len) / 2), MAX (top, t->rows / 2 - 1) + (int) i);
    g_string_append (t->out, "\x1b[1m");
    g_string_append (t->out, lines[i]);
    g_string_append (t->out, "\x1b[0m");
  }
}

/* The recording mark: white on red at the right end of the first row. */
static void
print_recording_mark (Text *t, const char *who)
{
  g_autofree char *mark = mc_overlay_recording_mark (who);
  int cols = MIN ((int) g_utf8_strlen (mark, -1), t->cols / 2);

  move_to (t->out, MAX (0, t->cols - cols - 1), 0);
  g_string_append (t->out, "\x1b[1;37;48;2;200;16;16m");
  append_fitted (t->out, mark, cols);
  g_string_append (t->out, "\x1b[0m");
}

/* The chat at the bottom left, over the pictures: the input line on the
 * last row, the file transfers' line above it, the messages above that (dimmed while the overlay fades), the
 * unread count while it is hidden. Its state is in the layout signature,
 * so what it covered is redrawn when it changes. */
static void
chat_signature (GString *sig, const McRendererView *view)
{
  g_string_append_printf (sig, "/chat:%d:%u:", view->chat_alpha >= 1 ? 2 : view->chat_alpha > 0 ? 1 : 0,
                          view->chat_unread);
  for (guint i = 0; view->chat && view->chat_alpha > 0 && view->chat[i]; i++)
    g_string_append_printf (sig, "%s\n", view->chat[i]);
  if (view->chat_input)
    g_string_append_printf (sig, "input:%s", view->chat_input);
  if (view->transfers)
    g_string_append_printf (sig, "files:%s", view->transfers);
}

static void
print_chat (Text *t, const McRendererView *view)
{
  int row = t->rows - 1, width = MAX (10, t->cols - 1);
  guint n = view->chat && view->chat_alpha > 0 ? g_strv_length (view->chat) : 0;

  if (view->chat_input) {
    g_autofree char *line = g_strdup_printf ("Say: %s_", view->chat_input);
    glong len = g_utf8_strlen (line, -1);
    /* The end of a long line: what is being typed stays in view. */
    const char *shown = len > t->cols - 1 ? g_utf8_offset_to_pointer (line, len - (t->cols - 1)) : line;
    move_to (t->out, 0, row--);
    g_string_append (t->out, "\x1b[1;37;48;2;32;64;128m");
    append_fitted (t->out, shown, t->cols - 1);
    g_string_append (t->out, "\x1b[0m");
  }
  if (view->transfers) {
    move_to (t->out, 0, row--);
    g_string_append (t->out, "\x1b[1;37;48;2;32;112;64m");
    append_fitted (t->out, view->transfers, t->cols - 1);
    g_string_append (t->out, "\x1b[0m");
  }
  for (guint i = n; i > 0 && row > t->rows / 3; i--) {
    move_to (t->out, 0, row--);
    g_string_append (t->out, view->chat_alpha >= 1 ? "\x1b[37;40m" : "\x1b[90;40m");
    append_fitted (t->out, view->chat[i - 1], width);
    g_string_append (t->out, "\x1b[0m");
  }
  if (view->chat_unread > 0 && !view->chat_input) {
    g_autofree char *badge = g_strdup_printf (" %u unread (c) ", view->chat_unread);
    move_to (t->out, 0, t->rows - 1);
    g_string_append (t->out, "\x1b[1;37;48;2;32;96;192m");
    g_string_append (t->out, badge);
    g_string_append (t->out, "\x1b[0m");
  }
}

static void
render (McRenderer *r, Text *t, McRendererView *view)
{
  gint64 start = g_get_monotonic_time (), oldest_push = G_MAXINT64;
  guint n = MIN (view->tiles->len, MC_LAYOUT_MAX_TILES), n_uploaded = 0;
  McLayoutTile lt[MC_LAYOUT_MAX_TILES];
  double aspects[MC_LAYOUT_MAX_TILES];
  McLayoutParams params = { 0, t->cell_h };
  g_autoptr (GString) sig = g_string_new (NULL);
  gboolean full;
  int top = view->status || view->recording ? 1 : 0;  /* status line and recording mark take the first row */
  GHashTableIter iter;
  gpointer value;

  query_size (t);
  for (guint i = 0; i < n; i++)
    aspects[i] = g_array_index (view->tiles, McRendererTileView, i).aspect;
  /* Width one column short: writing the last column can wrap on some terminals. */
  mc_layout_compute ((t->cols - 1) * t->cell_w, (t->rows - top) * t->cell_h, n, aspects, &params, lt, NULL);

  g_string_append_printf (sig, "%dx%d/%d/%d/%d/", t->cols, t->rows, top, view->self_view, view->show_stats);
  for (guint i = 0; i < n; i++) {
    const McRendererTileView *v = &g_array_index (view->tiles, McRendererTileView, i);
    g_string_append_printf (sig, "%s:%d,%d,%d,%d:%x:%s|", v->id, lt[i].video.x, lt[i].video.y, lt[i].video.w,
                            lt[i].video.h, v->flags, v->name);
  }
  if (view->status)
    g_string_append (sig, view->status);
  if (view->recording)
    g_string_append_printf (sig, "|rec:%s", view->recording);
  chat_signature (sig, view);
  full = g_strcmp0 (sig->str, t->layout_sig) != 0;
  if (full) {
    g_free (t->layout_sig);
    t->layout_sig = g_strdup (sig->str);
  }

  g_string_truncate (t->out, 0);
  g_string_append (t->out, "\x1b[?2026h");  /* synchronized update, where supported */
  if (full)
    g_string_append (t->out, "\x1b[0m\x1b[2J");
  g_hash_table_iter_init (&iter, t->tiles);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    ((TextTile *) value)->used = FALSE;

  if (n == 0 && full)
    print_waiting (t, view->waiting, top);
  for (guint i = 0; i < n; i++) {
    const McRendererTileView *v = &g_array_index (view->tiles, McRendererTileView, i);
    TextTile *tt = text_tile_for (t, v->id);
    int col = lt[i].video.x / t->cell_w, row = top + lt[i].video.y / t->cell_h;
    int cols = lt[i].video.w / t->cell_w, rows = lt[i].video.h / t->cell_h;

    draw_tile_picture (t, tt, v, col, row, cols, rows, full, &n_uploaded, &oldest_push);
    if (full || view->show_stats)
      print_label (t, v, view->show_stats, lt[i].cell.x / t->cell_w, row + rows,
                   lt[i].cell.w / t->cell_w);
  }
  if (view->self_view && (view->self.sample || view->self.flags)) {
    /* Picture-in-picture in the bottom-right corner, redrawn over the grid. */
    int cols = MAX (8, t->cols / 5);
    double aspect = view->self.aspect > 0 ? view->self.aspect : 4.0 / 3.0;
    int rows = MAX (3, (int) (cols * t->cell_w / aspect / t->cell_h));
    McRendererTileView self = view->self;

    if (n_uploaded > 0 || full || t->self.seq != view->self.seq) {
      draw_tile_picture (t, &t->self, &self, t->cols - cols - 1, t->rows - rows - 1, cols, rows, TRUE,
                         &n_uploaded, &oldest_push);
      self.name = (char *) MC_OVERLAY_SELF_NAME;
      print_label (t, &self, FALSE, t->cols - cols - 1, t->rows - 1, cols);
    }
  }
  print_chat (t, view);
  if (view->status) {
    move_to (t->out, 0, 0);
    g_string_append (t->out, "\x1b[1;30;48;2;224;138;0m");
    append_fitted (t->out, view->status, t->cols);
    g_string_append (t->out, "\x1b[0m");
  }
  if (view->recording)
    print_recording_mark (t, view->recording);
  g_string_append (t->out, "\x1b[?2026l");
  mc_renderer_write_all (t->out_fd, t->out->str, t->out->len);

  g_hash_table_iter_init (&iter, t->tiles);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (!((TextTile *) value)->used)
      g_hash_table_iter_remove (&iter);
  {
    gint64 now = g_get_monotonic_time ();
    mc_renderer_report_present (r, view, n_uploaded, n_uploaded ? now - oldest_push : -1, now - start);
  }
}

static void
text_tick (McRenderer *r)
{
  Text *t = mc_renderer_get_backend_data (r);
  McRendererView view;

  if (!t || !mc_renderer_take_view (r, &view))
    return;
  render (r, t, &view);
  mc_renderer_view_clear (&view);
}

static void
text_teardown (Text *t)
{
  if (t->host && t->host->release_terminal)
    t->host->release_terminal (t->host->data);
  else if (t->host)
    mc_renderer_write_all (t->out_fd, RESTORE_SCREEN, sizeof RESTORE_SCREEN - 1);
  g_clear_pointer (&t->tiles, g_hash_table_unref);
  text_tile_clear (&t->self);
  g_clear_pointer (&t->term_info, chafa_term_info_unref);
  g_clear_pointer (&t->layout_sig, g_free);
  if (t->out)
    g_string_free (t->out, TRUE);
  g_free (t);
}

static ChafaTermInfo *
detect_term_info (void)
{
  gchar **envp = g_get_environ ();
  ChafaTermDb *db = chafa_term_db_get_default ();
  ChafaTermInfo *fallback = chafa_term_db_get_fallback_info (db);
  ChafaTermInfo *info = chafa_term_db_detect (db, envp);

  /* Whatever the database lacks for the chosen mode (truecolor, sixel,
   * kitty) comes from the generic sequences. */
  chafa_term_info_supplement (info, fallback);
  chafa_term_info_unref (fallback);
  g_strfreev (envp);
  return info;
}

static gboolean
text_start (McRenderer *r, GError **error)
{
  const McRendererOptions *o = mc_renderer_get_options (r);
  McRendererTerminal term = { -1, -1 };
  McTextMode mode;
  Text *t;

  if (!mc_grid_text_mode_from_variant (o->variant, &mode)) {
    g_set_error (error, MC_RENDERER_ERROR, MC_RENDERER_ERROR_BAD_KIND,
                 "unknown text mode '%s': expected symbols, sixel, kitty or auto", o->variant);
    return FALSE;
  }
  if (!o->host || !o->host->take_terminal || !o->host->take_terminal (o->host->data, RESTORE_SCREEN, &term)) {
    g_set_error (error, MC_RENDERER_ERROR, MC_RENDERER_ERROR_UNAVAILABLE,
                 "the text renderer needs a terminal on stdout (use --headless)");
    return FALSE;
  }
  t = g_new0 (Text, 1);
  t->host = o->host;
  t->in_fd = term.in_fd;
  t->out_fd = term.out_fd;
  t->out = g_string_sized_new (64 * 1024);
  t->tiles = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, text_tile_free);
  if (mode == MC_TEXT_MODE_AUTO) {
    mode = mc_grid_text_detect_mode ();
    if (mode == MC_TEXT_MODE_SYMBOLS && t->in_fd >= 0 && !g_getenv ("TMUX") &&
        query_sixel_support (t->in_fd, t->out_fd))
      mode = MC_TEXT_MODE_SIXEL;
  }
  t->mode = mode;
  t->term_info = detect_term_info ();
  mc_renderer_write_all (t->out_fd, TAKE_SCREEN, sizeof TAKE_SCREEN - 1);
  query_size (t);
  MC_INFO ("text renderer: %dx%d cells of %dx%d px, mode %d", t->cols, t->rows, t->cell_w, t->cell_h, t->mode);
  mc_renderer_set_backend_data (r, t);
  mc_renderer_invalidate (r);
  return TRUE;
}

static void
text_stop (McRenderer *r)
{
  Text *t = mc_renderer_get_backend_data (r);

  if (!t)
    return;
  mc_renderer_set_backend_data (r, NULL);
  text_teardown (t);
}

static gboolean
text_check_variant (const char *variant)
{
  McTextMode mode;

  return mc_grid_text_mode_from_variant (variant, &mode);
}

static const char *const text_variants[] = { "symbols", "sixel", "kitty", NULL };

const McRendererClass mc_grid_text_class = {
  .name = "text",
  .where = "the terminal",
  .variants = text_variants,
  .check_variant = text_check_variant,
  .probe = mc_grid_text_probe,
  .default_max_fps = 15,
  .self_view_width = 160,
  .start = text_start,
  .stop = text_stop,
  .tick = text_tick,
};

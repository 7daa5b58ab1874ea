/* The words on a tile: see overlay.h. */
#include "meshcall/render/overlay.h"

char **
mc_overlay_stats_lines (const McRendererTileView *v)
{
  GPtrArray *lines = g_ptr_array_new ();
  const McTileStats *st = &v->stats;

  if (v->width > 0)
    g_ptr_array_add (lines, g_strdup_printf ("%dx%d  %.0f fps", v->width, v->height, v->fps));
  else
    g_ptr_array_add (lines, g_strdup ("no video"));
  if (v->has_stats) {
    GString *net = g_string_new (NULL);

    if (st->kbps_in >= 0 || st->kbps_out >= 0)
      g_ptr_array_add (lines, g_strdup_printf ("in %.0f kbps  out %.0f kbps", MAX (st->kbps_in, 0.0),
                                               MAX (st->kbps_out, 0.0)));
    if (st->rtt_ms >= 0)
      g_string_append_printf (net, "RTT %.0f ms", st->rtt_ms);
    if (st->loss >= 0)
      g_string_append_printf (net, "%sloss %.1f %%", net->len ? "  " : "", st->loss * 100.0);
    if (net->len)
      g_ptr_array_add (lines, g_string_free (net, FALSE));
    else
      g_string_free (net, TRUE);
    if (st->estimate_kbps > 0 && st->tier_width > 0)
      g_ptr_array_add (lines, g_strdup_printf ("send %.0f kbps  tier %d %dx%d@%d", st->estimate_kbps, st->tier,
                                               st->tier_width, st->tier_height, st->tier_fps));
  }
  g_ptr_array_add (lines, NULL);
  return (char **) g_ptr_array_free (lines, FALSE);
}

guint
mc_overlay_marks (guint flags, McOverlayMark marks[MC_OVERLAY_MAX_MARKS])
{
  guint n = 0;

  if (flags & MC_TILE_RECONNECTING)
    marks[n++] = (McOverlayMark) { MC_TILE_RECONNECTING, "reconnecting\xe2\x80\xa6" };
  if (flags & MC_TILE_MUTED)
    marks[n++] = (McOverlayMark) { MC_TILE_MUTED, "mic off" };
  if (flags & MC_TILE_CAMERA_OFF)
    marks[n++] = (McOverlayMark) { MC_TILE_CAMERA_OFF, "camera off" };
  return n;
}

const char *
mc_overlay_placeholder (guint flags)
{
  if (flags & MC_TILE_CAMERA_OFF)
    return "camera off";
  return (flags & MC_TILE_RECONNECTING) ? "reconnecting\xe2\x80\xa6" : "connecting\xe2\x80\xa6";
}

char *
mc_overlay_recording_mark (const char *who)
{
  return g_strdup_printf ("\xe2\x97\x8f REC  recorded by %s", who ? who : "someone");
}

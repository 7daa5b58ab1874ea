# For each row of `tmux capture-pane -p -e`: which of two colours its visible
# cells show ("R" red, "B" blue, "RB" both, "" neither). Truecolor cells come
# as 38;2;R;G;B / 48;2;R;G;B, and capture-pane -e only sends an attribute
# where it changes: the colour state carries over from row to row, and a
# colour counts for the text printed while it is set. Used by render_text.sh
# and join_text.sh (awk -f).
function shade(r, g, b) { return (r > 200 && g < 60 && b < 60) ? "R" : (b > 200 && r < 60 && g < 60) ? "B" : "" }
function seen(text) { if (text ~ /[^ ]/) { if (fg == "R" || bg == "R") red = 1; if (fg == "B" || bg == "B") blue = 1 } }
{
  line = $0; red = 0; blue = 0
  while (match(line, /\033\[[0-9;]*m/)) {
    seen(substr(line, 1, RSTART - 1))
    n = split(substr(line, RSTART + 2, RLENGTH - 3), p, ";")
    line = substr(line, RSTART + RLENGTH)
    for (i = 1; i <= n; i++) {
      if (p[i] == "" || p[i] == 0) { fg = ""; bg = "" }
      else if (p[i] == 39) fg = ""
      else if (p[i] == 49) bg = ""
      else if ((p[i] == 38 || p[i] == 48) && p[i + 1] == 2) {
        if (p[i] == 38) fg = shade(p[i + 2], p[i + 3], p[i + 4]); else bg = shade(p[i + 2], p[i + 3], p[i + 4])
        i += 4
      } else if ((p[i] == 38 || p[i] == 48) && p[i + 1] == 5) {
        if (p[i] == 38) fg = ""; else bg = ""
        i += 2
      }
    }
  }
  seen(line)
  print (red ? "R" : "") (blue ? "B" : "")
}

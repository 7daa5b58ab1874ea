// What a recorded file holds, as independent tools see it (tests/integration/record_*.sh):
//   node record_check.js FILE  ->  one JSON line:
//   {"duration": s (gst-discoverer-1.0), "video": n, "audio": n (its streams),
//    "frames": decoded video frames, "color": [r,g,b] of the middle frame (8x8 average),
//    "audioSeconds": decoded audio, "freq": Hz of the tone in the middle second (zero crossings)}
//   node record_check.js FILE --frame N --size WxH --points "x,y;x,y" [--bright "x,y,w,h;..."]
//   -> {"points": [[r,g,b], ...] at those pixels of video frame N (0-based),
//       "bright": [the brightest pixel's max(r,g,b) in each rectangle]}
// Decoding runs GStreamer's own demuxer and decoders (gst-launch-1.0), not meshcall.
"use strict";
const { execFileSync } = require("child_process");
const fs = require("fs");
const os = require("os");
const path = require("path");

const file = process.argv[2];
const opt = (name) => { const i = process.argv.indexOf(name); return i > 0 ? process.argv[i + 1] : null; };
if (opt("--frame") !== null) {
  const [w, h] = opt("--size").split("x").map(Number);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "record-frame-"));
  try {
    const raw = path.join(dir, "frame.rgb");
    execFileSync("gst-launch-1.0", ["-q", "filesrc", `location=${file}`, "!", "matroskademux", "name=d", "d.video_0",
      "!", "queue", "!", "vp8dec", "!", "videoconvert", "!", `video/x-raw,format=RGB,width=${w},height=${h}`, "!",
      "identity", `eos-after=${+opt("--frame") + 1}`, "!", "multifilesink", `location=${raw}`, "max-files=1"],
      { stdio: "ignore", timeout: 120000 });
    const px = fs.readFileSync(raw), stride = Math.ceil((w * 3) / 4) * 4;
    const at = (x, y) => [0, 1, 2].map((c) => px[y * stride + x * 3 + c]);
    const points = (opt("--points") || "").split(";").filter(Boolean).map((p) => at(...p.split(",").map(Number)));
    const bright = (opt("--bright") || "").split(";").filter(Boolean).map((r) => {
      const [x0, y0, rw, rh] = r.split(",").map(Number);
      let m = 0;
      for (let y = y0; y < y0 + rh; y++) for (let x = x0; x < x0 + rw; x++) m = Math.max(m, ...at(x, y));
      return m;
    });
    console.log(JSON.stringify({ points, bright }));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  process.exit(0);
}
const out = { duration: null, video: 0, audio: 0, frames: 0, color: null, audioSeconds: 0, freq: null };

function run(cmd, args) {
  try {
    return execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 120000 });
  } catch (e) {
    return (e.stdout || "") + (e.stderr || "");
  }
}

const info = run("gst-discoverer-1.0", ["-v", file]);
const d = info.match(/Duration: (\d+):(\d+):([\d.]+)/);
if (d) out.duration = +d[1] * 3600 + +d[2] * 60 + parseFloat(d[3]);
out.video = (info.match(/^\s*video #\d+/gm) || []).length;
out.audio = (info.match(/^\s*audio #\d+/gm) || []).length;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "record-check-"));
try {
  if (out.video > 0) {
    run("gst-launch-1.0", ["-q", "filesrc", `location=${file}`, "!", "matroskademux", "name=d", "d.video_0", "!", "queue", "!", "decodebin", "!",
      "videoconvert", "!", "videoscale", "!", "video/x-raw,format=RGB,width=8,height=8", "!",
      "multifilesink", `location=${dir}/f%06d.rgb`]);
    const frames = fs.readdirSync(dir).filter((f) => f.endsWith(".rgb")).sort();
    out.frames = frames.length;
    if (frames.length > 0) {
      const px = fs.readFileSync(path.join(dir, frames[Math.floor(frames.length / 2)]));
      const sum = [0, 0, 0];
      for (let i = 0; i + 2 < px.length; i += 3) for (let c = 0; c < 3; c++) sum[c] += px[i + c];
      out.color = sum.map((s) => Math.round(s / (px.length / 3)));
    }
  }
  if (out.audio > 0) {
    const raw = path.join(dir, "a.raw");
    run("gst-launch-1.0", ["-q", "filesrc", `location=${file}`, "!", "matroskademux", "name=d", "d.audio_0", "!", "queue", "!", "decodebin", "!",
      "audioconvert", "!", "audioresample", "!", "audio/x-raw,format=S16LE,channels=1,rate=48000", "!",
      "filesink", `location=${raw}`]);
    if (fs.existsSync(raw)) {
      const buf = fs.readFileSync(raw);
      const n = Math.floor(buf.length / 2);
      out.audioSeconds = n / 48000;
      const from = Math.max(0, Math.floor(n / 2) - 24000), to = Math.min(n, from + 48000);
      let crossings = 0, prev = 0;
      for (let i = from; i < to; i++) {
        const v = buf.readInt16LE(2 * i);
        if (v !== 0 && prev !== 0 && (v > 0) !== (prev > 0)) crossings++;
        if (v !== 0) prev = v;
      }
      if (to > from) out.freq = Math.round(crossings / 2 / ((to - from) / 48000));
    }
  }
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
console.log(JSON.stringify(out));

#!/usr/bin/env bash
# The recorder when things go wrong (issue 10):
#  - an --out or a --compose it cannot write: a clear error and exit 2,
#    before joining;
#  - SIGKILL: the file it leaves plays (GStreamer's own demuxer and decoder)
#    up to within 3 s of the kill, and its composed recording (--compose,
#    1.5 s behind the call) up to within 5 s;
#  - a full disk (a 768 KiB tmpfs this test mounts and unmounts): the
#    recording of that participant stops with a message on stderr and in
#    the stats, the file plays up to the failure, the recorder stays in the
#    call (alice stays connected to it), the other recording (the composed
#    one, on another disk) goes on to the end, and once there is room again
#    a participant who joins is recorded.
source "$(dirname "$0")/record_lib.bash"
[ "$(id -u)" = 0 ] || fail "this test mounts a tmpfs: run it as root (CI does)"

SMALL="$WORK/small"
cleanup_disk() {
  [ -n "${PIDS[rec]:-}" ] && kill -KILL "${PIDS[rec]}" 2>/dev/null && wait "${PIDS[rec]}" 2>/dev/null
  mountpoint -q "$SMALL" && umount "$SMALL"
  cleanup
}
trap cleanup_disk EXIT

# 1. An --out that cannot be written.
touch "$WORK/not-a-dir"
rc=0
"$MESHCALL_BIN" record call1 --signal http://127.0.0.1:9 --out "$WORK/not-a-dir" >"$WORK/bad-out.log" 2>&1 || rc=$?
[ "$rc" = 2 ] || fail "an unwritable --out should exit 2, got $rc: $(cat "$WORK/bad-out.log")"
grep -q "cannot make the recording directory $WORK/not-a-dir/call1" "$WORK/bad-out.log" ||
  fail "the error should name the directory: $(cat "$WORK/bad-out.log")"
rc=0
"$MESHCALL_BIN" record call1 >"$WORK/no-out.log" 2>&1 || rc=$?
[ "$rc" = 2 ] && grep -q -- "--out DIR" "$WORK/no-out.log" || fail "no --out should exit 2 and say so"
rc=0
"$MESHCALL_BIN" record call1 --signal http://127.0.0.1:9 --out "$WORK/ok" --compose "$WORK/not-a-dir/c.webm" \
  >"$WORK/bad-compose.log" 2>&1 || rc=$?
[ "$rc" = 2 ] && grep -q "cannot start writing the composed recording $WORK/not-a-dir/c.webm: Not a directory" \
  "$WORK/bad-compose.log" || fail "an unwritable --compose should exit 2 and say why: $rc $(cat "$WORK/bad-compose.log")"
log "unwritable and missing --out, unwritable --compose refused with exit 2"

# 2. SIGKILL.
start_server
start_party alice 0xffff0000 440
wait_until 20 "alice to join" joined alice
t_rec=$(now_s)
start_recorder --compose "$WORK/killed.webm" --compose-size 320x180 --compose-fps 10
wait_until 30 "alice's file" manifest_true 'file("alice").state === "recording"'
t0=$(now_s)
sleep 8
kill -KILL "${PIDS[rec]}"
t_kill=$(now_s)
wait "${PIDS[rec]}" 2>/dev/null
unset "PIDS[rec]"
name=$(manifest_get 'file("alice").file')
json=$(check_file "$REC_OUT/call1/$name")
played=$(json_get "$json" 'd.frames / 15')
log "killed after $(elapsed "$t0" "$t_kill") s: $json (plays ${played} s)"
json_get "$json" 'd.video === 1 && d.audio === 1' | grep -qx true || fail "the killed file should show both streams: $json"
awk -v p="$played" -v a="$t0" -v b="$t_kill" 'BEGIN { exit !(p >= b - a - 3) }' ||
  fail "the killed file plays ${played} s of $(elapsed "$t0" "$t_kill") s"
json_get "$json" 'd.audioSeconds >= 0' | grep -qx true || fail "no audio decoded from the killed file"
awk -v s="$(json_get "$json" d.audioSeconds)" -v a="$t0" -v b="$t_kill" 'BEGIN { exit !(s >= b - a - 3) }' ||
  fail "the killed file's audio plays $(json_get "$json" d.audioSeconds) s of $(elapsed "$t0" "$t_kill") s"
json=$(check_file "$WORK/killed.webm")
played=$(json_get "$json" 'd.frames / 10')
log "the composed file of the killed recorder: $json (plays ${played} s of $(elapsed "$t_rec" "$t_kill") s)"
awk -v p="$played" -v a="$t_rec" -v b="$t_kill" 'BEGIN { exit !(p >= b - a - 5) }' ||
  fail "the killed composed file plays ${played} s of $(elapsed "$t_rec" "$t_kill") s: $json"
log "the files of a killed recorder play"

# 3. A full disk. Alice sends a busy picture at 640x480 so the disk fills in seconds.
stop_participant alice
mkdir -p "$SMALL"
mount -t tmpfs -o size=768k tmpfs "$SMALL"
start_join alice2 --video test --size 640x480 --fps 30
wait_until 20 "alice2 to join" joined alice2
REC_OUT="$SMALL"
t_rec=$(now_s)
start_recorder --compose "$WORK/composed.webm" --compose-size 320x180 --compose-fps 10   # the composed file on another disk
wait_until 60 "the disk to fill" grep -q "recording of alice2 (alice2) stopped: the disk is full" "$WORK/rec.log"
t_full=$(now_s)
log "the full disk was reported after $(elapsed "$t_rec" "$t_full") s: $(grep "stopped:" "$WORK/rec.log")"
wait_until 10 "the failure in the stats" json_true "$WORK/rec.json" \
  'd.recording.failed === 1 && d.recording.files[0].state === "failed" && /disk is full/.test(d.recording.files[0].error)'
kill -0 "${PIDS[rec]}" || fail "the recorder exited on a full disk"
json_true "$WORK/alice2.json" 'peer("rec").connectionState === "connected"' || fail "the call should go on"
name=$(manifest_get 'file("alice2").file' 2>/dev/null || true)
json=$(check_file "$(ls "$SMALL"/call1/*alice2*.webm | head -n1)")
json_get "$json" 'd.frames > 15' | grep -qx true || fail "the file that hit the full disk should play up to it: $json"
log "the failed file plays $(json_get "$json" 'd.frames') frames"

# Room again: a newcomer is recorded (into the same directory, on the same call).
mount -o remount,size=16m "$SMALL"
start_party bob 0xff00ff00 880
wait_until 30 "bob's file" json_true "$WORK/rec.json" \
  'd.recording.files.some((f) => f.peerId === "bob" && f.state === "recording" && f.videoFrames > 60)'
t_end=$(now_s)
stop_recorder TERM || fail "the recorder exited with $? after SIGTERM, want 0"
manifest_true 'm.composed.state === "finished" && m.composed.error === null' ||
  fail "the composed recording should have gone on to the end: $(cat "$(MANIFEST)")"
json=$(check_file "$WORK/composed.webm")
played=$(json_get "$json" 'd.frames / 10')
log "the composed file: $json (plays ${played} s of $(elapsed "$t_rec" "$t_end") s; the disk was full after $(elapsed "$t_rec" "$t_full") s)"
# To within 4 s of the end, and at least 2 s past the failure (bob joins and sends 60 frames: 5-6 s).
awk -v p="$played" -v a="$t_rec" -v b="$t_end" -v f="$t_full" 'BEGIN { exit !(p >= b - a - 4 && p >= f - a + 2) }' ||
  fail "the composed recording stopped with the full disk: it plays ${played} s of $(elapsed "$t_rec" "$t_end") s"
json=$(check_file "$(ls "$SMALL"/call1/*bob*.webm | head -n1)")
json_get "$json" 'd.video === 1 && d.audio === 1 && Math.abs(d.freq - 880) < 44' | grep -qx true ||
  fail "bob's file, recorded after the disk had room again: $json"
log "PASS"

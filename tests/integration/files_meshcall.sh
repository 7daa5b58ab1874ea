#!/usr/bin/env bash
# File transfer between meshcall participants (issue 12): tx --send a 50 MiB
# random file; rx (--accept-files) saves it with the same SHA-256, next to a
# file of the same name that it does not overwrite ("big (1).bin"), and no
# partial file is left; tx's RSS stays bounded while it sends (the file is
# read as the channel drains, never held). Someone without --accept-files
# refuses it, and one with --max-file-size 1M too, both leaving nothing
# behind. A name with control characters is saved with them stripped. A
# sender SIGKILLed mid-transfer leaves nothing at the receiver.
source "$(dirname "$0")/call_lib.bash"
source "$(dirname "$0")/wait.bash"

mkdir -p "$WORK/inbox" "$WORK/small" "$WORK/send"
head -c $((50 * 1024 * 1024)) /dev/urandom >"$WORK/send/big.bin"
echo "already here" >"$WORK/inbox/big.bin"
evil=$'evil\x1b[2J\x01name.txt'
echo "strange name" >"$WORK/send/$evil"

rss_kb() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }

start_server
start_join rx --accept-files "$WORK/inbox"
start_join nofiles
start_join tiny --accept-files "$WORK/small" --max-file-size 1M
expect_stats 30 --peers 2 $(stats_files rx nofiles tiny)
start_join tx --send "$WORK/send/big.bin"
expect_stats 30 --peers 3 $(stats_files tx)
base=$(rss_kb "${PIDS[tx]}")
max=$base
deadline=$(($(date +%s) + 90))
until grep -q "received big.bin from tx" "$WORK/rx.log"; do
  [ "$(date +%s)" -lt "$deadline" ] || fail "rx did not receive big.bin within 90 s"
  kill -0 "${PIDS[tx]}" 2>/dev/null || fail "tx exited while sending"
  r=$(rss_kb "${PIDS[tx]}")
  [ "$r" -gt "$max" ] && max=$r
  sleep 0.2
done
log "tx RSS while sending 50 MiB: $((base / 1024)) MiB before, at most $((max / 1024)) MiB"
[ $((max - base)) -lt $((24 * 1024)) ] || fail "tx's RSS grew by $(((max - base) / 1024)) MiB sending 50 MiB (not bounded)"
[ "$(sha256sum <"$WORK/send/big.bin")" = "$(sha256sum <"$WORK/inbox/big (1).bin")" ] ||
  fail "the received file's SHA-256 differs"
[ "$(cat "$WORK/inbox/big.bin")" = "already here" ] || fail "the existing big.bin was overwritten"
wait_until 15 "tx to hear that rx checked it" grep -q "sent big.bin to rx (52428800 bytes, SHA-256 checked)" "$WORK/tx.log"
wait_until 15 "the refusals" eval 'grep -q "file big.bin to nofiles: refused: not accepting files" "$WORK/tx.log" &&
  grep -q "file big.bin to tiny: refused: larger than the limit of 1048576 bytes" "$WORK/tx.log"'
[ -z "$(ls -A "$WORK/small")" ] || fail "tiny kept something: $(ls -A "$WORK/small")"
[ "$(ls -A "$WORK/inbox" | sort | tr '\n' '|')" = "big (1).bin|big.bin|" ] ||
  fail "rx's directory has more than the two files: $(ls -A "$WORK/inbox")"
log "50 MiB arrived whole beside the existing file; refused where not accepted or too large; nothing partial left"

stop_proc() { kill -TERM "${PIDS[$1]}" 2>/dev/null; wait "${PIDS[$1]}" 2>/dev/null; unset "PIDS[$1]"; }
stop_proc tx
start_join tx2 --send "$WORK/send/$evil" --to rx
wait_until 30 "the strange name at rx" grep -q "received evil" "$WORK/rx.log"
[ -f "$WORK/inbox/evil[2Jname.txt" ] || fail "the control characters were not stripped: $(ls -A "$WORK/inbox")"
grep -q "offered evil" "$WORK/nofiles.log" && fail "--to rx offered it to nofiles too"
log "a name with control characters saved without them; --to sent it to rx only"

# A sender that dies mid-transfer: rx drops the partial file, and nothing
# gets the file's name.
part_at_rx() { compgen -G "$WORK/inbox/.meshcall-*.part" >/dev/null; }
start_join tx3 --send "$WORK/send/big.bin" --to rx
wait_until 30 "big.bin under way to rx (its partial file)" part_at_rx
kill -KILL "${PIDS[tx3]}"; wait "${PIDS[tx3]}" 2>/dev/null; unset "PIDS[tx3]"
wait_until 30 "rx to drop the partial file of the vanished sender" eval '! part_at_rx'
grep -q "received big.bin from tx3" "$WORK/rx.log" && fail "rx says it received the file tx3 never finished"
[ "$(ls -A "$WORK/inbox" | sort | tr '\n' '|')" = "big (1).bin|big.bin|evil[2Jname.txt|" ] ||
  fail "a half-sent file left something in rx's directory: $(ls -A "$WORK/inbox")"
log "a sender killed mid-transfer: rx removed the partial file, nothing under the file's name"
log "PASS"

#!/bin/bash
# meshcall join's command line: --help explains, and bad input (flags, URLs,
# ids, config) is refused with exit 2 and a message saying what was wrong,
# before any capture or network set-up happens.
set -u
: "${MESHCALL_BIN:?}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

"$MESHCALL_BIN" join --help >"$work/help" 2>&1 || fail "join --help exited non-zero"
for opt in --signal --name --token --video --audio --size --fps --video-codec --stun --turn --headless \
           --stats-json --duration --no-audio-processing --render --fullscreen --config; do
  grep -q -- "$opt" "$work/help" || fail "join --help does not mention $opt"
done

expect() {   # expect CODE REGEX ARGS...: exit code and message; no set-up work happened
  local want=$1 re=$2 rc=0
  shift 2
  timeout 20 "$MESHCALL_BIN" "$@" >"$work/out" 2>&1 </dev/null || rc=$?
  [ "$rc" -eq "$want" ] || fail "meshcall $* exited $rc, expected $want: $(cat "$work/out")"
  grep -Eq -- "$re" "$work/out" || fail "meshcall $* said '$(cat "$work/out")', expected /$re/"
  if grep -q "camera\|microphone\|signaling server at" "$work/out"; then
    fail "meshcall $* started setting up before refusing: $(cat "$work/out")"
  fi
  echo "ok: meshcall $* -> $rc: $(head -n1 "$work/out")"
}

expect 2 "join needs exactly one CALL_ID" join
expect 2 "accepted are ws://HOST:PORT, wss://HOST:PORT, http://HOST:PORT, https://HOST:PORT" join c1 --signal foo://x
FIRESTORE_EMULATOR_HOST= expect 1 "Firestore project demo-project needs credentials" join c1 --signal firestore://demo-project
expect 2 "does not name a Firestore project" join c1 --signal firestore://Demo_Project
expect 2 "CALL_ID" join 'bad call id'
expect 2 "peerId contains a character" join c1 --peer-id 'a b'
expect 2 "name contains a control character" join c1 --name "$(printf 'x\001')"
expect 2 "--size 'big'" join c1 --size big
expect 2 "--fps 0" join c1 --fps 0
expect 2 "vp8|h264|VP8|H.264" join c1 --video-codec av1
expect 2 "--render" join c1 --render hologram
expect 2 "Unknown option" join c1 --frobnicate

printf '[media]\nfps = fast\n' >"$work/bad.conf"
expect 2 "bad.conf:2: \[media\] fps expects a whole number" join c1 --config "$work/bad.conf"
printf '[media]\nfsp = 30\n' >"$work/typo.conf"
expect 2 "typo.conf:2: unknown key 'fsp' in \[media\]" join c1 --config "$work/typo.conf"
expect 2 "cannot read config file /nonexistent.conf" join c1 --config /nonexistent.conf
echo PASS

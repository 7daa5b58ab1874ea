#!/usr/bin/env bash
# The DTLS certificate (issue 11; peer/dtls_cert.h). Alice stays in a call
# with a certificate of her own (--state-dir); bob joins four times as a new
# process with the default directory ($XDG_STATE_HOME/meshcall here):
#   1. no file yet: one is made, mode 0600 in a 0700 directory; the
#      fingerprint bob reports is the file's (computed by node's crypto) and
#      the one alice got in his SDP; media flows both ways, so the DTLS
#      handshake carried that certificate;
#   2. the second run shows the same fingerprint, and says nothing about it;
#   3. a damaged file: bob says so on stderr, naming the file, and makes a new
#      one (a new fingerprint, the file's again, still 0600);
#   4. a state directory that cannot be made: a warning, a certificate in
#      memory, a working call, and the saved file untouched.
source "$(dirname "$0")/call_lib.bash"

export XDG_STATE_HOME="$WORK/state"
unset STATE_DIRECTORY
FILE="$XDG_STATE_HOME/meshcall/dtls-certificate.pem"

# file_fingerprint: SHA-256 of the file's certificate, as SDP writes it.
file_fingerprint() {
  node -e '
    const { X509Certificate } = require("crypto");
    const c = new X509Certificate(require("fs").readFileSync(process.argv[1]));
    console.log("sha-256 " + c.fingerprint256);' "$FILE" || fail "node cannot read the certificate in $FILE"
}

mode_of() { stat -c %a "$1"; }

# run_bob N [join args...]: bob$N joins, media flows both ways, he leaves.
# Sets FP to the fingerprint he reported and checks alice got the same one.
run_bob() {
  local name=bob$1
  shift
  start_join "$name" "$@"
  expect_stats 20 --peers 1 --min-frames 3 --min-audio 3 $(stats_files "$name")
  expect_stats 20 --peers 1 --min-frames 3 --min-audio 3 $(stats_files alice)
  # The peers' remoteFingerprint comes with their stats, once a second: poll.
  FP=$(node -e '
    const fs = require("fs");
    const deadline = Date.now() + 5000;
    function check() {
      const bob = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
      const alice = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
      const seen = alice.peers.find((p) => p.peerId === process.argv[3]);
      const bad = [];
      if (!/^sha-256 ([0-9A-F]{2}:){31}[0-9A-F]{2}$/.test(bob.dtlsFingerprint)) bad.push(`bob reports ${bob.dtlsFingerprint}`);
      if (!seen || seen.remoteFingerprint !== bob.dtlsFingerprint) bad.push(`alice got ${seen && seen.remoteFingerprint}`);
      if (bob.peers[0].remoteFingerprint !== alice.dtlsFingerprint) bad.push(`bob got ${bob.peers[0].remoteFingerprint} for alice`);
      if (bob.dtlsFingerprint === alice.dtlsFingerprint) bad.push("alice and bob share a certificate");
      if (!bad.length) return console.log(bob.dtlsFingerprint);
      if (Date.now() > deadline) { console.error(bad.join("; ")); process.exit(1); }
      setTimeout(check, 100);
    }
    check();' "$WORK/$name.json" "$WORK/alice.json" "$name") ||
    fail "$name: the fingerprints in the stats do not agree within 5 s"
  stop_proc "$name"
  expect_stats 10 --peers 0 $(stats_files alice)
}

start_server
start_join alice --state-dir "$WORK/alice-state"
expect_stats 10 --signaling joined --peers 0 $(stats_files alice)
[ "$(mode_of "$WORK/alice-state/dtls-certificate.pem")" = 600 ] || fail "alice's certificate is not 0600"

# 1. The first run makes the file.
[ ! -e "$FILE" ] || fail "$FILE exists before the first run"
run_bob 1
FP1=$FP
[ -f "$FILE" ] || fail "bob1 saved no certificate in $FILE"
[ "$(mode_of "$FILE")" = 600 ] || fail "$FILE has mode $(mode_of "$FILE"), want 600"
[ "$(mode_of "$(dirname "$FILE")")" = 700 ] || fail "$(dirname "$FILE") has mode $(mode_of "$(dirname "$FILE")"), want 700"
[ "$(file_fingerprint)" = "$FP1" ] || fail "the file holds $(file_fingerprint), bob1 showed $FP1"
grep -q "warning" "$WORK/bob1.log" && fail "bob1 warned about something"
log "run 1: made $FILE (0600, directory 0700), fingerprint ${FP1:8:23}..."

# 2. The second run reuses it.
run_bob 2
[ "$FP" = "$FP1" ] || fail "bob2 showed $FP, want the saved $FP1"
grep -q "warning" "$WORK/bob2.log" && fail "bob2 warned about something"
log "run 2: the same certificate"

# 3. A damaged file is replaced, with a warning that names it.
printf -- '-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n' >"$FILE"
run_bob 3
FP3=$FP
grep -q "meshcall: warning: the DTLS certificate $FILE was unusable (no PEM certificate); made a new one" \
  "$WORK/bob3.log" || fail "bob3 did not warn about the damaged file (see bob3.log)"
[ "$FP3" != "$FP1" ] || fail "bob3 still shows the old fingerprint"
[ "$(file_fingerprint)" = "$FP3" ] || fail "the replaced file holds $(file_fingerprint), bob3 showed $FP3"
[ "$(mode_of "$FILE")" = 600 ] || fail "the replaced $FILE has mode $(mode_of "$FILE"), want 600"
log "run 3: the damaged file was replaced with a warning"

# 4. A directory that cannot be used: a certificate in memory, the call works.
touch "$WORK/a-file"
run_bob 4 --state-dir "$WORK/a-file/meshcall"
grep -q "meshcall: warning: cannot keep a DTLS certificate in $WORK/a-file/meshcall (cannot create it: Not a directory); using a new one for this run only" \
  "$WORK/bob4.log" || fail "bob4 did not warn about the unusable directory (see bob4.log)"
[ "$FP" != "$FP3" ] || fail "bob4 used the saved certificate despite --state-dir"
[ "$(file_fingerprint)" = "$FP3" ] || fail "bob4 changed $FILE"
log "run 4: an unusable directory gives a certificate in memory and a working call"
log "PASS"

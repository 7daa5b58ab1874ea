#!/usr/bin/env bash
# What handshakes left hanging from one address cost other clients of
# `meshcall serve --tls-cert` (docs/protocol.md, "Transport: TLS"): N
# connections from 127.0.0.3 each send a whole ClientHello and never answer
# the server's; meanwhile `curl https://127.0.0.1:PORT/health` from
# 127.0.0.1 is timed 3 times. Not a test: numbers for bench/results.
#   bench/tls-handshakes.sh [BUILD_DIR]   -> bench/results/tls-handshakes.json
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
work=$(mktemp -d "${TMPDIR:-/tmp}/mc-tls-bench.XXXXXX")
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"' EXIT
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=bench \
  -addext subjectAltName=IP:127.0.0.1 -keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null
"$build/meshcall" serve --tls-cert "$work/cert.pem" --tls-key "$work/key.pem" --listen 127.0.0.1:0 \
  --port-file "$work/port" --header-timeout 8000 >"$work/serve.log" 2>&1 &
pid=$!
for _ in $(seq 100); do [ -s "$work/port" ] && break; sleep 0.05; done
port=$(cat "$work/port")
t() { curl -s -o /dev/null -w '%{time_total}' --cacert "$work/cert.pem" "https://127.0.0.1:$port/health"; }
hello="$root/fuzz/corpora/fuzz_tls_hello/good-client-hello-tls13"
rows=""
for n in 0 10 40 200; do
  hp=
  if [ "$n" -gt 0 ]; then
    node -e '
      const net = require("net"), fs = require("fs");
      const hello = fs.readFileSync(process.argv[3]);
      for (let i = 0; i < Number(process.argv[2]); i++) {
        const s = net.connect({ port: Number(process.argv[1]), host: "127.0.0.1", localAddress: "127.0.0.3" }, () => s.write(hello));
        s.on("error", () => {}); s.on("data", () => {});
      }
      setTimeout(() => process.exit(0), 9000);' "$port" "$n" "$hello" &
    hp=$!
    sleep 0.6   # the connections are made (no event to wait for from here)
  fi
  a=$(t); b=$(t); c=$(t)
  rows="$rows${rows:+,}{\"hanging\":$n,\"curlSeconds\":[$a,$b,$c]}"
  echo "$n handshakes hanging from 127.0.0.3: curl from 127.0.0.1 took $a $b $c s"
  if [ -n "$hp" ]; then kill "$hp"; wait "$hp" 2>/dev/null || true; sleep 0.3; fi
done
mkdir -p "$root/bench/results"
printf '{"bench":"tls-handshakes","date":"%s","headerTimeoutMs":8000,"maxHandshakesPerAddress":4,"runs":[%s]}\n' \
  "$(date -u +%FT%TZ)" "$rows" >"$root/bench/results/tls-handshakes.json"

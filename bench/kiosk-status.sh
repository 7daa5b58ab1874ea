#!/usr/bin/env bash
# The kiosk's reports, measured: how long after exec meshcall says READY=1
# (a fake NOTIFY_SOCKET, tests/tools/notify_listen.py), and what GET /health
# and GET /stats cost the participant that serves them: REQUESTS sequential
# requests each (a new connection each, as libsoup closes them), latency
# percentiles and the server process's CPU time per request, in a 2-party
# call on loopback (320x240@15 test sources, headless).
#   bench/kiosk-status.sh [REQUESTS]    (default 500)
# Writes bench/results/kiosk-status.json.
source "$(dirname "$0")/call-common.sh"
requests=${1:-500}
out=bench/results/kiosk-status.json
common=(--headless --video test --audio test --size 320x240 --fps 15 --no-audio-processing)

start_server
python3 tests/tools/notify_listen.py "$WORK/notify.sock" "$WORK/notify.log" &
PIDS[manager]=$!
for _ in $(seq 100); do [ -S "$WORK/notify.sock" ] && break; sleep 0.05; done
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
t0=$(python3 -c 'import time; print(time.monotonic())')
NOTIFY_SOCKET=$WORK/notify.sock WATCHDOG_USEC=2000000 "$MESHCALL" join bench --signal "$SIGNAL_URL" "${common[@]}" \
  --peer-id alice --name alice --status-listen "127.0.0.1:$port" >"$WORK/alice.log" 2>&1 &
PIDS[alice]=$!
for _ in $(seq 200); do grep -q ' READY=1' "$WORK/notify.log" 2>/dev/null && break; sleep 0.02; done
grep -q ' READY=1' "$WORK/notify.log" || die "no READY=1 within 4 s"
"$MESHCALL" join bench --signal "$SIGNAL_URL" "${common[@]}" --peer-id bob --name bob >"$WORK/bob.log" 2>&1 &
PIDS[bob]=$!
for _ in $(seq 200); do
  [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/health")" = 200 ] && break
  sleep 0.05
done

python3 - "$WORK" "$out" "$requests" "$port" "${PIDS[alice]}" "$t0" "bench/kiosk-status.sh $*" "$(machine)" <<'PY'
import http.client, json, os, statistics, sys, time
work, out, n, port, pid, t0, command, machine = sys.argv[1:]
n, port, t0 = int(n), int(port), float(t0)
tick = os.sysconf('SC_CLK_TCK')
def cpu_s():
    f = open(f'/proc/{pid}/stat').read().rsplit(')', 1)[1].split()
    return (int(f[11]) + int(f[12])) / tick
def run(path):
    lat = []
    codes = {}
    c0, w0 = cpu_s(), time.monotonic()
    for _ in range(n):
        s = time.monotonic()
        conn = http.client.HTTPConnection('127.0.0.1', port, timeout=5)
        conn.request('GET', path)
        r = conn.getresponse()
        r.read()
        conn.close()
        lat.append((time.monotonic() - s) * 1000)
        codes[r.status] = codes.get(r.status, 0) + 1
    wall, cpu = time.monotonic() - w0, cpu_s() - c0
    lat.sort()
    q = lambda p: round(lat[min(len(lat) - 1, int(p * len(lat)))], 2)
    return {'requests': n, 'status_codes': codes, 'p50_ms': q(0.5), 'p99_ms': q(0.99), 'max_ms': round(lat[-1], 2),
            'requests_per_s': round(n / wall, 1),
            'server_cpu_ms_per_request': round(cpu * 1000 / n, 3),
            'server_cpu_percent_while_polled': round(cpu * 100 / wall, 1)}
# Idle CPU of the participant (the call itself), for comparison.
c0 = cpu_s(); time.sleep(3); idle = (cpu_s() - c0) * 100 / 3
ready = next(float(l.split()[0]) for l in open(f'{work}/notify.log') if ' READY=1' in l)
result = {
    'date': time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime()),
    'machine': machine,
    'command': command,
    'setup': '2 participants on 127.0.0.1 through meshcall serve, 320x240@15 VP8 test sources, headless; '
             'alice serves --status-listen; one new HTTP connection per request (python http.client)',
    'exec_to_ready_s': round(ready - t0, 3),
    'participant_cpu_percent_idle': round(idle, 1),
    'health': run('/health'),
    'stats': run('/stats'),
}
json.dump(result, open(out, 'w'), indent=2)
print(json.dumps(result))
PY

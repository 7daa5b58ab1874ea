# A network lab for the net_*.sh tests (sourced after call_lib.bash; needs
# root): a "switch" namespace with a bridge, where `meshcall serve` runs on
# 10.77.0.1, and one namespace per participant, each wired to the switch by
# a veth pair ("its cable") with its own address 10.77.0.(10+i)/24, IPv4
# only. Nothing routes anywhere else. Every namespace is deleted on exit (with its veths),
# and every process started here is stopped by PID first.
#
#   lab_start                          the switch (call first)
#   lab_add NAME                       a participant's namespace, cable and address
#   lab_serve [serve args...]          meshcall serve in the switch; sets SIGNAL_URL
#   lab_join NAME [join args...]       meshcall join in NAME's namespace (as start_join)
#   lab_cable NAME down|up             pull / plug NAME's cable (its end of the veth)
#   lab_readdress NAME                 NAME's address deleted and another one added (a network change)
#   lab_ns NAME                        the namespace's name, for `ip netns exec`
#   lab_shape NAME RATE [BURST [LATENCY]]  caps NAME's uplink: tbf on its eth0 (e.g. 600kbit 15kb 50ms)
#   lab_shape_down NAME RATE [BURST [LATENCY]]  caps NAME's downlink: tbf on the switch's end of its
#                                      cable (what everyone sends NAME; NAME's uplink stays free)
#   lab_unshape NAME [down]            lifts the cap
#   lab_qdisc NAME [down]              "BYTES PACKETS DROPS" sent/dropped so far by that qdisc
#                                      (tc -s -j; counters restart when the qdisc is replaced)
#   lab_loss NAME PERCENT              drops PERCENT % of what NAME receives, at its prerouting hook
#                                      (nft numgen: silent, as on a real network); 0 lifts it
#   lab_loss_dropped NAME              packets lab_loss dropped so far (nft counter)

LAB_ID="mc$$"
LAB_SWITCH="${LAB_ID}-sw"
declare -A LAB_ADDR=()
declare -a LAB_NS=()
LAB_NEXT=10

lab_cleanup() {
  local ns
  cleanup_processes
  for ns in "${LAB_NS[@]}"; do ip netns del "$ns" 2>/dev/null || true; done
  if [ "${KEEP_WORK:-0}" = 1 ]; then echo "work dir kept: $WORK"; else rm -rf "$WORK"; fi
}

# call_lib's cleanup, without removing $WORK (the lab does that last).
cleanup_processes() {
  local name
  for name in "${!PIDS[@]}"; do kill -TERM "${PIDS[$name]}" 2>/dev/null || true; done
  for name in "${!PIDS[@]}"; do
    for _ in $(seq 50); do kill -0 "${PIDS[$name]}" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "${PIDS[$name]}" 2>/dev/null || true
  done
  PIDS=()
}

lab_ns() { echo "${LAB_ID}-$1"; }

lab_start() {
  [ "$(id -u)" = 0 ] || fail "the network lab needs root (ip netns)"
  trap lab_cleanup EXIT
  ip netns add "$LAB_SWITCH" || fail "cannot create a network namespace"
  LAB_NS+=("$LAB_SWITCH")
  ip -n "$LAB_SWITCH" link set lo up
  ip -n "$LAB_SWITCH" link add br0 type bridge
  ip -n "$LAB_SWITCH" addr add 10.77.0.1/24 dev br0
  ip -n "$LAB_SWITCH" link set br0 up
}

lab_add() {
  local name=$1 ns
  ns=$(lab_ns "$1")
  ip netns add "$ns" || fail "cannot create namespace $ns"
  LAB_NS+=("$ns")
  # IPv4 only: the pair ICE picks is then the address the tests move and cut
  # (an IPv6 link-local pair would survive an IPv4 address change unnoticed).
  ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
  ip -n "$ns" link set lo up
  ip link add "c-$name-$$" netns "$ns" type veth peer name "s-$name-$$" netns "$LAB_SWITCH" ||
    fail "cannot create the veth pair for $name"
  ip -n "$ns" link set "c-$name-$$" name eth0
  ip -n "$LAB_SWITCH" link set "s-$name-$$" master br0 up
  LAB_ADDR[$name]="10.77.0.$LAB_NEXT"
  LAB_NEXT=$((LAB_NEXT + 1))
  ip -n "$ns" addr add "${LAB_ADDR[$name]}/24" dev eth0
  ip -n "$ns" link set eth0 up
}

lab_serve() {
  ip netns exec "$LAB_SWITCH" "$MESHCALL_BIN" serve --listen 10.77.0.1:"${LAB_PORT:-0}" --port-file "$WORK/port" "$@" \
    >>"$WORK/serve.log" 2>&1 &
  PIDS[serve]=$!
  wait_until 5 "meshcall serve to report its port" test -s "$WORK/port"
  LAB_PORT=$(cat "$WORK/port")
  SIGNAL_URL="http://10.77.0.1:$LAB_PORT"
  log "server at $SIGNAL_URL (pid ${PIDS[serve]})"
}

lab_join() {
  local name=$1
  shift
  GST_DEBUG="${GST_DEBUG:-meshcall*:4}" ip netns exec "$(lab_ns "$name")" "$MESHCALL_BIN" join "${CALL_ID:-call1}" \
    --signal "$SIGNAL_URL" --name "$name" --peer-id "$name" --headless --video test --audio test --size 320x240 \
    --fps 15 --no-audio-processing --stats-json "$WORK/$name.json" "$@" >"$WORK/$name.log" 2>&1 &
  PIDS[$name]=$!   # ip netns exec execs the command: this is meshcall's PID
  log "started $name at ${LAB_ADDR[$name]} (pid ${PIDS[$name]})"
}

lab_cable() {
  ip -n "$(lab_ns "$1")" link set eth0 "$2" || fail "cannot set $1's cable $2"
  log "$1's cable $2"
}

lab_readdress() {
  local name=$1 ns old new
  ns=$(lab_ns "$1")
  old=${LAB_ADDR[$name]}
  new="10.77.0.$LAB_NEXT"
  LAB_NEXT=$((LAB_NEXT + 1))
  ip -n "$ns" addr del "$old/24" dev eth0
  ip -n "$ns" addr add "$new/24" dev eth0
  LAB_ADDR[$name]=$new
  log "$name moved from $old to $new"
}

# lab_dev NAME [down]: "NAMESPACE DEVICE" of NAME's uplink (its eth0) or downlink (the switch's end).
lab_dev() {
  if [ "${2:-up}" = down ]; then echo "$LAB_SWITCH s-$1-$$"; else echo "$(lab_ns "$1") eth0"; fi
}

lab_tbf() {
  local where ns dev
  where=$1
  read -r ns dev <<<"$(lab_dev "$2" "$where")"
  tc -n "$ns" qdisc replace dev "$dev" root tbf rate "$3" burst "${4:-15kb}" latency "${5:-50ms}" ||
    fail "cannot shape $2's ${where}link"
  log "$2's ${where}link capped: tbf rate $3 burst ${4:-15kb} latency ${5:-50ms}"
}

lab_shape() { lab_tbf up "$@"; }
lab_shape_down() { lab_tbf down "$@"; }

lab_unshape() {
  local ns dev
  read -r ns dev <<<"$(lab_dev "$1" "${2:-up}")"
  tc -n "$ns" qdisc del dev "$dev" root 2>/dev/null || true
  log "$1's ${2:-up}link unshaped"
}

lab_qdisc() {
  local ns dev
  read -r ns dev <<<"$(lab_dev "$1" "${2:-up}")"
  tc -n "$ns" -s -j qdisc show dev "$dev" |
    node -e 'const q = JSON.parse(require("fs").readFileSync(0, "utf8"))[0] || {};
             console.log(`${q.bytes || 0} ${q.packets || 0} ${q.drops || 0}`)'
}

lab_loss() {
  local ns
  ns=$(lab_ns "$1")
  ip netns exec "$ns" nft delete table inet lab_loss 2>/dev/null || true
  [ "$2" = 0 ] && { log "no more loss into $1"; return 0; }
  ip netns exec "$ns" nft -f - <<NFT || fail "cannot add loss into $1 (nft)"
table inet lab_loss {
  counter dropped { }
  chain pre { type filter hook prerouting priority -300; policy accept;
    meta l4proto udp numgen random mod 100 < $2 counter name "dropped" drop; }
}
NFT
  log "$2 % of what $1 receives (UDP) dropped at its prerouting"
}

lab_loss_dropped() {
  ip netns exec "$(lab_ns "$1")" nft -j list counter inet lab_loss dropped 2>/dev/null |
    node -e 'const j = JSON.parse(require("fs").readFileSync(0, "utf8"));
             const c = (j.nftables || []).find((o) => o.counter); console.log(c ? c.counter.packets : 0)'
}

# now_ms: milliseconds since the epoch.
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

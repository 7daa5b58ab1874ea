# Helpers for the firestore_*.sh integration tests (sourced): the real
# Firestore emulator (google-cloud-cli-firestore-emulator), one per test
# script, started in its own process group and stopped by its PID; data
# reset between cases; meshcall participants signaling through it.
source "$(dirname "${BASH_SOURCE[0]}")/call_lib.bash"
source "$(dirname "${BASH_SOURCE[0]}")/wait.bash"

FS_PROJECT=demo-meshcall
FS_EMULATOR_PID=""

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

stop_emulator() {
  if [ -n "$FS_EMULATOR_PID" ]; then
    kill -TERM -- "-$FS_EMULATOR_PID" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$FS_EMULATOR_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$FS_EMULATOR_PID" 2>/dev/null || true
    FS_EMULATOR_PID=""
  fi
}
trap 'cleanup; stop_emulator' EXIT

# start_emulator [--rules FILE]: sets FIRESTORE_EMULATOR_HOST (exported) and FS_BASE.
start_emulator() {
  local bin port
  bin=$(dpkg -L google-cloud-cli-firestore-emulator 2>/dev/null | grep 'cloud_firestore_emulator$' | head -n1)
  [ -x "$bin" ] || fail "the Firestore emulator is not installed (apt-get install google-cloud-cli-firestore-emulator)"
  port=$(free_port)
  setsid "$bin" --host 127.0.0.1 --port "$port" --project_id "$FS_PROJECT" "$@" >"$WORK/emulator.log" 2>&1 &
  FS_EMULATOR_PID=$!
  export FIRESTORE_EMULATOR_HOST="127.0.0.1:$port"
  FS_BASE="http://$FIRESTORE_EMULATOR_HOST/v1/projects/$FS_PROJECT/databases/(default)/documents"
  wait_until 30 "the Firestore emulator on port $port" curl -sf "http://$FIRESTORE_EMULATOR_HOST/" -o /dev/null
  # Its first requests are slow (JIT): warm it up outside any measurement.
  for _ in 1 2 3; do
    curl -sf -X POST "$FS_BASE:runQuery" -H 'Authorization: Bearer owner' -H 'Content-Type: application/json' \
      -d '{"structuredQuery":{"from":[{"collectionId":"warm"}]}}' -o /dev/null || true
  done
  log "Firestore emulator at $FIRESTORE_EMULATOR_HOST (pid $FS_EMULATOR_PID)"
}

reset_emulator() {
  curl -sf -X DELETE "http://$FIRESTORE_EMULATOR_HOST/emulator/v1/projects/$FS_PROJECT/databases/(default)/documents" \
    -o /dev/null || fail "could not reset the emulator's data"
}

# fs_json PATH_UNDER_DOCUMENTS: GET a document or a collection as the owner (bypasses rules).
fs_get() { curl -s "$FS_BASE/$1" -H 'Authorization: Bearer owner'; }

# start_fs_join NAME [extra args...]: like start_join, signaling through the emulator (uid = NAME).
start_fs_join() {
  local name=$1
  shift
  SIGNAL_URL="firestore://$FS_PROJECT" start_join "$name" "$@"
}

# The participants of call $1 that the emulator holds, as "id id ...".
fs_participants() {
  fs_get "calls/$1/participants?pageSize=100" |
    node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const j=JSON.parse(s||"{}");
      console.log((j.documents||[]).map(d=>d.name.split("/").pop()).sort().join(" "))})'
}

# fs_inbox_senders ID: the senders of the messages in ID's inbox (call $CALL_ID), sorted, unique.
fs_inbox_senders() {
  fs_get "calls/$CALL_ID/participants/$1/inbox?pageSize=300" |
    node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const j=JSON.parse(s||"{}");
      console.log([...new Set((j.documents||[]).map(d=>d.fields.from.stringValue))].sort().join(" "))})'
}
# fs_inbox_from ID "SENDERS": true when they are ID's inbox's senders ("" for an empty inbox).
fs_inbox_from() { [ "$(fs_inbox_senders "$1")" = "$2" ]; }

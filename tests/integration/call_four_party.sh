# Four `meshcall join --headless` processes: every participant decodes video
# (at the size sent) and audio from every other one, counts rising. Then one
# is killed with SIGKILL: the kernel closes its signaling connection, so it
# leaves the call and disappears from the others' stats within 10 s while
# they keep receiving from each other. Then one freezes for 10 s (SIGSTOP: its signaling connection stays open),
# so only the media timeout can notice: the others mark it reconnecting
# within 10 s, and once it runs again (SIGCONT) all three are connected
# again, media rising both ways.
source "$(dirname "$0")/call_lib.bash"

start_server --ping-interval 25000 --ping-timeout 20000
for n in p1 p2 p3 p4; do start_join "$n"; done
expect_stats 40 --peers 3 --min-frames 10 --min-audio 10 --width 320 --height 240 --rising $(stats_files p1 p2 p3 p4)
log "all four decode each other"

kill -KILL "${PIDS[p4]}"
unset 'PIDS[p4]'
killed_at=$(date +%s%N)
expect_stats 10 --peers 2 --absent p4 $(stats_files p1 p2 p3)
log "p4 gone from the others' stats after $(( ($(date +%s%N) - killed_at) / 1000000 )) ms"
expect_stats 10 --peers 2 --absent p4 --rising $(stats_files p1 p2 p3)
log "the other three still receive from each other"

kill -STOP "${PIDS[p3]}"
stopped_at=$(date +%s%N)
expect_stats 10 --peers 1 --state p3:reconnecting --absent p4 $(stats_files p1 p2)
log "frozen p3 marked reconnecting by media timeout after $(( ($(date +%s%N) - stopped_at) / 1000000 )) ms"
expect_stats 10 --peers 1 --ignore p3 --absent p4 --rising $(stats_files p1 p2)
sleep_until=$(( stopped_at / 1000000 + 10000 ))
while [ "$(( $(date +%s%N) / 1000000 ))" -lt "$sleep_until" ]; do sleep 0.2; done   # frozen for 10 s, as in the issue
kill -CONT "${PIDS[p3]}"
resumed_at=$(date +%s%N)
expect_stats 30 --peers 2 --absent p4 --rising $(stats_files p1 p2 p3)
log "p3 back: all three connected, media rising, $(( ($(date +%s%N) - resumed_at) / 1000000 )) ms after SIGCONT"
grep -q "reconnected to p3" "$WORK/p1.log" || fail "p1 did not say it reconnected to p3"
log "PASS"

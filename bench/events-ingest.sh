#!/usr/bin/env bash
# HEC ingest over HTTP: starts `quell serve` on a fresh SQLite data folder (or PostgreSQL with QUELL_DB), posts HEC
# batches of BATCH events (ECS-style firewall/process events, ~360 bytes each) with wrk for DURATION seconds, and
# prints events/s: acknowledged requests x BATCH / seconds (a 200 is sent only after the batch is committed), the
# growth of the newest event id as a cross-check (dense on SQLite; the PostgreSQL sequence caches 100 ids per
# connection, so there it runs ahead), and the server's CPU time per event.
# With detection as issue 5 asks for it: INDICATORS=N loads N generated indicators (bench/intel-match/generate.py,
# seed 42) through a freetext feed before measuring, SIGMA_RULES=DIR starts the server with --sigma-rules DIR. Prints
# also events/s per core (events / server CPU seconds), the server's peak RSS (VmHWM) and the load average.
#   bench/events-ingest.sh 30
#   INDICATORS=100000 SIGMA_RULES=/work/shared/testdata/sigma/rules bench/events-ingest.sh 60
# Env: BATCH (1000), CONNECTIONS (8), THREADS (2), PORT (5182), WARMUP (30 s: the tiered JIT is still compiling the hot path for a good part of a shorter one, and Sigma rules load on first
# use), QUELL_DB (PostgreSQL connection string; default SQLite), INDICATORS, SIGMA_RULES, SKIP_BUILD=1, BODY_ONLY=FILE.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${1:-30}
BATCH=${BATCH:-1000}
CONNECTIONS=${CONNECTIONS:-8}
THREADS=${THREADS:-2}
PORT=${PORT:-5182}
WARMUP=${WARMUP:-30}
. bench/lib.sh
need wrk python3

build_quell
need_free_port "$PORT"
DATA=$(mktemp -d /tmp/quell-events-bench.XXXXXX)
export QUELL_HEC_TOKEN=$(bench_secret qh)
export QUELL_API_KEY=$(bench_secret qk)
export BODY="$DATA/body.json"
python3 - "$BATCH" >"$BODY" <<'PY'
import json, sys, random
random.seed(1)
n = int(sys.argv[1])
for i in range(n):
    if i % 2:
        ev = {"@timestamp": "2026-11-28T10:%02d:%02d.%03dZ" % (i // 60 % 60, i % 60, i % 1000), "event": {"action": "deny", "category": "network"},
              "source": {"ip": "10.%d.%d.%d" % (i % 200, i % 250, i % 199), "port": 40000 + i % 20000},
              "destination": {"ip": "203.0.113.%d" % (i % 250), "port": 443, "domain": "host%d.example.com" % (i % 97)},
              "user": {"name": "user%d" % (i % 50)}, "message": "fw deny tcp connection %d" % i}
    else:
        ev = {"EventID": 1, "Computer": "WS-%03d" % (i % 300), "Image": "C:\\Windows\\System32\\cmd.exe",
              "CommandLine": "cmd.exe /c whoami /all %d" % i, "User": "CORP\\user%d" % (i % 50), "ParentImage": "C:\\Windows\\explorer.exe",
              "Hashes": "SHA256=%064x" % random.getrandbits(256), "UtcTime": "2026-11-28 10:00:00.%03d" % (i % 1000)}
    print(json.dumps({"host": "bench", "sourcetype": "_json", "event": ev}))
PY
# BODY_ONLY=FILE: write the body there and stop (the input of `Quell.Bench event-store`, the store without HTTP).
if [ -n "${BODY_ONLY:-}" ]; then cp "$BODY" "$BODY_ONLY"; rm -rf "$DATA"; exit 0; fi
STORE="SQLite in $DATA"; [ -n "${QUELL_DB:-}" ] && STORE="PostgreSQL"
args=(serve --urls "http://127.0.0.1:$PORT" --data "$DATA")
[ -n "${QUELL_DB:-}" ] && args+=(--db "$QUELL_DB")
mapfile -t detection < <(detection_args "$DATA")
args+=("${detection[@]}")
log "starting quell serve on 127.0.0.1:$PORT ($STORE${SIGMA_RULES:+, Sigma rules from $SIGMA_RULES}); body $(wc -c <"$BODY") bytes, $BATCH events"
QUELL_BOOTSTRAP_API_KEY=$QUELL_API_KEY QUELL_ADMIN_PASSWORD=bench-admin-password \
  dotnet "$QUELL_DLL" "${args[@]}" >"$DATA/server.log" 2>&1 &
SERVER=$!
cleanup() { kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; rm -rf "$DATA"; }
trap cleanup EXIT
wait_healthy "$PORT" "$DATA/server.log" "$SERVER"

# The newest event id, from the API.
stored() { curl -fs -H "Authorization: Bearer $QUELL_API_KEY" "http://127.0.0.1:$PORT/api/v1/events?limit=1" | python3 -c 'import json,sys; i=json.load(sys.stdin)["items"]; print(i[0]["id"] if i else 0)'; }
cpu() { awk '{print $14 + $15}' "/proc/$SERVER/stat"; }

load_indicators "$PORT" "$DATA" "$QUELL_API_KEY"
log "warming up for $WARMUP s"
wrk -t"$THREADS" -c"$CONNECTIONS" -d"${WARMUP}s" --timeout 60s -s bench/events-ingest.lua "http://127.0.0.1:$PORT/services/collector/event" >/dev/null
before=$(stored); cpu0=$(cpu)
log "measuring for $DURATION s: $CONNECTIONS connections"
wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --timeout 30s -s bench/events-ingest.lua "http://127.0.0.1:$PORT/services/collector/event" | tee "$DATA/wrk.txt" >&2
after=$(stored); cpu1=$(cpu)
requests=$(awk '/^requests /{print $2}' "$DATA/wrk.txt")
failed=$(awk '/^non_2xx /{print $2}' "$DATA/wrk.txt")
events=$(( (requests - failed) * BATCH ))
echo "events acknowledged: $events in ${DURATION} s = $(( events / DURATION )) events/s (wrk: $requests requests x $BATCH, $failed non-200; newest id $before -> $after)"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "server CPU: $(( (cpu1 - cpu0) / 100 )) s for $events events = $(python3 -c "print(round(($cpu1-$cpu0)*10000/max(1,$events), 1))") us/event = $(python3 -c "print(round($events*100/max(1,$cpu1-$cpu0)))") events/s per core"
echo "server peak RSS (VmHWM): $(awk '/VmHWM/ { printf "%d", $2 / 1024 }' "/proc/$SERVER/status") MB"
grep -o "Sigma: .*" "$DATA/server.log" | head -n 2 >&2 || true

#!/usr/bin/env bash
# HEC ingest over HTTP: starts `quell serve` on a fresh SQLite data folder (or PostgreSQL with QUELL_DB), posts HEC
# batches of BATCH events (ECS-style firewall/process events, ~360 bytes each) with wrk for DURATION seconds, and
# prints events/s: acknowledged requests x BATCH / seconds (a 200 is sent only after the batch is committed), the
# growth of the newest event id as a cross-check (dense on SQLite; the PostgreSQL sequence caches 100 ids per
# connection, so there it runs ahead), and the server's CPU time per event.
#   bench/events-ingest.sh 30
# Env: BATCH (1000), CONNECTIONS (8), THREADS (2), PORT (5182), QUELL_DB (PostgreSQL connection string; default SQLite).
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${1:-30}
BATCH=${BATCH:-1000}
CONNECTIONS=${CONNECTIONS:-8}
THREADS=${THREADS:-2}
PORT=${PORT:-5182}
log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
command -v wrk >/dev/null || { log "installing wrk"; apt-get install -y -qq wrk >/dev/null; }

[ -n "${SKIP_BUILD:-}" ] || { log "building (Release)"; dotnet build src/Quell.Server -c Release --nologo -v quiet >/dev/null; }
DATA=$(mktemp -d /tmp/quell-events-bench.XXXXXX)
export QUELL_HEC_TOKEN="qh_bench_$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export QUELL_API_KEY="qk_bench_$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
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
STORE="SQLite in $DATA"; [ -n "${QUELL_DB:-}" ] && STORE="PostgreSQL"
log "starting quell serve on 127.0.0.1:$PORT ($STORE); body $(wc -c <"$BODY") bytes, $BATCH events"
QUELL_BOOTSTRAP_API_KEY=$QUELL_API_KEY QUELL_ADMIN_PASSWORD=bench-admin-password \
  dotnet src/Quell.Server/bin/Release/net10.0/quell.dll serve --urls "http://127.0.0.1:$PORT" --data "$DATA" ${QUELL_DB:+--db "$QUELL_DB"} >"$DATA/server.log" 2>&1 &
SERVER=$!
cleanup() { kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; rm -rf "$DATA"; }
trap cleanup EXIT
for _ in $(seq 1 60); do curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 1; done
curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null || { cat "$DATA/server.log"; exit 1; }

# The newest event id, from the API.
stored() { curl -fs -H "Authorization: Bearer $QUELL_API_KEY" "http://127.0.0.1:$PORT/api/v1/events?limit=1" | python3 -c 'import json,sys; i=json.load(sys.stdin)["items"]; print(i[0]["id"] if i else 0)'; }
cpu() { awk '{print $14 + $15}' "/proc/$SERVER/stat"; }

log "warming up for 5 s"
wrk -t"$THREADS" -c"$CONNECTIONS" -d5s -s bench/events-ingest.lua "http://127.0.0.1:$PORT/services/collector/event" >/dev/null
before=$(stored); cpu0=$(cpu)
log "measuring for $DURATION s: $CONNECTIONS connections"
wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --timeout 30s -s bench/events-ingest.lua "http://127.0.0.1:$PORT/services/collector/event" | tee "$DATA/wrk.txt" >&2
after=$(stored); cpu1=$(cpu)
requests=$(awk '/^requests /{print $2}' "$DATA/wrk.txt")
failed=$(awk '/^non_2xx /{print $2}' "$DATA/wrk.txt")
events=$(( (requests - failed) * BATCH ))
echo "events acknowledged: $events in ${DURATION} s = $(( events / DURATION )) events/s (wrk: $requests requests x $BATCH, $failed non-200; newest id $before -> $after)"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "server CPU: $(( (cpu1 - cpu0) / 100 )) s for $events events = $(python3 -c "print(round(($cpu1-$cpu0)*10000/max(1,$events), 1))") us/event"

#!/usr/bin/env bash
# Alert intake over HTTP: starts `quell serve` on a fresh SQLite data folder, drives POST /api/v1/alerts with wrk
# (each request one new alert with 5 observables) for DURATION seconds, samples the server's RSS and the alert count
# every 10 s, and prints alerts/s and the RSS series. The recorded run is 600 s:  bench/intake.sh 600
# Env: CONNECTIONS (32), THREADS (2), PORT (5181), OUT (result folder, default /tmp/quell-intake-<time>),
#      PLOT=path.png to draw RSS and throughput with gnuplot; AUTO=ANALYZER (e.g. intel) enables that analyzer with
#      auto: alerts first, so every observable's run is queued in the intake transaction (the cost of auto-enrichment).
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${1:-60}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-2}
PORT=${PORT:-5181}
OUT=${OUT:-/tmp/quell-intake-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$OUT"
. bench/lib.sh

need wrk sqlite3 ${PLOT:+gnuplot:gnuplot-nox}
build_quell
need_free_port "$PORT"
DATA=$(mktemp -d /tmp/quell-intake-data.XXXXXX)
export QUELL_API_KEY=$(bench_secret qk)
log "starting quell serve on 127.0.0.1:$PORT (SQLite in $DATA)"
QUELL_BOOTSTRAP_API_KEY=$QUELL_API_KEY QUELL_ADMIN_PASSWORD=bench-admin-password \
  dotnet "$QUELL_DLL" serve --urls "http://127.0.0.1:$PORT" --data "$DATA" >"$OUT/server.log" 2>&1 &
SERVER=$!
SAMPLER=""
cleanup() {
  [ -n "$SAMPLER" ] && kill "$SAMPLER" 2>/dev/null || true
  kill "$SERVER" 2>/dev/null || true
  wait "$SERVER" 2>/dev/null || true
  rm -rf "$DATA"
}
trap cleanup EXIT
wait_healthy "$PORT" "$OUT/server.log" "$SERVER"

alerts() { sqlite3 "file:$DATA/quell.db?mode=ro" "SELECT COALESCE(MAX(id), 0) FROM alerts" 2>/dev/null || echo 0; }
rss_mb() { echo $(( $(ps -o rss= -p "$SERVER") / 1024 )); }
# CPU seconds the server has used (user + system): per alert, a measure that holds even on a machine shared with others.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$SERVER/stat"; }

if [ -n "${AUTO:-}" ]; then
  log "enabling analyzer $AUTO with auto: alerts"
  curl -fs -X PUT "http://127.0.0.1:$PORT/api/v1/analyzers/$AUTO" -H "Authorization: Bearer $QUELL_API_KEY" -H 'Content-Type: application/json' \
    -d '{"enabled": true, "auto": "alerts"}' >/dev/null
fi

log "warming up for 10 s (not recorded)"
wrk -t"$THREADS" -c"$CONNECTIONS" -d10s -s bench/intake.lua "http://127.0.0.1:$PORT" >"$OUT/wrk-warmup.txt"

echo "seconds,rss_mb,alerts,alerts_per_s" >"$OUT/intake.csv"
(
  start=$(date +%s); prev=$(alerts); t=0
  echo "0,$(rss_mb),$prev,0" >>"$OUT/intake.csv"
  while sleep 10; do
    now=$(alerts); t=$(( $(date +%s) - start ))
    echo "$t,$(rss_mb),$now,$(( (now - prev) / 10 ))" >>"$OUT/intake.csv"
    prev=$now
  done
) &
SAMPLER=$!
first=$(alerts); ticks0=$(cpu_ticks)
log "driving POST /api/v1/alerts for $DURATION s: wrk -t$THREADS -c$CONNECTIONS"
wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency -s bench/intake.lua "http://127.0.0.1:$PORT" | tee "$OUT/wrk.txt"
last=$(alerts); ticks1=$(cpu_ticks)
kill "$SAMPLER"; SAMPLER=""

created=$((last - first))
errors=$(grep -oE 'Non-2xx or 3xx responses: [0-9]+' "$OUT/wrk.txt" | grep -oE '[0-9]+$' || echo 0)
echo
echo "alerts created: $created in $DURATION s = $((created / DURATION)) alerts/s (5 observables each); non-2xx responses: $errors${AUTO:+; auto analyzer: $AUTO}"
[ -n "${AUTO:-}" ] && echo "reports: $(sqlite3 "file:$DATA/quell.db?mode=ro" "SELECT status || ' ' || COUNT(*) FROM analyzer_reports GROUP BY status" | tr '\n' ' ')"
echo "server CPU: $(( (ticks1 - ticks0) / $(getconf CLK_TCK) )) s, $(awk -v t=$((ticks1 - ticks0)) -v hz="$(getconf CLK_TCK)" -v n="$created" 'BEGIN { printf "%.3f", t / hz * 1000 / (n > 0 ? n : 1) }') ms per alert; load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "RSS (MB) every 10 s:"
cut -d, -f1,2,4 "$OUT/intake.csv" | column -t -s,
echo "RSS start $(sed -n 2p "$OUT/intake.csv" | cut -d, -f2) MB, end $(tail -n 1 "$OUT/intake.csv" | cut -d, -f2) MB, max $(tail -n +2 "$OUT/intake.csv" | cut -d, -f2 | sort -n | tail -1) MB"
echo "results in $OUT"
if [ -n "${PLOT:-}" ]; then
  gnuplot -e "data='$OUT/intake.csv'; out='$PLOT'" bench/intake.gp && echo "plot: $PLOT"
fi

#!/usr/bin/env bash
# Enrichment end to end: ALERTS alerts (default 1,000) of 5 observables each (ip, domain, hostname, url, sha256), every
# one auto-enriched by 3 analyzers (virustotal, urlhaus, misp) whose stand-in services (bench/enrichment-services.py)
# answer after DELAY seconds (0.2). Measures analyzer runs per second from the first report created to the last one
# finished, against the bound set by the analyzer pool and the services' latency (Enrichment:Concurrency ÷ DELAY; no
# rate limits are set), then sends the same alerts again (every run answered from the cache) and times analyze
# requests on cached values against /healthz as the HTTP floor.   bench/enrichment.sh 1000
# Env: CONCURRENCY (16), DELAY (0.2), PORT (5183), SPORT (5184), OUT (result folder), QUELL_DB (a PostgreSQL connection
# string: the run uses a fresh database "quell_bench_enrichment" on that server instead of SQLite).
set -euo pipefail
cd "$(dirname "$0")/.."
ALERTS=${1:-1000}
CONCURRENCY=${CONCURRENCY:-16}
DELAY=${DELAY:-0.2}
PORT=${PORT:-5183}
SPORT=${SPORT:-5184}
OUT=${OUT:-/tmp/quell-enrichment-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$OUT"
. bench/lib.sh

need sqlite3 python3 ${QUELL_DB:+psql:postgresql-client}
build_quell
need_free_port "$PORT"
DATA=$(mktemp -d /tmp/quell-enrichment-data.XXXXXX)
KEY=$(bench_secret qk)
log "starting the stand-in services on 127.0.0.1:$SPORT (answers after $DELAY s)"
python3 bench/enrichment-services.py "$SPORT" "$DELAY" >"$OUT/services.log" 2>&1 &
SERVICES=$!
STORE="SQLite in $DATA"
if [ -n "${QUELL_DB:-}" ]; then
  # libpq takes the same key=value pairs as Npgsql once ';' separates them with spaces.
  PGCONN=$(printf '%s' "$QUELL_DB" | tr ';' ' ' | sed -e 's/Username=/user=/I' -e 's/Database=/dbname=/I' -e 's/Host=/host=/I' -e 's/Port=/port=/I' -e 's/Password=/password=/I')
  psql "$PGCONN" -qc 'DROP DATABASE IF EXISTS quell_bench_enrichment' -c 'CREATE DATABASE quell_bench_enrichment' >/dev/null
  PGCONN=$(printf '%s' "$PGCONN" | sed -E 's/dbname=[^ ]*//') ; PGCONN="$PGCONN dbname=quell_bench_enrichment"
  export QUELL_DB=$(printf '%s' "$QUELL_DB" | sed -E 's/Database=[^;]*//I');QUELL_DB="${QUELL_DB%;};Database=quell_bench_enrichment"
  STORE="PostgreSQL ($PGCONN)"
fi
log "starting quell serve on 127.0.0.1:$PORT ($STORE, Enrichment:Concurrency=$CONCURRENCY)"
Enrichment__Concurrency=$CONCURRENCY QUELL_BOOTSTRAP_API_KEY=$KEY QUELL_ADMIN_PASSWORD=bench-admin-password \
  dotnet "$QUELL_DLL" serve --urls "http://127.0.0.1:$PORT" --data "$DATA" >"$OUT/server.log" 2>&1 &
SERVER=$!
cleanup() {
  kill "$SERVER" 2>/dev/null || true
  kill "$SERVICES" 2>/dev/null || true
  wait "$SERVER" "$SERVICES" 2>/dev/null || true
  rm -rf "$DATA"
}
trap cleanup EXIT
wait_healthy "$PORT" "$OUT/server.log" "$SERVER"

api() { curl -fsS -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' "$@"; }
for analyzer in virustotal urlhaus misp; do
  api -X PUT "http://127.0.0.1:$PORT/api/v1/analyzers/$analyzer" \
    -d "{\"enabled\": true, \"auto\": \"alerts\", \"baseUrl\": \"http://127.0.0.1:$SPORT\", \"config\": {\"key\": \"bench-key\"}, \"rateLimit\": \"\"}" >/dev/null
done

# One alert per line of a file, so xargs can send them 8 at a time.
alert() {
  local i=$1 run=$2
  local sha; sha=$(printf 'bench-%d' "$i" | sha256sum | cut -c1-64)
  printf '{"type":"bench","source":"bench-%s","sourceRef":"%s-%d","title":"Enrichment bench %d","observables":[{"dataType":"ip","data":"198.51.%d.%d"},{"dataType":"domain","data":"d%d.bench.example"},{"dataType":"hostname","data":"h%d.bench.example"},{"dataType":"url","data":"http://d%d.bench.example/login"},{"dataType":"hash","data":"%s"}]}\n' \
    "$run" "$run" "$i" "$i" $((i / 250)) $((i % 250 + 1)) "$i" "$i" "$i" "$sha"
}
send() {
  local run=$1
  for i in $(seq 1 "$ALERTS"); do alert "$i" "$run"; done >"$OUT/alerts-$run.ndjson"
  tr '\n' '\0' <"$OUT/alerts-$run.ndjson" | xargs -0 -P 8 -I{} curl -fsS -o /dev/null -H "Authorization: Bearer $KEY" \
    -H 'Content-Type: application/json' -X POST "http://127.0.0.1:$PORT/api/v1/alerts" -d {}
}
sql() {
  if [ -n "${PGCONN:-}" ]; then psql "$PGCONN" -AtF '|' -c "$1" 2>/dev/null
  else sqlite3 "file:$DATA/quell.db?mode=ro" "$1" 2>/dev/null; fi
}

log "sending $ALERTS alerts × 5 observables (auto-enriched by 3 analyzers)"
t0=$(date +%s.%N)
send first
t1=$(date +%s.%N)
expected=$((ALERTS * 5 * 3))
while true; do
  done_=$(sql "SELECT COUNT(*) FROM analyzer_reports WHERE status <> 'pending'" || echo 0)
  printf '\r  %d of %d runs ended' "$done_" "$expected" >&2
  [ "${done_:-0}" -ge "$expected" ] && break
  sleep 2
done
echo >&2
read -r runs span failed <<<"$(sql "SELECT COUNT(*), (MAX(finished_at) - MIN(created_at)) / 1000.0, SUM(CASE WHEN status = 'failure' THEN 1 ELSE 0 END) FROM analyzer_reports" | tr '|' ' ')"
span=$(printf '%.1f' "$span")
kill -TERM "$SERVICES"; wait "$SERVICES" 2>/dev/null || true
calls=$(tail -n 1 "$OUT/services.log")
bound=$(awk -v c="$CONCURRENCY" -v d="$DELAY" 'BEGIN { printf "%.1f", c / d }')
rate=$(awk -v n="$runs" -v s="$span" 'BEGIN { printf "%.1f", n / s }')
echo
echo "alerts sent in $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s; $runs analyzer runs ($failed failed) in $span s"
echo "service calls: $calls"
echo "throughput: $rate runs/s; bound $bound runs/s (Enrichment:Concurrency $CONCURRENCY ÷ $DELAY s) = $(awk -v r="$rate" -v b="$bound" 'BEGIN { printf "%.1f", 100 * r / b }') % of the bound"

log "sending the same $ALERTS alerts again (every run answered from the cache)"
before=$(sql "SELECT COUNT(*) FROM analyzer_reports")
send again
after=$(sql "SELECT COUNT(*) FROM analyzer_reports")
echo "new reports for the repeated values: $((after - before)) (0 = every run answered from the cache)"

observable=$(api "http://127.0.0.1:$PORT/api/v1/alerts?limit=1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["id"])')
oid=$(api "http://127.0.0.1:$PORT/api/v1/alerts/$observable" | python3 -c 'import json,sys; print(json.load(sys.stdin)["observables"][0]["id"])')
timing() { for _ in $(seq 1 500); do curl -s -o /dev/null -w '%{time_total}\n' "$@"; done | sort -n | awk '{ a[NR] = $1 } END { printf "%.2f", a[int(NR / 2)] * 1000 }'; }
floor=$(timing -H "Authorization: Bearer $KEY" "http://127.0.0.1:$PORT/healthz")
cached=$(timing -H "Authorization: Bearer $KEY" -X POST "http://127.0.0.1:$PORT/api/v1/observables/$oid/analyze?of=alert")
echo "analyze of a cached value: median $cached ms per request (3 reports from the cache, audit entry written); GET /healthz median $floor ms"
echo "results in $OUT"

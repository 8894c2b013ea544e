#!/usr/bin/env bash
# Indicator search by value at 10,000,000 stored indicators, SQLite: fills a fresh store by bulk SQL (not through the
# import: at 10 M it would take tens of minutes and this benchmark measures reads), then measures GET /api/v1/indicators
# latency from one keep-alive client, one request at a time (bench/intel-search/client.py): exact value hits and misses,
# selective and broad prefixes; p50/p90/p99/max per class.
#
# The fill: `quell serve` creates and migrates the store and its organisation, then stops; bench/intel-search/fill.py
# writes N normalized indicators (sha256 40 %, domains 20 %, IPv4 10 %, URLs 20 %, e-mail 10 %; seed 42) as TSV;
# sqlite3 imports them with the value and update indexes dropped and builds them again afterwards (one sort instead of
# N random inserts), with one feed link per indicator as a feed pull leaves them. The server then runs on that store.
#
# Usage: bench/intel-search.sh                     # 10,000,000 indicators (the target)
#        INDICATORS=100000 bench/intel-search.sh   # smoke run
# Env: INDICATORS, REQUESTS (per query class, 1000), PORT (5184), OUT (default /tmp/quell-intel-search-<time>; the
#      filled store is kept there and reused when INDICATORS is unchanged), SKIP_BUILD=1.
set -euo pipefail
cd "$(dirname "$0")/.."
INDICATORS=${INDICATORS:-10000000}
REQUESTS=${REQUESTS:-1000}
PORT=${PORT:-5184}
OUT=${OUT:-/tmp/quell-intel-search-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

missing=()
command -v python3 >/dev/null || missing+=(python3)
command -v sqlite3 >/dev/null || missing+=(sqlite3)
if [ ${#missing[@]} -gt 0 ]; then
  log "installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
if [ -z "${SKIP_BUILD:-}" ] || [ ! -f "$OUT/publish/quell.dll" ]; then
  log "publishing (Release) to $OUT/publish"
  dotnet publish src/Quell.Server -c Release --nologo -v quiet -o "$OUT/publish" >/dev/null
fi

DATA="$OUT/data"
KEYFILE="$OUT/api-key"
SERVER=""
cleanup() { [ -n "$SERVER" ] && { kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; }; }
trap cleanup EXIT
serve() {
  QUELL_BOOTSTRAP_API_KEY=$(cat "$KEYFILE") QUELL_ADMIN_PASSWORD=bench-admin-password \
    dotnet "$OUT/publish/quell.dll" serve --urls "http://127.0.0.1:$PORT" --data "$DATA" >>"$OUT/server.log" 2>&1 &
  SERVER=$!
  for _ in $(seq 1 600); do curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null && return 0; sleep 1; done
  cat "$OUT/server.log"; exit 1
}

if [ "$(cat "$OUT/filled" 2>/dev/null)" != "$INDICATORS" ]; then
  rm -rf "$DATA" "$OUT/filled"
  echo "qk_bench_$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')" >"$KEYFILE"
  log "creating the store (quell serve, then stop)"
  serve
  kill "$SERVER"; wait "$SERVER" 2>/dev/null || true; SERVER=""
  log "generating $INDICATORS indicators (bench/intel-search/fill.py)"
  python3 bench/intel-search/fill.py "$INDICATORS" "$OUT"
  org=$(sqlite3 "$DATA/quell.db" "SELECT MIN(id) FROM organisations")
  now=$(( $(date +%s) * 1000 ))
  log "bulk fill of organisation $org with sqlite3 (indexes built after the rows)"
  start=$(date +%s)
  sqlite3 "$DATA/quell.db" <<SQL
PRAGMA journal_mode=WAL;
PRAGMA synchronous=OFF;
PRAGMA cache_size=-262144;
CREATE TABLE bench_fill (type TEXT, value TEXT, kind TEXT, category TEXT);
.mode tabs
.import $OUT/fill.tsv bench_fill
BEGIN;
DROP INDEX ux_indicators_value;
DROP INDEX ix_indicators_updated;
DROP INDEX ix_indicator_sources_indicator;
INSERT INTO indicators (org_id, type, value, kind, category, to_ids, tlp, tags, created_at, updated_at)
  SELECT $org, type, value, kind, category, 1, 2, '["bench"]', $now, $now FROM bench_fill;
INSERT INTO indicator_sources (indicator_id, org_id, source_key, source_kind, source_name, feed_id, first_reported, last_reported, run_id)
  SELECT id, $org, 'import:bench-fill', 'import', 'bench-fill', NULL, $now, $now, 1 FROM indicators ORDER BY id;
CREATE UNIQUE INDEX ux_indicators_value ON indicators(org_id, value, type);
CREATE INDEX ix_indicators_updated ON indicators(org_id, updated_at, id);
CREATE INDEX ix_indicator_sources_indicator ON indicator_sources(indicator_id);
DROP TABLE bench_fill;
COMMIT;
PRAGMA wal_checkpoint(TRUNCATE);
SQL
  echo "$INDICATORS" >"$OUT/filled"
  log "filled in $(( $(date +%s) - start )) s; store $(du -sh "$DATA" | cut -f1)"
fi

log "starting quell serve on the filled store ($(sqlite3 "file:$DATA/quell.db?mode=ro" 'SELECT COUNT(*) FROM indicators') indicators)"
serve
log "measuring: $REQUESTS requests per query class"
echo "indicators: $INDICATORS; load average before: $(cut -d' ' -f1-3 /proc/loadavg)" | tee "$OUT/result.md"
python3 bench/intel-search/client.py "http://127.0.0.1:$PORT" "$(cat "$KEYFILE")" "$OUT/hits.txt" "$OUT/misses.txt" "$REQUESTS" | tee -a "$OUT/result.md"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg); server RSS $(awk '/VmRSS/ { printf "%d", $2 / 1024 }' "/proc/$SERVER/status") MB; results in $OUT" | tee -a "$OUT/result.md"

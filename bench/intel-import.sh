#!/usr/bin/env bash
# Feed import, whole process: generates a freetext feed file of N mixed indicators (bench/intel-match/generate.py:
# hashes, IPv4/IPv6 addresses and blocks, domains, URLs, e-mail addresses; seed 42), starts `quell serve` on a fresh
# store with the file's folder as a local feed directory, registers the file as a `freetext` feed and runs
# `POST /api/v1/feeds/{id}/pull?wait=true` twice: the first pull adds everything, the second finds everything
# unchanged (a daily re-pull). Prints each pull's wall time and counts, and the server's peak RSS (VmHWM) after each.
#
# Usage: bench/intel-import.sh                       # 1,000,000 indicators on SQLite (the target)
#        INDICATORS=100000 bench/intel-import.sh     # smoke run
#        PG=1 bench/intel-import.sh                  # on a throwaway PostgreSQL cluster started here (as in test.sh)
#        QUELL_DB="Host=...;Database=..." bench/intel-import.sh   # on an existing, empty PostgreSQL database
# Env: INDICATORS (1000000), SEED (42), PORT (5183), OUT (default /tmp/quell-intel-import-<time>), SKIP_BUILD=1,
#      WARNINGLISTS=DIR (load warninglists, so every value is also checked against them),
#      PUBLISHED=DIR (run the quell.dll already published there, e.g. another commit's; bench/intel-import-compare.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
INDICATORS=${INDICATORS:-1000000}
SEED=${SEED:-42}
PORT=${PORT:-5183}
OUT=${OUT:-/tmp/quell-intel-import-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

missing=()
command -v python3 >/dev/null || missing+=(python3)
command -v jq >/dev/null || missing+=(jq)
if [ ${#missing[@]} -gt 0 ]; then
  log "installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

FEEDS="$OUT/feeds"
mkdir -p "$FEEDS"
if [ ! -f "$FEEDS/IND.txt" ] || [ "$(cat "$OUT/params" 2>/dev/null)" != "$INDICATORS $SEED" ]; then
  log "generating $INDICATORS indicators (seed $SEED) in $FEEDS/IND.txt"
  python3 bench/intel-match/generate.py "$INDICATORS" 0 "$FEEDS" "$SEED"
  rm -f "$FEEDS/VALUES.txt"
  echo "$INDICATORS $SEED" > "$OUT/params"
fi
PUBLISH=${PUBLISHED:-$OUT/publish}
if [ -z "${PUBLISHED:-}" ] && { [ -z "${SKIP_BUILD:-}" ] || [ ! -f "$OUT/publish/quell.dll" ]; }; then
  log "publishing (Release) to $OUT/publish"
  dotnet publish src/Quell.Server -c Release --nologo -v quiet -o "$OUT/publish" >/dev/null
fi

DATA=$(mktemp -d /tmp/quell-intel-import-data.XXXXXX)
PGROOT=""
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
if [ -n "${PG:-}" ] && [ -z "${QUELL_DB:-}" ]; then
  # A throwaway cluster on loopback with the settings of docs/benchmarks.md (shared_buffers=1GB, synchronous_commit=off).
  PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  PGROOT=$(mktemp -d /tmp/quell-intel-import-pg.XXXXXX)
  PGPORT=$(( 40000 + RANDOM % 20000 ))
  [ "$(id -u)" -eq 0 ] && chown postgres "$PGROOT"
  as_pg "$PGBIN/initdb" -D "$PGROOT/data" -U postgres --auth=trust -E UTF8 >/dev/null
  as_pg "$PGBIN/pg_ctl" -D "$PGROOT/data" -l "$PGROOT/log" -w -o "-c listen_addresses=127.0.0.1 -p $PGPORT -k $PGROOT -c shared_buffers=1GB -c synchronous_commit=off -c max_connections=200" start >/dev/null
  export QUELL_DB="Host=127.0.0.1;Port=$PGPORT;Username=postgres;Database=postgres"
fi
export QUELL_API_KEY="qk_bench_$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
store="SQLite in $DATA"; [ -n "${QUELL_DB:-}" ] && store="PostgreSQL"
args=(serve --urls "http://127.0.0.1:$PORT" --data "$DATA" --feed-directories "$FEEDS")
[ -n "${WARNINGLISTS:-}" ] && args+=(--warninglists "$WARNINGLISTS")
log "starting quell serve on 127.0.0.1:$PORT ($store)"
QUELL_BOOTSTRAP_API_KEY=$QUELL_API_KEY QUELL_ADMIN_PASSWORD=bench-admin-password \
  dotnet "$PUBLISH/quell.dll" "${args[@]}" >"$OUT/server.log" 2>&1 &
SERVER=$!
cleanup() {
  kill "$SERVER" 2>/dev/null || true
  wait "$SERVER" 2>/dev/null || true
  rm -rf "$DATA"
  if [ -n "$PGROOT" ]; then as_pg "$PGBIN/pg_ctl" -D "$PGROOT/data" -m immediate stop >/dev/null 2>&1 || true; rm -rf "$PGROOT"; fi
}
trap cleanup EXIT
for _ in $(seq 1 60); do curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 1; done
curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null || { cat "$OUT/server.log"; exit 1; }

api() { curl -fsS -H "Authorization: Bearer $QUELL_API_KEY" -H 'Content-Type: application/json' "$@"; }
hwm_mb() { awk '/VmHWM/ { printf "%d", $2 / 1024 }' "/proc/$SERVER/status"; }
rss_mb() { awk '/VmRSS/ { printf "%d", $2 / 1024 }' "/proc/$SERVER/status"; }
# The server's user + system CPU in clock ticks (fields 14 and 15 of /proc/PID/stat; the name field has no spaces here).
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$SERVER/stat"; }
TICKS=$(getconf CLK_TCK)

feed=$(api -X POST "http://127.0.0.1:$PORT/api/v1/feeds" \
  -d "{\"name\":\"bench-import\",\"format\":\"freetext\",\"url\":\"$FEEDS/IND.txt\",\"enabled\":false}" | jq -r .id)
log "feed $feed registered: $FEEDS/IND.txt ($(wc -l <"$FEEDS/IND.txt") lines); RSS before the pulls: $(rss_mb) MB"
echo "store: $store; indicators in file: $(wc -l <"$FEEDS/IND.txt"); load average before: $(cut -d' ' -f1-3 /proc/loadavg)" | tee "$OUT/result.txt"
for pull in first second; do
  cpu0=$(cpu_ticks)
  start=$(date +%s.%N)
  body=$(api -X POST "http://127.0.0.1:$PORT/api/v1/feeds/$feed/pull?wait=true")
  end=$(date +%s.%N)
  cpu1=$(cpu_ticks)
  echo "$body" >"$OUT/pull-$pull.json"
  printf '%s pull: %.2f s, server CPU %.2f s  added %s updated %s removed %s rejected %s  server peak RSS (VmHWM) %s MB, RSS now %s MB\n' \
    "$pull" "$(echo "$end - $start" | bc)" "$(echo "($cpu1 - $cpu0) / $TICKS" | bc -l)" "$(jq -r .added <<<"$body")" "$(jq -r .updated <<<"$body")" \
    "$(jq -r .removed <<<"$body")" "$(jq -r .rejected <<<"$body")" "$(hwm_mb)" "$(rss_mb)" | tee -a "$OUT/result.txt"
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg); results in $OUT" | tee -a "$OUT/result.txt"

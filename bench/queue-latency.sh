#!/usr/bin/env bash
# Query latency at scale: seeds (or reuses) a SQLite data folder and a PostgreSQL database with `quell dev seed`,
# starts `quell serve` on each in turn and runs `Quell.Bench latency` against it (sequential requests, keep-alive,
# loopback). Prints one table per store with client and Server-Timing percentiles.
# Usage: bench/queue-latency.sh [--alerts N] [--cases N] [--iterations N] [--fresh] [--only sqlite|postgres]
# Env: BENCH_DIR (default /tmp/quell-bench) keeps the seeded stores between runs; --fresh seeds again.
set -euo pipefail
cd "$(dirname "$0")/.."
ALERTS=1000000; CASES=100000; ITERATIONS=500; FRESH=0; ONLY=""
while [ $# -gt 0 ]; do
  case "$1" in
    --alerts) ALERTS=$2; shift 2 ;;
    --cases) CASES=$2; shift 2 ;;
    --iterations) ITERATIONS=$2; shift 2 ;;
    --fresh) FRESH=1; shift ;;
    --only) ONLY=$2; shift 2 ;;
    *) echo "unknown argument $1"; exit 2 ;;
  esac
done
BENCH_DIR=${BENCH_DIR:-/tmp/quell-bench}
PORT=${PORT:-5182}
KEY=qk_bench_latency_key_0123456789abcdef
log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
mkdir -p "$BENCH_DIR"

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }
if [ -z "$(pg_bin)" ] && [ "$ONLY" != sqlite ]; then
  log "installing postgresql"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql >/dev/null
fi

log "building (Release)"
dotnet build src/Quell.Server -c Release --nologo -v quiet >/dev/null
dotnet build bench/Quell.Bench -c Release --nologo -v quiet >/dev/null
QUELL="dotnet src/Quell.Server/bin/Release/net10.0/quell.dll"
export QUELL_BOOTSTRAP_API_KEY=$KEY QUELL_ADMIN_PASSWORD=bench-admin-password

# seed NAME STORE-ARGS...: seeds once per (alerts, cases); a marker file remembers what is there.
seed() {
  local name=$1; shift
  local marker="$BENCH_DIR/$name.seeded"
  if [ "$FRESH" -eq 0 ] && [ -f "$marker" ] && [ "$(cat "$marker")" = "$ALERTS $CASES" ]; then
    log "$name: reusing seeded store ($ALERTS alerts, $CASES cases)"
    return
  fi
  log "$name: seeding $ALERTS alerts and $CASES cases"
  /usr/bin/time -f "$name seed: %e s wall, %M KB max RSS" $QUELL dev seed --alerts "$ALERTS" --cases "$CASES" "$@" 2>&1 | grep -v '%' | tee "$BENCH_DIR/$name.seed.log"
  echo "$ALERTS $CASES" >"$marker"
}

# measure NAME STORE-ARGS...: serve the store, wait for it, run the latency mode, stop it.
measure() {
  local name=$1; shift
  $QUELL serve --urls "http://127.0.0.1:$PORT" "$@" >"$BENCH_DIR/$name.server.log" 2>&1 &
  local server=$!
  for _ in $(seq 1 60); do curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 1; done
  log "$name: measuring ($ITERATIONS iterations per query)"
  dotnet bench/Quell.Bench/bin/Release/net10.0/Quell.Bench.dll latency --url "http://127.0.0.1:$PORT" --key "$KEY" \
    --iterations "$ITERATIONS" --label "$name" --json "$BENCH_DIR/$name.latency.json" | tee "$BENCH_DIR/$name.latency.md" || true
  kill "$server"; wait "$server" 2>/dev/null || true
}

if [ "$ONLY" != postgres ]; then
  [ "$FRESH" -eq 1 ] && rm -rf "$BENCH_DIR/sqlite" "$BENCH_DIR/sqlite.seeded"
  [ -f "$BENCH_DIR/sqlite.seeded" ] && [ "$(cat "$BENCH_DIR/sqlite.seeded")" = "$ALERTS $CASES" ] || rm -rf "$BENCH_DIR/sqlite"
  seed sqlite --data "$BENCH_DIR/sqlite"
  measure sqlite --data "$BENCH_DIR/sqlite"
fi

if [ "$ONLY" != sqlite ]; then
  # A throwaway cluster on loopback as in test.sh, kept in BENCH_DIR between runs; owned by postgres when run as root.
  PGBIN=$(pg_bin); PGDATA_DIR="$BENCH_DIR/pg"; PGPORT=${PGPORT:-$(( 40000 + RANDOM % 20000 ))}
  as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
  if [ "$FRESH" -eq 1 ] || [ ! -d "$PGDATA_DIR/data" ]; then
    rm -rf "$PGDATA_DIR" "$BENCH_DIR/postgres.seeded"; mkdir -p "$PGDATA_DIR"
    [ "$(id -u)" -eq 0 ] && chown postgres "$PGDATA_DIR"
    as_pg "$PGBIN/initdb" -D "$PGDATA_DIR/data" -U postgres --auth=trust -E UTF8 >/dev/null
  fi
  log "starting PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PGPORT"
  as_pg "$PGBIN/pg_ctl" -D "$PGDATA_DIR/data" -l "$PGDATA_DIR/log" -w -o "-c listen_addresses=127.0.0.1 -p $PGPORT -k $PGDATA_DIR -c shared_buffers=1GB -c synchronous_commit=off -c max_connections=200" start >/dev/null
  trap 'as_pg "$PGBIN/pg_ctl" -D "$PGDATA_DIR/data" -m fast stop >/dev/null 2>&1 || true' EXIT
  PGCS="Host=127.0.0.1;Port=$PGPORT;Username=postgres;Database=postgres"
  seed postgres --db "$PGCS"
  measure postgres --db "$PGCS"
fi

echo
for f in "$BENCH_DIR"/sqlite.latency.md "$BENCH_DIR"/postgres.latency.md; do [ -f "$f" ] && grep '^|' "$f" | { [ "$f" = "$BENCH_DIR/sqlite.latency.md" ] && cat || tail -n +3; }; done

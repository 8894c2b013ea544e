#!/usr/bin/env bash
# Syslog ingest over TCP, whole process: starts `quell serve --syslog-tcp` on a fresh SQLite data folder, sends
# MESSAGES (default 1,000,000) octet-counted messages with `Quell.Bench syslog-send` over CONNECTIONS (4) connections
# and prints messages/s, the server's CPU per message and its syslog totals. The sender's clock includes storing: the
# server reads a connection no further than it has stored, and the sender waits for the server to close each
# connection after its last batch. Needs the event store (an IEventSink) in the server; without one, `quell serve`
# refuses --syslog-tcp with "the syslog receivers need an event store".
#   bench/syslog-ingest.sh [MESSAGES]     env: FORMAT (5424|3164|cef), CONNECTIONS, PORT (5185), SYSLOG_PORT (6601),
#   QUELL_DLL=PATH (another server build), SENDER_DLL=PATH (the sender's build),
#   SIGMA_RULES=DIR (detection at ingest with these rules), INDICATORS=N (N generated indicators loaded through a
#   freetext feed first, as in bench/events-ingest.sh), WARMUP_MESSAGES (sent before measuring; 100,000 with detection,
#   whose rule sets are built on first use, else 0)
#   INDICATORS=100000 SIGMA_RULES=/work/shared/testdata/sigma/rules bench/syslog-ingest.sh 1000000
set -euo pipefail
cd "$(dirname "$0")/.."
MESSAGES=${1:-1000000}
FORMAT=${FORMAT:-5424}
CONNECTIONS=${CONNECTIONS:-4}
PORT=${PORT:-5185}
SYSLOG_PORT=${SYSLOG_PORT:-6601}
WARMUP_MESSAGES=${WARMUP_MESSAGES:-$([ -n "${SIGMA_RULES:-}${INDICATORS:-}" ] && echo 100000 || echo 0)}
SENDER_DLL=${SENDER_DLL:-bench/Quell.Bench/bin/Release/net10.0/Quell.Bench.dll}
# log, QUELL_DLL (another build of the server, e.g. main's, for a side-by-side run), detection_args, load_indicators.
. bench/lib.sh
command -v curl >/dev/null || { echo "curl is required"; exit 2; }

log "building (Release)"
if [ -z "${SKIP_BUILD:-}" ]; then
  dotnet build src/Quell.Server -c Release --nologo -v quiet >/dev/null
  dotnet build bench/Quell.Bench -c Release --nologo -v quiet >/dev/null
fi
need_free_port "$PORT" "$SYSLOG_PORT"
DATA=$(mktemp -d /tmp/quell-syslog-data.XXXXXX)
API_KEY=$(bench_secret qk)
mapfile -t detection < <(detection_args "$DATA")
log "starting quell serve (SQLite in $DATA) with --syslog-tcp 127.0.0.1:$SYSLOG_PORT ${detection[*]}"
QUELL_BOOTSTRAP_API_KEY=$API_KEY QUELL_ADMIN_PASSWORD=bench-admin-password \
  dotnet "$QUELL_DLL" serve --urls "http://127.0.0.1:$PORT" --data "$DATA" \
  --syslog-tcp "127.0.0.1:$SYSLOG_PORT" "${detection[@]}" >"$DATA/server.log" 2>&1 &
SERVER=$!
cleanup() { kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; rm -rf "$DATA"; }
trap cleanup EXIT
wait_healthy "$PORT" "$DATA/server.log" "$SERVER"
load_indicators "$PORT" "$DATA" "$API_KEY"
if [ "$WARMUP_MESSAGES" -gt 0 ]; then
  log "warming up with $WARMUP_MESSAGES messages"
  dotnet "$SENDER_DLL" syslog-send --target "127.0.0.1:$SYSLOG_PORT" --messages "$WARMUP_MESSAGES" --format "$FORMAT" --connections "$CONNECTIONS" >/dev/null
fi

cpu_ticks() { awk '{print $14 + $15}' "/proc/$SERVER/stat"; }
ticks0=$(cpu_ticks)
log "sending $MESSAGES $FORMAT messages over $CONNECTIONS connections"
dotnet "$SENDER_DLL" syslog-send --target "127.0.0.1:$SYSLOG_PORT" \
  --messages "$MESSAGES" --format "$FORMAT" --connections "$CONNECTIONS"
ticks1=$(cpu_ticks)
echo "server CPU: $(awk -v t=$((ticks1 - ticks0)) -v hz="$(getconf CLK_TCK)" -v n="$MESSAGES" 'BEGIN { printf "%.1f s, %.1f µs per message, %.0f messages/s per core", t / hz, t / hz * 1e6 / n, n / (t / hz) }'); load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "server peak RSS (VmHWM): $(awk '/VmHWM/ { printf "%d", $2 / 1024 }' "/proc/$SERVER/status") MB"
# SIGTERM: a background job of a non-interactive shell ignores SIGINT, so the server would never stop.
kill -TERM "$SERVER"; wait "$SERVER" 2>/dev/null || true
grep -o "Syslog totals: .*" "$DATA/server.log" | tail -n 1
grep -o "Sigma: .*" "$DATA/server.log" | head -n 1 >&2 || true

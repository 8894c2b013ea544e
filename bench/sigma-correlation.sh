#!/usr/bin/env bash
# What a correlation rule costs in `quell detect`: the same events (bench/sigma-correlation/generate.py: 200,000 logon
# events, 3 in 4 failed, 2,000 accounts, ten per second) matched with one base rule ("failed logon") alone and with
# the same rule under an event_count correlation (5 failures of one account within 5 minutes, generate: false).
# Runs the two side by side, alternating, RUNS times; prints wall and CPU seconds and max RSS of each run.
#
# Usage: bench/sigma-correlation.sh
# Env: EVENTS (200000), SEED (1), RUNS (3), OUT (default /tmp/quell-sigma-correlation-<time>),
#      QUELL (a built quell executable; default: publish Release to OUT).
set -euo pipefail
cd "$(dirname "$0")/.."
EVENTS=${EVENTS:-200000}
SEED=${SEED:-1}
RUNS=${RUNS:-3}
OUT=${OUT:-/tmp/quell-sigma-correlation-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$OUT/base" "$OUT/correlation"
OUT=$(cd "$OUT" && pwd)
python3 bench/sigma-correlation/generate.py "$EVENTS" "$OUT/events.ndjson" "$SEED"
if [ -z "${QUELL:-}" ]; then
  dotnet publish src/Quell.Server -c Release --nologo -v quiet -o "$OUT/publish" >/dev/null
  QUELL="$OUT/publish/quell"
fi
BASE='title: Failed logon
id: 60000000-0000-0000-0000-000000000001
name: failed_logon
level: low
logsource: {product: windows, service: security}
detection:
  sel: {EventID: 4625}
  condition: sel'
printf '%s\n' "$BASE" > "$OUT/base/failed.yml"
printf '%s\n---\n%s\n' 'title: Brute force on one account
id: 60000000-0000-0000-0000-000000000002
level: high
correlation:
  type: event_count
  rules: [failed_logon]
  group-by: [TargetUserName]
  timespan: 5m
  condition: {gte: 5}' "$BASE" > "$OUT/correlation/mr_brute_force.yml"
for i in $(seq "$RUNS"); do
  for d in base correlation; do
    /usr/bin/time -f "$d run $i: wall %e s, user %U s, sys %S s, max RSS %M KB" "$QUELL" detect --rules "$OUT/$d" --events "$OUT/events.ndjson" \
      --format json > "$OUT/$d.out" 2> "$OUT/$d.err"
    grep -h "events," "$OUT/$d.err"
    tail -1 "$OUT/$d.err"
  done
done

#!/usr/bin/env bash
# Two builds of `quell detect` side by side on the same events (bench/sigma-detect.sh's NDJSON), alternating: all SigmaHQ
# rules RUNS times each, then no rules NONE times each; prints CPU (user + sys), wall, peak RSS and the match count of
# every run. On a shared machine compare CPU seconds, not wall time.
#
# Usage: BEFORE=DIR AFTER=DIR EV=events.ndjson [RUNS=3] [NONE=2] [OUT=DIR] bench/sigma-detect-compare.sh
#        (DIR: a published Release build holding quell.dll, e.g. `dotnet publish src/Quell.Server -c Release -o DIR`)
set -euo pipefail
cd "$(dirname "$0")/.."
SIGMA=$(cd ../shared/testdata/sigma && pwd)
: "${BEFORE:?a published build to compare against}" "${AFTER:?the published build to measure}" "${EV:?the events file}"
RUNS=${RUNS:-3}; NONE=${NONE:-2}
OUT=${OUT:-/tmp/quell-sigma-compare-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$OUT/no-rules"
run() { # label, build dir, run number, rules dirs...
  local label=$1 dir=$2 i=$3; shift 3
  echo "load $(cut -d' ' -f1-3 /proc/loadavg)"
  /usr/bin/time -f "$label run$i cpu_user %U cpu_sys %S wall %e max_rss %MKB" dotnet "$dir/quell.dll" detect --rules "$@" --events "$EV" --format json \
    > "$OUT/$label-$i.out" 2> "$OUT/$label-$i.err"
  tail -1 "$OUT/$label-$i.err"
  echo "$label run$i matches $(wc -l < "$OUT/$label-$i.out")"
}
for i in $(seq 1 "$RUNS"); do
  run before-all "$BEFORE" "$i" "$SIGMA/rules" "$SIGMA/rules-emerging-threats" "$SIGMA/rules-threat-hunting"
  run after-all "$AFTER" "$i" "$SIGMA/rules" "$SIGMA/rules-emerging-threats" "$SIGMA/rules-threat-hunting"
done
for i in $(seq 1 "$NONE"); do
  run before-none "$BEFORE" "$i" "$OUT/no-rules"
  run after-none "$AFTER" "$i" "$OUT/no-rules"
done
echo "load $(cut -d' ' -f1-3 /proc/loadavg)"

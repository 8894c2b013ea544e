#!/usr/bin/env bash
# Whole-process Sigma detection: `quell detect` over ~1,000,000 Windows events (NDJSON, generated from SigmaHQ's
# regression events with varied values, about 10 % hits; bench/sigma-detect/generate.py) with every SigmaHQ rule
# loaded (rules, rules-emerging-threats, rules-threat-hunting), and the same run with no rules (parse and event
# access only). Prints wall and CPU seconds, events/s per core (events / (user + sys CPU seconds)) and the ratio.
#
# Usage: bench/sigma-detect.sh                 # 1,000,000 events (the target)
#        EVENTS=100000 bench/sigma-detect.sh   # smoke run
# Env: EVENTS, SEED (42), OUT (default /tmp/quell-sigma-detect-<time>), SKIP_BUILD=1 (reuse OUT's build).
set -euo pipefail
cd "$(dirname "$0")/.."
EVENTS=${EVENTS:-1000000}
SEED=${SEED:-42}
OUT=${OUT:-/tmp/quell-sigma-detect-$(date +%Y%m%d-%H%M%S)}
SIGMA=$(cd ../shared/testdata/sigma && pwd)
mkdir -p "$OUT/no-rules"
OUT=$(cd "$OUT" && pwd)
log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

[ -x /usr/bin/time ] || { log "installing time"; SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"; $SUDO apt-get update -qq && $SUDO apt-get install -y -qq time >/dev/null; }
if [ ! -f "$OUT/events.ndjson" ] || [ "$(cat "$OUT/params" 2>/dev/null)" != "$EVENTS $SEED" ]; then
  log "generating $EVENTS events (seed $SEED) in $OUT"
  python3 bench/sigma-detect/generate.py "$EVENTS" "$OUT/events.ndjson" "$SEED"
  echo "$EVENTS $SEED" > "$OUT/params"
fi
if [ -z "${SKIP_BUILD:-}" ] || [ ! -f "$OUT/publish/quell.dll" ]; then
  log "publishing (Release) to $OUT/publish"
  dotnet publish src/Quell.Server -c Release --nologo -v quiet -o "$OUT/publish" >/dev/null
fi

printf '%s\n' "machine: $(nproc) cores, $(awk '/MemTotal/{printf "%.1f GB", $2/1048576}' /proc/meminfo), $(uname -r); events: $EVENTS ($(du -h "$OUT/events.ndjson" | cut -f1))"
printf '%-10s %8s %8s %10s %12s %14s %10s\n' run rules wall_s cpu_s matches events/s/core "max RSS MB"
declare -A RATE
run() { # name, rules args...
  local name=$1; shift
  /usr/bin/time -v -o "$OUT/$name.time" dotnet "$OUT/publish/quell.dll" detect "$@" --events "$OUT/events.ndjson" --format json > "$OUT/$name.out" 2> "$OUT/$name.err"
  local wall cpu rss matches rules
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/{n=split($2,t,":"); s=0; for(i=1;i<=n;i++) s=s*60+t[i]; print s}' "$OUT/$name.time")
  cpu=$(awk -F': ' '/User time/{u=$2} /System time/{s=$2} END{printf "%.2f", u+s}' "$OUT/$name.time")
  rss=$(awk -F': ' '/Maximum resident set size/{printf "%.0f", $2/1024}' "$OUT/$name.time")
  matches=$(wc -l < "$OUT/$name.out")
  rules=$(grep -oE '[0-9,]+ rules$' "$OUT/$name.err" | tr -d ', rules' || echo 0)
  RATE[$name]=$(awk -v e="$EVENTS" -v c="$cpu" 'BEGIN{printf "%.0f", e/c}')
  printf '%-10s %8s %8s %10s %12s %14s %10s\n' "$name" "$rules" "$wall" "$cpu" "$matches" "${RATE[$name]}" "$rss"
}
run no-rules --rules "$OUT/no-rules"
run all-rules --rules "$SIGMA/rules" "$SIGMA/rules-emerging-threats" "$SIGMA/rules-threat-hunting"
awk -v a="${RATE[all-rules]}" -v n="${RATE[no-rules]}" 'BEGIN{printf "ratio (all rules / no rules, events/s per core): %.2f\n", a/n}'

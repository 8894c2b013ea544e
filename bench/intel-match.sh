#!/usr/bin/env bash
# Whole-process matching, side by side on the same files: `quell intel match`, `grep -F -x -f`, `awk` (mawk) and a
# Python set. Generates the data deterministically (bench/intel-match/generate.py: mixed hashes, IPv4/IPv6 addresses
# and blocks, domains, URLs, e-mail addresses; 10 % of the values match, including subdomains, URLs on listed domains
# and addresses inside listed blocks, which only quell finds), publishes quell in Release, then runs each tool under
# /usr/bin/time -v and prints wall time, CPU time (user + system: quell matches on every core, the peers on one),
# max RSS and the number of lines it printed, with the load average before each run (the machine is shared).
#
# Usage: bench/intel-match.sh                                # 1,000,000 indicators / 10,000,000 values (the target)
#        INDICATORS=100000 VALUES=1000000 bench/intel-match.sh  # smoke run
# Env: INDICATORS, VALUES, SEED (42), OUT (default /tmp/quell-intel-match-<time>), SKIP_BUILD=1 (reuse OUT's build),
#      SKIP_GREP=1 (grep -F needs minutes and gigabytes at full scale), SKIP_AWK=1, ROUNDS (1: each tool once; more
#      runs the tools in turn that many times).
set -euo pipefail
cd "$(dirname "$0")/.."
INDICATORS=${INDICATORS:-1000000}
VALUES=${VALUES:-10000000}
SEED=${SEED:-42}
OUT=${OUT:-/tmp/quell-intel-match-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

missing=()
[ -x /usr/bin/time ] || missing+=(time)
command -v mawk >/dev/null || missing+=(mawk)
command -v python3 >/dev/null || missing+=(python3)
if [ ${#missing[@]} -gt 0 ]; then
  log "installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if [ ! -f "$OUT/IND.txt" ] || [ ! -f "$OUT/VALUES.txt" ] || [ "$(cat "$OUT/params" 2>/dev/null)" != "$INDICATORS $VALUES $SEED" ]; then
  log "generating $INDICATORS indicators and $VALUES values (seed $SEED) in $OUT"
  python3 bench/intel-match/generate.py "$INDICATORS" "$VALUES" "$OUT" "$SEED"
  echo "$INDICATORS $VALUES $SEED" > "$OUT/params"
fi
if [ -z "${SKIP_BUILD:-}" ] || [ ! -f "$OUT/publish/quell.dll" ]; then
  log "publishing (Release) to $OUT/publish"
  dotnet publish src/Quell.Server -c Release --nologo -v quiet -o "$OUT/publish" >/dev/null
fi

IND="$OUT/IND.txt"; VAL="$OUT/VALUES.txt"
printf '%s\n' "machine: $(nproc) cores, $(awk '/MemTotal/{printf "%.1f GB", $2/1048576}' /proc/meminfo), $(uname -r)"
printf '%-8s %10s %10s %12s %12s %8s\n' tool seconds "CPU s" "max RSS MB" "lines out" load
run() { # name, command...
  local name=$1; shift
  local load; load=$(cut -d' ' -f1 /proc/loadavg)
  /usr/bin/time -v -o "$OUT/$name.time" "$@" < /dev/null > "$OUT/$name.out" 2> "$OUT/$name.err" || true
  local wall cpu rss
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/{n=split($2,t,":"); s=0; for(i=1;i<=n;i++) s=s*60+t[i]; print s}' "$OUT/$name.time")
  cpu=$(awk -F': ' '/User time|System time/{s+=$2} END{printf "%.2f", s}' "$OUT/$name.time")
  rss=$(awk -F': ' '/Maximum resident set size/{printf "%.0f", $2/1024}' "$OUT/$name.time")
  printf '%-8s %10s %10s %12s %12s %8s\n' "$name" "$wall" "$cpu" "$rss" "$(wc -l < "$OUT/$name.out")" "$load"
}
for _ in $(seq "${ROUNDS:-1}"); do # interleaved rounds: take medians on a noisy machine
  run quell dotnet "$OUT/publish/quell.dll" intel match --indicators "$IND" "$VAL"
  run python python3 bench/intel-match/pyset.py "$IND" "$VAL"
  [ -n "${SKIP_AWK:-}" ] || run awk mawk 'NR==FNR{a[$0];next} $0 in a' "$IND" "$VAL"
  [ -n "${SKIP_GREP:-}" ] || run grep grep -F -x -f "$IND" "$VAL"
done
head -n 3 "$OUT/quell.err" >&2 || true
log "outputs and /usr/bin/time reports in $OUT"

#!/usr/bin/env bash
# Feed import, two builds side by side in one run: publishes this checkout and BEFORE (a checkout of another commit,
# e.g. `git archive main | tar -x -C /tmp/quell-main`), then runs bench/intel-import.sh (this checkout's script, so
# both are measured the same way) on the same feed file, alternating before/after REPS times. Prints every pull's
# wall time, server CPU and peak RSS, then the medians per build.
#
# Usage: BEFORE=/tmp/quell-main bench/intel-import-compare.sh          # 1,000,000 indicators on SQLite, 3 rounds
#        REPS=1 PG=1 BEFORE=/tmp/quell-main bench/intel-import-compare.sh
# Env: BEFORE (required), REPS (3), OUT (default /tmp/quell-intel-import-compare-<time>), and those of intel-import.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${BEFORE:?set BEFORE to a checkout of the build to compare with}"
REPS=${REPS:-3}
OUT=${OUT:-/tmp/quell-intel-import-compare-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
for build in before after; do
  src=$PWD; [ "$build" = before ] && src=$BEFORE
  if [ ! -f "$OUT/$build/publish/quell.dll" ]; then
    echo "==> publishing $build ($src)" >&2
    dotnet publish "$src/src/Quell.Server" -c Release --nologo -v quiet -o "$OUT/$build/publish" >/dev/null
  fi
done
for rep in $(seq 1 "$REPS"); do
  for build in before after; do
    echo "==> round $rep, $build" >&2
    # One feed folder for both builds: the same file every time (generated once by the first run).
    mkdir -p "$OUT/run"
    PUBLISHED="$OUT/$build/publish" OUT="$OUT/run" bench/intel-import.sh 2>>"$OUT/log" | sed "s/^/$build $rep: /" | tee -a "$OUT/results.txt"
  done
done
# The middle value, or the mean of the two middle ones for an even count.
median() { sort -n | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
# Over every round in results.txt: a run into an OUT that already holds rounds adds to them.
echo "medians (wall s, server CPU s, peak RSS MB) over every round in $OUT/results.txt:" | tee -a "$OUT/results.txt"
for build in before after; do
  for pull in first second; do
    rows=$(grep "^$build [0-9]*: $pull pull" "$OUT/results.txt" | sed -E 's/.*pull: ([0-9.]+) s, server CPU ([0-9.]+) s.*VmHWM\) ([0-9]+) MB.*/\1 \2 \3/')
    printf '%s %s pull (%s rounds): wall %s s, CPU %s s, peak RSS %s MB\n' "$build" "$pull" "$(grep -c . <<<"$rows")" "$(cut -d' ' -f1 <<<"$rows" | median)" \
      "$(cut -d' ' -f2 <<<"$rows" | median)" "$(cut -d' ' -f3 <<<"$rows" | median)"
  done
done | tee -a "$OUT/results.txt"

#!/usr/bin/env bash
# Web UI pages: server time and page weight. Publishes Release, seeds a fresh SQLite data folder with `quell dev seed`
# (or reuses DATA), starts `quell serve` from the published folder, signs in through POST /api/v1/login (cookie jar)
# and requests each page N times, sequentially, over one keep-alive connection. Server time is the
# `Server-Timing: app;dur=…` header (request entering the pipeline → headers sent; a static SSR page is rendered
# completely before its headers go out), curl's time_total is the client-side cross-check. Prints p50/p90/p99/max per
# page and the page weight: the HTML (raw, and gzip as a compressing proxy would send it) plus the stylesheets and
# scripts the page loads, raw and as served with `Accept-Encoding: gzip, br`.
#
# Usage: bench/ui.sh                                    # 1,000,000 alerts / 100,000 cases: the target measurement
#        SEED_ALERTS=20000 SEED_CASES=2000 bench/ui.sh  # smoke run
#        DATA=/tmp/quell-bench/sqlite bench/ui.sh       # reuse a seeded SQLite data folder (no seeding)
# Env: N (200 requests per page), WARMUP (20, not recorded), PORT (5183), OUT (results, default /tmp/quell-ui-<time>),
#      ADMIN_USER / ADMIN_PASSWORD (admin / bench-admin-password: the password the seed sets on a fresh folder),
#      CASE_TASKS / CASE_COMMENTS (0): give the measured case that many tasks (each with a log entry) and comments,
#      KEEP_DATA=1 keeps a freshly seeded folder, SKIP_BUILD=1 reuses OUT's published build, PLOT=path.png (gnuplot).
# Exit status: 0 when every page answered 200 (pages not built yet answer 404 and are reported "missing (404)"),
# 1 when a page answered anything else (an error, a redirect to the sign-in page), showed an error banner
# (class="error" role="alert"), lacked Server-Timing, or referenced an asset that did not answer 200.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-200}
WARMUP=${WARMUP:-20}
PORT=${PORT:-5183}
SEED_ALERTS=${SEED_ALERTS:-1000000}
SEED_CASES=${SEED_CASES:-100000}
ADMIN_USER=${ADMIN_USER:-admin}
ADMIN_PASSWORD=${ADMIN_PASSWORD:-bench-admin-password}
OUT=${OUT:-/tmp/quell-ui-$(date +%Y%m%d-%H%M%S)}
BASE="http://127.0.0.1:$PORT"
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

missing=()
command -v sqlite3 >/dev/null || missing+=(sqlite3)
command -v gzip >/dev/null || missing+=(gzip)
[ -n "${PLOT:-}" ] && ! command -v gnuplot >/dev/null && missing+=(gnuplot-nox)
if [ ${#missing[@]} -gt 0 ]; then
  log "installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
# %header{…} in --write-out needs curl 7.84 or newer.
curl -s -o /dev/null -w '%header{x}' file:///dev/null 2>/dev/null || { echo "curl 7.84 or newer is needed"; exit 2; }

# A published build, as in production: it serves the precompressed (gzip, Brotli) static assets; a plain build's
# .gz files are stored uncompressed and it has no .br files, which would misstate the page weight.
if [ -z "${SKIP_BUILD:-}" ] || [ ! -f "$OUT/publish/quell.dll" ]; then
  log "publishing (Release) to $OUT/publish"
  dotnet publish src/Quell.Server -c Release --nologo -v quiet -o "$OUT/publish" >/dev/null
fi
QUELL="dotnet $OUT/publish/quell.dll"

FRESH=""
if [ -n "${DATA:-}" ]; then
  [ -f "$DATA/quell.db" ] || { echo "DATA=$DATA has no quell.db (only SQLite data folders are supported)"; exit 2; }
  log "reusing seeded data folder $DATA"
else
  DATA="$OUT/data"; FRESH=1
  rm -rf "$DATA"; mkdir -p "$DATA"
  log "seeding $SEED_ALERTS alerts and $SEED_CASES cases into $DATA"
  QUELL_ADMIN_PASSWORD=$ADMIN_PASSWORD /usr/bin/time -f "seed: %e s wall, %M KB max RSS" \
    $QUELL dev seed --alerts "$SEED_ALERTS" --cases "$SEED_CASES" --data "$DATA" 2>&1 | grep -v '%' | tee "$OUT/seed.log"
fi

log "starting quell serve on $BASE"
$QUELL serve --urls "$BASE" --data "$DATA" >"$OUT/server.log" 2>&1 &
SERVER=$!
cleanup() {
  kill "$SERVER" 2>/dev/null || true
  wait "$SERVER" 2>/dev/null || true
  if [ -n "$FRESH" ] && [ -z "${KEEP_DATA:-}" ]; then rm -rf "$DATA"; fi
}
trap cleanup EXIT
for _ in $(seq 1 60); do curl -fs "$BASE/healthz" >/dev/null && break; sleep 1; done
curl -fs "$BASE/healthz" >/dev/null || { cat "$OUT/server.log"; exit 1; }

JAR="$OUT/cookies.txt"
status=$(curl -s -o "$OUT/login.json" -w '%{http_code}' -c "$JAR" -H 'Content-Type: application/json' \
  --data "{\"username\":\"$ADMIN_USER\",\"password\":\"$ADMIN_PASSWORD\"}" "$BASE/api/v1/login")
[ "$status" = 200 ] || { echo "sign-in as $ADMIN_USER failed ($status): $(cat "$OUT/login.json")"; exit 1; }
log "signed in as $ADMIN_USER"

# Pages' ids come from the data, read-only, so that any store seeded by `quell dev seed` works.
q() { sqlite3 "file:$DATA/quell.db?mode=ro" "$1"; }
org=$(q "SELECT id FROM organisations ORDER BY id LIMIT 1")
newest_alert=$(q "SELECT MAX(id) FROM alerts WHERE org_id = $org")
# The alert page's worst case: the newest alert that shares the most common observable value (similar alerts).
common_value_alert=$(q "SELECT MAX(alert_id) FROM alert_observables WHERE org_id = $org AND data =
  (SELECT data FROM alert_observables WHERE org_id = $org GROUP BY data ORDER BY COUNT(*) DESC LIMIT 1)")
# The case page's worst case: the most observables + tasks + linked alerts (the seed makes no tasks; pages may).
big_case=$(q "SELECT id FROM (SELECT case_id AS id, COUNT(*) AS n FROM case_observables WHERE org_id = $org GROUP BY case_id
  UNION ALL SELECT case_id, COUNT(*) FROM case_tasks GROUP BY case_id
  UNION ALL SELECT case_id, COUNT(*) FROM alerts WHERE org_id = $org AND case_id IS NOT NULL GROUP BY case_id)
  GROUP BY id ORDER BY SUM(n) DESC, id DESC LIMIT 1")
# The seed makes no tasks or comments: CASE_TASKS=n / CASE_COMMENTS=n give the chosen case that many, each task with
# a Markdown log entry, through the API (so audited; topped up, not repeated, on a reused DATA folder).
csrf=$(sed -nE 's/.*"csrfToken":"([^"]+)".*/\1/p' "$OUT/login.json")
api_post() { # api_post PATH JSON: fails the run unless 201
  local code
  code=$(curl -s -b "$JAR" -o "$OUT/api.json" -w '%{http_code}' -H 'Content-Type: application/json' -H "X-CSRF-TOKEN: $csrf" --data "$2" "$BASE$1")
  [ "$code" = 201 ] || { echo "POST $1 answered $code: $(cat "$OUT/api.json")"; exit 1; }
}
have_tasks=$(q "SELECT COUNT(*) FROM case_tasks WHERE case_id = $big_case")
have_comments=$(q "SELECT COUNT(*) FROM case_comments WHERE case_id = $big_case")
if [ "${CASE_TASKS:-0}" -gt "$have_tasks" ] || [ "${CASE_COMMENTS:-0}" -gt "$have_comments" ]; then
  log "adding tasks and comments to case $big_case through the API"
  for t in $(seq $((have_tasks + 1)) "${CASE_TASKS:-0}"); do
    api_post "/api/v1/cases/$big_case/tasks" "{\"title\":\"Bench task $t\",\"group\":\"investigation\",\"description\":\"Check the **host** and the *user* of alert $t.\"}"
    task_id=$(sed -nE 's/^\{"id":([0-9]+).*/\1/p' "$OUT/api.json")
    [ -n "$task_id" ] || { echo "no task id in $(cat "$OUT/api.json")"; exit 1; }
    api_post "/api/v1/tasks/$task_id/logs" "{\"message\":\"Ran \`whoami /all\` on the host; see [ticket](https://tickets.example/$t).\\n\\n- first\\n- second\"}"
  done
  for m in $(seq $((have_comments + 1)) "${CASE_COMMENTS:-0}"); do
    api_post "/api/v1/cases/$big_case/comments" "{\"message\":\"Comment $m: **escalated** to the on-call analyst.\"}"
  done
fi
big_case_counts=$(q "SELECT (SELECT COUNT(*) FROM case_observables WHERE case_id = $big_case) || ' observables, ' ||
  (SELECT COUNT(*) FROM case_tasks WHERE case_id = $big_case) || ' tasks, ' ||
  (SELECT COUNT(*) FROM case_comments WHERE case_id = $big_case) || ' comments, ' ||
  (SELECT COUNT(*) FROM alerts WHERE case_id = $big_case) || ' alerts'")
common_status=$(q "SELECT status FROM cases WHERE org_id = $org GROUP BY status ORDER BY COUNT(*) DESC LIMIT 1")
echo "alert $newest_alert (newest), alert $common_value_alert (shares the most common observable), case $big_case ($big_case_counts)" | tee "$OUT/ids.txt"

# page 100 of the queue: follow rel="next" 99 times first, then time the URL reached.
log "following rel=\"next\" from /alerts to page 100"
page100=""
url="$BASE/alerts"
for i in $(seq 1 99); do
  html=$(curl -s -b "$JAR" "$url")
  next=$(printf '%s' "$html" | grep -oE '<a [^>]*rel="next"[^>]*>' | grep -oE 'href="[^"]*"' | head -n 1 | sed -e 's/^href="//' -e 's/"$//' -e 's/&amp;/\&/g' || true)
  [ -n "$next" ] || { log "no rel=\"next\" on page $i of /alerts"; break; }
  case "$next" in http*) url=$next ;; /*) url="$BASE$next" ;; *) url="$BASE/$next" ;; esac
  [ "$i" -eq 99 ] && page100=${url#"$BASE"}
done

# label|path (path empty: skipped)
PAGES=(
  "alert queue, page 1|/alerts"
  "alert queue: severity=4, status=new|/alerts?severity=4&status=new"
  "alert queue, page 100 (rel=next ×99)|$page100"
  "alert page (newest alert)|/alerts/$newest_alert"
  "alert page (most common observable)|/alerts/$common_value_alert"
  "case list, page 1|/cases"
  "case list: status=$common_status|/cases?status=$common_status"
  "case page ($big_case_counts)|/cases/$big_case"
)

pct() { # pct FILE P: nearest-rank percentile of a file of numbers
  sort -g "$1" | awk -v p="$2" '{ v[NR] = $1 } END { if (NR == 0) { print "-"; exit } i = int(NR * p / 100 + 0.999999); if (i < 1) i = 1; if (i > NR) i = NR; printf "%.1f", v[i] }'
}

failed=0
i=0
: >"$OUT/latency.md"; : >"$OUT/weight.md"; : >"$OUT/plot.list"
declare -A ASSET_RAW ASSET_SERVED
for entry in "${PAGES[@]}"; do
  i=$((i + 1))
  label=${entry%%|*}; path=${entry#*|}
  if [ -z "$path" ]; then
    echo "| $label | - | not reached | | | | | | |" >>"$OUT/latency.md"; continue
  fi
  code=$(curl -s -b "$JAR" -o "$OUT/page$i.html" -w '%{http_code}' "$BASE$path")
  if [ "$code" = 404 ]; then
    log "$label: missing (404)"
    echo "| $label | \`$path\` | missing (404) | | | | | | |" >>"$OUT/latency.md"
    echo "| $label | missing (404) | | | | |" >>"$OUT/weight.md"
    continue
  fi
  if [ "$code" != 200 ]; then
    log "$label: HTTP $code for $path"
    echo "| $label | \`$path\` | **error: HTTP $code** | | | | | | |" >>"$OUT/latency.md"
    failed=1; continue
  fi
  # A 200 that shows an error banner (a filter the page rejected) would time the wrong thing.
  if grep -qE 'class="[^"]*error[^"]*" role="alert"' "$OUT/page$i.html"; then
    log "$label: $path shows an error: $(grep -oE 'role="alert">.{0,200}' "$OUT/page$i.html" | head -n 1 | sed -E 's/^role="alert">//; s/<[^>]*>/ /g' | cut -c1-80)"
    echo "| $label | \`$path\` | **error shown on the page** | | | | | | |" >>"$OUT/latency.md"
    failed=1; continue
  fi
  log "$label: $WARMUP warm-up + $N requests to $path"
  cfg="$OUT/page$i.curl"
  : >"$cfg"
  for _ in $(seq 1 $((WARMUP + N))); do printf 'url = "%s"\noutput = "/dev/null"\n' "$BASE$path" >>"$cfg"; done
  curl -s -b "$JAR" -K "$cfg" -w '%{http_code} %{time_total} %header{server-timing}\n' | tail -n "$N" >"$OUT/page$i.raw"
  bad=$(awk '$1 != 200' "$OUT/page$i.raw" | wc -l)
  sed -nE 's/.*app;dur=([0-9.]+).*/\1/p' "$OUT/page$i.raw" >"$OUT/page$i.server"
  awk '{ printf "%.3f\n", $2 * 1000 }' "$OUT/page$i.raw" >"$OUT/page$i.client"
  n=$(wc -l <"$OUT/page$i.server")
  result="$N"
  if [ "$bad" -gt 0 ]; then result="**$bad errors**"; failed=1; fi
  [ "$n" -eq "$N" ] || { result="$result, **$((N - n)) without Server-Timing**"; failed=1; }
  p99=$(pct "$OUT/page$i.server" 99)
  met=$(awk -v v="$p99" 'BEGIN { print (v != "-" && v < 300) ? "yes" : "**no**" }')
  echo "| $label | \`$path\` | $result | $(pct "$OUT/page$i.server" 50) | $(pct "$OUT/page$i.server" 90) | $p99 | $(pct "$OUT/page$i.server" 100) | $(pct "$OUT/page$i.client" 99) | $met |" >>"$OUT/latency.md"
  printf '%s\t%s\n' "$OUT/page$i.server" "$label" >>"$OUT/plot.list"

  # Weight: the HTML as sent (Quell does not compress HTML: see docs/benchmarks.md), its gzip size, and every
  # stylesheet and script it references, raw and as served with Accept-Encoding: gzip, br.
  html_raw=$(wc -c <"$OUT/page$i.html")
  html_gz=$(gzip -6 -c "$OUT/page$i.html" | wc -c)
  assets_raw=0; assets_served=0
  for a in $(grep -oE '<(link [^>]*rel="stylesheet"[^>]*|script [^>]*src="[^"]*"[^>]*)>' "$OUT/page$i.html" |
             grep -oE '(href|src)="[^"]*"' | sed -E 's/^(href|src)="//; s/"$//' | grep -v '^data:' | sort -u); do
    case "$a" in http*) u=$a ;; /*) u="$BASE$a" ;; *) u="$BASE/$a" ;; esac
    if [ -z "${ASSET_RAW[$u]:-}" ]; then
      c=$(curl -s -o /dev/null -w '%{http_code}' "$u")
      [ "$c" = 200 ] || { log "$label: asset $u answered $c"; failed=1; }
      ASSET_RAW[$u]=$(curl -s -H 'Accept-Encoding: identity' -o /dev/null -w '%{size_download}' "$u")
      ASSET_SERVED[$u]=$(curl -s -H 'Accept-Encoding: gzip, br' -o /dev/null -w '%{size_download}' "$u")
      echo "${u#"$BASE"} ${ASSET_RAW[$u]} ${ASSET_SERVED[$u]}" >>"$OUT/assets.txt"
    fi
    assets_raw=$((assets_raw + ASSET_RAW[$u])); assets_served=$((assets_served + ASSET_SERVED[$u]))
  done
  total=$((html_raw + assets_served))
  kb() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1024 }'; }
  echo "| $label | $(kb "$html_raw") | $(kb "$html_gz") | $(kb "$assets_raw") | $(kb "$assets_served") | **$(kb "$total")** $([ "$total" -lt $((300 * 1024)) ] && echo "(< 300: yes)" || echo "(**over 300**)") |" >>"$OUT/weight.md"
done

{
  echo
  echo "Server time (Server-Timing app;dur), ms, $N sequential requests per page after $WARMUP warm-up; client p99 = curl time_total:"
  echo
  echo "| page | request | n | server p50 | server p90 | server p99 | server max | client p99 | p99 < 300 ms |"
  echo "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | --- |"
  cat "$OUT/latency.md"
  echo
  echo "Page weight, KB (HTML as sent is uncompressed; assets as served with Accept-Encoding: gzip, br; total = HTML + assets as served):"
  echo
  echo "| page | HTML | HTML gzip | CSS + JS raw | CSS + JS served | total |"
  echo "| --- | ---: | ---: | ---: | ---: | ---: |"
  cat "$OUT/weight.md"
  echo
  echo "Assets (bytes raw, bytes served with Accept-Encoding: gzip, br):"
  sort -u "$OUT/assets.txt" 2>/dev/null | sed 's/^/  /'
  echo
  echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg); results in $OUT"
} | tee "$OUT/summary.md"

if [ -n "${PLOT:-}" ] && [ -s "$OUT/plot.list" ]; then
  # One line per page: server time against percentile (sorted samples).
  plots=""
  while IFS=$'\t' read -r file label; do
    sort -g "$file" | awk -v n="$(wc -l <"$file")" '{ print 100 * NR / n, $1 }' >"$file.cdf"
    plots="$plots${plots:+, }'$file.cdf' using 1:2 with lines lw 2 title '${label//\'/}'"
  done <"$OUT/plot.list"
  gnuplot <<EOF && echo "plot: $PLOT"
set terminal pngcairo size 1000,600 font ",10"
set output '$PLOT'
set title 'Quell web UI pages: server time (Server-Timing) by percentile, $N requests each'
set xlabel 'percentile'
set ylabel 'server time (ms, log scale)'
set logscale y
set grid
set key left top
plot $plots
EOF
fi
exit "$failed"

# Shared by the whole-system benchmark scripts (sourced, not run): logging, installing what a script needs, building,
# bench keys, and waiting for a started server. The scripts cd to the repository root before sourcing this.

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

# need COMMAND[:PACKAGE]...: installs the Debian package of each command that is missing (the package defaults to the
# command's name), with sudo when not root.
need() {
  local spec missing=()
  for spec in "$@"; do
    command -v "${spec%%:*}" >/dev/null || missing+=("${spec#*:}")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing ${missing[*]}"
  local sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
}

# The server the scripts start, built in Release unless SKIP_BUILD is set (QUELL_DLL=path runs another build).
QUELL_DLL=${QUELL_DLL:-src/Quell.Server/bin/Release/net10.0/quell.dll}
build_quell() {
  [ -n "${SKIP_BUILD:-}" ] && return 0
  log "building (Release)"
  dotnet build src/Quell.Server -c Release --nologo -v quiet >/dev/null
}

# bench_secret PREFIX: a fresh random API key or HEC token, e.g. qk_bench_0123….
bench_secret() { echo "${1}_bench_$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"; }

# need_free_port PORT...: stops when something already listens on 127.0.0.1:PORT. A bench would otherwise measure
# that process (another bench's server) instead of the one it starts, which cannot bind and exits.
need_free_port() {
  for p in "$@"; do
    if (: <"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "port $p on 127.0.0.1 is already in use: set PORT to a free one" >&2; exit 2; fi
  done
}

# wait_healthy PORT LOG [PID]: waits up to a minute for /healthz; on failure, or when the server PID has exited,
# prints the server's log and exits.
wait_healthy() {
  for _ in $(seq 1 60); do
    if [ -n "${3:-}" ] && ! kill -0 "$3" 2>/dev/null; then cat "$2"; echo "the server exited" >&2; exit 1; fi
    curl -fs "http://127.0.0.1:$1/healthz" >/dev/null && return 0
    sleep 1
  done
  cat "$2"; exit 1
}

# Detection at ingest as issue 5 asks for it, shared by the ingest scripts. detection_args DATA: with INDICATORS=N,
# writes N generated indicators (bench/intel-match/generate.py, seed 42) under DATA/feeds and prints the serve
# arguments that allow that folder as a feed; with SIGMA_RULES=DIR, prints --sigma-rules DIR. One argument a line.
detection_args() {
  [ -n "${SIGMA_RULES:-}" ] && printf '%s\n' --sigma-rules "$SIGMA_RULES"
  if [ -n "${INDICATORS:-}" ]; then
    mkdir -p "$1/feeds"
    python3 bench/intel-match/generate.py "$INDICATORS" 0 "$1/feeds" 42 >&2
    printf '%s\n' --feed-directories "$1/feeds"
  fi
  return 0
}

# load_indicators PORT DATA API_KEY: with INDICATORS set, pulls DATA/feeds/IND.txt into the started server through a
# freetext feed and waits for the pull to finish (the matcher indexes the new indicators within seconds after it).
load_indicators() {
  [ -n "${INDICATORS:-}" ] || return 0
  local feed
  feed=$(curl -fsS -H "Authorization: Bearer $3" -H 'Content-Type: application/json' -X POST "http://127.0.0.1:$1/api/v1/feeds" \
    -d "{\"name\":\"bench-ingest\",\"format\":\"freetext\",\"url\":\"$2/feeds/IND.txt\",\"enabled\":false}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
  log "loading $INDICATORS indicators (feed $feed)"
  curl -fsS -H "Authorization: Bearer $3" -X POST "http://127.0.0.1:$1/api/v1/feeds/$feed/pull?wait=true" >&2; echo >&2
}

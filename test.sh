#!/usr/bin/env bash
# Runs the whole Quell test suite on a fresh Debian 12 machine: installs what the tests need, starts a throwaway
# PostgreSQL cluster on loopback, runs every test against SQLite and PostgreSQL, prints "N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")"

log() { printf '\033[1m==> %s\033[0m\n' "$*"; }

# 1. Packages the tests need.
pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }
missing=()
[ -n "$(pg_bin)" ] && [ -x "$(pg_bin)/initdb" ] || missing+=(postgresql)
command -v curl >/dev/null || missing+=(curl)
# The web UI tests drive Debian's headless Chromium through Playwright (/usr/bin/chromium, no browser download).
[ -x /usr/bin/chromium ] || missing+=(chromium)
# The syslog receiver tests send with util-linux logger (Debian package bsdutils).
command -v logger >/dev/null || missing+=(bsdutils)
# ... and relay through a real rsyslogd, which the tests start in the foreground with their own configuration.
[ -x /usr/sbin/rsyslogd ] || missing+=(rsyslog)
[ -x /usr/sbin/dnsmasq ] || missing+=(dnsmasq-base)
# The geoip analyzer tests write their .mmdb files with MaxMind's own writer (Perl).
perl -MMaxMind::DB::Writer::Tree -e1 2>/dev/null || missing+=(libmaxmind-db-writer-perl)
# The Cortex tests run test analyzers written in Python 3 (standard library only) and sh.
[ -x /usr/bin/python3 ] || missing+=(python3)
if [ ${#missing[@]} -gt 0 ]; then
  log "installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
command -v dotnet >/dev/null || { echo "the .NET 10 SDK is required (https://dot.net)"; exit 2; }

# 2. A throwaway PostgreSQL cluster on 127.0.0.1, owned by the postgres user when run as root (initdb refuses root).
PGBIN=$(pg_bin)
PGROOT=$(mktemp -d /tmp/quell-test-pg.XXXXXX)
PGPORT=${QUELL_TEST_PG_PORT:-$(( 40000 + RANDOM % 20000 ))}
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
[ "$(id -u)" -eq 0 ] && chown postgres "$PGROOT"
stop_pg() { as_pg "$PGBIN/pg_ctl" -D "$PGROOT/data" -m immediate stop >/dev/null 2>&1 || true; rm -rf "$PGROOT"; }
trap stop_pg EXIT
log "starting PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PGPORT"
as_pg "$PGBIN/initdb" -D "$PGROOT/data" -U postgres --auth=trust -E UTF8 >/dev/null
as_pg "$PGBIN/pg_ctl" -D "$PGROOT/data" -l "$PGROOT/log" -w -o "-c listen_addresses=127.0.0.1 -p $PGPORT -k $PGROOT -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" start >/dev/null
export QUELL_TEST_PG="Host=127.0.0.1;Port=$PGPORT;Username=postgres;Database=postgres"

# 3. Build and test.
log "building"
dotnet build Quell.slnx -c Release -warnaserror --nologo -v quiet
log "testing"
set +e
# The output file is per run: engineers run this script in parallel worktrees on one machine.
out="$PGROOT/test-output.txt"
dotnet test Quell.slnx -c Release --no-build --nologo --logger "console;verbosity=normal" "$@" 2>&1 | tee "$out"
status=${PIPESTATUS[0]}
set -e
# The summary has no "Failed:" (or "Skipped:") line when there are none: grep finding nothing is not an error here.
count() { { grep -oE "$1: +[0-9]+" "$out" || true; } | awk '{s+=$2} END {print s+0}'; }
passed=$(count Passed)
failed=$(count Failed)
skipped=$(count Skipped)
# Repeat each failure with its message at the end, where a CI log's tail shows it.
if [ "$failed" -gt 0 ]; then
  echo "failed tests:"
  awk '/^  Failed /{show=1; n=0} show{print; if (++n >= 12) show=0} /^  Passed /{show=0}' "$out" | cut -c1-400
fi
echo "$passed passed, $failed failed, $skipped skipped"
if [ "$passed" -eq 0 ]; then echo "no test ran"; exit 1; fi
exit "$status"

#!/usr/bin/env bash
# Group-side scale benchmark (issue 11, "Scale") on SQLite and on a throwaway
# PostgreSQL (loopback only, its cluster and the SQLite file under /tmp,
# removed at the end). Prints one markdown table: bulk load time and size,
# then p50/p99/max of the store calls behind /whoknows (artist, album,
# track), /globalwhoknows and /crownsinfo.
#
#   bench/groups_scale.sh [--pg-port 55434] [--only sqlite|postgres] [ARGS...]
#
# ARGS go to groups_scale, e.g. a small run:
#   bench/groups_scale.sh --users 500 --per-kind 100 --members 50 --artists 5000
# BUILD (default build-bench) is a Release build dir with tests on; it is
# configured and the target built when missing.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${BUILD:-$here/build-bench}"
pg_port=55434
only=""
args=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --pg-port) pg_port="$2"; shift 2 ;;
    --only) only="$2"; shift 2 ;;
    *) args+=("$1"); shift ;;
  esac
done

if [[ ! -x "$build/bench/groups_scale" ]]; then
  cmake -S "$here" -B "$build" -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=ON >/dev/null
  cmake --build "$build" -j1 --target groups_scale >/dev/null
fi

work="$(mktemp -d /tmp/lastgram-groups-scale.XXXXXX)"
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
pg_started=""
cleanup() {
  if [[ -n "$pg_started" ]]; then
    as_pg "$pgbin/pg_ctl" -D "$work/pg/data" -m fast stop >/dev/null 2>&1 || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

start_pg() {
  mkdir -p "$work/pg"
  if [ "$(id -u)" = 0 ]; then chmod 755 "$work"; chown postgres "$work/pg"; fi
  as_pg "$pgbin/initdb" -D "$work/pg/data" -U postgres -A trust --no-sync -E UTF8 >/dev/null
  # fsync stays on (a who-knows run commits, and commits wait for the disk
  # as they would in production); only the loader's session skips the wait.
  as_pg "$pgbin/pg_ctl" -D "$work/pg/data" -l "$work/pg/log" -w -t 60 \
    -o "-p $pg_port -k $work/pg -c listen_addresses=127.0.0.1 \
        -c shared_buffers=1GB -c max_wal_size=8GB -c work_mem=16MB" start >/dev/null
  pg_started=1
  as_pg "$pgbin/psql" -h 127.0.0.1 -p "$pg_port" -U postgres -qc "CREATE DATABASE scale" >/dev/null
}

echo "# groups scale, $(date -u +%Y-%m-%d), $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)),"\
     "$(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), load average $(cut -d' ' -f1-3 /proc/loadavg)"
header=--header
if [[ -z "$only" || "$only" == sqlite ]]; then
  "$build/bench/groups_scale" --sqlite "$work/scale.sqlite3" $header "${args[@]}"
  header=""
  rm -f "$work"/scale.sqlite3*
fi
if [[ -z "$only" || "$only" == postgres ]]; then
  start_pg
  "$build/bench/groups_scale" --postgres "postgresql://postgres@127.0.0.1:$pg_port/scale" \
    $header "${args[@]}"
fi

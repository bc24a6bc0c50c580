#!/usr/bin/env bash
# Fresh /ln under a realistic load: every user asks once per run, so nearly
# every /ln needs fresh Last.fm data (unlike telegram_webhook.sh, whose users
# repeat every second and are answered from the cache).
#
# A Release lastgram in webhook mode, the shared harness (../shared/bench)
# with its fake Telegram (:18081) and fake Last.fm (:18082), open-loop load.
# For each rate it prints: offered, answered within 1 s, answered "busy",
# p50, p99, node CPU ms per reply, Last.fm calls per reply, and the node's
# RSS before, at peak and after the run.
#
#   bench/fresh_ln.sh [--store embedded|postgres|both] [--rates 250,500,1000]
#                     [--duration 10] [--users 100000] [--fm-rate 0]
#                     [--indexed]
# BENCH_PERF=1 also records a call-graph profile of the node at each rate
# (perf-<store>-<rate>.data in OUT_DIR). BENCH_SYSCALLS=1 counts the node's
# system calls at each rate (perf trace -s; syscalls-<store>-<rate>.txt) and
# prints them per reply, by thread; tracing slows the node, so such a run's
# CPU and latency figures are not comparable with an untraced run's.
#
# --indexed gives every user an indexed library first (bench/seed_index.py:
# the indexed count of the track the fake plays for them, an index finished
# before the fake's four newest scrobbles) and puts bench/fm_since.ts in
# front of the fake, which answers `from` as Last.fm does. /ln then takes
# its count from the index plus the page of scrobbles since: one Last.fm
# call, plus the track's tags (one call per track, shared by every user).
# Without it, users have no index and /ln asks track.getInfo as well.
#
# --store postgres runs on a throwaway PostgreSQL and Redis (the harness's
# services.sh, on PG_PORT and REDIS_PORT: :55432 and :16379 by default). --fm-rate is lastfm.rate-per-second
# (0 = no limit: the fake is not Last.fm).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
harness="${LASTGRAM_BENCH_HARNESS:-$here/../shared/bench}"
store=embedded
rates=250,500,1000,1600
duration=10
users=100000
fm_rate=0
indexed=0
pg_port="${PG_PORT:-55432}"
redis_port="${REDIS_PORT:-16379}"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --store) store="$2"; shift 2 ;;
    --rates) rates="$2"; shift 2 ;;
    --duration) duration="$2"; shift 2 ;;
    --users) users="$2"; shift 2 ;;
    --fm-rate) fm_rate="$2"; shift 2 ;;
    --indexed) indexed=1; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
case "$store" in embedded|postgres|both) ;; *) echo "--store: embedded, postgres or both" >&2; exit 2 ;; esac

# shellcheck source=bench/common.sh
source "$here/bench/common.sh"
bench_tools
bench_build
bench_fakes_start
if [[ "$indexed" == 1 ]]; then bench_fm_since_start; fi

# The harness's PostgreSQL and Redis: services start|stop.
services() {
  RUN_DIR="$OUT_DIR/services" PG_PORT="$pg_port" REDIS_PORT="$redis_port" \
    bash "$harness/services.sh" "$1" >/dev/null
}

run_store() {
  local which="$1"
  if [[ "$which" == postgres ]]; then
    # A run that fails half-way (a node that does not start) must not leave
    # PostgreSQL and Redis holding the ports for the next one.
    trap 'services stop 2>/dev/null; bench_cleanup' EXIT
    services start
    su postgres -c "psql -h 127.0.0.1 -p $pg_port -U postgres -qc 'DROP DATABASE IF EXISTS lastgram_bench'" >/dev/null
    su postgres -c "psql -h 127.0.0.1 -p $pg_port -U postgres -qc 'CREATE DATABASE lastgram_bench'" >/dev/null
    export LASTGRAM_DATABASE_URL="postgresql://postgres@127.0.0.1:$pg_port/lastgram_bench"
    export LASTGRAM_REDIS_URL="redis://127.0.0.1:$redis_port/0"
    redis-cli -p "$redis_port" FLUSHALL >/dev/null
  else
    unset LASTGRAM_DATABASE_URL LASTGRAM_REDIS_URL
  fi
  bench_start_node "$OUT_DIR/data-$which" "$fm_rate"
  bench_register_users "$which" "$OUT_DIR/data-$which" "$users"
  if [[ "$indexed" == 1 ]]; then
    if [[ "$which" == postgres ]]; then
      python3 "$here/bench/seed_index.py" --pg "$LASTGRAM_DATABASE_URL" --users "$users"
    else
      python3 "$here/bench/seed_index.py" --sqlite "$OUT_DIR/data-$which/lastgram.sqlite3" --users "$users"
    fi
  fi
  python3 "$here/bench/fresh_ln.py" --harness "$harness" --bun "$BUN" --url "$BENCH_URL" \
    --header "$BENCH_HEADER" --metrics "$BENCH_METRICS" --bot-pid "$BENCH_BOT" \
    --rates "$rates" --duration "$duration" --users "$users" --label "$which" --out "$OUT_DIR/results.jsonl"
  bench_stop_node
  if [[ "$which" == postgres ]]; then
    services stop || true
    trap bench_cleanup EXIT
  fi
}

echo "# fresh /ln, $(date -u +%Y-%m-%d), $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), lastfm.rate-per-second=$fm_rate, users indexed: $([[ $indexed == 1 ]] && echo yes || echo no)"
if [[ "$store" == both ]]; then
  run_store embedded
  run_store postgres
else
  run_store "$store"
fi
echo "raw results: $OUT_DIR"

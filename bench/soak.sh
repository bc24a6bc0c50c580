#!/usr/bin/env bash
# The fault soak (issue 15 §3): a three-node polling cluster on PostgreSQL and
# Redis under steady load while faults hit it in turn; prints the table of
# updates offered, answered right, answered with a localized error, never
# answered, duplicates, false successes, restarts per engine and RSS.
#
#   bench/soak.sh [--minutes 10] [--rate 200] [--users 3000]
#
# Builds a Release lastgram in build-bench, the tree the other benchmarks use
# (BENCH_SKIP_BUILD=1 runs it as it is; BENCH_BUILD_DIR picks another),
# starts a throwaway PostgreSQL and redis-server on loopback
# (tests/services/services.sh; ports SOAK_PG_PORT, SOAK_REDIS_PORT), and runs
# bench/soak.py, whose fakes listen on SOAK_BASE_PORT (Telegram) and +1
# (Last.fm), the nodes on +10.. (HTTP) and +20.. (cluster). Exit status 0
# when nothing went unanswered, nothing was answered twice and no "Done!"
# lied.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
pg_port="${SOAK_PG_PORT:-55474}"
redis_port="${SOAK_REDIS_PORT:-16424}"
base_port="${SOAK_BASE_PORT:-18180}"
out="${OUT_DIR:-$(mktemp -d /tmp/lastgram-soak.XXXXXX)}"
mkdir -p "$out"

# shellcheck source=bench/common.sh
source "$here/bench/common.sh"
bench_build

services="$here/tests/services/services.sh"
svc_dir="$out/services"
cleanup() { "$services" stop "$svc_dir" "$redis_port" "$pg_port" >/dev/null 2>&1 || true; }
trap cleanup EXIT
"$services" start "$svc_dir" "$redis_port" "$pg_port" >/dev/null
pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
if [ "$(id -u)" = 0 ]; then pgroot="/tmp/lastgram-test-pg-$pg_port"; else pgroot="$svc_dir/pg"; fi
psql "postgresql://lastgram@127.0.0.1:$pg_port/lastgram_test" -qc "CREATE DATABASE lastgram_soak" >/dev/null

status=0
"$build/lastgram" cluster make-certs "$out/certs" --names n1,n2,n3 >/dev/null

python3 "$here/bench/soak.py" --binary "$build/lastgram" --repo "$here" --out "$out" \
  --certs "$out/certs" --base-port "$base_port" \
  --database-url "postgresql://lastgram@127.0.0.1:$pg_port/lastgram_soak" \
  --redis-url "redis://127.0.0.1:$redis_port/0" --redis-port "$redis_port" \
  --redis-dir "$svc_dir/redis" --pg-port "$pg_port" --pg-root "$pgroot" --pg-bin "$pgbin" "$@" || status=$?
echo "logs: $out"
exit $status

#!/usr/bin/env bash
# Builds the libFuzzer targets of fuzz/ with clang (LASTGRAM_FUZZ=ON, in
# build-fuzz/, apart from the g++ test build) and runs each for N seconds.
#
#   scripts/fuzz.sh [--seconds N] [--runs R] [--seed S] [TARGET...]
#                     (default: 20 s, no run limit, a random seed, every target)
#
# Each target stops after N seconds or R executions, whichever comes first
# (the long campaign: --seconds 1800 --runs 10000000).
#
# A fixed --seed makes a short run replay the same inputs each time (the test
# suite uses --seed 1, so its verdict does not depend on luck); long campaigns
# leave it random.
#
# Per target it prints executions, exec/s, coverage (libFuzzer's cov: edges
# and ft: features at the end) and crashes. A crash (or timeout, out of
# memory, leak) leaves its reproducer in fuzz/regressions/<target>/, which the
# ordinary test suite then runs (tests/runtime/fuzz_regressions.cpp); the
# script exits 1. Seeds: fuzz/corpus/<target>/, tests/fixtures/ for JSON
# targets, and fuzz/regressions/<target>/. What the fuzzer learns goes to
# build-fuzz/corpus/<target>/ (not committed).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

seconds=20
seed=0
runs=-1
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds=${2:?--seconds needs a number}; shift 2 ;;
    --seconds=*) seconds=${1#--seconds=}; shift ;;
    --runs) runs=${2:?--runs needs a number}; shift 2 ;;
    --runs=*) runs=${1#--runs=}; shift ;;
    --seed) seed=${2:?--seed needs a number}; shift 2 ;;
    --seed=*) seed=${1#--seed=}; shift ;;
    -h|--help) sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "fuzz.sh: unknown option $1" >&2; exit 2 ;;
    *) targets+=("$1"); shift ;;
  esac
done
all=()
for f in fuzz/targets/*.cpp; do all+=("$(basename "$f" .cpp)"); done
if [ ${#targets[@]} -eq 0 ]; then targets=("${all[@]}"); fi
for t in "${targets[@]}"; do
  if [ ! -f "fuzz/targets/$t.cpp" ]; then
    echo "fuzz.sh: no target '$t' (known: ${all[*]})" >&2
    exit 2
  fi
done

# The longest input each target is given: real payloads for the JSON parsers,
# less where the input is a line or a few values.
max_len() {
  case "$1" in
    fm_response) echo 12288 ;;
    telegram_update|telegram_response|http_request) echo 8192 ;;
    telegram_html|ini) echo 4096 ;;
    command_line) echo 1024 ;;
    i18n_format) echo 512 ;;
    *) echo 4096 ;;
  esac
}

# Seed directories besides fuzz/corpus/<target>/ and fuzz/regressions/<target>/.
fixtures() {
  case "$1" in
    fm_response) echo tests/fixtures/lastfm ;;
    telegram_update|telegram_response) echo tests/fixtures/telegram ;;
    discord_*) echo tests/fixtures/discord ;;
  esac
}

build=${LASTGRAM_FUZZ_BUILD_DIR:-build-fuzz}
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$root}
export CCACHE_NOHASHDIR=${CCACHE_NOHASHDIR:-1}
jobs=${LASTGRAM_FUZZ_JOBS:-2}
if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_COMPILER=clang++ \
    -DLASTGRAM_FUZZ=ON -DBUILD_TESTING=OFF >/dev/null
fi
build_targets=()
for t in "${targets[@]}"; do build_targets+=("fuzz_$t"); done
cmake --build "$build" -j"$jobs" --target "${build_targets[@]}"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
logs="$build/fuzz-logs"
mkdir -p "$logs"
failed=()
rows=()
for t in "${targets[@]}"; do
  work="$build/corpus/$t"
  regressions="fuzz/regressions/$t"
  mkdir -p "$work" "$regressions" "fuzz/corpus/$t"
  seeds=("fuzz/corpus/$t" "$regressions")
  for d in $(fixtures "$t"); do seeds+=("$d"); done
  log="$logs/$t.log"
  echo "== $t: ${seconds}s, -max_len=$(max_len "$t")"
  started=$SECONDS
  set +e
  "$build/fuzz/fuzz_$t" -max_total_time="$seconds" -runs="$runs" -seed="$seed" -max_len="$(max_len "$t")" \
    -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$regressions/" "$work" "${seeds[@]}" >"$log" 2>&1
  rc=$?
  set -e
  took=$((SECONDS - started))
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  # The last status line ("#N DONE cov: C ft: F ...") holds the coverage.
  status=$(grep -E '^#[0-9]+' "$log" | tail -1 || true)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$status")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$status")
  crashes=0
  if [ $rc -ne 0 ]; then
    crashes=1
    failed+=("$t")
    echo "   CRASH (exit $rc): reproducer(s) in $regressions/, log $log:"
    grep -E 'Test unit written to|SUMMARY|ERROR: libFuzzer|what\(\)' "$log" | sed 's/^/     /' | head -6
  fi
  rows+=("$(printf '%-20s %12s %9s %7s %7s %7s %8s' "$t" "${execs:-?}" "${rate:-?}" "$took" "${cov:-?}" "${ft:-?}" "$crashes")")
done

echo
printf '%-20s %12s %9s %7s %7s %7s %8s\n' target executions exec/s seconds cov ft crashes
for r in "${rows[@]}"; do echo "$r"; done
if [ ${#failed[@]} -gt 0 ]; then
  echo
  echo "fuzz.sh: crashes in: ${failed[*]}. The reproducers are in fuzz/regressions/<target>/;"
  echo "replay one with $build/fuzz/fuzz_<target> <file>, fix the parser, and commit the file:"
  echo "the test suite (test_runtime, 'fuzz regression inputs and seeds ...') runs it from then on."
  exit 1
fi

#!/usr/bin/env bash
# The README's test command: installs what is missing, builds everything with
# warnings as errors under AddressSanitizer + UndefinedBehaviorSanitizer, and
# runs the whole suite with ctest. The tests start their own redis-server and
# PostgreSQL on loopback (tests/services/services.sh, a ctest fixture).
# Then every fuzz target runs for LASTGRAM_FUZZ_SECONDS (default 20; 0 skips)
# with clang in build-fuzz/ (scripts/fuzz.sh, seed 1: the same inputs on every
# run), so the harness cannot rot.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
scripts/install-deps.sh
# The Telegram Bot API emulator the tests run (tests/telegram), installed from
# its lock file when missing or older than the lock file.
emulator=tests/telegram
if [ ! -d "$emulator/node_modules" ] || [ "$emulator/package-lock.json" -nt "$emulator/node_modules" ]; then
  (cd "$emulator" && npm ci --no-audit --no-fund)
  touch "$emulator/node_modules"
fi
# The Discord fakes (tests/discord: the OpenAPI-validating REST server, the
# Ed25519 signer), installed the same way.
discord_fakes=tests/discord
if [ ! -d "$discord_fakes/node_modules" ] || [ "$discord_fakes/package-lock.json" -nt "$discord_fakes/node_modules" ]; then
  (cd "$discord_fakes" && npm ci --no-audit --no-fund)
  touch "$discord_fakes/node_modules"
fi
build=${LASTGRAM_TEST_BUILD_DIR:-build-test}
# Let ccache reuse objects across clones in different directories.
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$root}
export CCACHE_NOHASHDIR=${CCACHE_NOHASHDIR:-1}
jobs=$(nproc)
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Debug -DLASTGRAM_SANITIZE=ON -DLASTGRAM_WERROR=ON >/dev/null
cmake --build "$build" -j"$jobs"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:strict_string_checks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
(cd "$build" && ctest --output-on-failure -j"$jobs" "$@")
fuzz_seconds=${LASTGRAM_FUZZ_SECONDS:-20}
if [ "$fuzz_seconds" != 0 ]; then
  scripts/fuzz.sh --seconds "$fuzz_seconds" --seed 1
fi

#!/usr/bin/env bash
# The README's run command: installs what is missing, builds build/lastgram and
# runs a node on the embedded defaults (config.ini). Extra arguments go to
# `lastgram run`, e.g. scripts/run.sh --set server.port=9090
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUILD_TESTING=OFF >/dev/null
cmake --build build --target lastgram -j"$(nproc)" >&2
exec build/lastgram run "$@"

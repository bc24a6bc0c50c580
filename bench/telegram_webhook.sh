#!/usr/bin/env bash
# Webhook load test with the shared harness (../shared/bench), the CACHED
# case: the same users repeat every second, so nearly every /ln is answered
# from the cache (see fresh_ln.sh for every user asking once). A Release
# lastgram in webhook mode against the harness's fake Telegram (:18081) and
# fake Last.fm (:18082), driven open loop. Prints the summary table of
# bench.py's runs; raw JSON lines go to $OUT_DIR/results.jsonl.
#
#   bench/telegram_webhook.sh [--rates 500,1000,1600,2000] [--reps 3]
#                             [--duration 20] [--users 2000]
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
harness="${LASTGRAM_BENCH_HARNESS:-$here/../shared/bench}"
rates=500,1000,1600,2000
reps=3
duration=20
users=2000
while [[ $# -gt 0 ]]; do
  case "$1" in
    --rates) rates="$2"; shift 2 ;;
    --reps) reps="$2"; shift 2 ;;
    --duration) duration="$2"; shift 2 ;;
    --users) users="$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done

# shellcheck source=bench/common.sh
source "$here/bench/common.sh"
bench_tools
bench_build
bench_fakes_start
# Last.fm's rate is raised because the fake is not Last.fm; the cache still
# saves most calls (reported per method by the fake).
bench_start_node "$OUT_DIR/data" "${BENCH_FM_RATE:-1000}"
sleep 1
echo "idle RSS of the bot: $(awk '/VmRSS/ {print $2/1024 " MB"}' /proc/$BENCH_BOT/status)"
bench_register_users embedded "$OUT_DIR/data" "$users"
curl -s -X POST http://127.0.0.1:18081/__reset >/dev/null || true

python3 "$harness/bench.py" --url "$BENCH_URL" --header "$BENCH_HEADER" --text /ln --rates "$rates" \
  --reps "$reps" --duration "$duration" --users "$users" --bot-pid "$BENCH_BOT" \
  --out "$OUT_DIR/results.jsonl"
python3 "$harness/summarize.py" "$OUT_DIR/results.jsonl"
echo "Last.fm calls by method: $(curl -s http://127.0.0.1:18082/__stats)"
echo "idle RSS after the runs: $(awk '/VmRSS/ {print $2/1024 " MB"}' /proc/$BENCH_BOT/status)"
echo "raw results: $OUT_DIR/results.jsonl"

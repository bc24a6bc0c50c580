#!/usr/bin/env bash
# Webhook load test with the shared harness (../shared/bench): a Release
# lastgram in webhook mode against the harness's fake Telegram (:18081) and
# fake Last.fm (:18082), driven open loop by its driver. Prints the summary
# table of bench.py's runs; raw JSON lines go to $OUT_DIR/results.jsonl.
#
#   bench/telegram_webhook.sh [--rates 500,1000,1600,2000] [--reps 3]
#                             [--duration 20] [--users 2000]
#
# Needs bun (the harness is TypeScript); installed under /tmp/lastgram-bench
# on first use, as the harness README describes.
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

tools=/tmp/lastgram-bench/tools
export BUN="$tools/node_modules/@oven/bun-linux-x64/bin/bun"
if [[ ! -x "$BUN" ]]; then
  mkdir -p "$tools"
  (cd "$tools" && npm init -y >/dev/null && npm i --no-audit --no-fund @oven/bun-linux-x64 >/dev/null)
fi

build="$here/build-bench"
cmake -S "$here" -B "$build" -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF \
  -DCMAKE_CXX_COMPILER_LAUNCHER=ccache >/dev/null
cmake --build "$build" -j2 --target lastgram >/dev/null

OUT_DIR="${OUT_DIR:-$(mktemp -d /tmp/lastgram-bench.XXXXXX)}"
mkdir -p "$OUT_DIR"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT

"$BUN" "$harness/fake-telegram.ts" >"$OUT_DIR/fake-telegram.log" 2>&1 &
pids+=($!)
"$BUN" "$harness/fake-fm.ts" >"$OUT_DIR/fake-fm.log" 2>&1 &
pids+=($!)
sleep 1

port=18090
secret=bench-secret
path=bench
# Limits wide open: the fakes answer at once, and the point is the bot's own
# ceiling. Last.fm's rate is raised because the fake is not Last.fm; its
# cache still saves most calls (reported per method by the fake).
LASTGRAM_TELEGRAM_TOKEN=123:bench LASTGRAM_TELEGRAM_WEBHOOK_SECRET=$secret \
LASTGRAM_LASTFM_API_KEY=0123456789abcdef0123456789abcdef \
LASTGRAM_LASTFM_API_SECRET=fedcba9876543210fedcba9876543210 \
  "$build/lastgram" run --config "$here/config.ini" \
  --set log.level=warn --set node.data-dir="$OUT_DIR/data" \
  --set server.port=$port --set telegram.mode=webhook \
  --set telegram.webhook-path=$path \
  --set telegram.api-url=http://127.0.0.1:18081 \
  --set lastfm.api-url=http://127.0.0.1:18082/2.0/ \
  --set lastfm.rate-per-second="${BENCH_FM_RATE:-1000}" --set lastfm.queue-limit=100000 \
  --set telegram.global-per-second=100000 --set telegram.private-per-second=100 \
  --set telegram.max-queued=100000 \
  >"$OUT_DIR/bot.log" 2>&1 &
bot=$!
pids+=($bot)
for _ in $(seq 50); do
  curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break
  sleep 0.2
done
sleep 1
echo "idle RSS of the bot: $(awk '/VmRSS/ {print $2/1024 " MB"}' /proc/$bot/status)"

url="http://127.0.0.1:$port/telegram/$path"
hdr="X-Telegram-Bot-Api-Secret-Token: $secret"
# The driver's users (ids from 100000001), each registered with a Last.fm
# name of their own, written straight into the node's SQLite file: a
# realistic spread of Last.fm users rather than one name for all.
python3 - "$OUT_DIR/data/lastgram.sqlite3" "$users" <<'PY'
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], timeout=30)
now = int(time.time())
db.executemany(
    "INSERT OR IGNORE INTO users (platform, platform_id, fm_username, display_name, created_at)"
    " VALUES ('telegram', ?, ?, ?, ?)",
    [(str(100000001 + i), f"benchuser{i}", f"user{i}", now) for i in range(int(sys.argv[2]))])
db.commit()
PY
curl -s -X POST http://127.0.0.1:18081/__reset >/dev/null || true

python3 "$harness/bench.py" --url "$url" --header "$hdr" --text /ln --rates "$rates" \
  --reps "$reps" --duration "$duration" --users "$users" --bot-pid "$bot" \
  --out "$OUT_DIR/results.jsonl"
python3 "$harness/summarize.py" "$OUT_DIR/results.jsonl"
echo "Last.fm calls by method: $(curl -s http://127.0.0.1:18082/__stats)"
echo "idle RSS after the runs: $(awk '/VmRSS/ {print $2/1024 " MB"}' /proc/$bot/status)"
echo "raw results: $OUT_DIR/results.jsonl"

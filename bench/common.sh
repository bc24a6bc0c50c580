# Shared set-up of the webhook benchmarks (sourced by bench/*.sh): the bun
# runtime the harness needs, a Release build, the harness's fakes, a node in
# webhook mode, and registered users.
#
# Sets: BUN, OUT_DIR, BENCH_BOT (the node's pid), BENCH_URL, BENCH_HEADER,
# BENCH_METRICS. Expects: here (the repository), harness (../shared/bench).

tools=/tmp/lastgram-bench/tools
export BUN="$tools/node_modules/@oven/bun-linux-x64/bin/bun"
OUT_DIR="${OUT_DIR:-$(mktemp -d /tmp/lastgram-bench.XXXXXX)}"
mkdir -p "$OUT_DIR"
bench_pids=()
bench_cleanup() {
  for p in "${bench_pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap bench_cleanup EXIT

bench_tools() {
  if [[ ! -x "$BUN" ]]; then
    mkdir -p "$tools"
    (cd "$tools" && npm init -y >/dev/null && npm i --no-audit --no-fund @oven/bun-linux-x64 >/dev/null)
  fi
}

# BENCH_BUILD_DIR picks the Release tree (default build-bench);
# BENCH_SKIP_BUILD=1 runs the lastgram already built there as it is.
bench_build() {
  build="${BENCH_BUILD_DIR:-$here/build-bench}"
  if [[ "${BENCH_SKIP_BUILD:-0}" == 1 && -x "$build/lastgram" ]]; then
    return
  fi
  cmake -S "$here" -B "$build" -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF \
    -DCMAKE_CXX_COMPILER_LAUNCHER=ccache >/dev/null
  cmake --build "$build" -j2 --target lastgram >/dev/null
}

bench_fakes_start() {
  "$BUN" "$harness/fake-telegram.ts" >"$OUT_DIR/fake-telegram.log" 2>&1 &
  bench_pids+=($!)
  "$BUN" "$harness/fake-fm.ts" >"$OUT_DIR/fake-fm.log" 2>&1 &
  bench_pids+=($!)
  local fake
  for fake in 18081/__stats 18082/__stats; do
    for _ in $(seq 100); do curl -sf "http://127.0.0.1:$fake" >/dev/null && break; sleep 0.1; done
  done
}

# bench_start_node DATA_DIR FM_RATE: a node in webhook mode on port 18090,
# every limit of our own wide open (the point is the node's own ceiling).
# The driver stands in for all of Telegram's deliveries from one loopback
# address, opening a connection for each update in flight (Telegram itself
# opens at most telegram.max-connections); past the per-address limit it
# would be turned away with 503, as a reverse proxy's would (the config
# tells operators behind one to raise it).
# BENCH_SET adds settings, e.g. BENCH_SET="--set scheduler.policy=sharing".
bench_start_node() {
  local data="$1" fm_rate="$2" port=18090 secret=bench-secret path=bench
  LASTGRAM_TELEGRAM_TOKEN=123:bench LASTGRAM_TELEGRAM_WEBHOOK_SECRET=$secret \
  LASTGRAM_LASTFM_API_KEY=0123456789abcdef0123456789abcdef \
  LASTGRAM_LASTFM_API_SECRET=fedcba9876543210fedcba9876543210 \
    "$build/lastgram" run --config "${BENCH_CONFIG:-$here/config.ini}" \
    --set log.level=warn --set node.data-dir="$data" \
    --set server.port=$port --set telegram.mode=webhook \
    --set telegram.webhook-path=$path \
    --set telegram.api-url=http://127.0.0.1:18081 \
    --set lastfm.api-url="${BENCH_FM_URL:-http://127.0.0.1:18082}/2.0/" \
    --set lastfm.rate-per-second="$fm_rate" --set lastfm.queue-limit=100000 \
    --set telegram.global-per-second=100000 --set telegram.private-per-second=100 \
    --set telegram.max-queued=100000 \
    --set server.max-connections-per-address=1024 \
    ${BENCH_SET:-} \
    >"$OUT_DIR/bot.log" 2>&1 &
  BENCH_BOT=$!
  bench_pids+=($BENCH_BOT)
  for _ in $(seq 100); do
    curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break
    sleep 0.2
  done
  BENCH_URL="http://127.0.0.1:$port/telegram/$path"
  BENCH_HEADER="X-Telegram-Bot-Api-Secret-Token: $secret"
  BENCH_METRICS="http://127.0.0.1:$port/metrics"
}

# bench_fm_since_start: bench/fm_since.ts on :18083, in front of the fake
# Last.fm, honouring user.getRecentTracks' `from` (see that file); the node
# is pointed at it through BENCH_FM_URL.
bench_fm_since_start() {
  "$BUN" "$here/bench/fm_since.ts" >"$OUT_DIR/fm-since.log" 2>&1 &
  bench_pids+=($!)
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:18083/__stats" >/dev/null && break; sleep 0.1; done
  export BENCH_FM_URL=http://127.0.0.1:18083
}

bench_stop_node() {
  kill -TERM "$BENCH_BOT" 2>/dev/null || true
  wait "$BENCH_BOT" 2>/dev/null || true
}

# bench_register_users STORE DATA_DIR N: the driver's users (ids from
# 100000001), each with a Last.fm name of their own, written straight into
# the node's database (SQLite file, or PostgreSQL from LASTGRAM_DATABASE_URL).
bench_register_users() {
  local which="$1" data="$2" n="$3"
  if [[ "$which" == postgres ]]; then
    psql "$LASTGRAM_DATABASE_URL" -qc \
      "INSERT INTO users (platform, platform_id, fm_username, display_name, created_at)
       SELECT 'telegram', (100000001 + i)::text, 'benchuser' || i, 'user' || i,
              extract(epoch from now())::bigint
       FROM generate_series(0, $n - 1) AS i ON CONFLICT DO NOTHING" >/dev/null
  else
    python3 - "$data/lastgram.sqlite3" "$n" <<'PY'
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], timeout=30)
now = int(time.time())
db.executemany(
    "INSERT OR IGNORE INTO users (platform, platform_id, fm_username, display_name, created_at)"
    " VALUES ('telegram', ?, ?, ?, ?)",
    [(str(100000001 + i), f"benchuser{i}", f"user{i}", now) for i in range(int(sys.argv[2]))])
db.commit()
PY
  fi
}

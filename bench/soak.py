#!/usr/bin/env python3
"""The fault soak (bench/soak.sh starts the services and builds; this runs it).

A three-node polling cluster on PostgreSQL and Redis, a fake Telegram that
serves getUpdates and records every answer, a fake Last.fm whose faults are
scripted, a steady load of /ln (registered users), /start and /register
(new users), and a fault script run in turn while the load goes on:
restart Redis; stop PostgreSQL 20 s; Last.fm 5xx 30 s, garbage, stall;
kill -9 a member that does not poll, then the polling one (each restarted);
SIGSTOP a member 5 s. Then the load stops, the run drains, and it prints:
updates offered, answered right, answered with a localized error, never
answered, duplicates, false successes (a "Done!" whose users row is
missing), restarts per engine (lastgram_actor_restarts_total, summed over
every process of every node) and each node's RSS at start and end.
Exit status 0 when never answered, duplicates and false successes are 0.
"""

import argparse
import atexit
import collections
import http.server
import json
import os
import random
import re
import shutil
import signal
import socketserver
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request

TOKEN = "123456:soak"
LN_MARK = "Tame Impala"  # the artist of the fixture's recent tracks
BUSY_MARK = "too many requests"  # the localized "busy" (English)


def log(msg):
    print(f"[soak {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 1024


class Quiet(http.server.BaseHTTPRequestHandler):
    """A keep-alive handler that logs nothing and answers whole bodies."""

    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def send(self, code, ctype, text):
        data = text.encode()
        try:
            self.send_response(code)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except OSError:
            pass


# -- fake Telegram -------------------------------------------------------------


class Telegram:
    """getUpdates from a queue (forgetting what an offset confirmed), every
    other method answered ok; sends recorded by the message they reply to."""

    def __init__(self):
        self.cv = threading.Condition()
        self.updates = []  # (update_id, dict), ascending
        self.sends = {}  # reply-to message id -> [texts]
        self.answered_by = {}  # reply-to message id -> (time.time(), node) of its first answer
        self.unmatched = 0
        self.next_message = 10**9
        self.poller = None  # the node that polled last
        self.polled_at = {}
        self.poll_log = []  # (time, node, offset, first id, last id) per getUpdates

    def add(self, update):
        with self.cv:
            self.updates.append((update["update_id"], update))
            self.cv.notify_all()

    def get_updates(self, node, params):
        offset = int(params.get("offset", 0) or 0)
        timeout = min(float(params.get("timeout", 0) or 0), 2.0)
        limit = int(params.get("limit", 100) or 100)
        deadline = time.time() + timeout
        with self.cv:
            self.poller = node
            self.polled_at[node] = time.time()
            self.updates = [u for u in self.updates if u[0] >= offset]
            while not self.updates and time.time() < deadline:
                self.cv.wait(deadline - time.time())
            batch = [u[1] for u in self.updates[:limit]]
            # Who asked from where and what it got: an offset that passes
            # updates nobody recorded shows up here.
            self.poll_log.append((time.time(), node, offset, batch[0]["update_id"] if batch else 0,
                                  batch[-1]["update_id"] if batch else 0))
            return batch

    def record(self, params, node):
        text = params.get("text") or params.get("caption") or ""
        reply = params.get("reply_parameters")
        if isinstance(reply, str):
            try:
                reply = json.loads(reply)
            except ValueError:
                reply = None
        to = int(reply.get("message_id", 0)) if isinstance(reply, dict) else 0
        with self.cv:
            self.next_message += 1
            if to:
                self.sends.setdefault(to, []).append(text)
                self.answered_by.setdefault(to, (time.time(), node))
            else:
                self.unmatched += 1
            return self.next_message

    def handler(self):
        tg = self

        class H(Quiet):
            def do_GET(self):
                self.do_POST()

            def do_POST(self):
                url = urllib.parse.urlsplit(self.path)
                m = re.match(r"^/(\w+)/bot[^/]+/(\w+)$", url.path)
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n) if n else b""
                if not m:
                    return self.answer(404, {"ok": False, "error_code": 404, "description": "Not Found"})
                node, method = m.group(1), m.group(2)
                params = dict(urllib.parse.parse_qsl(url.query))
                ctype = self.headers.get("Content-Type", "")
                if body and "json" in ctype:
                    try:
                        params.update(json.loads(body))
                    except ValueError:
                        pass
                elif body and "urlencoded" in ctype:
                    params.update(urllib.parse.parse_qsl(body.decode()))
                if method == "getUpdates":
                    return self.answer(200, {"ok": True, "result": tg.get_updates(node, params)})
                if method == "getMe":
                    return self.answer(200, {"ok": True, "result": {
                        "id": 123456, "is_bot": True, "first_name": "lastgram", "username": "lastgram_bot"}})
                if method in ("sendMessage", "sendPhoto"):
                    mid = tg.record(params, node)
                    chat = params.get("chat_id", 0)
                    return self.answer(200, {"ok": True, "result": {
                        "message_id": mid, "date": int(time.time()),
                        "chat": {"id": int(chat) if str(chat).lstrip("-").isdigit() else 0, "type": "private"},
                        "text": params.get("text", "")}})
                return self.answer(200, {"ok": True, "result": True})

            def answer(self, code, obj):
                self.send(code, "application/json", json.dumps(obj))

        return H


# -- fake Last.fm --------------------------------------------------------------


class LastFm:
    """Answers from the repository's fixtures; `mode` scripts its faults:
    ok, 5xx, garbage (200 with a body that is not JSON), stall (no answer
    for 60 s)."""

    files = {
        "user.getinfo": "user-getinfo.json",
        "user.getrecenttracks": "user-getrecenttracks.json",
        "track.getinfo": "track-getinfo-with-username.json",
        "artist.getinfo": "artist-getinfo-with-username.json",
        "album.getinfo": "album-getinfo-with-username.json",
    }

    def __init__(self, fixtures):
        self.mode = "ok"
        self.bodies = {}
        for method, name in self.files.items():
            with open(os.path.join(fixtures, name), encoding="utf-8") as f:
                self.bodies[method] = f.read()

    def handler(self):
        fm = self

        class H(Quiet):
            def do_POST(self):
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n).decode() if n else ""
                self.serve(dict(urllib.parse.parse_qsl(body)))

            def do_GET(self):
                self.serve({})

            def serve(self, params):
                params.update(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.path).query))
                mode = fm.mode
                if mode == "stall":
                    time.sleep(60)
                    return
                if mode == "5xx":
                    return self.send(503, "text/html", "<html>Service Unavailable</html>")
                if mode == "garbage":
                    return self.send(200, "application/json", '{"recenttracks": [garbage')
                method = (params.get("method") or "").lower()
                body = fm.bodies.get(method)
                if body is None:
                    return self.send(400, "application/json",
                                     '{"error":3,"message":"Invalid Method - No method with that name"}')
                user = params.get("user") or params.get("username") or ""
                body = body.replace("TyphoonsNotABot", user).replace("frikandel_", user)
                self.send(200, "application/json", body)

        return H


# -- nodes ---------------------------------------------------------------------


class Node:
    def __init__(self, args, name, index):
        self.args = args
        self.name = name
        self.http_port = args.base_port + 10 + index
        self.cluster_port = args.base_port + 20 + index
        self.proc = None
        self.incarnations = []  # restarts per engine of each process
        self.restarts = {}
        self.rss_start = None
        self.log = open(os.path.join(args.out, f"{name}.log"), "ab")

    def endpoint(self):
        return f"127.0.0.1:{self.cluster_port}"

    def start(self, seed):
        a = self.args
        cmd = [a.binary, "run", "--config", os.path.join(a.repo, "config.ini"),
               "--set", "console.enabled=off", "--set", f"node.name={self.name}",
               "--set", f"node.data-dir={os.path.join(a.out, self.name)}",
               "--set", "log.level=info",
               "--set", "server.address=127.0.0.1", "--set", f"server.port={self.http_port}",
               "--set", f"telegram.api-url=http://127.0.0.1:{a.base_port}/{self.name}",
               "--set", "telegram.poll-timeout-seconds=1",
               "--set", "telegram.global-per-second=100000", "--set", "telegram.private-per-second=100",
               "--set", "telegram.max-queued=100000",
               "--set", f"lastfm.api-url=http://127.0.0.1:{a.base_port + 1}/2.0/",
               "--set", "lastfm.rate-per-second=0", "--set", "lastfm.queue-limit=100000",
               "--set", "lastfm.request-timeout-ms=2000", "--set", "lastfm.deadline-ms=5000",
               "--set", "indexer.enabled=false",
               "--set", "cluster.enabled=true", "--set", "cluster.address=127.0.0.1",
               "--set", f"cluster.port={self.cluster_port}",
               "--set", f"cluster.ca-file={a.certs}/ca.pem",
               "--set", f"cluster.cert-file={a.certs}/{self.name}.pem",
               "--set", f"cluster.key-file={a.certs}/{self.name}.key"]
        if seed:
            cmd += ["--set", f"cluster.seeds={seed}"]
        env = dict(os.environ,
                   LASTGRAM_DATABASE_URL=a.database_url, LASTGRAM_REDIS_URL=a.redis_url,
                   LASTGRAM_TELEGRAM_TOKEN=TOKEN,
                   LASTGRAM_LASTFM_API_KEY="0123456789abcdef0123456789abcdef",
                   LASTGRAM_LASTFM_API_SECRET="fedcba9876543210fedcba9876543210")
        self.log.write(f"--- start {time.ctime()}\n".encode())
        self.log.flush()
        self.proc = subprocess.Popen(cmd, env=env, stdout=self.log, stderr=self.log,
                                     stdin=subprocess.DEVNULL)
        self.incarnations.append({})

    def ready(self, timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.http_port}/healthz", timeout=1):
                    return True
            except OSError:
                time.sleep(0.2)
        return False

    def sample(self):
        """Reads the restart counters of the running process."""
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.http_port}/metrics", timeout=2) as r:
                text = r.read().decode()
        except OSError:
            return
        # The last scrape of each process, for reading after the run.
        with open(os.path.join(self.args.out, f"{self.name}.{len(self.incarnations)}.metrics"), "w") as f:
            f.write(text)
        seen = {}
        for m in re.finditer(r'^lastgram_actor_restarts_total\{engine="([^"]+)"\} (\S+)$', text, re.M):
            seen[m.group(1)] = float(m.group(2))
        self.incarnations[-1] = seen

    def restarts_by_engine(self):
        out = {}
        for inc in self.incarnations:
            for k, v in inc.items():
                out[k] = out.get(k, 0) + v
        return out

    def rss_mb(self):
        try:
            with open(f"/proc/{self.proc.pid}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1]) / 1024
        except OSError:
            pass
        return None

    def signal(self, sig):
        if self.proc and self.proc.poll() is None:
            os.kill(self.proc.pid, sig)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


# -- load ----------------------------------------------------------------------


class Load:
    def __init__(self, tg, args):
        self.tg = tg
        self.args = args
        self.offered = {}  # update id -> (kind, extra, time.time() when offered)
        self.next_id = 1
        self.next_new_user = 0
        self.stop = threading.Event()
        self.lock = threading.Lock()

    def one(self):
        a = self.args
        uid = self.next_id
        self.next_id += 1
        r = random.random()
        if r < a.register_share:
            self.next_new_user += 1
            n = self.next_new_user
            user, kind, text = 300000000 + n, "register", f"/register soaker{n}"
            extra = f"soaker{n}"
        elif r < a.register_share + a.start_share:
            user, kind, text, extra = 200000000 + random.randrange(1_000_000), "start", "/start", None
        else:
            user = 100000001 + random.randrange(a.users)
            kind, text, extra = "ln", "/ln", None
        update = {"update_id": uid, "message": {
            "message_id": uid, "date": int(time.time()), "text": text,
            "chat": {"id": user, "type": "private", "first_name": "Soak"},
            "from": {"id": user, "is_bot": False, "first_name": "Soak", "language_code": "en"}}}
        with self.lock:
            self.offered[uid] = (kind, extra, time.time())
        self.tg.add(update)

    def run(self):
        period = 1.0 / self.args.rate
        t = time.time()
        while not self.stop.is_set():
            self.one()
            t += period
            d = t - time.time()
            if d > 0:
                time.sleep(d)


# -- services ------------------------------------------------------------------


def sh(cmd):
    return subprocess.run(cmd, shell=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode


def as_pg(cmd):
    return f"runuser -u postgres -- {cmd}" if os.getuid() == 0 else cmd


def pg_ctl(args, action):
    opts = f"-p {args.pg_port} -k {args.pg_root} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"
    if action == "stop":
        return sh(as_pg(f"{args.pg_bin}/pg_ctl -D {args.pg_root}/data -m fast -w stop"))
    return sh(as_pg(f"{args.pg_bin}/pg_ctl -D {args.pg_root}/data -l {args.pg_root}/log -w -t 60 -o '{opts}' start"))


def redis_restart(args):
    sh(f"redis-cli -p {args.redis_port} shutdown nosave")
    time.sleep(1)
    sh(f"redis-server --port {args.redis_port} --bind 127.0.0.1 --daemonize yes --save '' --appendonly no "
       f"--dir {args.redis_dir} --pidfile {args.redis_dir}/redis.pid --logfile {args.redis_dir}/redis.log")


def psql(args, sql):
    out = subprocess.run(["psql", args.database_url, "-Atqc", sql], capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(out.stderr)
    return out.stdout


# -- the run -------------------------------------------------------------------


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--minutes", type=float, default=10)
    p.add_argument("--rate", type=float, default=200)
    p.add_argument("--users", type=int, default=3000)
    p.add_argument("--start-share", type=float, default=0.08)
    p.add_argument("--register-share", type=float, default=0.02)
    p.add_argument("--drain-seconds", type=float, default=75)
    p.add_argument("--faults", default="",
                   help="only the faults whose names contain one of these comma-separated words"
                        " (e.g. 'PostgreSQL,poll'), or 'none'; default: every fault")
    p.add_argument("--base-port", type=int, default=18180)
    p.add_argument("--binary", required=True)
    p.add_argument("--repo", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--certs", required=True)
    p.add_argument("--database-url", required=True)
    p.add_argument("--redis-url", required=True)
    p.add_argument("--redis-port", type=int, required=True)
    p.add_argument("--redis-dir", required=True)
    p.add_argument("--pg-port", type=int, required=True)
    p.add_argument("--pg-root", required=True)
    p.add_argument("--pg-bin", required=True)
    args = p.parse_args()
    random.seed(15)

    load_before = os.getloadavg()[0]
    tg = Telegram()
    fm = LastFm(os.path.join(args.repo, "tests/fixtures/lastfm"))
    servers = [Server(("127.0.0.1", args.base_port), tg.handler()),
               Server(("127.0.0.1", args.base_port + 1), fm.handler())]
    for s in servers:
        threading.Thread(target=s.serve_forever, daemon=True).start()

    nodes = [Node(args, f"n{i + 1}", i) for i in range(3)]

    def stop_nodes():
        # However the soak ends (an exception, SIGTERM, Ctrl-C), no member
        # outlives it to hold the ports of the next run.
        for n in nodes:
            proc = getattr(n, "proc", None)
            if proc is not None and proc.poll() is None:
                proc.kill()
                proc.wait()

    atexit.register(stop_nodes)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    nodes[0].start("")
    if not nodes[0].ready():
        sys.exit("n1 did not start (see its log in " + args.out + ")")
    for n in nodes[1:]:
        n.start(nodes[0].endpoint())
    for n in nodes[1:]:
        if not n.ready():
            sys.exit(f"{n.name} did not start")
    psql(args, f"""INSERT INTO users (platform, platform_id, fm_username, display_name, created_at)
        SELECT 'telegram', (100000000 + i)::text, 'benchuser' || i, 'user' || i,
               extract(epoch from now())::bigint
        FROM generate_series(1, {args.users}) AS i ON CONFLICT DO NOTHING""")
    time.sleep(3)  # the cluster settles, one member polls
    for n in nodes:
        n.rss_start = n.rss_mb()

    def seed_of(n):
        others = [m for m in nodes if m is not n and m.proc.poll() is None]
        return others[0].endpoint() if others else ""

    def restart(n):
        n.proc.wait()
        n.start(seed_of(n))
        return n.ready()

    def poller():
        # The member that called getUpdates last: only one polls at a time,
        # and it may hold back for a while (its answers are still going out).
        return next((n for n in nodes if n.name == tg.poller and n.proc.poll() is None), None)

    def fm_fault(mode, seconds):
        fm.mode = mode
        time.sleep(seconds)
        fm.mode = "ok"

    kills = []  # (time.time(), node) of each kill -9

    def kill(which):
        victim = poller()
        if victim is None:
            log("no member polls now: nothing killed")
            return
        if which == "other":
            victim = next(n for n in nodes if n is not victim)
        log(f"kill -9 {victim.name} ({'the poller' if which == 'poller' else 'not polling'})")
        victim.sample()
        kills.append((time.time(), victim.name))
        victim.signal(signal.SIGKILL)
        ok = restart(victim)
        log(f"{victim.name} back: {ok}")

    def sigstop():
        victim = nodes[random.randrange(3)]
        log(f"SIGSTOP {victim.name} 5 s")
        victim.signal(signal.SIGSTOP)
        time.sleep(5)
        victim.signal(signal.SIGCONT)

    faults = [
        ("restart Redis", lambda: redis_restart(args)),
        ("stop PostgreSQL 20 s", lambda: (pg_ctl(args, "stop"), time.sleep(20), pg_ctl(args, "start"))),
        ("Last.fm 5xx 30 s", lambda: fm_fault("5xx", 30)),
        ("Last.fm garbage 20 s", lambda: fm_fault("garbage", 20)),
        ("Last.fm stall 20 s", lambda: fm_fault("stall", 20)),
        ("kill -9 a member that does not poll", lambda: kill("other")),
        ("kill -9 the polling member", lambda: kill("poller")),
        ("SIGSTOP a member 5 s", sigstop),
    ]

    if args.faults == "none":
        faults = []
    elif args.faults:
        words = [w.strip().lower() for w in args.faults.split(",") if w.strip()]
        faults = [f for f in faults if any(w in f[0].lower() for w in words)]
        if not faults:
            sys.exit("--faults matches no fault")

    load = Load(tg, args)
    loader = threading.Thread(target=load.run, daemon=True)
    started = time.time()
    end = started + args.minutes * 60
    loader.start()

    sampling = threading.Event()

    def sampler():
        while not sampling.is_set():
            for n in nodes:
                if n.proc.poll() is None:
                    n.sample()
            sampling.wait(5)

    threading.Thread(target=sampler, daemon=True).start()

    def watchdog():
        """When nobody has polled for 10 s while the load runs (a takeover
        needs a few), every node's threads are dumped with gdb, once per
        stall, to out/stall-<seconds>-<node>.txt: what a frozen poller waits
        on."""
        dumped_for = None
        while not sampling.is_set():
            sampling.wait(1)
            with tg.cv:
                last = max(tg.polled_at.values(), default=time.time())
            if time.time() - last < 10 or dumped_for == last:
                continue
            dumped_for = last
            at = int(time.time() - started)
            log(f"nobody polled for {time.time() - last:.0f} s: dumping the nodes' threads")
            for n in nodes:
                if n.proc.poll() is not None:
                    continue
                path = os.path.join(args.out, f"stall-{at}-{n.name}.txt")
                with open(path, "w") as f:
                    subprocess.run(["gdb", "-p", str(n.proc.pid), "-batch", "-ex",
                                    "thread apply all bt"], stdout=f, stderr=subprocess.STDOUT,
                                   timeout=120, check=False)

    if shutil.which("gdb"):
        threading.Thread(target=watchdog, daemon=True).start()

    # Faults in turn, spread over the load (cycled again when time is left),
    # with a quiet gap before each.
    gap = max(5.0, (args.minutes * 60 - 150) / (len(faults) + 1))
    done = []
    done_at = []  # (s after the load began, fault) of each fault
    i = 0
    while faults and time.time() + gap < end:
        time.sleep(gap)
        name, act = faults[i % len(faults)]
        log(name)
        done_at.append((time.time() - started, name))
        act()
        done.append(name)
        i += 1
        if i >= len(faults) and time.time() + gap + 60 > end:
            break
    while time.time() < end:
        time.sleep(0.5)
    load.stop.set()
    loader.join()
    offered = dict(load.offered)
    log(f"load stopped ({len(offered)} offered); draining up to {args.drain_seconds:.0f} s")

    def unanswered():
        with tg.cv:
            return [u for u in offered if u not in tg.sends]

    deadline = time.time() + args.drain_seconds
    while unanswered() and time.time() < deadline:
        time.sleep(1)
    time.sleep(5)  # late second answers, if any
    for n in nodes:
        n.sample()
    rss_end = {n.name: n.rss_mb() for n in nodes}

    right = error = never = dup = dup_in_flight = false_ok = 0
    registered = set(psql(args, "SELECT fm_username FROM users WHERE platform = 'telegram'"
                                " AND fm_username LIKE 'soaker%'").split())
    samples = {}
    with tg.cv:
        sends = {k: list(v) for k, v in tg.sends.items()}
        answered_by = dict(tg.answered_by)
        polls = list(tg.poll_log)
    # How long updates waited: from offered to polled (the poller keeping
    # up), and from offered to the first answer.
    poll_lag = max((at - offered[first][2] for at, _, _, first, _ in polls if first in offered),
                   default=0.0)
    waits = sorted(answered_by[u][0] - offered[u][2] for u in offered if u in answered_by)

    def pct(q):
        return waits[min(len(waits) - 1, int(q * len(waits)))] if waits else 0.0
    # Which updates went unanswered or were answered twice, with when they
    # were offered (seconds after the load started), for matching against
    # the fault log above and the nodes' logs.
    missed_lines, twice_lines = [], []
    missed_at = collections.Counter()
    busy_at = collections.Counter()  # "busy" answers by when they were offered
    for uid, (kind, extra, offered_time) in offered.items():
        texts = sends.get(uid, [])
        at = offered_time - started
        if not texts:
            never += 1
            missed_lines.append(f"{uid}\t{kind}\t{at:.1f}\n")
            missed_at[int(at // 10) * 10] += 1
            continue
        if len(texts) > 1:
            dup += 1
            # Sent by a member killed just after: Telegram had the answer,
            # the member died before its "replied" mark was stored.
            t, by = answered_by.get(uid, (0, ""))
            if any(name == by and 0 <= k - t < 1.0 for k, name in kills):
                dup_in_flight += 1
            twice_lines.append(f"{uid}\t{kind}\t{at:.1f}\t" + " | ".join(x[:60] for x in texts) + "\n")
        t = texts[0]
        if kind == "ln":
            ok = LN_MARK in t
        elif kind == "start":
            ok = t.startswith("Hi, ")
        else:
            ok = t.startswith("Done!") or t.startswith("You're already registered")
            if t.startswith("Done!") and extra not in registered:
                false_ok += 1
        if ok:
            right += 1
        else:
            error += 1
            samples.setdefault(t[:80], 0)
            samples[t[:80]] += 1
            if BUSY_MARK in t:
                busy_at[int(at // 30) * 30] += 1

    for name, lines in (("unanswered.tsv", missed_lines), ("duplicates.tsv", twice_lines)):
        with open(os.path.join(args.out, name), "w") as f:
            f.writelines(lines)

    restarts = {}
    for n in nodes:
        for k, v in n.restarts_by_engine().items():
            restarts[k] = restarts.get(k, 0) + v
    for n in nodes:
        n.stop()

    print(f"# fault soak, {time.strftime('%Y-%m-%d', time.gmtime())}, {os.cpu_count()} cores, "
          f"{args.minutes:g} min of load at {args.rate:g} updates/s "
          f"({1 - args.start_share - args.register_share:.0%} /ln, {args.start_share:.0%} /start, "
          f"{args.register_share:.0%} /register), load average at the start {load_before:.1f}")
    print(f"faults, in turn: {'; '.join(done)}")
    print()
    print("| figure | value |")
    print("|---|---|")
    print(f"| updates offered | {len(offered)} |")
    print(f"| answered right | {right} |")
    print(f"| answered with a localized error | {error} |")
    print(f"| **never answered** (goal 0) | {never} |")
    print(f"| **duplicates** (goal 0) | {dup} |")
    print(f"| of them, first sent by a member less than 1 s before its kill -9 | {dup_in_flight} |")
    print(f"| false successes (goal 0) | {false_ok} |")
    print(f"| longest wait to be polled (s) | {poll_lag:.1f} |")
    print(f"| first answer after p50 / p99 / max (s) | {pct(0.5):.2f} / {pct(0.99):.2f} / "
          f"{(waits[-1] if waits else 0):.2f} |")
    print(f"| restarts per engine | {', '.join(f'{k} {v:g}' for k, v in sorted(restarts.items()) if v) or 'none'} |")
    for n in nodes:
        s = f"{n.rss_start:.0f}" if n.rss_start else "?"
        e = f"{rss_end[n.name]:.0f}" if rss_end[n.name] else "?"
        print(f"| RSS {n.name} start → end (MB) | {s} → {e} |")
    print()
    if samples:
        print("errors answered (first 80 characters, count):")
        for t, c in sorted(samples.items(), key=lambda x: -x[1])[:8]:
            print(f"  {c:6d}  {t!r}")
    if busy_at:
        print("'busy' answers, by when the update was offered (s after the load began: count):")
        print("  " + ", ".join(f"{k}: {v}" for k, v in sorted(busy_at.items())))
    if done_at:
        print("faults began at (s after the load began): "
              + "; ".join(f"{at:.0f} {name}" for at, name in done_at))
    if missed_at:
        print("never answered, by when they were offered (s after the load began: count):")
        print("  " + ", ".join(f"{k}: {v}" for k, v in sorted(missed_at.items())))
    print(f"load began {time.strftime('%H:%M:%S', time.localtime(started))}; "
          f"lists in {args.out}/unanswered.tsv, duplicates.tsv and getupdates.tsv")
    with open(os.path.join(args.out, "getupdates.tsv"), "w") as f:
        for at, node, off, first, last in polls:
            f.write(f"{at - started:.2f}\t{node}\t{off}\t{first}\t{last}\n")
    if tg.unmatched:
        print(f"answers that replied to no message: {tg.unmatched}")
    return 0 if never == 0 and dup == 0 and false_ok == 0 else 1


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""One fresh-/ln series against a running node (called by bench/fresh_ln.sh).

For each rate: the harness's driver sends `rate x duration` /ln from as many
distinct users (a block of its own per run), then waits until the node is
idle. Figures come from the driver (replies, latency, peak RSS) and from
deltas around the run: the node's CPU ticks (including the drain), its
lastgram_commands_total by outcome ("busy" answers), and the fake Last.fm's
per-method call counters.
"""
import argparse
import json
import os
import re
import signal
import subprocess
import sys
import urllib.request

CLK_TCK = os.sysconf('SC_CLK_TCK')
SERIES = re.compile(r'^([a-z_]+)\{([^}]*)\}\s+([0-9.e+]+)$')


def scrape(metrics_url):
    with urllib.request.urlopen(metrics_url) as r:
        return r.read().decode()


def series(text, name):
    """(labels, value) of every series of metric `name` in a /metrics text,
    the label values unquoted."""
    for line in text.splitlines():
        m = SERIES.match(line)
        if m and m.group(1) == name:
            labels = dict(kv.split('=', 1) for kv in m.group(2).split(','))
            yield {k: v.strip('"') for k, v in labels.items()}, float(m.group(3))


def buckets(text, name, method=None):
    """Cumulative counts by upper bound of histogram `name`, summed over its
    series (only those of Last.fm method `method`, when given)."""
    out = {}
    for labels, value in series(text, name + '_bucket'):
        if method is not None and labels.get('method', '') != method:
            continue
        le = float(labels['le'].replace('+Inf', 'inf'))
        out[le] = out.get(le, 0) + value
    return out


def quantile_bound(before, after, q):
    """The upper bound (ms) of the bucket holding quantile q of what was
    observed between two scrapes; None when nothing was."""
    delta = sorted((le, after[le] - before.get(le, 0)) for le in after)
    if not delta or delta[-1][1] <= 0:
        return None
    for le, n in delta:
        if n >= q * delta[-1][1]:
            return le * 1000
    return None


def outcomes(text):
    """lastgram_commands_total summed by outcome."""
    out = {}
    for labels, value in series(text, 'lastgram_commands_total'):
        key = labels.get('outcome', '')
        out[key] = out.get(key, 0) + value
    return out


def fm_calls(fake_fm='http://127.0.0.1:18082'):
    """The fake Last.fm's calls so far, by method."""
    with urllib.request.urlopen(f'{fake_fm}/__stats') as r:
        counts = json.load(r)
    return {k[len('lastfm:'):]: v for k, v in counts.items() if k.startswith('lastfm:')}


def rss_mb(pid):
    with open(f'/proc/{pid}/status') as f:
        for line in f:
            if line.startswith('VmRSS'):
                return int(line.split()[1]) / 1024
    return 0.0


def threads(pid):
    """Per thread name: CPU ticks and context switches (voluntary + not) so far."""
    out = {}
    base = f'/proc/{pid}/task'
    for tid in os.listdir(base):
        try:
            with open(f'{base}/{tid}/stat') as f:
                s = f.read()
            with open(f'{base}/{tid}/status') as f:
                st = f.read()
        except OSError:
            continue  # the thread ended between the listing and the read
        name = s[s.index('(') + 1:s.rindex(')')]
        name = re.sub(r'[0-9]+$', '#', name)  # numbered pools: one line each
        x = s[s.rindex(')') + 2:].split()
        switches = sum(int(l.split()[1]) for l in st.splitlines() if 'ctxt_switches:' in l)
        t, c = out.get(name, (0, 0))
        out[name] = (t + int(x[11]) + int(x[12]), c + switches)
    return out


def syscalls_by_thread(path):
    """perf trace -s's summary: {thread name: {system call: calls}}, the
    threads of one name added up."""
    out = {}
    name = None
    try:
        text = open(path).read()
    except OSError:
        return out
    for line in text.splitlines():
        m = re.match(r'^ (\S.*) \(\d+\), \d+ events', line)
        if m:
            name = m.group(1)
            continue
        m = re.match(r'^ {3}([a-z_0-9]+) +(\d+) ', line)
        if m and name is not None and m.group(1) != 'syscall':
            calls = out.setdefault(name, {})
            calls[m.group(1)] = calls.get(m.group(1), 0) + int(m.group(2))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--harness', required=True)
    ap.add_argument('--bun', required=True)
    ap.add_argument('--url', required=True)
    ap.add_argument('--header', required=True)
    ap.add_argument('--metrics', required=True)
    ap.add_argument('--bot-pid', type=int, required=True)
    ap.add_argument('--rates', required=True)
    ap.add_argument('--duration', type=float, required=True)
    ap.add_argument('--users', type=int, required=True)
    ap.add_argument('--label', default='')
    ap.add_argument('--out', required=True)
    a = ap.parse_args()
    sys.path.insert(0, a.harness)
    import bench  # the harness's own idle detection and tick reading

    fake_tg = 'http://127.0.0.1:18081'
    base = [a.bun, os.path.join(a.harness, 'driver.ts'), '--url', a.url, '--header', a.header,
            '--text', '/ln', '--fake-tg', fake_tg, '--drain', '5', '--quiet',
            '--pid', f'bot:{a.bot_pid}']
    # A short warm-up from the last users of the range (connections, caches of
    # the process itself, not of these users' data).
    subprocess.run(base + ['--rate', '50', '--duration', '3', '--users', '150',
                           '--user-base', str(100000001 + a.users - 150), '--label', 'warmup'],
                   stdout=subprocess.DEVNULL, check=True)
    print(f'\n## {a.label}\n')
    print('| offered /ln/s | answered within 1 s | answered "busy" | p50 ms | p99 ms '
          '| node CPU ms/reply | Last.fm calls/reply | RSS MB before / peak / after |')
    print('|---|---|---|---|---|---|---|---|')
    cursor = 0
    methods = []
    d_threads = []
    d_syscalls = []
    times = []
    for rate in [float(r) for r in a.rates.split(',')]:
        n = int(rate * a.duration)
        if cursor + n > a.users - 150:
            cursor = 0
        bench.wait_idle(a.bot_pid, fake_tg)
        m0 = scrape(a.metrics)
        t0, o0, f0, r0 = bench.ticks(a.bot_pid), outcomes(m0), fm_calls(), rss_mb(a.bot_pid)
        th0 = threads(a.bot_pid)
        # BENCH_PERF=1: a call-graph profile of the node while the rate runs,
        # next to the table (perf report -i ...).
        perf = None
        if os.environ.get('BENCH_PERF') == '1':
            perf = subprocess.Popen(
                ['perf', 'record', '-q', '-F', '999', '-g', '-p', str(a.bot_pid), '-o',
                 os.path.join(os.path.dirname(a.out), f'perf-{a.label}-{rate:g}.data'),
                 '--', 'sleep', str(a.duration)],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        # BENCH_SYSCALLS=1: the node's system calls while the rate runs, by
        # thread (perf trace -s); the tracing slows the node, so that run's
        # CPU and latency are not comparable with an untraced one.
        trace = None
        trace_out = os.path.join(os.path.dirname(a.out), f'syscalls-{a.label}-{rate:g}.txt')
        if os.environ.get('BENCH_SYSCALLS') == '1':
            trace = subprocess.Popen(['perf', 'trace', '-s', '-p', str(a.bot_pid), '-o', trace_out],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        p = subprocess.run(base + ['--rate', str(rate), '--duration', str(a.duration),
                                   '--users', str(n), '--user-base', str(100000001 + cursor),
                                   '--label', f'{a.label}@{rate:g}'],
                           capture_output=True, text=True, check=True)
        cursor += n
        if perf is not None:
            perf.wait()
        if trace is not None:
            trace.send_signal(signal.SIGINT)
            trace.wait()
        d = json.loads(p.stdout.strip().splitlines()[-1])
        bench.wait_idle(a.bot_pid, fake_tg)
        m1 = scrape(a.metrics)
        t1, o1, f1, r1 = bench.ticks(a.bot_pid), outcomes(m1), fm_calls(), rss_mb(a.bot_pid)
        th1 = threads(a.bot_pid)
        # The node's whole /metrics after the run, for what the table leaves out.
        with open(os.path.join(os.path.dirname(a.out), f'metrics-{a.label}-{rate:g}.txt'), 'w') as f:
            f.write(m1)
        # Where the latency went, by the node's own histograms: its commands,
        # and within them the one Last.fm call of each (the fake's answer,
        # on the same two cores, plus our HTTP client's line).
        cmd = [buckets(m, 'lastgram_command_duration_seconds') for m in (m0, m1)]
        fm = [buckets(m, 'lastgram_lastfm_call_duration_seconds', 'user.getRecentTracks')
              for m in (m0, m1)]
        times.append((rate, d.get('machine_cpu_busy_pct'),
                      [quantile_bound(cmd[0], cmd[1], q) for q in (0.5, 0.99)],
                      [quantile_bound(fm[0], fm[1], q) for q in (0.5, 0.99)]))
        replies = max(1, d['replies'])
        by_method = {k: v - f0.get(k, 0) for k, v in f1.items() if v - f0.get(k, 0)}
        calls = sum(by_method.values())
        busy = o1.get('busy', 0) - o0.get('busy', 0)
        cpu_ms = (t1 - t0) / CLK_TCK * 1000 / replies
        lm = d['latency_ms']
        print(f"| {rate:g} | {d['frac_within_1s'] * 100:.1f} % | {busy:.0f} of {d['replies']} "
              f"| {lm['p50']} | {lm['p99']} | {cpu_ms:.2f} | {calls / replies:.2f} "
              f"| {r0:.1f} / {d['procs']['bot']['rss_max_mb']} / {r1:.1f} |", flush=True)
        d.update(busy=busy, node_cpu_ms_per_reply=cpu_ms, lastfm_calls=calls, lastfm_calls_by_method=by_method,
                 rss_before_mb=r0, rss_after_mb=r1, outcomes={k: o1.get(k, 0) - o0.get(k, 0) for k in o1})
        with open(a.out, 'a') as f:
            f.write(json.dumps(d) + '\n')
        methods.append((rate, by_method))
        per_thread = {k: ((v[0] - th0.get(k, (0, 0))[0]) / CLK_TCK * 1000 / replies,
                          (v[1] - th0.get(k, (0, 0))[1]) / replies) for k, v in th1.items()}
        d_threads.append((rate, per_thread))
        if trace is not None:
            d_syscalls.append((rate, syscalls_by_thread(trace_out), replies))
    print('\nLast.fm calls by method, per run: ' + '; '.join(
        f"{rate:g}/s: " + ', '.join(f'{k} {v:g}' for k, v in sorted(m.items())) for rate, m in methods))

    def bound(x):
        return 'none' if x is None else f'≤ {x:g} ms'

    print('\nWhere the latency went, per run (machine busy; the node\'s histograms, bucket bounds): '
          + '; '.join(f"{rate:g}/s: machine {busy} % busy, command p50 {bound(c[0])}, p99 {bound(c[1])}"
                      f", of which the Last.fm call p50 {bound(f[0])}, p99 {bound(f[1])}"
                      for rate, busy, c, f in times))

    print('\nNode CPU ms and context switches per reply, by thread name, per run:')
    for rate, per in d_threads:
        busy_threads = sorted(((k, v) for k, v in per.items() if v[0] > 0.005 or v[1] > 0.05),
                              key=lambda kv: -kv[1][0])
        print(f"  {rate:g}/s: " + ', '.join(f'{k} {v[0]:.3f} ms / {v[1]:.1f}' for k, v in busy_threads))

    if d_syscalls:
        print('\nSystem calls per reply, by thread name (BENCH_SYSCALLS=1, traced runs):')
        for rate, by_thread, replies in d_syscalls:
            total = sum(sum(c.values()) for c in by_thread.values()) / replies
            print(f"  {rate:g}/s: {total:.1f} in all")
            for name, calls in sorted(by_thread.items(), key=lambda kv: -sum(kv[1].values())):
                shown = [(k, v / replies) for k, v in sorted(calls.items(), key=lambda kv: -kv[1])
                         if v / replies >= 0.1]
                if shown:
                    print(f"    {name}: " + ', '.join(f'{k} {v:.1f}' for k, v in shown))


if __name__ == '__main__':
    main()

#!/usr/bin/env python3
"""Gives the benchmark's registered users an indexed library (bench/fresh_ln.sh --indexed).

For each driver user (Telegram ids from 100000001, Last.fm name benchuserN) it
writes what the indexer would have written for the track the harness's fake
Last.fm plays for that user: the track's entity, the user's indexed play count
(the same number the fake's track.getInfo gives: 1 + FNV-1a(user + 't' + k) mod
400) and a finished index through 1699999000, so the fake's four newest
scrobbles (1699999200..1699999800) are "since the index". The library is not
due again for ten years, so the indexer stays idle during the runs.

  seed_index.py --sqlite FILE --users N [--pool 500]
  seed_index.py --pg URL --users N        (through psql)
"""
import argparse
import subprocess
import sqlite3
import time

INDEXED_THROUGH = 1699999000


def fnv(s):
    """The harness's hash (fake-fm.ts): FNV-1a over UTF-16 code units."""
    h = 2166136261
    for ch in s:
        h ^= ord(ch)
        h = (h * 16777619) & 0xFFFFFFFF
    return h


def rows(users, pool):
    for i in range(users):
        name = f'benchuser{i}'
        k = fnv(name.lower()) % pool
        yield str(100000001 + i), k, 1 + fnv(f'{name}t{k}') % 400


def statements(now, artists):
    later = now + 10 * 365 * 86400
    return [
        "INSERT INTO entities (kind, name, artist_name, normalized_name, normalized_artist)"
        f" SELECT DISTINCT 'track', 'Track ' || track, 'Artist ' || (track % {artists}),"
        f" 'track ' || track, 'artist ' || (track % {artists}) FROM bench_seed"
        " WHERE 1 = 1 ON CONFLICT DO NOTHING",
        "INSERT INTO user_plays (user_id, entity_id, playcount, updated_at)"
        " SELECT u.id, e.id, s.plays, 0 FROM bench_seed s"
        " JOIN users u ON u.platform = 'telegram' AND u.platform_id = s.platform_id"
        " JOIN entities e ON e.kind = 'track' AND e.normalized_name = 'track ' || s.track"
        f" AND e.normalized_artist = 'artist ' || (s.track % {artists})"
        " WHERE 1 = 1 ON CONFLICT (user_id, entity_id) DO UPDATE SET playcount = excluded.playcount,"
        " updated_at = 0",
        "INSERT INTO index_state (user_id, status, last_full_at, last_scrobble_at, next_due_at)"
        f" SELECT u.id, 'done', {now}, {INDEXED_THROUGH}, {later} FROM bench_seed s"
        " JOIN users u ON u.platform = 'telegram' AND u.platform_id = s.platform_id"
        " WHERE 1 = 1 ON CONFLICT (user_id) DO UPDATE SET status = 'done',"
        " last_full_at = excluded.last_full_at, last_scrobble_at = excluded.last_scrobble_at,"
        " next_due_at = excluded.next_due_at",
    ]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--sqlite')
    ap.add_argument('--pg')
    ap.add_argument('--users', type=int, required=True)
    ap.add_argument('--pool', type=int, default=500)
    a = ap.parse_args()
    now = int(time.time())
    artists = max(1, a.pool // 5)
    if a.sqlite:
        db = sqlite3.connect(a.sqlite, timeout=60)
        db.execute('CREATE TEMP TABLE bench_seed (platform_id TEXT, track INTEGER, plays INTEGER)')
        db.executemany('INSERT INTO bench_seed VALUES (?, ?, ?)', rows(a.users, a.pool))
        for s in statements(now, artists):
            db.execute(s)
        db.commit()
        return
    data = ''.join(f'{p}\t{k}\t{n}\n' for p, k, n in rows(a.users, a.pool))
    script = ('CREATE TEMP TABLE bench_seed (platform_id TEXT, track INTEGER, plays BIGINT);\n'
              'COPY bench_seed FROM STDIN;\n' + data + '\\.\n'
              + ';\n'.join(statements(now, artists)) + ';\n')
    subprocess.run(['psql', a.pg, '-q', '-v', 'ON_ERROR_STOP=1'], input=script, text=True,
                   check=True, stdout=subprocess.DEVNULL)


if __name__ == '__main__':
    main()

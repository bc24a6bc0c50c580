#!/usr/bin/env bash
# Starts or stops the throwaway services the tests talk to, on loopback only:
#   services.sh start|stop DIR REDIS_PORT PG_PORT
# redis-server runs from DIR/redis; PostgreSQL is a fresh cluster in DIR/pg with
# a trusting local-only setup and a database "lastgram_test" owned by "lastgram".
set -euo pipefail
action=$1 dir=$2 redis_port=$3 pg_port=$4
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
# As root, PostgreSQL runs as the postgres user, which may not be able to
# reach a build directory under a private home: its cluster lives in /tmp.
if [ "$(id -u)" = 0 ]; then pgroot="/tmp/lastgram-test-pg-$pg_port"; else pgroot="$dir/pg"; fi

start() {
  mkdir -p "$dir/redis"
  stop_quietly
  redis-server --port "$redis_port" --bind 127.0.0.1 --daemonize yes --save '' --appendonly no \
    --dir "$dir/redis" --pidfile "$dir/redis/redis.pid" --logfile "$dir/redis/redis.log"
  for _ in $(seq 50); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done
  redis-cli -p "$redis_port" ping

  rm -rf "$pgroot"; mkdir -p "$pgroot"
  if [ "$(id -u)" = 0 ]; then chown postgres "$pgroot"; fi
  as_pg "$pgbin/initdb" -D "$pgroot/data" -U postgres -A trust --no-sync -E UTF8 >/dev/null
  as_pg "$pgbin/pg_ctl" -D "$pgroot/data" -l "$pgroot/log" -w -t 60 \
    -o "-p $pg_port -k $pgroot -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >/dev/null
  as_pg "$pgbin/psql" -h 127.0.0.1 -p "$pg_port" -U postgres -q -c "CREATE ROLE lastgram LOGIN SUPERUSER"
  as_pg "$pgbin/psql" -h 127.0.0.1 -p "$pg_port" -U postgres -q -c "CREATE DATABASE lastgram_test OWNER lastgram"
  echo "postgres up on 127.0.0.1:$pg_port"
}

stop_quietly() {
  redis-cli -p "$redis_port" shutdown nosave >/dev/null 2>&1 || true
  if [ -f "$pgroot/data/postmaster.pid" ]; then
    as_pg "$pgbin/pg_ctl" -D "$pgroot/data" -m immediate stop >/dev/null 2>&1 || true
  fi
}

case "$action" in
  start) start ;;
  stop) stop_quietly; rm -rf "$pgroot"; echo stopped ;;
  *) echo "usage: $0 start|stop DIR REDIS_PORT PG_PORT" >&2; exit 2 ;;
esac

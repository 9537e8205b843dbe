#!/usr/bin/env bash
# A private PostgreSQL cluster for tests and benchmarks, on 127.0.0.1 only.
# Usage: scripts/postgres.sh install|start|stop|status|createdb NAME
# The cluster lives outside the checkout (the postgres user may not be able to enter it):
# COOPEX_PG_DIR (default /var/tmp/coopex-pg), port COOPEX_PG_PORT (default 5433), role "coopex", trust auth on loopback.
set -euo pipefail

PG_DIR=${COOPEX_PG_DIR:-/var/tmp/coopex-pg}
PG_PORT=${COOPEX_PG_PORT:-5433}
DATA="$PG_DIR/data"
LOG="$PG_DIR/postgres.log"

say() { echo "[postgres] $*"; }

pg_bin() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -n "$dir" ] && echo "$dir"
}

as_postgres() { (cd / && runuser -u postgres -- "$@"); }

install() {
  if [ -z "$(pg_bin)" ]; then
    say "installing Debian's postgresql"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq postgresql >/dev/null
  fi
  say "server binaries: $(pg_bin)"
}

ready() { "$(pg_bin)/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT"; }

start() {
  install
  local bin
  bin=$(pg_bin)
  if ready; then
    say "already running on 127.0.0.1:$PG_PORT"
  else
    if [ ! -s "$DATA/PG_VERSION" ]; then
      say "creating a cluster in $DATA"
      mkdir -p "$PG_DIR"
      chown postgres:postgres "$PG_DIR"
      as_postgres "$bin/initdb" -D "$DATA" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >/dev/null
    fi
    say "starting on 127.0.0.1:$PG_PORT"
    as_postgres "$bin/pg_ctl" -D "$DATA" -l "$LOG" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $PG_DIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
      start >/dev/null || { tail -n 30 "$LOG"; exit 1; }
  fi
  psql_admin -tAc "SELECT 1 FROM pg_roles WHERE rolname = 'coopex'" | grep -q 1 \
    || psql_admin -c "CREATE ROLE coopex LOGIN CREATEDB" >/dev/null
  say "ready: postgresql://coopex@127.0.0.1:$PG_PORT/"
}

psql_admin() { "$(pg_bin)/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 "$@"; }

createdb() {
  local name=$1
  psql_admin -tAc "SELECT 1 FROM pg_database WHERE datname = '$name'" | grep -q 1 \
    || psql_admin -c "CREATE DATABASE \"$name\" OWNER coopex" >/dev/null
  say "database $name ready"
}

stop() {
  local bin
  bin=$(pg_bin) || true
  if [ -n "$bin" ] && [ -s "$DATA/postmaster.pid" ]; then
    say "stopping"
    as_postgres "$bin/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null || true
  else
    say "not running"
  fi
}

status() {
  if [ -n "$(pg_bin)" ] && ready; then say "running on 127.0.0.1:$PG_PORT"; else say "not running"; return 1; fi
}

case "${1:-}" in
  install) install ;;
  start) start ;;
  stop) stop ;;
  status) status ;;
  createdb) start >/dev/null; createdb "${2:?database name}" ;;
  *) echo "usage: $0 install|start|stop|status|createdb NAME" >&2; exit 2 ;;
esac

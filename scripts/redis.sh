#!/usr/bin/env bash
# A private Redis for shared rate limits and short-lived state, on loopback, without persistence.
#
#   scripts/redis.sh install|start|stop|status
#
# Environment: COOPEX_REDIS_PORT (default 6380, beside any system Redis on 6379).
set -euo pipefail

PROJECT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
NAME=redis
PID_FILE="$PROJECT_DIR/var/redis.pid"
LOG_FILE="$PROJECT_DIR/var/log/redis.log"
PORT="${COOPEX_REDIS_PORT:-6380}"
source "$PROJECT_DIR/scripts/daemon.sh"

server() { command -v redis-server || command -v valkey-server || true; }
healthy() { [[ "$(redis-cli -h 127.0.0.1 -p "$PORT" ping 2>/dev/null)" == "PONG" ]]; }

cmd_install() {
  [[ -n "$(server)" ]] && command -v redis-cli >/dev/null && return 0
  say "installing Debian's redis-server"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq redis-server >/dev/null
}

cmd_start() {
  cmd_install
  daemon_start "redis://127.0.0.1:$PORT" "$(server)" --bind 127.0.0.1 --port "$PORT" --save "" --appendonly no \
    --daemonize no --protected-mode yes --dir "$PROJECT_DIR/var"
}

case "${1:-}" in
  install) cmd_install ;;
  start) cmd_start ;;
  stop) daemon_stop ;;
  status) healthy && say "healthy at 127.0.0.1:$PORT" || { say "not running"; exit 1; } ;;
  *) echo "usage: $0 {install|start|stop|status}" >&2; exit 2 ;;
esac

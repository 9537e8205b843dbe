#!/usr/bin/env bash
# Local stripe-mock (https://github.com/stripe/stripe-mock) for tests.
#
#   scripts/stripe-mock.sh install   # go install the pinned version into var/bin (idempotent)
#   scripts/stripe-mock.sh start     # install + run in background, wait until it answers
#   scripts/stripe-mock.sh stop      # stop it (by pid file; idempotent)
#   scripts/stripe-mock.sh status    # exit 0 if it answers HTTP requests
#
# Point the Python library at it with:
#   stripe.StripeClient("sk_test_123", base_addresses={"api": "http://127.0.0.1:12111"})
#
# Environment:
#   STRIPE_MOCK_PORT        HTTP port (default 12111), bound to 127.0.0.1
#   STRIPE_MOCK_HTTPS_PORT  HTTPS port (default 12112), bound to 127.0.0.1. stripe-mock
#                           cannot turn HTTPS off when given -http-addr, so it is bound
#                           explicitly to loopback instead of the default all-interfaces.
#   GO                      go binary (default: go on PATH, else /usr/local/go/bin/go)
set -euo pipefail

# Pinned release. Its embedded OpenAPI spec (embedded/openapi/spec3.json) is API
# version 2026-08-26.dahlia == the version pinned by the Python `stripe` 15.6.x
# series. (Newest release on the module proxy at the time of pinning.)
STRIPE_MOCK_VERSION="v0.203.0"
STRIPE_MOCK_MODULE="github.com/stripe/stripe-mock"

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PROJECT_DIR="$(cd "$SCRIPT_DIR/.." && pwd)"
VAR_DIR="$PROJECT_DIR/var"
BIN_DIR="$VAR_DIR/bin"
BIN="$BIN_DIR/stripe-mock"
STAMP="$BIN_DIR/stripe-mock.version"
PID_FILE="$VAR_DIR/stripe-mock.pid"
LOG_DIR="$VAR_DIR/log"
LOG_FILE="$LOG_DIR/stripe-mock.log"

HOST="127.0.0.1"
PORT="${STRIPE_MOCK_PORT:-12111}"
HTTPS_PORT="${STRIPE_MOCK_HTTPS_PORT:-12112}"
URL="http://$HOST:$PORT"
START_TIMEOUT=30

log() { printf '[stripe-mock] %s\n' "$*"; }
die() { printf '[stripe-mock] ERROR: %s\n' "$*" >&2; exit 1; }

find_go() {
  if [[ -n "${GO:-}" ]]; then
    printf '%s\n' "$GO"
  elif command -v go >/dev/null 2>&1; then
    command -v go
  elif [[ -x /usr/local/go/bin/go ]]; then
    printf '%s\n' /usr/local/go/bin/go
  else
    die "go not found (set GO=/path/to/go)"
  fi
}

healthy() {
  curl -sf -o /dev/null --max-time 2 -u sk_test_123: "$URL/v1/customers"
}

# Process exists and is not a zombie (a child that died during startup stays a
# zombie of this script until it exits, and kill -0 still succeeds on it).
alive() {
  kill -0 "$1" 2>/dev/null || return 1
  local state
  state="$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null || true)"
  [[ "$state" != "Z" ]]
}

# Prints the pid from the pid file if that process is alive and is our binary.
running_pid() {
  [[ -f "$PID_FILE" ]] || return 1
  local pid exe
  pid="$(cat "$PID_FILE" 2>/dev/null || true)"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  alive "$pid" || return 1
  exe="$(readlink "/proc/$pid/exe" 2>/dev/null || true)"
  [[ -z "$exe" || "${exe% (deleted)}" == "$BIN" ]] || return 1
  printf '%s\n' "$pid"
}

# Print (to stderr) what this run appended to the log, at most 40 lines.
show_log_since() {
  { tail -c "+$(($1 + 1))" "$LOG_FILE" | tail -n 40; echo; } >&2 || true
}

cmd_install() {
  if [[ -x "$BIN" && -f "$STAMP" && "$(cat "$STAMP")" == "$STRIPE_MOCK_VERSION" ]]; then
    log "$STRIPE_MOCK_VERSION already installed at $BIN"
    return 0
  fi
  local go start=$SECONDS
  go="$(find_go)"
  mkdir -p "$BIN_DIR"
  rm -f "$STAMP"
  log "installing $STRIPE_MOCK_MODULE@$STRIPE_MOCK_VERSION into $BIN_DIR ($("$go" version))"
  # -X main.version makes `stripe-mock -version` (and its startup banner) report the pin.
  GOBIN="$BIN_DIR" GOTOOLCHAIN=local "$go" install \
    -ldflags "-X main.version=$STRIPE_MOCK_VERSION" \
    "$STRIPE_MOCK_MODULE@$STRIPE_MOCK_VERSION"
  [[ -x "$BIN" ]] || die "go install did not produce $BIN"
  printf '%s\n' "$STRIPE_MOCK_VERSION" > "$STAMP"
  log "installed $STRIPE_MOCK_VERSION in $((SECONDS - start))s"
}

cmd_start() {
  local pid
  if healthy; then
    if pid="$(running_pid)"; then
      log "already running and healthy at $URL (pid $pid)"
    else
      log "already healthy at $URL (not started by this script: no live pid in $PID_FILE)"
    fi
    return 0
  fi
  if pid="$(running_pid)"; then
    die "pid $pid is running but $URL does not answer (wrong STRIPE_MOCK_PORT? still starting?); see $LOG_FILE or run: $0 stop"
  fi
  rm -f "$PID_FILE"

  cmd_install
  mkdir -p "$LOG_DIR"
  log "starting $BIN on $URL (https on $HOST:$HTTPS_PORT), log: $LOG_FILE"
  printf '\n=== %s start %s (http %s:%s, https %s:%s)\n' \
    "$(date -Is)" "$STRIPE_MOCK_VERSION" "$HOST" "$PORT" "$HOST" "$HTTPS_PORT" >> "$LOG_FILE"
  local log_offset
  log_offset="$(stat -c %s "$LOG_FILE")"
  # New session so the daemon outlives the calling shell / process group; the
  # inner shell writes its own pid then execs stripe-mock (same pid).
  # PORT is unset because stripe-mock falls back to $PORT for its default listener.
  # shellcheck disable=SC2016  # $$ / $1 are for the inner shell
  env -u PORT setsid bash -c 'echo $$ > "$1"; shift; exec "$@"' _ "$PID_FILE" \
    "$BIN" -http-addr "$HOST:$PORT" -https-addr "$HOST:$HTTPS_PORT" \
    >> "$LOG_FILE" 2>&1 < /dev/null &

  local deadline=$((SECONDS + START_TIMEOUT))
  while (( SECONDS < deadline )); do
    if healthy; then
      pid="$(cat "$PID_FILE" 2>/dev/null || echo '?')"
      log "healthy at $URL (pid $pid) after $((START_TIMEOUT - (deadline - SECONDS)))s"
      return 0
    fi
    # (not running_pid: until the exec the pid's exe is still bash)
    pid="$(cat "$PID_FILE" 2>/dev/null || true)"
    if [[ -n "$pid" ]] && ! alive "$pid"; then
      show_log_since "$log_offset"
      rm -f "$PID_FILE"
      die "stripe-mock exited during startup; see $LOG_FILE"
    fi
    sleep 0.5
  done
  show_log_since "$log_offset"
  die "stripe-mock did not answer at $URL within ${START_TIMEOUT}s (still running; $0 stop to kill it)"
}

cmd_stop() {
  local pid
  if ! pid="$(running_pid)"; then
    rm -f "$PID_FILE"
    log "not running (no live pid in $PID_FILE)"
    if healthy; then log "note: something else still answers at $URL"; fi
    return 0
  fi
  log "stopping pid $pid"
  kill -TERM "$pid" 2>/dev/null || true
  local _
  for _ in $(seq 1 50); do
    alive "$pid" || break
    sleep 0.2
  done
  if alive "$pid"; then
    log "pid $pid ignored SIGTERM; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$PID_FILE"
  log "stopped"
}

cmd_status() {
  local pid
  if healthy; then
    if pid="$(running_pid)"; then
      log "healthy at $URL (pid $pid, $(cat "$STAMP" 2>/dev/null || echo 'unknown version'))"
    else
      log "healthy at $URL (not managed by this script)"
    fi
    return 0
  fi
  if pid="$(running_pid)"; then
    log "pid $pid is running but $URL does not answer (started with another STRIPE_MOCK_PORT?)"
  else
    log "not running"
  fi
  return 1
}

case "${1:-}" in
  install) cmd_install ;;
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  *) echo "usage: $0 {install|start|stop|status}" >&2; exit 2 ;;
esac

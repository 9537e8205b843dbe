#!/usr/bin/env bash
# Shared by the service scripts (mailpit.sh, redis.sh): start a daemon in its own session with a pid file,
# wait until it answers, stop it by its pid file. Source it after setting NAME, PID_FILE, LOG_FILE and
# defining `healthy`.

say() { printf '[%s] %s\n' "$NAME" "$*"; }
die() { printf '[%s] ERROR: %s\n' "$NAME" "$*" >&2; exit 1; }

# The process exists and is not a zombie left by a failed start.
alive() {
  kill -0 "$1" 2>/dev/null || return 1
  [[ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null || true)" != "Z" ]]
}

running_pid() {
  [[ -f "$PID_FILE" ]] || return 1
  local pid
  pid="$(cat "$PID_FILE" 2>/dev/null || true)"
  [[ "$pid" =~ ^[0-9]+$ ]] && alive "$pid" && printf '%s\n' "$pid"
}

# daemon_start WHERE COMMAND...: run COMMAND detached unless something already answers at WHERE.
daemon_start() {
  local where=$1 pid
  shift
  if healthy; then
    say "already running at $where"
    return 0
  fi
  if pid="$(running_pid)"; then
    die "pid $pid is running but $where does not answer; see $LOG_FILE or run: $0 stop"
  fi
  mkdir -p "$(dirname "$PID_FILE")" "$(dirname "$LOG_FILE")"
  # A pid file left by a process that died (killed, crashed) would be read below before the new one is written.
  rm -f "$PID_FILE"
  printf '\n=== %s start\n' "$(date -Is)" >> "$LOG_FILE"
  # shellcheck disable=SC2016  # $$ and $1 belong to the inner shell
  setsid bash -c 'echo $$ > "$1"; shift; exec "$@"' _ "$PID_FILE" "$@" >> "$LOG_FILE" 2>&1 < /dev/null &
  local deadline=$((SECONDS + 30))
  while (( SECONDS < deadline )); do
    if healthy; then
      say "healthy at $where (pid $(cat "$PID_FILE"))"
      return 0
    fi
    pid="$(cat "$PID_FILE" 2>/dev/null || true)"
    if [[ -n "$pid" ]] && ! alive "$pid"; then
      tail -n 20 "$LOG_FILE" >&2
      rm -f "$PID_FILE"
      die "exited during start-up; see $LOG_FILE"
    fi
    sleep 0.3
  done
  die "did not answer at $where within 30 s; see $LOG_FILE"
}

daemon_stop() {
  local pid
  if ! pid="$(running_pid)"; then
    rm -f "$PID_FILE"
    say "not running"
    return 0
  fi
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do alive "$pid" || break; sleep 0.2; done
  alive "$pid" && kill -KILL "$pid" 2>/dev/null
  rm -f "$PID_FILE"
  say "stopped"
}

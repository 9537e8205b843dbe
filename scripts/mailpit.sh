#!/usr/bin/env bash
# Mailpit (https://mailpit.axllent.org): a real SMTP server with a web inbox and a JSON API, on loopback.
# The app delivers its mail to it in development and tests; tests read what was sent through its API.
#
#   scripts/mailpit.sh install|start|stop|status
#
# Environment: MAILPIT_SMTP_PORT (default 1025), MAILPIT_HTTP_PORT (default 8025), GO (default: go on PATH).
set -euo pipefail

MAILPIT_VERSION="v1.33.1"
MAILPIT_MODULE="github.com/axllent/mailpit"

PROJECT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
NAME=mailpit
BIN_DIR="$PROJECT_DIR/var/bin"
BIN="$BIN_DIR/mailpit"
STAMP="$BIN_DIR/mailpit.version"
PID_FILE="$PROJECT_DIR/var/mailpit.pid"
LOG_FILE="$PROJECT_DIR/var/log/mailpit.log"
SMTP="127.0.0.1:${MAILPIT_SMTP_PORT:-1025}"
HTTP="127.0.0.1:${MAILPIT_HTTP_PORT:-8025}"
source "$PROJECT_DIR/scripts/daemon.sh"

healthy() { curl -sf -o /dev/null --max-time 2 "http://$HTTP/api/v1/info"; }

cmd_install() {
  if [[ -x "$BIN" && "$(cat "$STAMP" 2>/dev/null)" == "$MAILPIT_VERSION" ]]; then
    return 0
  fi
  local go
  go="${GO:-$(command -v go || echo /usr/local/go/bin/go)}"
  [[ -x "$go" ]] || die "go not found (set GO=/path/to/go)"
  say "installing $MAILPIT_MODULE@$MAILPIT_VERSION into $BIN_DIR (about a minute and a half the first time)"
  mkdir -p "$BIN_DIR"
  GOBIN="$BIN_DIR" GOTOOLCHAIN=local "$go" install "$MAILPIT_MODULE@$MAILPIT_VERSION"
  printf '%s\n' "$MAILPIT_VERSION" > "$STAMP"
}

cmd_start() {
  healthy && { say "already running: inbox http://$HTTP"; return 0; }
  cmd_install
  # 20,000 messages kept (the test suite sends a few thousand); no database file: the inbox is for looking, not keeping.
  daemon_start "http://$HTTP" "$BIN" --smtp "$SMTP" --listen "$HTTP" --max 20000 --disable-version-check --quiet
  say "SMTP $SMTP, inbox http://$HTTP"
}

case "${1:-}" in
  install) cmd_install ;;
  start) cmd_start ;;
  stop) daemon_stop ;;
  status) healthy && say "healthy: inbox http://$HTTP" || { say "not running"; exit 1; } ;;
  *) echo "usage: $0 {install|start|stop|status}" >&2; exit 2 ;;
esac

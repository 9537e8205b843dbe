#!/usr/bin/env bash
# Debian's chromium for headless browser tests driven by the venv's Playwright.
#
#   scripts/chromium.sh install   # apt-get install chromium + fonts (idempotent, needs root)
#   scripts/chromium.sh check     # launch it headless via Playwright, print OK
#
# Playwright cannot download its own browser here, so tests must pass
# executable_path=/usr/bin/chromium (see CHROMIUM_ARGS below for the flags).
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PROJECT_DIR="$(cd "$SCRIPT_DIR/.." && pwd)"
VENV_PY="${VENV_PY:-$PROJECT_DIR/.venv/bin/python}"
CHROMIUM_BIN="${CHROMIUM_BIN:-/usr/bin/chromium}"

# Packages: the browser itself plus fonts so screenshots have readable text
# (fonts-liberation = Arial/Times/Courier metric-compatible, normally only a
# Recommends of chromium, which we skip to avoid pulling in desktop bits).
APT_PACKAGES=(chromium fonts-liberation fonts-dejavu-core)

log() { printf '[chromium] %s\n' "$*"; }
die() { printf '[chromium] ERROR: %s\n' "$*" >&2; exit 1; }

missing_packages() {
  local p
  for p in "${APT_PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
      printf '%s\n' "$p"
    fi
  done
}

cmd_install() {
  local missing=()
  mapfile -t missing < <(missing_packages)
  if [[ -x "$CHROMIUM_BIN" && ${#missing[@]} -eq 0 ]]; then
    log "already installed: $("$CHROMIUM_BIN" --version 2>/dev/null || echo "$CHROMIUM_BIN")"
    return 0
  fi
  [[ $(id -u) -eq 0 ]] || die "must run as root to apt-get install: ${missing[*]:-chromium}"
  [[ ${#missing[@]} -gt 0 ]] || missing=(chromium)   # binary missing but dpkg says installed
  export DEBIAN_FRONTEND=noninteractive
  local start=$SECONDS
  log "apt-get update"
  apt-get update -q
  log "apt-get install -y --no-install-recommends ${missing[*]}"
  apt-get install -y -q --no-install-recommends \
    -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
    "${missing[@]}"
  [[ -x "$CHROMIUM_BIN" ]] || die "$CHROMIUM_BIN still missing after install"
  log "installed $("$CHROMIUM_BIN" --version 2>/dev/null) in $((SECONDS - start))s"
}

cmd_check() {
  [[ -x "$CHROMIUM_BIN" ]] || die "$CHROMIUM_BIN not found; run: $0 install"
  [[ -x "$VENV_PY" ]] || die "python venv not found at $VENV_PY"
  CHROMIUM_BIN="$CHROMIUM_BIN" "$VENV_PY" - <<'PY'
import os
import urllib.parse
from playwright.sync_api import sync_playwright

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
html = "<!doctype html><title>coopex-check</title><h1>Hello from chromium</h1>"
with sync_playwright() as p:
    browser = p.chromium.launch(
        executable_path=os.environ["CHROMIUM_BIN"],
        headless=True,
        args=CHROMIUM_ARGS,
    )
    try:
        page = browser.new_page()
        page.goto("data:text/html;charset=utf-8," + urllib.parse.quote(html))
        title = page.title()
        text = page.inner_text("h1")
        assert title == "coopex-check", title
        assert text == "Hello from chromium", text
        print(f"OK chromium {browser.version}: title={title!r}")
    finally:
        browser.close()
PY
}

case "${1:-}" in
  install) cmd_install ;;
  check) cmd_check ;;
  *) echo "usage: $0 {install|check}" >&2; exit 2 ;;
esac

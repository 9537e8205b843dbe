#!/usr/bin/env bash
# What a production site runs, on loopback, in the production configuration: nginx in front of two gunicorn app
# servers, the --watch workers (two search sync workers among them), a 3-node OpenSearch cluster keeping one replica of
# each shard, its own Redis, and a PostgreSQL database of its own. bench/topology.py drives it while it loses a node.
#
#   scripts/topology.sh start [NAME...]   start what is not running (everything, or the processes named); idempotent
#   scripts/topology.sh stop [NAME...]    stop everything (or the processes named); the database is kept
#   scripts/topology.sh status            each process with its pid and resident memory; exit 1 if one is down
#   scripts/topology.sh kill NAME         SIGKILL a process with its children, as a crash would (bench/topology.py)
#
# Names: nginx, app-1, app-2, the workers of WORKERS below, redis, search (the cluster), search-1, search-2, search-3.
# Everything lives under var/topology/ (pids, logs, the environment file, the nodes' data) and on ports of its own, so
# it runs beside the development services (PostgreSQL 5433 is shared: the topology has its database coopex_topology):
#   nginx 127.0.0.1:8480 -> app servers 8481, 8482; OpenSearch 9500-9502 (transport 10500-10502); Redis 6390.
# Stripe: the production configuration refuses test keys and stripe-mock accepts only those, so the topology's calls to
# Stripe (new donations' Checkout, refunds at settlement) fail; webhooks (signed with the topology's own secret, kept in
# the environment file) need no call to Stripe.
#
# Environment: TOPOLOGY_HTTP_PORT (8480), TOPOLOGY_REDIS_PORT (6390), TOPOLOGY_SEARCH_HEAP (512m per node),
# TOPOLOGY_APP_WORKERS (gunicorn sync workers per app server, 2).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
TOPO="$ROOT/var/topology"
RUN="$TOPO/run"
LOGS="$TOPO/log"
ENV_FILE="$TOPO/coopex.env"
HTTP_PORT="${TOPOLOGY_HTTP_PORT:-8480}"
APP_PORTS=("$((HTTP_PORT + 1))" "$((HTTP_PORT + 2))")
APP_WORKERS="${TOPOLOGY_APP_WORKERS:-2}"
REDIS_PORT="${TOPOLOGY_REDIS_PORT:-6390}"
DATABASE=coopex_topology
PG_PORT=5433
# search/node/node.sh's 3-node cluster listens on SEARCH_PORT+100..+102: 9500..9502, in a directory of its own.
NODE_ENV=(SEARCH_PORT=9400 "SEARCH_HEAP=${TOPOLOGY_SEARCH_HEAP:-512m}" "SEARCH_CLUSTER_DIR=$TOPO/opensearch"
          SEARCH_CLUSTER_NAME=coopex-topology)
SEARCH_NODES="http://127.0.0.1:9500,http://127.0.0.1:9501,http://127.0.0.1:9502"
FLASK=(.venv/bin/flask --app wsgi)

# The workers a production site runs (scripts/run.sh starts the same ones in development), as NAME|flask arguments.
# A name starting with "?" is started only if this checkout has its command.
WORKERS=(
  "search-sync-1|search sync --watch --interval 1"
  "search-sync-2|search sync --watch --interval 1"
  "alerts|alerts percolate --watch --interval 2"
  "campaigns|campaigns close-due --watch --interval 60"
  "mail|mail deliver --watch --interval 2"
  "trade|trade complete-orders --watch --interval 3600"
  "tenders|tenders conclude-awards --watch --interval 300"
  "digest|notices digest --watch --interval 60"
  # The webhook inbox's worker (issue 17, part 2): Stripe events stored by the endpoint are applied here.
  "?payments|payments apply --watch"
  # Forgets the API's Idempotency-Keys after 24 hours (issue 17, part 6).
  "?api-keys|api forget-keys --watch --interval 3600"
)

NAME=topology
PID_FILE=/dev/null
LOG_FILE=/dev/null
source "$ROOT/scripts/daemon.sh"

worker_names() { local entry; for entry in "${WORKERS[@]}"; do entry="${entry%%|*}"; echo "${entry#\?}"; done; }
worker_entry() {
  local entry
  for entry in "${WORKERS[@]}"; do
    if [[ "${entry%%|*}" == "$1" || "${entry%%|*}" == "?$1" ]]; then echo "$entry"; fi
  done
}
app_port() { echo "${APP_PORTS[$((${1#app-} - 1))]}"; }

# NAME, PID_FILE and LOG_FILE of daemon.sh for one process.
process() { NAME="$1"; PID_FILE="$RUN/$1.pid"; LOG_FILE="$LOGS/$1.log"; }

healthy() {
  case "$NAME" in
    nginx) curl -fs -o /dev/null --max-time 2 "http://127.0.0.1:$HTTP_PORT/static/favicon.svg" ;;
    app-*) curl -fs -o /dev/null --max-time 2 "http://127.0.0.1:$(app_port "$NAME")/healthz" ;;
    redis) [[ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null)" == "PONG" ]] ;;
    *) running_pid >/dev/null ;;  # a worker is healthy while it runs: it logs and retries its own failures
  esac
}

# The environment of every process, as systemd's EnvironmentFile would give it (deploy/systemd/): made once, then kept
# (the secret key signs sessions; the webhook secret is the one bench/topology.py signs with).
write_environment() {
  [[ -s "$ENV_FILE" ]] && return 0
  mkdir -p "$TOPO"
  local secret webhook
  secret="$(.venv/bin/python -c 'import secrets; print(secrets.token_hex(32))')"
  webhook="whsec_$(.venv/bin/python -c 'import secrets; print(secrets.token_hex(24))')"
  cat > "$ENV_FILE" <<EOF
COOPEX_CONFIG=production
SECRET_KEY=$secret
DATABASE_URL=postgresql://coopex@127.0.0.1:$PG_PORT/$DATABASE
SEARCH_URL=$SEARCH_NODES
SEARCH_INDEX_PREFIX=coopex-topology
SEARCH_REPLICAS=1
STRIPE_SECRET_KEY=sk_live_topology_not_a_real_key
STRIPE_WEBHOOK_SECRET=$webhook
STRIPE_API_BASE=http://127.0.0.1:12111
SERVER_NAME=127.0.0.1:$HTTP_PORT
PREFERRED_URL_SCHEME=http
PUBLIC_BASE_URL=http://127.0.0.1:$HTTP_PORT
MAIL_SERVER=127.0.0.1
MAIL_PORT=1025
MAIL_USE_TLS=false
MAIL_TAG=topology
RATELIMIT_STORAGE_URI=redis://127.0.0.1:$REDIS_PORT/0
RATELIMIT_KEY_PREFIX=coopex-topology
PROXY_FIX_HOPS=1
RECEIPTS_DIR=$TOPO/files/receipts
ATTACHMENTS_DIR=$TOPO/files/attachments
TENDER_FILES_DIR=$TOPO/files/tender-files
EOF
  say "environment written to ${ENV_FILE#"$ROOT"/}"
}

load_environment() { set -a; source "$ENV_FILE"; set +a; }

# ------------------------------------------------------------------------------------------------------------ start
start_redis() {
  process redis
  mkdir -p "$TOPO/redis"
  scripts/redis.sh install >/dev/null
  daemon_start "redis://127.0.0.1:$REDIS_PORT" "$(command -v redis-server || command -v valkey-server)" \
    --bind 127.0.0.1 --port "$REDIS_PORT" --save "" --appendonly no --daemonize no --protected-mode yes --dir "$TOPO/redis"
}

start_database() {
  NAME=postgres
  scripts/postgres.sh createdb "$DATABASE" >/dev/null
  "${FLASK[@]}" db upgrade > "$LOGS/migrate.log" 2>&1 || { tail -n 20 "$LOGS/migrate.log" >&2; die "flask db upgrade failed"; }
  "${FLASK[@]}" reference load > /dev/null
  say "database $DATABASE migrated, reference data loaded"
}

start_search() { env "${NODE_ENV[@]}" search/node/node.sh start --nodes 3; }

start_app() {
  process "$1"
  daemon_start "http://127.0.0.1:$(app_port "$1")" .venv/bin/gunicorn -c gunicorn.conf.py -w "$APP_WORKERS" \
    -b "127.0.0.1:$(app_port "$1")" --timeout 30 --graceful-timeout 20 --worker-tmp-dir /dev/shm --no-control-socket wsgi:app
}

start_worker() {
  local entry arguments
  entry="$(worker_entry "$1")"
  arguments="${entry#*|}"
  process "$1"
  # shellcheck disable=SC2086  # the arguments are words
  if [[ "$entry" == \?* ]] && ! "${FLASK[@]}" ${arguments%% --watch*} --help >/dev/null 2>&1; then
    say "not in this checkout (flask ${arguments%% --watch*}): not started"
    return 0
  fi
  # shellcheck disable=SC2086
  daemon_start "flask $arguments" "${FLASK[@]}" $arguments
}

render_nginx() {
  local prefix="$TOPO/nginx" bootstrap
  mkdir -p "$prefix/logs" "$prefix/tmp"
  : > "$prefix/tls-none.conf"  # loopback: plain HTTP
  bootstrap="$(.venv/bin/python -c 'import pathlib, flask_bootstrap; print(pathlib.Path(flask_bootstrap.__file__).parent / "static")')"
  COOPEX_LISTEN="127.0.0.1:$HTTP_PORT" COOPEX_SERVER_NAME=127.0.0.1 COOPEX_APP_1="127.0.0.1:${APP_PORTS[0]}" \
    COOPEX_APP_2="127.0.0.1:${APP_PORTS[1]}" COOPEX_ROOT="$ROOT" COOPEX_BOOTSTRAP_STATIC="$bootstrap" \
    COOPEX_TLS_CONF="$prefix/tls-none.conf" COOPEX_NGINX_USER=www-data \
    envsubst '${COOPEX_LISTEN} ${COOPEX_SERVER_NAME} ${COOPEX_APP_1} ${COOPEX_APP_2} ${COOPEX_ROOT} ${COOPEX_BOOTSTRAP_STATIC} ${COOPEX_TLS_CONF} ${COOPEX_NGINX_USER}' \
    < deploy/nginx.conf > "$prefix/nginx.conf"
}

install_nginx() {
  command -v nginx >/dev/null && command -v envsubst >/dev/null && return 0
  say "installing Debian's nginx"
  export DEBIAN_FRONTEND=noninteractive
  { apt-get update -qq && apt-get install -y -qq nginx gettext-base >/dev/null; } \
    || die "nginx could not be installed: apt-get install -y nginx gettext-base (Debian's packages)"
}

start_nginx() {
  process nginx
  install_nginx
  render_nginx
  nginx -t -q -p "$TOPO/nginx/" -c "$TOPO/nginx/nginx.conf" -e stderr || die "deploy/nginx.conf does not pass nginx -t"
  daemon_start "http://127.0.0.1:$HTTP_PORT" nginx -p "$TOPO/nginx/" -c "$TOPO/nginx/nginx.conf" -e stderr -g "daemon off;"
}

start_one() {
  case "$1" in
    redis) start_redis ;;
    search|search-[123]) start_search ;;
    app-[12]) start_app "$1" ;;
    nginx) start_nginx ;;
    *) [[ -n "$(worker_entry "$1")" ]] || die "no process named $1"; start_worker "$1" ;;
  esac
}

cmd_start() {
  mkdir -p "$RUN" "$LOGS"
  write_environment
  load_environment
  if (( $# )); then
    local name
    for name in "$@"; do start_one "$name"; done
    return 0
  fi
  start_redis
  start_search
  start_database
  "${FLASK[@]}" search status | sed 's/^/[search] /'  # makes the indices that do not exist yet, with their replica
  start_app app-1
  start_app app-2
  local name
  for name in $(worker_names); do start_worker "$name"; done
  start_nginx
  NAME=topology
  say "serving http://127.0.0.1:$HTTP_PORT (app servers ${APP_PORTS[*]}, OpenSearch $SEARCH_NODES); logs in ${LOGS#"$ROOT"/}"
}

# ------------------------------------------------------------------------------------------------------- stop, kill
stop_one() {
  case "$1" in
    search) env "${NODE_ENV[@]}" search/node/node.sh stop --nodes 3 ;;
    search-[123]) env "${NODE_ENV[@]}" search/node/node.sh stop-one "${1#search-}" ;;
    *) process "$1"; daemon_stop ;;
  esac
}

cmd_stop() {
  if (( $# )); then
    local name
    for name in "$@"; do stop_one "$name"; done
    return 0
  fi
  local name
  for name in nginx app-1 app-2 $(worker_names); do stop_one "$name"; done
  stop_one search
  stop_one redis
}

cmd_kill() {
  local pid
  case "${1:?name of the process to kill}" in
    search-[123]) env "${NODE_ENV[@]}" search/node/node.sh kill-one "${1#search-}" ;;
    *)
      process "$1"
      pid="$(running_pid)" || die "not running"
      # Each process leads its own process group (daemon.sh starts it with setsid): the app server's workers go too.
      kill -KILL -- "-$pid"
      say "killed (SIGKILL to process group $pid)"
      ;;
  esac
}

# ----------------------------------------------------------------------------------------------------------- status
rss_mb() {  # resident memory of a process and its children, in MB
  local total=0 pid kb
  for pid in "$1" $(cat "/proc/$1/task/$1/children" 2>/dev/null); do
    kb="$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)"
    total=$((total + ${kb:-0}))
  done
  echo $((total / 1024))
}

cmd_status() {
  local name pid down=0
  for name in redis app-1 app-2 $(worker_names) nginx; do
    process "$name"
    if pid="$(running_pid)"; then
      printf '  %-14s pid %-8s %5s MB\n' "$name" "$pid" "$(rss_mb "$pid")"
    elif [[ "$(worker_entry "$name")" == \?* ]]; then
      printf '  %-14s not running (optional)\n' "$name"
    else
      printf '  %-14s DOWN\n' "$name"
      down=1
    fi
  done
  env "${NODE_ENV[@]}" search/node/node.sh status --nodes 3 | sed 's/^/  /' || down=1
  return "$down"
}

case "${1:-}" in
  start) shift; cmd_start "$@" ;;
  stop) shift; cmd_stop "$@" ;;
  status) cmd_status ;;
  kill) shift; cmd_kill "$@" ;;
  *) sed -n '6,9p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac

#!/usr/bin/env bash
# `make run`: the OpenSearch node, Mailpit, the search worker, the mail worker, the payments worker, the campaign settler
# and the web app, on loopback.
# The database must be ready (make db). If the search node cannot start, the site still runs and
# shows its "search is temporarily unavailable" state; the worker delivers changes once it is back.
set -euo pipefail
cd "$(dirname "$0")/.."
# The app starts as production when COOPEX_CONFIG is unset; `make run` serves the development configuration.
export COOPEX_CONFIG="${COOPEX_CONFIG:-development}"
FLASK=(.venv/bin/flask --app wsgi)
mkdir -p var/log

if ! search/node/node.sh start; then
  echo "[run] WARNING: the search node did not start; search runs in degraded mode"
fi
"${FLASK[@]}" search sync || true
# Donations go to stripe-mock in development (STRIPE_API_BASE); the site runs without it, donating does not.
scripts/stripe-mock.sh start || echo "[run] WARNING: stripe-mock did not start; donations will answer 503"
# Every mail the site sends (address confirmation, password reset, invitations) lands in Mailpit's inbox.
scripts/mailpit.sh start || echo "[run] WARNING: Mailpit did not start; mail waits in the outbox until it does"

"${FLASK[@]}" search sync --watch --interval 2 >> var/log/search-worker.log 2>&1 &
worker=$!
"${FLASK[@]}" alerts percolate --watch --interval 2 >> var/log/alerts-worker.log 2>&1 &
percolator=$!
"${FLASK[@]}" campaigns close-due --watch --interval 60 >> var/log/campaigns-worker.log 2>&1 &
settler=$!
# Development also applies each Stripe event as it is stored (PAYMENTS_APPLY_AT_ONCE); this worker takes any left over.
"${FLASK[@]}" payments apply --watch >> var/log/payments-worker.log 2>&1 &
payer=$!
"${FLASK[@]}" mail deliver --watch --interval 2 >> var/log/mail-worker.log 2>&1 &
mailer=$!
"${FLASK[@]}" trade complete-orders --watch --interval 3600 >> var/log/trade-worker.log 2>&1 &
completer=$!
"${FLASK[@]}" tenders conclude-awards --watch --interval 300 >> var/log/tenders-worker.log 2>&1 &
concluder=$!
"${FLASK[@]}" notices digest --watch --interval 60 >> var/log/digest-worker.log 2>&1 &
digester=$!
"${FLASK[@]}" api forget-keys --watch --interval 3600 >> var/log/api-keys-worker.log 2>&1 &
forgetter=$!
trap 'kill "$worker" "$percolator" "$settler" "$payer" "$mailer" "$completer" "$concluder" "$digester" "$forgetter" 2>/dev/null || true' EXIT INT TERM
echo "[run] search worker pid $worker (log: var/log/search-worker.log)"
echo "[run] alert worker pid $percolator (log: var/log/alerts-worker.log)"
echo "[run] campaign settler pid $settler, every minute (log: var/log/campaigns-worker.log)"
echo "[run] payments worker pid $payer (log: var/log/payments-worker.log)"
echo "[run] order completer pid $completer, every hour (log: var/log/trade-worker.log)"
echo "[run] award concluder pid $concluder, every 5 minutes (log: var/log/tenders-worker.log)"
echo "[run] idempotency key forgetter pid $forgetter, every hour (log: var/log/api-keys-worker.log)"

echo "[run] mail worker pid $mailer (log: var/log/mail-worker.log)"
echo "[run] mail inbox: http://127.0.0.1:${MAILPIT_HTTP_PORT:-8025} (Mailpit: open it to read the confirmation and password mails)"
echo "== serving Coopex on http://127.0.0.1:5000 (Ctrl-C to stop)"
"${FLASK[@]}" run --host 127.0.0.1 --port "${PORT:-5000}"

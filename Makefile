# Coopex: `make run` serves the product with demo data; `make test` runs every test on PostgreSQL and SQLite.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Without COOPEX_CONFIG the app starts as production (and refuses the development secrets): the commands here are for
# the development database unless told otherwise.
FLASK := COOPEX_CONFIG=$${COOPEX_CONFIG:-development} $(BIN)/flask --app wsgi
PG_PORT ?= 5433
TEST_PG_URL := postgresql://coopex@127.0.0.1:$(PG_PORT)/coopex_test
STAMP := $(VENV)/.installed
CATALOGS := $(wildcard app/translations/*/LC_MESSAGES/messages.po)
COMPILED := $(CATALOGS:.po=.mo)

.PHONY: help install services stop run test test-pg test-sqlite bench lint db translations topology topology-stop

help:
	@echo "make run       install, prepare the SQLite database with demo data, start OpenSearch and the search worker, serve http://127.0.0.1:5000"
	@echo "make test      install, start PostgreSQL, OpenSearch, stripe-mock, Mailpit, Redis and Chromium, run all tests on PostgreSQL and SQLite"
	@echo "make install   virtual environment and dependencies only"
	@echo "make services  start the background services (idempotent)"
	@echo "make stop      stop them"
	@echo "make bench     run the benchmarks under bench/ (pages, search, search relevance, tenders, webhooks, accounts, trade, alerts)"
	@echo "make topology  the production topology on loopback: nginx, two app servers, the workers, a 3-node OpenSearch cluster (scripts/topology.sh)"
	@echo "make topology-stop  stop it (its database stays)"
	@echo "make translations  extract the messages to translate and merge them into the fr and es catalogues"

$(STAMP): requirements.txt requirements-dev.txt
	@echo "== installing Python dependencies into $(VENV)"
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/pip install --quiet --upgrade pip
	@$(BIN)/pip install --quiet -r requirements-dev.txt
	@touch $(STAMP)

install: $(STAMP) $(COMPILED)

# The French and Spanish catalogues, compiled for Flask-Babel (the .po files are the source, kept in git).
app/translations/%/LC_MESSAGES/messages.mo: app/translations/%/LC_MESSAGES/messages.po $(STAMP)
	@$(BIN)/pybabel -q compile -l $* -i $< -o $@

translations: install
	@$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k Phrase --no-location --sort-output --project Coopex \
		--copyright-holder Coopex -o app/translations/messages.pot .
	@$(BIN)/pybabel update -i app/translations/messages.pot -d app/translations --no-fuzzy-matching --ignore-obsolete

services: install
	@echo "== starting services"
	@scripts/postgres.sh start
	@search/node/node.sh start
	@scripts/stripe-mock.sh start
	@scripts/mailpit.sh start
	@scripts/redis.sh start

stop:
	@scripts/redis.sh stop
	@scripts/mailpit.sh stop
	@scripts/stripe-mock.sh stop
	@search/node/node.sh stop
	@scripts/postgres.sh stop

db: install
	@echo "== database: migrate, reference data, demo data"
	@$(FLASK) db upgrade
	@$(FLASK) reference load
	@$(FLASK) seed-demo

run: db
	@scripts/run.sh

# What a production site runs, on ports and under var/topology/ of its own (beside the development services);
# bench/topology.py drives it while it loses a search node and an app server.
topology: install
	@scripts/topology.sh start

topology-stop:
	@scripts/topology.sh stop

# They stop and restart the shared search node: they run alone, before the two databases' runs go side by side (test
# sessions share the services otherwise: each has its own index prefix, mail tag, rate-limit prefix and database).
NODE_TESTS := tests/search/test_reliability.py
PG_ENV := COOPEX_TEST_DATABASE_URL=$(TEST_PG_URL) COOPEX_TEST_MIGRATIONS_URL=postgresql://coopex@127.0.0.1:$(PG_PORT)/coopex_migrations

test: services
	@scripts/chromium.sh install
	@scripts/postgres.sh createdb coopex_test
	@scripts/postgres.sh createdb coopex_migrations
	@echo "== the search node's failure tests, on PostgreSQL then SQLite (alone: they restart the shared node)"
	@$(PG_ENV) $(BIN)/pytest $(NODE_TESTS)
	@$(BIN)/pytest $(NODE_TESTS)
	@echo "== every other test on PostgreSQL and on SQLite, side by side (each run's output is shown when it ends)"
	@$(MAKE) --no-print-directory -j2 --output-sync=target test-pg test-sqlite PYTEST_ARGS="--ignore=$(NODE_TESTS)"

test-pg:
	@echo "== tests on PostgreSQL"
	@$(PG_ENV) $(BIN)/pytest $(PYTEST_ARGS)

test-sqlite:
	@echo "== tests on SQLite"
	@$(BIN)/pytest $(PYTEST_ARGS)

bench: services
	@scripts/postgres.sh createdb coopex_bench
	@scripts/postgres.sh createdb coopex_search_bench
	@scripts/postgres.sh createdb coopex_relevance
	@scripts/postgres.sh createdb coopex_trade_bench
	@scripts/postgres.sh createdb coopex_alerts_bench
	@$(BIN)/python bench/pages.py
	@$(BIN)/python bench/search.py
	@$(BIN)/python bench/relevance.py
	@$(BIN)/python bench/tenders.py
	@$(BIN)/python bench/webhooks.py
	@$(BIN)/python bench/accounts.py
	@$(BIN)/python bench/trade.py
	@$(BIN)/python bench/alerts.py

lint: install
	@$(BIN)/ruff check .

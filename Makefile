# Shelter check-in (避難所チェックイン): the verbs a newcomer needs.
#   make run     install what is missing, start the whole stack on localhost, print the URLs
#   make test    install, start a test stack, run every test tier, stop it
SHELL := /bin/bash
.DEFAULT_GOAL := help

PY      := .venv/bin/python
STACK   := deploy/local/stack.sh
PACKAGES := shelter_contracts shelter_runtime shelter_registration shelter_roster shelter_stats \
            shelter_integration shelter_auth shelter_kiosk shelter_testing shelter_text
TEST_DIRS := $(wildcard libs/*/tests services/*/tests edge/*/tests) tests
PYTEST  := $(PY) -m pytest

.PHONY: help install run up stop restart logs test test-unit test-integration test-e2e test-web bench \
        lint format typecheck asyncapi api clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-17s %s\n", $$1, $$2}'

install: ## install what is missing (apt, uv workspace, Kafka jars, FerretDB); cached in .cache/
	@deploy/local/install.sh

run: install ## start everything in the foreground and print the URLs; Ctrl-C stops it all
	@$(STACK) run dev

up: install ## start everything in the background
	@$(STACK) up dev

stop: ## stop the background stacks
	@$(STACK) down dev; $(STACK) down test

restart: stop up ## restart the background stack

logs: ## follow the logs of the background stack
	@tail -f .stack/dev/logs/stack.log

test: install ## every tier (unit, integration, e2e, web, browser) against a fresh test stack
	@$(STACK) with test -- bash -c '$(PYTEST) -p no:cacheprovider $(PYTEST_ARGS) && $(WEB_TESTS)'

# The web app's unit tests (Vitest) and the browser tests (Debian's Chromium through nginx).
WEB_TESTS := cd web && npm test --silent && npm run --silent test:browser

test-unit: ## unit tests only (no servers)
	@$(PYTEST) -m unit $(PYTEST_ARGS)

test-integration: install ## integration tests (real Kafka and FerretDB)
	@$(STACK) with test -- $(PYTEST) -m integration $(PYTEST_ARGS)

test-e2e: install ## end-to-end tests through the nginx gateway
	@$(STACK) with test -- $(PYTEST) -m e2e $(PYTEST_ARGS)

test-web: install ## the web app's unit and browser tests
	@$(STACK) with test -- bash -c '$(WEB_TESTS)'

bench: install ## replay 100,000 check-ins over 1,000 shelters; print throughput and read-model lag
	@$(STACK) with bench -- $(PY) tests/bench/replay_check_ins.py $(BENCH_ARGS)

lint: ## ruff, formatting, mypy --strict, the AsyncAPI and OpenAPI documents
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(MAKE) --no-print-directory typecheck
	$(PY) -m shelter_contracts.asyncapi --check
	$(PY) deploy/local/openapi_documents.py --check
	cd web && npm run --silent lint

typecheck:
	$(PY) -m mypy $(addprefix -p ,$(PACKAGES))
	$(PY) -m mypy $(TEST_DIRS) deploy/local deploy/docker

format: ## apply ruff's fixes and formatting
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

asyncapi: ## regenerate libs/contracts/asyncapi.json from the event models
	$(PY) -m shelter_contracts.asyncapi

api: ## regenerate the services' OpenAPI documents and the web app's typed clients
	$(PY) deploy/local/openapi_documents.py --write
	cd web && npm run --silent api:generate

clean: stop ## remove the stacks' data and logs (keeps the download cache)
	rm -rf .stack

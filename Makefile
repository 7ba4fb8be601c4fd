# plantpredict-client: every verb sets up what it needs (virtualenv, packages) on first use.
#   make demo    run the batch-prediction demo against the local simulator
#   make test    lint, type-check, check the generated client, run the tests (the contract tests too)
#   make contract  only the contract tests: every operation through Prism on both documents
# Build step (see README "Regenerating the client" and docs/build-step.md):
#   make regenerate [ACCEPT=1]  the whole routine: fetch, api-diff; with ACCEPT=1 lock, regenerate,
#                               test and write CHANGELOG.md (all or nothing)
#   make spec [UPDATE=1]   fetch both upstream documents and verify them against openapi/spec.lock.json
#   make generate          normalize + regenerate plantpredict_client/ (swapped in only on success)
#   make api-diff          what a regeneration from the sources would change (breaking changes marked)
#   make check-generated   fail if plantpredict_client/ differs from a fresh regeneration
# Sources default to PlantPredict's public addresses; SPEC_SOURCE=/REFERENCE_SOURCE= take URLs or
# files, and SOURCES=mirror points both at the offline mirrors (../shared/openapi).

SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PY := $(BIN)/python

# Offline mirrors of the two upstream documents (never committed): CI and `make test` use them. They
# sit beside the checkout in CI (../shared/openapi); PLANTPREDICT_SPEC_MIRROR=<folder> points elsewhere.
MIRROR ?= $(or $(PLANTPREDICT_SPEC_MIRROR),../shared/openapi)
MIRROR_SPEC := $(MIRROR)/plantpredict-swagger-current.json
MIRROR_REFERENCE := $(MIRROR)/plantpredict-api-docs-12.13.0.yaml
ifeq ($(SOURCES),mirror)
SPEC_SOURCE ?= $(MIRROR_SPEC)
REFERENCE_SOURCE ?= $(MIRROR_REFERENCE)
endif
export SPEC_SOURCE REFERENCE_SOURCE

DEV_STAMP := $(VENV)/.dev-installed
BENCH_STAMP := $(VENV)/.bench-installed
# Prism, the mock server of the contract tests (installed by `make tools`, see "contract tests" below).
PRISM_DIR := .tools/prism
PRISM := $(PRISM_DIR)/node_modules/.bin/prism
# Debian packages the tests and benchmarks use as real servers and load generators.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT_INSTALL = { $(SUDO) apt-get install -y -q $(1) >/dev/null 2>&1 || { $(SUDO) apt-get update -q >/dev/null && $(SUDO) apt-get install -y -q $(1) >/dev/null; }; }

.PHONY: help venv tools spec generate check-generated api-diff regenerate normalize lint typecheck format test demo bench clean \
	simulator-data conformance smoke contract

help:
	@sed -n '1,13p' Makefile | sed 's/^# \{0,1\}//'

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

$(DEV_STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install -q -e '.[dev]'
	@touch $@

$(BENCH_STAMP): pyproject.toml | $(DEV_STAMP)
	$(PY) -m pip install -q -e '.[bench]'
	@touch $@

venv: $(DEV_STAMP)

# redis-server for the shared token store's tests (started by the tests themselves on loopback), and
# Prism for the contract tests (tests/contract).
tools: $(PRISM)
	@command -v redis-server >/dev/null || { echo "installing redis-server (Debian package)"; $(call APT_INSTALL,redis-server); }

# --- contract tests: every generated operation through Prism on both documents ----------------------------
# Prism (npm @stoplight/prism-cli), pinned with all its dependencies by tests/contract/prism/package-lock.json,
# goes into the ignored .tools/prism; the tests start it themselves on free loopback ports.
$(PRISM): tests/contract/prism/package.json tests/contract/prism/package-lock.json
	@command -v npm >/dev/null || { echo "installing npm (Debian package)"; $(call APT_INSTALL,npm); }
	mkdir -p $(PRISM_DIR)
	cp tests/contract/prism/package.json tests/contract/prism/package-lock.json $(PRISM_DIR)/
	cd $(PRISM_DIR) && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	@touch $@

contract: $(PRISM) $(DEV_STAMP)
	@SPEC_SOURCE=$${SPEC_SOURCE:-$(MIRROR_SPEC)} REFERENCE_SOURCE=$${REFERENCE_SOURCE:-$(MIRROR_REFERENCE)} \
		$(BIN)/pytest tests/contract $(PYTEST_ARGS)

spec: $(DEV_STAMP)
	$(PY) -m openapi spec $(if $(UPDATE),--update)

generate: $(DEV_STAMP)
	$(PY) -m openapi generate

api-diff: $(DEV_STAMP)
	$(PY) -m openapi api-diff

regenerate: $(DEV_STAMP)
	$(PY) -m openapi regenerate $(if $(ACCEPT),--accept)

normalize: $(DEV_STAMP)
	$(PY) -m openapi normalize --out .build/normalized.json

# CI checks the committed client against the offline mirrors (the locked sources).
check-generated: $(DEV_STAMP)
	SPEC_SOURCE=$${SPEC_SOURCE:-$(MIRROR_SPEC)} REFERENCE_SOURCE=$${REFERENCE_SOURCE:-$(MIRROR_REFERENCE)} \
		$(PY) -m openapi check-generated

lint: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(DEV_STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# The bench extra too: bench/ is type-checked, and imports the candidates it measures (httpx-aiohttp, httpx2).
typecheck: $(BENCH_STAMP)
	$(BIN)/mypy
	$(BIN)/mypy --strict plantpredict_client

# The bench extra brings the official SDK, whose run against the simulator is one of the tests.
test: tools $(BENCH_STAMP) lint typecheck check-generated
	@SPEC_SOURCE=$${SPEC_SOURCE:-$(MIRROR_SPEC)} REFERENCE_SOURCE=$${REFERENCE_SOURCE:-$(MIRROR_REFERENCE)} \
		$(BIN)/pytest $(PYTEST_ARGS); rc=$$?; \
		if [ $$rc -eq 5 ]; then echo "pytest collected no tests: that is a failure here, not a pass" >&2; fi; \
		exit $$rc

# The batch sweep against the simulator on a free loopback port (DEMO_ARGS=--failed-run-rate 0.2 ...).
demo: $(DEV_STAMP)
	$(PY) examples/demo.py $(DEMO_ARGS)

# Benchmarks (never timed assertions in tests): the simulator under wrk, then this client against the
# official SDK and raw httpx side by side in one run. Compare the ratios; these machines are noisy.
bench: $(BENCH_STAMP)
	@command -v wrk >/dev/null || { echo "installing wrk (Debian package)"; $(call APT_INSTALL,wrk); }
	$(PY) -m bench.simulator_load
	$(PY) -m bench.concurrency
	$(PY) -m bench.large_answers
	$(PY) -m bench.clients
	$(PY) -m bench.cooldown

clean:
	rm -rf .build .mypy_cache .ruff_cache .pytest_cache

# --- simulator ---------------------------------------------------------------------------------------------
# Re-derive what the simulator knows from the two documents (its committed data file; the tests fail when
# it is stale). Reads SPEC_SOURCE / REFERENCE_SOURCE, the offline mirrors by default.
simulator-data: $(DEV_STAMP)
	SPEC_SOURCE=$${SPEC_SOURCE:-$(MIRROR_SPEC)} REFERENCE_SOURCE=$${REFERENCE_SOURCE:-$(MIRROR_REFERENCE)} \
		$(PY) -m plantpredict_simulator._derive

# Schemathesis against the simulator, checked against the live document (EXAMPLES per operation).
EXAMPLES ?= 5
conformance: $(DEV_STAMP)
	SPEC_SOURCE=$${SPEC_SOURCE:-$(MIRROR_SPEC)} $(PY) -m tests.simulator.schemathesis_run --examples $(EXAMPLES)

# Read-only check of the real API with PLANTPREDICT_* credentials from the environment (skipped without).
smoke: $(DEV_STAMP)
	$(PY) examples/smoke.py

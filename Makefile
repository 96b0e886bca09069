# Two commands for a newcomer:  make run  (web service with demo data)  and  make test  (the full suite).
# Both create the virtual environment in .venv on first use and reinstall when pyproject.toml changes.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# The independent credential verifier the tests run (Digital Bazaar's VC stack, jose), from its lock file.
VERIFIER := tests/verifier/node_modules/.package-lock.json
AXE := tests/a11y/node_modules/.package-lock.json

.PHONY: run test lint bench contracts clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

PORT ?= 8000
HOST ?= 127.0.0.1

run: $(STAMP)
	$(BIN)/digcomp serve --demo --host $(HOST) --port $(PORT)

$(VERIFIER): tests/verifier/package-lock.json
	npm ci --prefix tests/verifier --no-audit --no-fund --loglevel=error

$(AXE): tests/a11y/package-lock.json
	npm ci --prefix tests/a11y --no-audit --no-fund --loglevel=error

test: $(STAMP) $(VERIFIER) $(AXE)
	bash scripts/system-deps.sh
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/mypy
	$(BIN)/pytest -n 3 --durations=12

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/ruff format --check src tests benchmarks scripts
	$(BIN)/mypy

BENCH_STAMP := $(VENV)/.installed-bench

$(BENCH_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	touch $(BENCH_STAMP)

bench: $(BENCH_STAMP)
	bash scripts/system-deps.sh
	$(BIN)/python benchmarks/run.py

# Regenerate the published contracts (framework JSON Schema, OpenAPI document) after changing models or routes.
contracts: $(STAMP)
	$(BIN)/python -m digcomp.contracts

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache

# resdir — set-up, run and test. Needs only Python 3.11 on the machine.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: install run test lint format bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

## make run: install, load data/seed/ into the embedded store, serve on http://127.0.0.1:5000
run: install
	$(BIN)/resdir init-db
	$(BIN)/resdir ingest data/seed/manifest.toml
	$(BIN)/resdir serve --host $(HOST) --port $(PORT)

## make test: install, lint, run the whole test suite
test: install lint
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: install
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/match.py

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache

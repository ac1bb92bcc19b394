# The two commands: `make run` (embedded all-in-one at http://127.0.0.1:5000) and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test install install-test lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/pip install -q -c constraints.txt -e ".[production]"
	touch $@

$(VENV)/.installed-test: pyproject.toml constraints.txt $(VENV)/.installed
	$(BIN)/pip install -q -c constraints.txt -e ".[test,production]"
	touch $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

run: install
	$(BIN)/rapport db upgrade
	$(BIN)/rapport demo
	$(BIN)/rapport serve --host $(HOST) --port $(PORT)

lint: install-test
	$(BIN)/ruff check .

# Test workers (pytest-xdist): one per core, each with its own PostgreSQL and Redis;
# `make test TEST_WORKERS=0` runs the suite in one process.
TEST_WORKERS ?= auto

test: install-test lint
	$(BIN)/pytest -n $(TEST_WORKERS)

bench: install-test
	$(BIN)/python bench/partners_list.py
	$(BIN)/python bench/import_csv.py
	$(BIN)/python bench/scheduler_tick.py
	$(BIN)/python bench/outbox_pipeline.py
	$(BIN)/python bench/followup_scan.py
	$(BIN)/python bench/report.py
	$(BIN)/python bench/booking_slots.py
	$(BIN)/python -m bench.campaign_enrol
	$(BIN)/python -m bench.campaign_tick
	$(BIN)/python -m bench.campaign_page
	$(BIN)/python bench/mailbox_sync.py

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache

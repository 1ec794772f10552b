# Two entry points for a fresh clone with only Python 3.11+ and make:
#   make demo  — set up, backfill the bundled sample, print the July 2025 report
#   make test  — set up, lint, build the manual (docs/) strictly, run the test suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
WAREHOUSE ?= data/warehouse.duckdb
export PREFECT_HOME ?= $(CURDIR)/data/prefect
export PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS ?= 120

.PHONY: setup demo test lint docs clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

demo: $(STAMP)
	mkdir -p $(PREFECT_HOME)
	$(BIN)/customs-etl backfill --source sample --start 2024-01 --end 2025-07 --warehouse $(WAREHOUSE)
	$(BIN)/customs-etl report --period 2025-07 --commodity 85051110 --warehouse $(WAREHOUSE)

lint: $(STAMP)
	$(BIN)/ruff check .

docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet

test: lint docs
	$(BIN)/pytest -q -n 2

clean:
	rm -rf $(VENV) data .pytest_cache

# Two commands do all the set-up on a fresh machine with Python 3.11 and make:
#   make demo   creates .venv, installs the package, runs maestro-graph paths --example netmon
#   make test   creates .venv, installs the dev extras, runs ruff and the whole test suite
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test lint clean bench incidents fuzz

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed

demo: $(VENV)/.installed
	$(BIN)/maestro-graph paths --example netmon

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .

test: lint
	$(BIN)/python -m pytest

incidents: $(VENV)/.installed-dev
	$(BIN)/python -m tests.incident_corpus

# A long fuzzing run (make test runs 60 examples per property; this runs 2,000).
fuzz: $(VENV)/.installed-dev
	MAESTRO_FUZZ_EXAMPLES=2000 $(BIN)/python -m pytest tests/test_fuzz.py -q

bench: $(VENV)/.installed-dev
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) build dist .pytest_cache .ruff_cache

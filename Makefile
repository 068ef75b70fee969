# Quick start on a fresh machine:  make demo   |   make test
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: help setup demo test test-fast lint bench bench-compare clean

help:
	@echo "make demo   - set up .venv if missing, train a model on bundled data"
	@echo "make test   - set up .venv if missing, run the whole test suite (incl. notebooks)"
	@echo "make test-fast - the same without the tests marked slow (notebooks, long training)"
	@echo "make lint   - ruff and mypy"
	@echo "make bench  - benchmarks (ratios against references measured in the same run)"
	@echo "make bench-compare - install the optional comparison engines (micrograd, HIPS autograd, torch 2.13.0)"

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

demo: $(STAMP)
	$(PY) -m nn --demo

test: $(STAMP)
	$(PY) -m pytest -q

test-fast: $(STAMP)
	$(PY) -m pytest -q -m "not slow"

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m mypy

bench: $(STAMP)
	$(PY) benchmarks/run_all.py

bench-compare: $(STAMP)
	$(PY) -m pip install -q micrograd==0.1.0 autograd==1.9.1 torch==2.13.0

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis build *.egg-info

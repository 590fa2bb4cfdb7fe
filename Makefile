# Two commands set everything up on a fresh machine:
#   make demo   install screenrev and run it on the bundled example review
#   make test   install screenrev with its test tools and run the tests
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
BENCH_STAMP := $(VENV)/.bench-installed

.PHONY: demo test bench install clean asreview

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	bash examples/demo.sh

test: $(STAMP)
	$(BIN)/python -m pytest -q

# ASReview 3.0.8 in an environment of its own, for bench/rank.py to compare on the same seeds.
asreview: .asreview/bin/asreview

.asreview/bin/asreview:
	$(PYTHON) -m venv .asreview
	.asreview/bin/python -m pip install --quiet asreview==3.0.8

# The benchmarks also install their anchors (rispy, pandas), which screenrev does not use.
$(BENCH_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	touch $(BENCH_STAMP)

bench: $(BENCH_STAMP)
	$(BIN)/python bench/records.py
	$(BIN)/python bench/dedup.py
	$(BIN)/python bench/flow.py
	$(BIN)/python bench/rules.py
	$(BIN)/python bench/rank.py
	$(BIN)/python bench/startup.py
	$(BIN)/python bench/cuts.py

clean:
	rm -rf $(VENV) .asreview build dist src/*.egg-info out

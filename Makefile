# Two commands set everything up on a fresh machine:
#   make demo   install screenrev and run it on the bundled example review
#   make test   install screenrev with its test tools and run the tests
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test bench install clean

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

bench: $(STAMP)
	$(BIN)/python bench/import_speed.py
	$(BIN)/python bench/dedup.py
	$(BIN)/python bench/flow.py
	$(BIN)/python bench/rules.py
	$(BIN)/python bench/ranking.py

clean:
	rm -rf $(VENV) build dist src/*.egg-info out

# The two commands of the README:
#   make run    set up .venv, build the graph, serve it at http://127.0.0.1:8000
#   make test   set up .venv with the test extras, run the whole test suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: run build serve test bench clean

run: build serve

build: $(VENV)/.installed
	$(BIN)/kg build

serve: $(VENV)/.installed
	$(BIN)/kg serve

test: $(VENV)/.installed-test
	$(BIN)/python -m pytest

bench: $(VENV)/.installed-test
	$(BIN)/python bench/run_all.py

$(VENV)/.created:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	touch $@

$(VENV)/.installed: $(VENV)/.created pyproject.toml
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[test,fast]'
	touch $@

clean:
	rm -rf build .pytest_cache

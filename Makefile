# The two commands the README starts with: `make run` and `make test`.
# Both create the project's own virtual environment (.venv) on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test install benchmark screenshots clean

$(BIN)/peers: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(BIN)/peers

install: $(BIN)/peers

run: install
	$(BIN)/peers $(ARGS)

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) snapshot_report.html

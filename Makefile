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

# The benchmark smoke test (marked slow) spawns dozens of processes: it runs on its own after
# the parallel suite, so its load does not make the UI tests' timing flaky.
test: install
	$(BIN)/python -m pytest -m "not slow" $(PYTEST_ARGS)
	$(BIN)/python -m pytest -m slow -n 0 $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) snapshot_report.html

# The two commands the README starts with: `make run` and `make test`.
# Both create the project's own virtual environment (.venv) on first use. `make run` installs
# only what running needs; `make test` adds the test tools on top.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test install install-test benchmark screenshots clean

$(BIN)/peers: pyproject.toml
	@echo "peers: creating $(VENV) and installing peers into it (first run only, about 20 s)..."
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --upgrade --progress-bar on pip
	$(BIN)/pip install --progress-bar on -e .
	touch $(BIN)/peers

$(VENV)/.test-tools: $(BIN)/peers pyproject.toml
	@echo "peers: installing the test tools into $(VENV) (first run only)..."
	$(BIN)/pip install --progress-bar on -e '.[test]'
	touch $(VENV)/.test-tools

install: $(BIN)/peers

install-test: $(VENV)/.test-tools

run: install
	$(BIN)/peers $(ARGS)

# The layers (import-linter contracts in pyproject.toml) and the types are checked first.
# The benchmark smoke test (marked slow) spawns dozens of processes: it runs on its own after
# the parallel suite, so its load does not make the UI tests' timing flaky.
test: install-test
	$(BIN)/lint-imports --no-cache
	$(BIN)/mypy
	$(BIN)/python -m pytest -m "not slow" $(PYTEST_ARGS)
	$(BIN)/python -m pytest -m slow -n 0 $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) snapshot_report.html

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

# The layers (import-linter contracts in pyproject.toml) and the types are checked first;
# mypy in two workers (a fresh clone has no cache: 17-19 s against 26-32 s in one, load 6).
# Then three lanes (docs/performance.md, "Test suite time"): the suite on every core; the slow
# tests that only wait for conditions (relays on loopback, generous timeouts), two at a time
# (they mostly wait on processes, so two share two cores); last, alone, the slow tests marked
# serial: the UI's timing, bounds in seconds, and the benchmark smoke test, which spawns
# dozens of processes whose load would make the others' timing flaky.
test: install-test
	$(BIN)/lint-imports --no-cache
	$(BIN)/mypy -n 2
	$(BIN)/python -m pytest -m "not slow" $(PYTEST_ARGS)
	$(BIN)/python -m pytest -m "slow and not serial" -n 2 $(PYTEST_ARGS)
	$(BIN)/python -m pytest -m "slow and serial" -n 0 $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) snapshot_report.html

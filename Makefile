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

# The test tools with peers in one pip run (docs/performance.md, "Test suite time, eighth
# pass"): a second run resolved and built peers again. `make run` after it finds peers installed.
$(VENV)/.test-tools: pyproject.toml
	@echo "peers: installing peers and the test tools into $(VENV) (first run only)..."
	test -x $(BIN)/pip || { $(PYTHON) -m venv $(VENV) && $(BIN)/pip install --upgrade --progress-bar on pip; }
	$(BIN)/pip install --progress-bar on -e '.[test]'
	touch $(BIN)/peers $(VENV)/.test-tools

install: $(BIN)/peers

install-test: $(VENV)/.test-tools

run: install
	$(BIN)/peers $(ARGS)

# The layers (import-linter contracts in pyproject.toml) and the types are checked first;
# mypy in two workers (a fresh clone has no cache: 17-19 s against 26-32 s in one, load 6).
# Then two lanes (docs/performance.md, "Test suite time" and its third and fifth passes). First
# everything but the serial tests, in three workers, one more than the standard machine's two
# cores: the slow tests that only wait for conditions (relays on loopback, generous timeouts)
# run on the worker beyond the cores, one at a time, while the others run the CPU-bound rest
# and then help with any waiting tests left (tests/scheduling.py); no more CPU-bound tests run
# at once than there are cores. Last, alone, the slow tests marked serial: the UI's timing in
# seconds and bounds in seconds, which another test's load would make flaky.
test: install-test
	$(BIN)/lint-imports --no-cache
	nice -n 19 $(BIN)/mypy -n 2 >$(VENV)/mypy.out 2>&1 & mypy=$$!; \
	$(BIN)/python -m pytest -m "not serial" -n 4 --dist loadgroup $(PYTEST_ARGS); lane=$$?; \
	wait $$mypy; typed=$$?; cat $(VENV)/mypy.out; test $$lane = 0 -a $$typed = 0
	$(BIN)/python -m pytest -m "slow and serial" -n 0 $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) snapshot_report.html

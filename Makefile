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

# The layers (import-linter contracts in pyproject.toml) are checked first (a second or two);
# the types (mypy) in the background, niced, beside the first lane, whose CPU-bound workers
# leave gaps it fills (docs/performance.md, "Test suite time, eighth pass"): its output is
# printed after the lane, and a type error fails `make test` as before. One process: with two
# workers (-n 2) mypy 2.4 gave up with an internal error ("Failed to establish connection with
# worker") when the niced workers started late under load, and alone it takes ~4 s here.
# Then two lanes (docs/performance.md, "Test suite time" and its third, fifth and seventh passes).
# First everything but the serial tests, in four workers, two more than the standard machine's
# two cores: the slow tests that only wait for conditions (relays on loopback, generous
# timeouts) and the relay's CLI tests run on the two workers beyond the cores, longest first,
# while the others run the CPU-bound rest and then help with any waiting tests left
# (tests/scheduling.py); no more CPU-bound tests run at once than there are cores. Last the
# slow tests marked serial, alone: the UI's timing in seconds and bounds in seconds, which
# another test's load would make flaky. (They mostly wait, ~0.3 of a core each; two at a time,
# -n 2, passed 7 of 8 runs at load 11-25 in the eighth pass: not proven, not kept.)
test: install-test
	$(BIN)/lint-imports --no-cache
	nice -n 19 $(BIN)/mypy >$(VENV)/mypy.out 2>&1 & mypy=$$!; \
	$(BIN)/python -m pytest -m "not serial" -n 4 --dist loadgroup $(PYTEST_ARGS); lane=$$?; \
	wait $$mypy; typed=$$?; cat $(VENV)/mypy.out; test $$lane = 0 -a $$typed = 0
	$(BIN)/python -m pytest -m "slow and serial" -n 0 $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) snapshot_report.html

"""The first lane's hand-out of waiting tests (tests/scheduling.py): longest first, by the
measured table in tests/waiting_times.py, which must name tests that exist."""

from __future__ import annotations

import re

from tests.conftest import REPO
from tests.scheduling import longest_first, waits
from tests.waiting_times import SECONDS


def test_waiting_tests_are_handed_out_longest_first_and_new_ones_after():
    measured = sorted(SECONDS, key=SECONDS.get)  # shortest first: the order to undo
    new = ["tests/cli/test_new.py::test_b@waiting", "tests/cli/test_new.py::test_a@waiting"]
    scopes = [new[0]] + [f"{nodeid}@waiting" for nodeid in measured] + [new[1]]
    ordered = longest_first(scopes)
    known = [scope.removesuffix("@waiting") for scope in ordered[:len(measured)]]
    assert sorted(known) == sorted(measured)
    assert [SECONDS[nodeid] for nodeid in known] == sorted(SECONDS.values(), reverse=True)
    assert ordered[len(measured):] == new  # not measured: after, in collection order


def test_the_table_names_tests_that_exist():
    assert len(SECONDS) >= 20
    for nodeid, seconds in SECONDS.items():
        path, _, name = nodeid.partition("::")
        function = re.sub(r"\[.*\]$", "", name.split("::")[-1])
        assert seconds > 0, nodeid
        assert f"def {function}(" in (REPO / path).read_text(), nodeid


def test_the_relays_cli_tests_wait_beside_the_slow_ones_and_serial_ones_never():
    relay_cli = REPO / "tests/cli/test_relay_ordering.py"
    relay_core = REPO / "tests/core/test_relay_apply.py"
    other_cli = REPO / "tests/cli/test_people.py"
    assert waits(relay_cli, set())  # real relays, not marked slow: off the CPU workers
    assert waits(relay_cli, {"slow"}) and waits(other_cli, {"slow", "parametrize"})
    assert not waits(relay_core, set())  # the relay's code in-process: CPU-bound
    assert not waits(other_cli, set())
    assert not waits(relay_cli, {"slow", "serial"}) and not waits(relay_cli, {"serial"})

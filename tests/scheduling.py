"""How `make test`'s first lane hands tests to its xdist workers (docs/performance.md, "Test
suite time, fifth pass").

Most tests keep a core busy; the slow ones that are not serial mostly wait (relays and
nats-servers on loopback, conditions with generous timeouts: ~0.2-0.4 of a core each). With
as many workers as cores the waiting tests left a core idle for minutes, and with twice as
many, CPU-bound tests with timing waits shared a core and flaked. So a worker beyond the
machine's cores runs only the waiting tests, one at a time (the benchmark smoke test first:
the longest, ~0.2-0.3 of a core over ~95 s), beside as many workers as cores that run
everything else first and then help with any waiting tests left. Once no waiting test is
left, the extra worker stops: no more CPU-bound tests run at once than there are cores.

A waiting test is known here by its node id, which xdist suffixes with the test's
`xdist_group` (`@waiting`, set in conftest's collection hook by `waits` below) under `--dist
loadgroup`. Each test is a work unit of its own. The waiting tests are the slow ones not
serial and every test of the relay's CLI files not serial (tests/cli/test_relay*.py: real
relays and nats-servers, slow or not); `make test` runs two workers beyond the cores for them
(docs/performance.md, "Test suite time, seventh pass").

The waiting tests are handed out longest first (tests/waiting_times.py, measured): the extra
worker takes them from the long end, the others, once done with the rest, from the short end,
so the last test of the run is a short one and no worker waits alone on a long one at the end
(docs/performance.md, "Test suite time, sixth pass").
"""

from __future__ import annotations

import os
from pathlib import Path

from xdist.scheduler import LoadGroupScheduling

from tests.waiting_times import SECONDS

WAITING = "waiting"


def waits(path: Path, markers: set[str]) -> bool:
    """Whether a test (its file, the names of its markers) mostly waits on processes. The
    relay's CLI tests not marked slow (~85: bad input, ports, attacks, ordering, tunnels...)
    start real relays and nats-servers too; on the CPU workers they held one of the two slots
    while waiting (sixth pass: 21 % of those workers' time went to relay files' tests not
    marked slow)."""
    if "serial" in markers:
        return False
    if "slow" in markers:
        return True
    return path.parent.name == "cli" and path.name.startswith("test_relay")


def longest_first(scopes: list[str]) -> list[str]:
    """Waiting tests' scopes (node id and `@waiting`), the longest measured first; those not
    measured (new tests) after them, in collection order."""
    return sorted(scopes, key=lambda scope: -SECONDS.get(scope.rpartition("@")[0], 0.0))


def cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class WaitingAside(LoadGroupScheduling):
    """LoadGroupScheduling, but units of waiting tests go to the workers beyond the cores
    (and to the others only once nothing else is left), and everything else to the others."""

    def _split_scope(self, nodeid: str) -> str:
        return nodeid  # a unit a test: a waiting test is routed, not grouped

    @staticmethod
    def waiting(scope: str) -> bool:
        return scope.endswith("@" + WAITING)

    def waiting_only(self, node) -> bool:
        """Workers gw0.. up to the number of cores run everything; those beyond, waiting
        tests only."""
        return int(node.gateway.id.removeprefix("gw")) >= cores()

    def _pick(self, node) -> str | None:
        """The next unit for this worker, or None when there is none it may run."""
        waiting = longest_first([scope for scope in self.workqueue if self.waiting(scope)])
        if self.waiting_only(node):
            return waiting[0] if waiting else None
        others = [scope for scope in self.workqueue if not self.waiting(scope)]
        if others:
            return others[0]
        return waiting[-1] if waiting else None  # from the far end: the extra worker's is near

    def _assign_work_unit(self, node) -> None:
        scope = self._pick(node)
        if scope is None:
            node.shutdown()  # after what it holds
            return
        work_unit = self.workqueue.pop(scope)
        self.assigned_work.setdefault(node, {})[scope] = work_unit
        collection = self.registered_collections[node]
        node.send_runtest_some([collection.index(nodeid) for nodeid, done in work_unit.items()
                                if not done])

    def _reschedule(self, node) -> None:
        """A worker holds up to three tests; only two when the next is a waiting test, so that
        at the end the last waiting tests are spread over the workers, not queued on one."""
        if node.shutting_down:
            return
        scope = self._pick(node)
        most = 1 if scope is not None and self.waiting(scope) else 2
        if scope is None or self._pending_of(self.assigned_work[node]) <= most:
            self._assign_work_unit(node)

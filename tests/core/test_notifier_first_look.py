"""The notifier's first look at a written group comes a moment after the write, not at once.

inotify tells of a commit's first WAL frame, before the commit is visible: a look then found
nothing, and the watching app's thread, woken with a sleeper's priority, took the core from
the writer in the middle of its commit (a relay's apply of one message took 0.8 ms to commit
with the app looking at once, 0.4 ms without, at load 9-12; R1a). The frames written until the
first look are read at that look (`QUIET_BEFORE_LOOK`): one wake-up for the commit.
"""

from __future__ import annotations

import time
from typing import Any

from peers_tui.core.notifier import RECHECK_DELAYS, ChangeNotifier
from tests.conftest import User
from tests.core.test_notifier_readers import Writer, wait_for


def test_a_write_is_looked_at_after_the_first_recheck_delay_and_reported(
        alice: User, team: str):
    path = alice.hub / f"{team}.db"
    writer = Writer(path)
    notifier = ChangeNotifier(sweep_interval=60)  # inotify alone tells within the test
    events: list[float] = []  # when the notifier read events of the file
    looks: list[float] = []
    try:
        notifier.watch(team, path)
        notifier.wait(timeout=0.05)
        inotify = notifier._inotify
        assert inotify is not None
        read, check = inotify.read, notifier._check

        def timed_read(*args: Any, **kwargs: Any) -> Any:
            found = read(*args, **kwargs)
            if found:
                events.append(time.monotonic())
            return found

        def timed_check(group_id: str, settle: bool = False) -> bool:
            looks.append(time.monotonic())
            return check(group_id, settle)

        inotify.read = timed_read  # type: ignore[method-assign]
        notifier._check = timed_check  # type: ignore[method-assign]
        for n in range(3):
            events.clear()
            looks.clear()
            writer.commit(f"row {n}")
            wait_for(notifier, team)  # reported: nothing is lost by waiting
            assert events and looks
            # No look between the events and the first re-check: none at the first frame.
            assert looks[0] - events[0] >= RECHECK_DELAYS[0] - 0.00005, (looks[0] - events[0])
            notifier.wait(timeout=0.03)  # past the re-checks of that commit
    finally:
        notifier.close()
        writer.close()

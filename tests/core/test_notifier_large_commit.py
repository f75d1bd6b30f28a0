"""A large commit written over tens of milliseconds (a relay's backfill page of 1,000 rows) is
looked at a handful of times, not at every write (core.recheck_plan).

Its writes reach the WAL long before the commit is visible; starting the looks over at each
write read the file 30-45 times a page for nothing, each a wake-up of the app's watcher
thread that took the GIL from the UI thread during a key (R6c). The commit is still reported,
and a small commit after it is looked at quickly again.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

from peers_tui.core.notifier import RECHECK_DELAYS, ChangeNotifier
from tests.conftest import User

# One transaction whose pages spill into the WAL as it goes (a cache of a few pages, rows of
# 20 kB), a little at a time (a writer that is itself busy or preempted), then a commit.
SLOW_WRITER = """
import sqlite3, sys, time
writer = sqlite3.connect(sys.argv[1], isolation_level=None)
writer.execute("PRAGMA cache_size = 2")
for line in sys.stdin:
    if line.strip() == "small":
        writer.execute("INSERT INTO message (id, author, author_seq, kind, created_at, body,"
                       " record, sig) VALUES ('small', 'x', -1, 'msg', 0, '', '', x'')")
        print("committed", flush=True)
        continue
    writer.execute("BEGIN IMMEDIATE")
    for n in range(25):
        writer.execute("INSERT INTO message (id, author, author_seq, kind, created_at, body,"
                       " record, sig) VALUES (?, 'x', ?, 'msg', 0, ?, '', x'')",
                       (f"big-{n}", n, "x" * 20000))
        time.sleep(0.003)
    writer.execute("COMMIT")
    print("committed", flush=True)
"""


class Watching:
    """The notifier waiting on a thread of its own, as the app's watcher thread does, while
    the writer writes; what it reported, and its looks."""

    def __init__(self, notifier: ChangeNotifier, group_id: str) -> None:
        self.notifier, self.group_id = notifier, group_id
        self.looks: list[float] = []
        self.reported: list[float] = []
        check = notifier._check

        def counted(key: str, settle: bool = False) -> bool:
            self.looks.append(time.monotonic())
            return check(key, settle)

        notifier._check = counted  # type: ignore[method-assign,assignment]
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while not self.notifier.interrupted:
            if self.group_id in self.notifier.wait():
                self.reported.append(time.monotonic())

    def reported_after(self, at: float, seconds: float = 5.0) -> bool:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if any(t >= at for t in self.reported):
                return True
            time.sleep(0.005)
        return False

    def stop(self) -> None:
        self.notifier.interrupt()
        self.thread.join(timeout=5)


def watched_writer(path: Path, team: str) -> tuple[subprocess.Popen[str], ChangeNotifier,
                                                   Watching]:
    """The slow writer on `path`, and a notifier watching it on a thread of its own."""
    writer = subprocess.Popen([sys.executable, "-c", SLOW_WRITER, str(path)], text=True,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE)
    # The sweep as well, a while after the looks the tests count: a writer preempted between
    # its commit's last WAL frame and the WAL index (written through mmap: no inotify event)
    # outlasts the re-checks, and only the sweep finds that commit (core.notifier._check). At
    # 60 s the tests asked inotify alone to, and a fresh-clone CI at load 13 missed one.
    notifier = ChangeNotifier(sweep_interval=2)
    notifier.watch(team, path)
    notifier.wait(timeout=0.05)
    return writer, notifier, Watching(notifier, team)


def test_a_commit_written_over_many_milliseconds_is_looked_at_a_few_times(
        alice: User, team: str):
    writer, notifier, watching = watched_writer(alice.hub / f"{team}.db", team)
    try:
        started = time.monotonic()
        committed = tell(writer, "big")
        writing = committed - started
        assert watching.reported_after(started), "the large commit was never reported"
        time.sleep(0.1)  # past the looks after it
        looks = [t for t in watching.looks if t >= started]
        assert writing > 0.06, f"the writer took only {writing * 1000:.0f} ms: not a slow commit"
        # A look at every write (each followed by more): 77 over 0.135 s here before. Now the
        # first few, then one every RECHECK_DELAYS[-1] at most while the writes go on.
        # 15: the first schedule's seven looks, the few after the commit and a spare for a
        # write the loaded machine delivered late (16 against a bound of 15.7 once in a
        # fresh-clone CI at 0.091 s); before: 77 over 0.135 s, above any such bound.
        most = 15 + writing / RECHECK_DELAYS[-1]
        assert len(looks) <= most, f"{len(looks)} looks at one commit written over {writing:.3f} s"
        sent = time.monotonic()
        tell(writer, "small")
        assert watching.reported_after(sent), "the message after it was never reported"
        # The burst is over: the message is looked at as before, at once and a few times.
        assert [t for t in watching.looks if t >= sent][:1], "no look at the message"
    finally:
        stop(watching, notifier, writer)


def tell(writer: subprocess.Popen[str], what: str) -> float:
    """Have the writer commit; when it said it had."""
    assert writer.stdin is not None and writer.stdout is not None
    writer.stdin.write(what + "\n")
    writer.stdin.flush()
    line = writer.stdout.readline().strip()
    assert line == "committed", writer.stderr.read() if writer.stderr else line
    return time.monotonic()


def stop(watching: Watching, notifier: ChangeNotifier, writer: subprocess.Popen[str]) -> None:
    """The watching thread, the notifier and the writer process ended."""
    watching.stop()
    notifier.close()
    assert writer.stdin is not None
    writer.stdin.close()
    writer.wait(timeout=10)

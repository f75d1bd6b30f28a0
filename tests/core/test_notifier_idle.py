"""An idle notifier sleeps: with many groups watched and nothing changing, `wait()` neither reads
nor stats any file (the 1 s sweep of every group was most of an idle app's CPU with 200
groups); a group that had an event is swept for a few seconds after it, then left alone."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest

from peers_tui.core import notifier as notifier_module
from peers_tui.core.notifier import SETTLE_SWEEPS, ChangeNotifier

GROUPS = 40


def group_file(path: Path) -> Path:
    """A file with the tables the notifier's content query reads, in WAL mode as the stores."""
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.executescript("CREATE TABLE message (id TEXT); CREATE TABLE group_members (seq INTEGER);"
                       " CREATE TABLE invite (id TEXT);")
    conn.close()
    return path


@pytest.fixture
def looks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every stat and every read of a watched file the notifier makes, by path."""
    seen: list[str] = []
    stat, content = notifier_module.stat_token, notifier_module.content_token

    def counted_stat(path: Path):
        seen.append(f"stat {Path(path).name}")
        return stat(path)

    def counted_content(path: Path, *args, **kwargs):
        seen.append(f"read {Path(path).name}")
        return content(path, *args, **kwargs)

    monkeypatch.setattr(notifier_module, "stat_token", counted_stat)
    monkeypatch.setattr(notifier_module, "content_token", counted_content)
    return seen


def watching(tmp_path: Path) -> tuple[list[Path], ChangeNotifier]:
    """GROUPS group files at rest, each watched by one notifier sweeping every 0.2 s."""
    paths = [group_file(tmp_path / f"g{n}.db") for n in range(GROUPS)]
    notifier = ChangeNotifier(sweep_interval=0.2)
    for n, path in enumerate(paths):
        notifier.watch(f"g{n}", path)
    return paths, notifier

def test_nothing_changing_means_no_look_at_any_file(tmp_path: Path, looks: list[str]):
    paths, notifier = watching(tmp_path)
    try:
        # Files at rest (no WAL frames) are not even opened to be watched: one stat each.
        assert sorted(looks) == sorted(f"stat g{n}.db" for n in range(GROUPS))
        looks.clear()
        assert notifier.wait(timeout=1.5) == set()  # seven sweeps' time
        assert looks == []
    finally:
        notifier.close()


def test_a_changed_group_is_swept_a_few_times_then_left_alone(tmp_path: Path, looks: list[str]):
    paths, notifier = watching(tmp_path)
    try:
        writer = sqlite3.connect(paths[7])
        writer.execute("INSERT INTO message VALUES ('one')")
        writer.commit()
        assert notifier.wait(timeout=5) == {"g7"}
        assert notifier.wait(timeout=0.05) == set()  # its re-checks (1 to 16 ms) are over
        looks.clear()
        assert notifier.wait(timeout=0.2 * (SETTLE_SWEEPS + 3)) == set()
        # Only the group that changed was looked at, and only by its settling sweeps.
        assert looks and all(look.endswith(" g7.db") for look in looks)
        assert len([look for look in looks if look.startswith("stat")]) <= SETTLE_SWEEPS
        looks.clear()
        assert notifier.wait(timeout=0.6) == set()
        assert looks == []
        writer.execute("INSERT INTO message VALUES ('two')")
        writer.commit()
        started = time.monotonic()
        assert notifier.wait(timeout=5) == {"g7"}
        assert time.monotonic() - started < 1  # told by inotify, not found by a sweep
        writer.close()
    finally:
        notifier.close()


def test_one_file_watched_under_two_keys_reports_each_by_inotify(tmp_path: Path):
    """personal.db holds the group list and the personal group: a commit that changes what
    each key's query reads is told for that key at once (not left to a sweep)."""
    path = group_file(tmp_path / "personal.db")
    notifier = ChangeNotifier(sweep_interval=60)
    try:
        notifier.watch("list", path, "SELECT count(*) FROM invite")
        notifier.watch("personal", path)
        writer = sqlite3.connect(path)
        writer.execute("INSERT INTO invite VALUES ('x')")
        writer.commit()
        assert notifier.wait(timeout=5) == {"list", "personal"}
        writer.close()
    finally:
        notifier.close()


def test_a_key_read_now_is_not_told_for_a_commit_that_leaves_its_query_alone(tmp_path: Path):
    """The group list (personal.db) is read when watched: the app's own first write there, a
    read marker, must not look like a change of the list, which recounts every group. A key
    not read now is told at its first event (it has nothing to compare with)."""
    path = group_file(tmp_path / "personal.db")
    notifier = ChangeNotifier(sweep_interval=60)
    try:
        notifier.watch("list", path, "SELECT count(*) FROM invite", read_now=True)
        writer = sqlite3.connect(path)
        writer.execute("INSERT INTO message VALUES ('a read marker, say')")
        writer.commit()
        assert notifier.wait(timeout=0.5) == set()
        writer.close()
        other = group_file(tmp_path / "other.db")  # at rest: watched without a read
        notifier.watch("lazy", other, "SELECT count(*) FROM invite")
        writer = sqlite3.connect(other)
        writer.execute("INSERT INTO message VALUES ('another')")
        writer.commit()
        assert notifier.wait(timeout=5) == {"lazy"}
        writer.close()
    finally:
        notifier.close()

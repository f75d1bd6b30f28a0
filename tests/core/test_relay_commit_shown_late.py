"""A commit the relay's look met before it showed is looked at again (docs/relay.md, "Damaged file
mended (h-sevenpass)"; issue 15: the seventh-pass CLI test timed out once in a fresh-clone CI
at "the mended file named no more").

inotify wakes the relay at a commit's first WAL frame, before SQLite's WAL index shows the
commit to readers (local.SETTLE_NS). A look in that moment takes the file's stat token as the
commit left it and reads the file as it was before. A look may keep that token (the file then
skipped until its token moves) only if it was old enough before anything was read, or if taken
under the write lock with no commit since (local._looked_at). The scanner's damaged-file
branches and replaced_files.fetchable kept it as it was: the mend's commit showed, nothing moved
the token again, and once it was old the file was skipped as "nothing written since", named
damaged until the next write (traced so under load 11-17: looks 0-40 ms after the mend's frame
read "bad signature"). And every look judged "old enough" at its end, after the publish
upstream: a post whose commit showed after the read waited for the next write.

Here the moment is made deterministic: the write is committed by another connection inside the
look, after its read (the read wrapped), and the WAL (restarted at the same size) is given back
the times the look's token saw, as a frame written before the look had left them; the file's
times are put ahead (recent at the look whatever the load) or back past SETTLE_NS (SHIFTS).
Real group files, no transport."""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from peers_tui.core.group_store import GroupStore
from peers_tui.core.identity import load_or_create_keypair
from peers_tui.relay import local, replaced_files, rows
from peers_tui.relay.file_tokens import SETTLE_NS
from peers_tui.relay.ledger import Ledger
from peers_tui.relay.local import LocalScanner

# The file's times at the look: put ahead (recent at the look, at any load), or put back past
# SETTLE_NS (a frame written that long before its commit showed: a writer stalled between
# them, as at load 11-17 for 55 ms; the look keeps no token it did not take under the lock).
SHIFTS = {"recent": 1_000_000_000, "settled": -300_000_000}


@pytest.fixture(params=sorted(SHIFTS))
def shift(request: pytest.FixtureRequest) -> int:
    return SHIFTS[request.param]


def _publish(scanner: LocalScanner) -> None:
    for _, _, commit in scanner.changes():
        commit()


@contextmanager
def _scanned(tmp_path: Path, alice: Any) -> Iterator[tuple[str, Path, LocalScanner,
                                                          sqlite3.Connection, str]]:
    """alice's group, looked at once by a scanner; another connection kept open to edit it
    (as the CLI test's `with sqlite3.connect(...)` keeps one: its close would checkpoint)."""
    group_id = alice.ok("create", "team").out.strip()
    path = alice.hub / f"{group_id}.db"
    ledger = Ledger(tmp_path / "relay.db")
    scanner = LocalScanner(alice.hub, "A", ledger)
    editor = sqlite3.connect(path, isolation_level=None)
    try:
        _publish(scanner)
        [original] = editor.execute("SELECT record FROM group_info").fetchone()
        assert '"name":"team"' in original
        yield group_id, path, scanner, editor, original
    finally:
        editor.close()
        scanner.close()
        ledger.close()


def _copied_back(editor: sqlite3.Connection, path: Path, shift: int) -> None:
    """Every frame copied back into the file (the next commit restarts the WAL from its start:
    same size), the file's times shifted (SHIFTS)."""
    busy, logged, copied = editor.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    assert busy == 0 and logged == copied, (busy, logged, copied)
    at = time.time_ns() + shift
    for name in (path, Path(f"{path}-wal")):
        os.utime(name, ns=(at, at))


def _damage(editor: sqlite3.Connection, path: Path, original: str, shift: int) -> None:
    """The founding record edited in place."""
    editor.execute("UPDATE group_info SET record = ?",
                   (original.replace('"name":"team"', '"name":"maet"'),))
    _copied_back(editor, path, shift)


def _then_written(read: Callable[..., Any], write: Callable[[], object], path: Path,
                  looked: list[tuple[int, int, int, int]]) -> Callable[..., Any]:
    """`read` (the look's read of the file), then, the first time, `write` committed by
    another connection with the file's stat token left as the look took it (see the
    module's doc), that token noted in `looked`."""

    def read_then_written(*args: Any) -> Any:
        try:
            return read(*args)  # the file as it was (or its store refused to open)
        finally:
            if not looked:
                before = local._token(path)
                assert before is not None
                write()
                os.utime(f"{path}-wal", ns=(before[2], before[2]))
                assert local._token(path) == before  # the commit moved nothing the token sees
                looked.append(before)

    return read_then_written


def _then_mended(read: Callable[..., Any], editor: sqlite3.Connection, path: Path,
                 original: str, looked: list[tuple[int, int, int, int]]) -> Callable[..., Any]:
    return _then_written(read, lambda: editor.execute(
        "UPDATE group_info SET record = ?", (original,)), path, looked)


def _mended_inside_the_look(monkeypatch: pytest.MonkeyPatch, editor: sqlite3.Connection,
                            path: Path, original: str) -> list[tuple[int, int, int, int]]:
    """The scanner's next look reads the founding record, then the mend is committed."""
    looked: list[tuple[int, int, int, int]] = []
    monkeypatch.setattr(local, "founding_problem",
                        _then_mended(local.founding_problem, editor, path, original, looked))
    return looked


def _until_old(token: tuple[int, int, int, int]) -> None:
    while time.time_ns() - max(token[0], token[2]) <= SETTLE_NS + 20_000_000:
        time.sleep(0.05)


@pytest.mark.parametrize("open_store", [True, False], ids=["open store", "refused at a start"])
def test_a_file_mended_while_it_was_looked_at_is_named_no_more(
        tmp_path, alice, monkeypatch, shift, open_store):
    """`open store`: the store kept open since before the damage, its founding record compared
    at each look (damaged_files.founding_problem). `refused at a start`: a relay started with
    the file damaged, its store opened at the look and its founding record refused (the
    scanner's PeersError branch, the store closed again)."""
    with _scanned(tmp_path, alice) as (group_id, path, scanner, editor, original):
        if not open_store:
            scanner.close()  # as a relay stopped: the next look opens the store afresh
        _damage(editor, path, original, shift)
        looked = _mended_inside_the_look(monkeypatch, editor, path, original)
        _publish(scanner)
        assert looked and "genesis record: bad signature" in scanner.damaged[group_id]
        assert (group_id in scanner.stores) == open_store
        monkeypatch.undo()
        _until_old(looked[0])
        _publish(scanner)
        assert group_id not in scanner.damaged, scanner.damaged


def test_a_file_new_to_the_relay_mended_while_it_was_refused_is_taken(
        tmp_path, alice, monkeypatch, shift):
    """A group file this relay has not looked at yet (a leaf's join, before its backfill) that
    does not open as a group file: replaced_files.fetchable names it damaged and keeps its
    token to look again when it changes, as the scanner's branches above did."""
    with _scanned(tmp_path, alice) as (group_id, path, scanner, editor, original):
        scanner.close()
        scanner.seen = set()  # new to it (as a file joined through another way)
        _damage(editor, path, original, shift)
        looked: list[tuple[int, int, int, int]] = []
        opened = scanner.store

        def store_read_then_mended(group_id: str, path: Path) -> Any:
            store = opened(group_id, path)
            store.genesis = _then_mended(store.genesis, editor, path, original, looked)
            return store

        monkeypatch.setattr(scanner, "store", store_read_then_mended)
        assert scanner.unseen() == [group_id]
        assert not replaced_files.fetchable(scanner, group_id)
        assert looked and "genesis record: bad signature" in scanner.damaged[group_id]
        monkeypatch.undo()
        _until_old(looked[0])
        assert replaced_files.fetchable(scanner, group_id), scanner.damaged


def test_a_post_that_showed_only_after_a_look_read_the_file_is_published_after_a_slow_send(
        tmp_path, alice, monkeypatch, shift):
    """The same moment for an ordinary write: a post's frame written, its commit not shown to
    the look's read. The look's token was recent when it began, and is kept only if taken
    under the write lock with no commit since; the look's end (after the publish upstream,
    which can take longer than SETTLE_NS under load) judged it old by then and kept it, and
    the post waited for the next write."""
    with _scanned(tmp_path, alice) as (group_id, path, scanner, editor, original):
        writer = GroupStore(path, group_id)
        try:
            editor.execute("CREATE TABLE pad(x)")  # a long WAL, copied back: the post's commit
            editor.execute("INSERT INTO pad VALUES (zeroblob(200000))")  # restarts it, same size
            editor.execute("DROP TABLE pad")
            _copied_back(editor, path, shift)
            looked: list[tuple[int, int, int, int]] = []

            def post() -> None:
                writer.post(load_or_create_keypair(alice.home), "shown late")

            monkeypatch.setattr(rows, "scan_local", _then_written(rows.scan_local, post, path,
                                                                  looked))
            changes = scanner.changes()
            _, fresh, commit = next(changes)
            assert looked and fresh == []  # the post not read: its commit did not show yet
            monkeypatch.undo()
            _until_old(looked[0])  # the records of the look on their way upstream meanwhile
            commit()
            assert list(changes) == []
            found = []
            for _, fresh, commit in scanner.changes():
                found += [json.loads(e.text)["body"] for e in fresh if e.table == "msg"]
                commit()
            assert found == ["shown late"]
        finally:
            writer.close()

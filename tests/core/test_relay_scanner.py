"""The relay's scanner of this host's group files (peers_tui.relay.local), without any
transport: what it finds to publish after the relay applied another host's record itself,
and after a local write that landed in between."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from peers_tui.core.group_store import GroupStore
from peers_tui.core.identity import load_or_create_keypair
from peers_tui.relay import deleted_tops, local
from peers_tui.relay.apply import apply_records
from peers_tui.relay.envelope import Envelope
from peers_tui.relay.ledger import Ledger
from peers_tui.relay.local import LocalScanner
from tests.conftest import User
from tests.core.test_relay_apply import busy_group, local_envelopes


def _host_without_bobs_last(tmp_path: Path, alice: User, bob: User) -> tuple[str, Path, Envelope]:
    """A second host holding the group but bob's last message, which arrives later."""
    group_id = busy_group(alice, bob)
    envelopes = local_envelopes(alice, group_id)
    messages = [e for e in envelopes if e.table == "msg"]
    alice_key = json.loads(messages[0].text)["a"]
    withheld = [e for e in messages if json.loads(e.text)["a"] != alice_key][-1]
    remote = tmp_path / "remote-hub"
    remote.mkdir()
    outcome = apply_records(remote, group_id, [e for e in envelopes if e is not withheld],
                            create=True)
    assert outcome is not None and not outcome.refused and not outcome.waiting
    return group_id, remote, withheld


@contextmanager
def _scanned_host(tmp_path: Path, alice: User,
                  bob: User) -> Iterator[tuple[str, Path, Envelope, Ledger, LocalScanner]]:
    """_host_without_bobs_last with its relay's ledger and scanner (closed after)."""
    group_id, remote, withheld = _host_without_bobs_last(tmp_path, alice, bob)
    ledger = Ledger(tmp_path / "relay.db")
    scanner = LocalScanner(remote, "B", ledger)
    try:
        yield group_id, remote, withheld, ledger, scanner
    finally:
        scanner.close()
        ledger.close()


def _publish_everything(scanner: LocalScanner) -> list[Envelope]:
    """One pass of the publisher: what it found, every record counted as stored upstream."""
    found = []
    for _, fresh, commit in scanner.changes():
        found += fresh
        commit()
    return found


def _apply_as_relay(scanner: LocalScanner, ledger: Ledger, remote: Path, group_id: str,
                    envelope: Envelope) -> None:
    outcome = apply_records(remote, group_id, [envelope], create=False, hub_order=True,
                            store=scanner.stores[group_id])
    assert outcome is not None and outcome.applied == [envelope], outcome
    ledger.add_known(e.hash for e in outcome.applied)
    scanner.note_applied(group_id)


def _last_rowid(path: Path) -> int:
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return int(connection.execute("SELECT MAX(rowid) FROM message").fetchone()[0])
    finally:
        connection.close()


def test_a_record_the_relay_applied_moves_the_positions_without_a_scan(tmp_path, alice, bob):
    with _scanned_host(tmp_path, alice, bob) as (group_id, remote, withheld, ledger, scanner):
        assert _publish_everything(scanner)  # this host's copy, as if written here
        _apply_as_relay(scanner, ledger, remote, group_id, withheld)
        # Nobody else wrote: the positions are past the applied row at once (no scan of a
        # file holding only known records after every delivery), and nothing waits.
        assert ledger.position(f"msg:{group_id}") == _last_rowid(remote / f"{group_id}.db")
        assert scanner.unsent() == 0
        assert _publish_everything(scanner) == []


def test_a_local_write_before_the_relays_apply_is_still_published(tmp_path, alice, bob):
    with _scanned_host(tmp_path, alice, bob) as (group_id, remote, withheld, ledger, scanner):
        writer = GroupStore(remote / f"{group_id}.db", group_id)
        try:
            _publish_everything(scanner)
            writer.post(load_or_create_keypair(alice.home), "written here meanwhile")
            _apply_as_relay(scanner, ledger, remote, group_id, withheld)
            found = _publish_everything(scanner)
            assert [json.loads(e.text)["body"] for e in found if e.table == "msg"] == \
                ["written here meanwhile"]
            assert scanner.unsent() == 0
        finally:
            writer.close()


def test_a_post_after_the_relay_voided_the_newest_row_is_still_published(tmp_path, alice, bob):
    """The positions are rowids and the message table has no AUTOINCREMENT: when the relay
    voids the newest row (a record voided by a cut or a broken link arrives), SQLite gives
    that rowid to the next post, which a position past it would never publish."""
    with _scanned_host(tmp_path, alice, bob) as (group_id, remote, withheld, ledger, scanner):
        writer = GroupStore(remote / f"{group_id}.db", group_id)
        try:
            _publish_everything(scanner)
            _apply_as_relay(scanner, ledger, remote, group_id, withheld)
            top = _last_rowid(remote / f"{group_id}.db")
            store = scanner.stores[group_id]
            with store.session(), store.db.atomic():  # as relay/voided.py does, on its connection
                store.db.execute_sql("DELETE FROM message WHERE rowid = ?", (top,))
                deleted_tops.note_deletion(store.db)
            writer.post(load_or_create_keypair(alice.home), "written after the void")
            assert _last_rowid(remote / f"{group_id}.db") == top  # the rowid was given again
            found = _publish_everything(scanner)
            assert [json.loads(e.text)["body"] for e in found if e.table == "msg"] == \
                ["written after the void"]
        finally:
            writer.close()


def test_every_deletion_of_records_by_the_relay_notes_the_tops_it_left():
    """The scanner lowers its positions only to tops noted by deletions (relay.deleted_tops):
    a deletion of messages or invites that forgot to note them could hide the next post."""
    relay = Path(__file__).parents[2] / "peers_tui" / "relay"
    for module in relay.glob("*.py"):
        lines = module.read_text().splitlines()
        for number, line in enumerate(lines):
            if ("Message.delete()" in line or "Invite.delete()" in line
                    or "DELETE FROM message" in line or "DELETE FROM invite" in line):
                assert "deleted_tops.note_deletion(" in lines[number + 1], \
                    f"{module.name}:{number + 1} deletes records without noting the tops it left"


def test_a_file_looked_at_while_nobody_writes_is_not_looked_at_again(tmp_path, alice, bob):
    """A look that found every commit of the file handled remembers the file's token taken
    under the write lock: the publisher then waits for the next write instead of looking
    again and again until the last one is old enough (local.SETTLE_NS), after every commit
    of every relay, its own applies included."""
    with _scanned_host(tmp_path, alice, bob) as (group_id, remote, withheld, ledger, scanner):
        writer = GroupStore(remote / f"{group_id}.db", group_id)
        try:
            _publish_everything(scanner)
            writer.post(load_or_create_keypair(alice.home), "just written")
            found = _publish_everything(scanner)
            assert [json.loads(e.text)["body"] for e in found if e.table == "msg"] == ["just written"]
            assert not scanner.busy  # the write is a moment old, and it was looked at whole
            _apply_as_relay(scanner, ledger, remote, group_id, withheld)
            assert not scanner.busy  # the relay's own commit: its wake-up finds nothing moved
            assert _publish_everything(scanner) == []
        finally:
            writer.close()


def test_a_file_another_connection_is_writing_is_looked_at_again(tmp_path, alice, bob):
    """While another connection holds the write lock, its frames may be in the WAL before
    its commit shows: the file stays one to look at again soon, and the commit, once it
    shows, is published."""
    with _scanned_host(tmp_path, alice, bob) as (group_id, remote, withheld, ledger, scanner):
        path = remote / f"{group_id}.db"
        _publish_everything(scanner)
        writer = GroupStore(path, group_id)
        other = sqlite3.connect(path, isolation_level=None)
        try:
            writer.post(load_or_create_keypair(alice.home), "before the lock")
            other.execute("BEGIN IMMEDIATE")  # a writer in the middle of its transaction
            found = _publish_everything(scanner)
            assert [json.loads(e.text)["body"] for e in found if e.table == "msg"] == \
                ["before the lock"]
            assert scanner.busy  # not confirmed: looked at again soon
            other.execute("ROLLBACK")
            writer.post(load_or_create_keypair(alice.home), "after the lock")
            found = _publish_everything(scanner)
            assert [json.loads(e.text)["body"] for e in found if e.table == "msg"] == \
                ["after the lock"]
            assert not scanner.busy
        finally:
            other.close()
            writer.close()


def test_a_recent_token_that_did_not_move_is_not_taken_for_nothing_new(tmp_path, alice, bob):
    """File times tick by the clock's coarse step and a WAL reused from its start keeps its
    size: a write right after a look can leave the file's stat token as the look saw it.
    A token remembered from under the write lock is trusted alone only once it is old."""
    with _scanned_host(tmp_path, alice, bob) as (group_id, remote, withheld, ledger, scanner):
        path = remote / f"{group_id}.db"
        writer = GroupStore(path, group_id)
        try:
            _publish_everything(scanner)
            writer.post(load_or_create_keypair(alice.home), "in the same tick")
            scanner.tokens[group_id] = local._token(path)  # as if the write left it unmoved
            found = _publish_everything(scanner)
            assert [json.loads(e.text)["body"] for e in found if e.table == "msg"] == \
                ["in the same tick"]
        finally:
            writer.close()


def test_a_group_joined_just_before_the_link_drops_counts_only_what_waits(tmp_path, alice, bob):
    """The link's drop moves the positions past what is known (catch_up), so that `unsent`
    counts only what waits. The hub's files were listed at most once a second: a group whose
    file came a moment before the drop (a join) was left out, its positions stayed at 0, and
    its records from the hub showed as unsent while the link was down (test_relay_idle's
    "1 unsent" saw 2 under load)."""
    group_id = busy_group(alice, bob)
    envelopes = local_envelopes(alice, group_id)
    remote = tmp_path / "remote-hub"
    remote.mkdir()
    ledger = Ledger(tmp_path / "relay.db")
    scanner = LocalScanner(remote, "B", ledger)
    try:
        assert scanner.group_files() == []  # listed just before the join
        outcome = apply_records(remote, group_id, envelopes, create=True)
        assert outcome is not None and not outcome.refused and not outcome.waiting
        ledger.add_known(e.hash for e in envelopes)  # they came from the hub
        scanner.catch_up()  # the link dropped
        assert scanner.group_files(fresh=True) != []
        assert scanner.unsent() == 0
    finally:
        scanner.close()
        ledger.close()

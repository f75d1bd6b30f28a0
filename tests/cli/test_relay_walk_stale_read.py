"""A reader meeting a page of a join's walk between its reads (docs/relay.md, "Eighteenth
acceptance pass"): what lies below the frontier is "not yet received", never "history deleted"
(issue 15).

Found in the TUI: dora's app on a new host D, joining a 20,000-message group while the walk
went on, showed the oldest row received as "⚠ bob (imported) unverified: an earlier record by
this author is missing (history deleted)" right under "earlier history not yet received
(16,043 of 20,035 here)", and another row so a page later; `peers verify` and `peers log` were
clean once the walk was done. A window is read in several statements, each its own snapshot:
the rows and their predecessors first, the authors' floors (core/frontier.py) when each chain
is checked. A page committed in between brings the predecessor and lowers the floor below it:
the floor then says the place is here, the predecessors read before say it is not, and the
row read as standing over a deleted record. Hub A and leaf C on loopback, real relays; the
walk is held before each page (PEERS_RELAY_WALK_HOLD) and C's relay stopped (SIGSTOP) once one
page is in, so the reader's two reads fall on either side of exactly one page."""

from __future__ import annotations

import os
import signal
import sqlite3
import time

import pytest

from tests.cli.test_relay_backfill import published_on_the_hub, two_hosts  # noqa: F401

pytestmark = pytest.mark.slow


def _rows(path) -> int:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5) as db:
        return db.execute("SELECT COUNT(*) FROM message").fetchone()[0]


def test_a_page_arriving_between_a_readers_reads_is_not_history_deleted(two_hosts, tmp_path,  # noqa: F811
                                                                        monkeypatch):
    from peers_tui.core.chain_rules import wanted_before
    from peers_tui.core.chains import check_chain, predecessors
    from peers_tui.core.records import RecordError
    from peers_tui.core.group_store import GroupStore
    from peers_tui.core.kinds import RecordKind
    from peers_tui.core.models import Message
    from peers_tui.core.opened_records import open_message

    hub, leaf = two_hosts
    hold = tmp_path / "hold-the-walk"
    hold.touch()
    monkeypatch.setenv("PEERS_RELAY_WALK_HOLD", str(hold))
    alice, _, group_id, code = published_on_the_hub(hub, leaf)
    monkeypatch.delenv("PEERS_RELAY_WALK_HOLD")
    carol = leaf.user("carol")
    carol.ok("join", code)
    path = leaf.hub / f"{group_id}.db"
    store = GroupStore(path, group_id)
    try:
        with store.session():
            me = alice.ok("id").out.split()[0]
            row = (Message.select().where(Message.author == me)
                   .order_by(Message.author_seq).first())  # alice's oldest here: the frontier
            record = open_message(row.record, row.sig, group_id=group_id, kind=RecordKind.MSG)
            chain = predecessors(wanted_before([record]), group_id=group_id)  # the first read
        assert chain == {}, "the place below the frontier is here already"
        before = _rows(path)
        hold.unlink()  # one page of the walk, and no more
        deadline = time.monotonic() + 60
        while _rows(path) == before and time.monotonic() < deadline:
            time.sleep(0.005)
        os.kill(leaf.process.pid, signal.SIGSTOP)
        hold.touch()
        os.kill(leaf.process.pid, signal.SIGCONT)
        assert _rows(path) > before, "no page came"
        with store.session():  # the second read: the floors, after the page
            try:
                check_chain(record, chain, store.log.current_roster())
                problem = None
            except RecordError as exc:
                problem = str(exc)
        assert problem is None  # main: "an earlier record by this author is missing (history deleted)"
    finally:
        store.close()
        hold.unlink(missing_ok=True)

"""core/joined_history.py: the rows a join's backfill stored are history, not news, for every
reader of the file (unread, mentions), from the moment they are stored; every other row is
news by arrival as before. Records are taken out of a real group file and brought back through
the relay's apply path, as a backfill's page or as a live arrival."""

from __future__ import annotations

import sqlite3
from typing import Any

from peers_tui.core import joined_history
from peers_tui.core.account import Account
from peers_tui.core.group_store import GroupStore
from peers_tui.core.models import Message
from peers_tui.core.raw import text_of
from peers_tui.core.unread import unread_rows
from peers_tui.relay import apply, backfill_state, deleted_tops
from peers_tui.relay.envelope import Envelope
from tests.conftest import User


def taken_out(store: GroupStore, where: Any) -> list[Envelope]:
    """The message rows matching `where`, deleted from the file (inside its session), as the
    records the relay would bring them back in, oldest first."""
    rows = list(Message.select().where(where).order_by(Message.id))
    Message.delete().where(Message.id.in_([row.id for row in rows])).execute()
    return [Envelope(store.group_id, "msg", text_of(row.record), bytes(row.sig), None, "hub")
            for row in rows]


def counts(user: User) -> tuple[int, int]:
    account = Account(user.home, user.hub)
    summary = account.summary(account.resolve("team"))
    return summary.unread, summary.mentions


def read_newest(user: User, group_id: str) -> None:
    newest = user.ok("log", "team", "--json", "--limit", "1").json()[-1]
    Account(user.home, user.hub).mark_read(group_id, newest["id"])


def ranges(store: GroupStore) -> list[tuple[int, int]]:
    with sqlite3.connect(store.path) as db:
        return db.execute("SELECT lo, hi FROM joined_history ORDER BY lo").fetchall()


def named(store: GroupStore) -> int:
    with sqlite3.connect(store.path) as db:
        return int(db.execute("SELECT COUNT(*) FROM joined_history_ids").fetchone()[0])


def history_page(alice: User, bob: User, carol: User, team: str,
                 count: int = 6) -> tuple[GroupStore, list[Envelope]]:
    """bob's `count` posts (every other one naming alice) and alice's newest; bob's posts taken
    out again, to come back as a page of history; alice has read the newest. Posts arriving
    live afterwards are carol's (bob's next post would take a place of his chain the page
    brings back)."""
    carol.ok("join", alice.ok("invite", "team").out.strip())
    for i in range(count):
        bob.ok("send", "team", f"bob {i}" + (" @alice" if i % 2 else ""))
    alice.ok("send", "team", "the newest")
    read_newest(alice, team)
    store = GroupStore(alice.hub / f"{team}.db", team)
    with store.session(), store.db.atomic():
        page = taken_out(store, Message.body.startswith("bob "))
    return store, page


def test_a_page_named_before_it_is_stored_is_never_news(alice: User, bob: User, carol: User,
                                                       team: str):
    store, page = history_page(alice, bob, carol, team)
    backfill_state.expect_history(store, page)
    apply.apply_records(alice.hub, team, page, create=False, hub_order=True, store=store)
    assert counts(alice) == (0, 0)  # stored, not yet settled: named by id
    backfill_state.lower(store, 0)
    assert named(store) == 0 and len(ranges(store)) == 1
    assert counts(alice) == (0, 0)
    carol.ok("send", "team", "live @alice")
    assert counts(alice) == (1, 1)
    store.close()


def test_the_same_page_stored_as_a_live_arrival_is_news(alice: User, bob: User, carol: User,
                                                      team: str):
    """The control: without the walk's naming, old ids stored late count, mentions too."""
    store, page = history_page(alice, bob, carol, team)
    apply.apply_records(alice.hub, team, page, create=False, hub_order=True, store=store)
    assert counts(alice) == (6, 3)
    store.close()


def test_a_walk_restarted_between_its_page_and_its_position_settles_the_page(
        alice: User, bob: User, carol: User, team: str):
    store, page = history_page(alice, bob, carol, team)
    backfill_state.expect_history(store, page)
    apply.apply_records(alice.hub, team, page, create=False, hub_order=True, store=store)
    carol.ok("send", "team", "live while the relay was down")
    # The relay restarts: its position did not move, so it reads and applies the page again.
    backfill_state.expect_history(store, page)
    apply.apply_records(alice.hub, team, page, create=False, hub_order=True, store=store)
    backfill_state.lower(store, 0)
    assert counts(alice) == (1, 0)
    assert named(store) == 0


def test_a_record_the_file_held_before_stays_news(alice: User, bob: User, team: str):
    """Someone joining again on a host that holds the group: the walk names records already
    stored, unread for another user of the host; they stay so."""
    bob.ok("send", "team", "already here @alice")
    store = GroupStore(alice.hub / f"{team}.db", team)
    with store.session():
        here = [Envelope(team, "msg", text_of(row.record), bytes(row.sig), None, "hub")
                for row in Message.select().where(Message.body.startswith("already"))]
    backfill_state.expect_history(store, here)
    apply.apply_records(alice.hub, team, here, create=False, hub_order=True, store=store)
    assert counts(alice) == (1, 1)
    backfill_state.lower(store, 0)
    assert counts(alice) == (1, 1) and ranges(store) == []
    store.close()


def test_a_history_row_deleted_at_the_top_gives_its_rowid_to_news(alice: User, bob: User,
                                                                   carol: User, team: str):
    store, page = history_page(alice, bob, carol, team)
    backfill_state.expect_history(store, page)
    apply.apply_records(alice.hub, team, page, create=False, hub_order=True, store=store)
    backfill_state.lower(store, 0)
    with store.session(), store.db.atomic():  # as the relay takes out a record (links.py)
        top = store.db.execute_sql("SELECT MAX(rowid) FROM message").fetchone()[0]
        store.db.execute_sql("DELETE FROM message WHERE rowid = ?", (top,))
        deleted_tops.note_deletion(store.db)
    assert ranges(store)[-1][1] == top - 1
    carol.ok("send", "team", "news in a used place")
    with store.session():
        assert store.db.execute_sql("SELECT rowid FROM message WHERE body = ?",
                                    ("news in a used place",)).fetchone()[0] == top
    assert counts(alice)[0] == 1
    store.close()


def test_news_between_pages_is_found_past_the_ranges(alice: User, bob: User, carol: User,
                                                    team: str):
    """Pages and live posts interleaved: each page its range, the live posts in between are
    the unread ones, newest first, however many history rows lie above them."""
    store, page = history_page(alice, bob, carol, team, count=8)
    for number, half in enumerate((page[:4], page[4:])):  # oldest first: no frontier here
        backfill_state.expect_history(store, half)
        apply.apply_records(alice.hub, team, half, create=False, hub_order=True, store=store)
        backfill_state.lower(store, 0)
        carol.ok("send", "team", f"live {number}")
    assert len(ranges(store)) == 2
    assert counts(alice) == (2, 0)
    me = Account(alice.home, alice.hub).user_id
    with store.session():
        assert [row.body for row in unread_rows(store.db, me, 0, None, 1)] == ["live 1"]
        assert [row.body for row in unread_rows(store.db, me, 0, None, 5)][:2] == ["live 1", "live 0"]
        assert joined_history.news_spans(store.db, 0) is not None
    store.close()

"""The id a new message follows is judged by its row (the eleventh attack pass: less than a
day ahead of the row's own time), and the row's time was its `created_at` column, which
anyone able to write the file sets (docs/relay.md "Twelfth attack pass"). One junk row with
an id in the year 5000 and that year in its time column (its record no record at all, or a
genuine record of someone's copied under that id) made every honest writer on that host
follow it: their genuine messages, signed in that year, carried to every host, dragged the
whole group's ids there for good; so did a record of that year signed with a key of the
writer's own (no member's). A row is followed now only when its record is a genuine message
record of this group, by an author allowed to post it, whose id and signed time are the
row's."""

from __future__ import annotations

import sqlite3

import pytest

from peers_tui.core.encoding import now_ms
from peers_tui.core.ids import ulid_text, ulid_value
from peers_tui.testing.forge import Forger

DAY = 24 * 60 * 60 * 1000
YEAR_5000 = 95_617_584_000_000  # 5000-01-01 in ms since 1970


@pytest.mark.parametrize("record", ["junk", "copy", "stranger"])
def test_a_junk_row_with_a_future_id_and_time_column_drags_no_id(record, alice, bob, team,
                                                                   make_user):
    db = alice.hub / f"{team}.db"
    bob.ok("send", "team", "bob's genuine one")
    if record == "stranger":  # a record of the year 5000 signed with a key of the writer's own
        Forger(make_user("mallory").home).message(
            db, team, "from the future", id=ulid_text((YEAR_5000 << 80) | 7), t=YEAR_5000)
    else:
        with sqlite3.connect(db) as conn:
            text, sig, author = conn.execute("SELECT record, sig, author FROM message"
                                             " WHERE body = 'bob''s genuine one'").fetchone()
            conn.execute("INSERT INTO message (id, author, author_seq, kind, created_at, body,"
                         " record, sig) VALUES (?, ?, 99, 'text', ?, 'from the future', ?, ?)",
                         (ulid_text((YEAR_5000 << 80) | 7), author, YEAR_5000,
                          "{}" if record == "junk" else text, sig))
    alice.ok("send", "team", "alice 1")  # the lean path
    alice.ok("topic", "team", "alice's topic")  # the full path
    alice.ok("send", "team", "alice 2")
    log = alice.ok("log", "team", "--json", "--no-events").json()
    mine = [m for m in log if m["author"] == "alice"]
    assert [m["body"] for m in mine] == ["alice 1", "alice's topic", "alice 2"], log
    for message in mine:
        assert message["verified"] is True
        assert abs((ulid_value(message["id"]) >> 80) - now_ms()) < DAY, message

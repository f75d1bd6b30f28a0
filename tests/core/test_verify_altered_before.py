"""`peers verify` on a file where a genuine record was altered in place (sqlite3 UPDATE of
its body and record after it was signed) names that row, and says of the next record by the
same author that the record before it is altered in this file, not that history was deleted:
the row is there (twenty-seventh acceptance pass, docs/relay.md). A record truly deleted is
still "missing (history deleted)"."""

from __future__ import annotations

import sqlite3

from tests.conftest import User


def altered(user: User, group_id: str, message_id: str) -> None:
    with sqlite3.connect(user.hub / f"{group_id}.db", isolation_level=None) as conn:
        record = conn.execute("SELECT record FROM message WHERE id=?", (message_id,)).fetchone()[0]
        conn.execute("UPDATE message SET record=?, body='pay mallory' WHERE id=?",
                     (record.replace("first", "pay mallory"), message_id))


def test_the_record_after_an_altered_one_says_altered_not_deleted(alice: User, team):
    first = alice.ok("send", "team", "first").out.strip()
    second = alice.ok("send", "team", "second").out.strip()
    alice.ok("send", "team", "third")
    altered(alice, team, first)
    report = alice.run("verify", "team")
    assert report.code == 1, report.out
    assert first in report.out, report.out  # the altered row itself is named
    assert "history deleted" not in report.out, report.out
    assert "records are missing" not in report.out, report.out
    next_line = [line for line in report.out.splitlines() if second in line]
    assert next_line and "altered" in next_line[0], report.out
    assert "peers relay refetch" not in report.out  # no relay set up here


def test_a_deleted_record_is_still_history_deleted(alice: User, team):
    first = alice.ok("send", "team", "first").out.strip()
    alice.ok("send", "team", "second")
    with sqlite3.connect(alice.hub / f"{team}.db", isolation_level=None) as conn:
        conn.execute("DELETE FROM message WHERE id=?", (first,))
    report = alice.run("verify", "team")
    assert report.code == 1
    assert "history deleted" in report.out and "1 of their records are missing" in report.out
    assert "altered" not in report.out, report.out


def test_where_a_relay_is_set_up_the_words_point_at_the_refetch(alice: User, team):
    first = alice.ok("send", "team", "first").out.strip()
    alice.ok("send", "team", "second")
    alice.ok("relay", "init", "--hub", "--name", "A", "--listen", "127.0.0.1:1")
    altered(alice, team, first)
    report = alice.run("verify", "team")
    assert report.code == 1 and "history deleted" not in report.out, report.out
    assert report.out.count("peers relay refetch") == 2, report.out  # the next, the count

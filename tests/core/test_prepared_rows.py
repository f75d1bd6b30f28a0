"""Prepared queries (core.models.prepared) read their rows without Peewee's model objects,
and those rows carry exactly what the model's rows carry, junk included."""

from __future__ import annotations

import math
import sqlite3

import peewee
import pytest
from peewee import SQL

from peers_tui.core.account import Account
from peers_tui.core.live_feed import LiveFeed
from peers_tui.core.models import Invite, Message, prepared, tuples
from tests.conftest import User

FIELDS = [*Message._meta.sorted_field_names, "rowid"]
JUNK = [  # (id, author, author_seq, kind, created_at, body, record, sig, target): what SQLite keeps
    ("j1", b"\xff\xfe", "12", 7, float("inf"), b"body", "{}", "not a blob", None),
    (b"\x00id", "x", 1.5, None, -2**63, "\x1b]0;t\x07", b"\xc3\x28", b"\x00", "j1"),
    ("j3", 42, None, "msg", "soon", None, None, None, b"\xff"),
]


def same(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a):
        return math.isnan(b)
    return type(a) is type(b) and a == b


def test_prepared_rows_carry_what_model_rows_carry_junk_included(alice: User, team: str):
    path = alice.hub / f"{team}.db"
    alice.ok("send", "team", "genuine")
    with sqlite3.connect(path) as db:
        # Rows as an attacker writes them: another table without the constraints.
        db.execute("ALTER TABLE message RENAME TO message_kept")
        db.execute("CREATE TABLE message (id, author, author_seq, kind, created_at, body, record,"
                   " sig, target, reply_to, orig_id)")
        db.execute("INSERT INTO message SELECT id, author, author_seq, kind, created_at, body,"
                   " record, sig, target, reply_to, orig_id FROM message_kept")
        db.executemany("INSERT INTO message (id, author, author_seq, kind, created_at, body,"
                       " record, sig, target) VALUES (?,?,?,?,?,?,?,?,?)", JUNK)
    account = Account(alice.home, alice.hub)
    store = account.store(account.resolve("team"))
    with store.session():
        def build() -> peewee.Query:
            return Message.with_rowid().where(SQL("rowid") > 0).order_by(SQL("rowid"))
        models = list(build())
        rows = list(prepared(Message, ("test: every message",), [0], build))
        assert len(rows) == len(models) == len(JUNK) + 1
        for row, model in zip(rows, models):
            for name in FIELDS:
                assert same(getattr(row, name), getattr(model, name)), (name, row, model)
        plain = list(tuples(prepared(Message, ("test: every message",), [0], build)))
        assert [tuple(row) for row in plain] == [tuple(r) for r in tuples(build())]
        invites = list(prepared(Invite, ("test: invites",), [0],
                                lambda: Invite.select().where(Invite.id > 0)))
        assert [(i.id, i.key, i.record) for i in invites] == [
            (i.id, i.key, i.record) for i in Invite.select().where(Invite.id > 0)]


def test_a_live_read_builds_no_model_objects(alice: User, bob: User, team: str,
                                             monkeypatch: pytest.MonkeyPatch):
    reader = Account(alice.home, alice.hub)
    store = reader.store(reader.resolve("team"))
    feed = LiveFeed(store, store.last_rowid())
    writer = Account(bob.home, bob.hub)
    writer.send("team", "first")
    feed.read()  # the roster is replayed once (and kept while the membership stands)
    writer.send("team", "hello")
    wrappers = []
    resolve = peewee._resolve_model_columns

    def counted(*args: object) -> object:
        wrappers.append(args)
        return resolve(*args)

    monkeypatch.setattr(peewee, "_resolve_model_columns", counted)
    views = feed.read().views
    assert [(v.body, v.verified) for v in views] == [("hello", True)]
    # Each model cursor wrapper Peewee sets up cost ~0.1 ms of a read that SQLite answers in
    # ~20 µs, five times a message.
    assert wrappers == []

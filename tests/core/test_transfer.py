"""Import and export of history: signed `imported` records, idempotent, all-or-nothing."""

from __future__ import annotations

import json
import os
import random

import pytest

from tests.conftest import User

LINES = [
    {"id": "m1", "author": "Zoe", "body": "from the old system", "created_at": 1_600_000_000},
    {"id": "m2", "author": "Yann", "body": "second\nline", "created_at": "2020-09-13T12:27:00Z"},
    {"id": 3, "author": "Zoe", "body": "numeric id", "created_at": 1_600_000_100.5},
]


def write(tmp_path, name: str, rows) -> str:
    path = tmp_path / name
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r) for r in rows) + "\n")
    return str(path)


def test_import_keeps_original_author_time_and_id(alice: User, bob: User, team, tmp_path):
    result = alice.ok("import", "team", write(tmp_path, "old.jsonl", LINES))
    assert "imported 3 messages" in result.out
    log = bob.ok("log", "team", "--json").json()
    assert [(m["author"], m["body"], m["imported"], m["verified"]) for m in log] == [
        ("Zoe", "from the old system", True, True),
        ("Yann", "second\nline", True, True),
        ("Zoe", "numeric id", True, True)]
    assert log[0]["created_at"] == "2020-09-13T12:26:40.000Z"
    assert log[1]["created_at"] == "2020-09-13T12:27:00.000Z"
    assert "<Zoe (imported)> from the old system" in bob.ok("log", "team").out
    assert [m["author"] for m in bob.ok("search", "team", "system", "--json").json()] == ["Zoe"]


def test_importing_again_adds_nothing(alice: User, team, tmp_path):
    path = write(tmp_path, "old.jsonl", LINES)
    alice.ok("import", "team", path)
    assert "imported 0 messages (3 already there)" in alice.ok("import", "team", path).out
    assert len(alice.ok("log", "team", "--json").json()) == 3
    alice.ok("verify", "team")


@pytest.mark.parametrize("bad, reason", [
    ("{not json", "line 3"),
    (json.dumps({"id": "x", "author": "a", "body": "b"}), "line 3: created_at"),
    (json.dumps({"id": "x", "author": "", "body": "b", "created_at": 1}), "line 3: 'author'"),
    (json.dumps({"id": "x", "author": "a", "body": "\x1b[2J", "created_at": 1}), "control character"),
    (json.dumps([1, 2]), "line 3: not a JSON object"),
    (json.dumps({"id": "x", "author": "a", "body": "b", "created_at": "yesterday"}), "line 3"),
])
def test_a_bad_line_is_reported_and_nothing_is_kept(alice: User, team, tmp_path, bad, reason):
    rows = [LINES[0], LINES[1], bad, LINES[2]]
    err = alice.fails("import", "team", write(tmp_path, "bad.jsonl", rows)).err
    assert reason in err
    assert alice.ok("log", "team", "--json").json() == []


def test_only_admins_import(alice: User, bob: User, team, tmp_path):
    assert "admins" in bob.fails("import", "team", write(tmp_path, "x.jsonl", LINES)).err
    assert "No such file" in alice.fails("import", "team", str(tmp_path / "missing")).err


def test_export_round_trips_through_import_into_another_group(alice: User, bob: User, team,
                                                              tmp_path):
    alice.ok("import", "team", write(tmp_path, "old.jsonl", LINES))
    bob.ok("send", "team", "live message")
    edited = bob.ok("send", "team", "draft").out.strip()
    bob.ok("edit", "team", edited, "final")
    gone = bob.ok("send", "team", "oops").out.strip()
    bob.ok("delete", "team", gone)
    exported = alice.ok("export", "team").out
    rows = [json.loads(line) for line in exported.splitlines()]
    assert [r["body"] for r in rows] == ["from the old system", "second\nline", "numeric id",
                                         "live message", "final"]
    assert [r["id"] for r in rows[:3]] == ["m1", "m2", "3"]

    (tmp_path / "export.jsonl").write_text(exported)
    alice.ok("create", "archive")
    alice.ok("import", "archive", str(tmp_path / "export.jsonl"))
    again = [json.loads(line) for line in alice.ok("export", "archive").out.splitlines()]
    key = lambda r: (r["id"], r["author"], r["body"], r["created_at"])  # noqa: E731
    assert [key(r) for r in again] == [key(r) for r in rows]
    text = alice.ok("export", "team", "--format", "text").out
    assert "<Zoe (imported)> from the old system" in text and "final (edited)" in text


def test_random_bytes_never_crash_the_importer(alice: User, team, tmp_path):
    rng = random.Random(7)
    for attempt in range(25):
        path = tmp_path / f"noise{attempt}"
        path.write_bytes(os.urandom(rng.randint(1, 400)) if attempt % 2 else
                         bytes(rng.choice(b'{}":,[]0123456789abc\n ') for _ in range(300)))
        result = alice.run("import", "team", str(path))
        assert "Traceback" not in result.err
        if result.code != 0:
            assert len(result.err.strip().splitlines()) == 1
    alice.ok("verify", "team")


def test_imported_records_are_in_canonical_form(alice: User, team, tmp_path):
    """The importer writes records by hand for speed: they must equal canonical_json()."""
    import sqlite3
    from peers_tui.core.encoding import canonical_json
    rows = [{"id": 'q"uote\\', "author": "Ünïcode ✓", "body": "tab\there \"quoted\" \u2603 😀",
             "created_at": 1}]
    alice.ok("import", "team", write(tmp_path, "odd.jsonl", rows))
    conn = sqlite3.connect(alice.hub / f"{team}.db")
    [record] = [r[0] for r in conn.execute("SELECT record FROM message WHERE kind='imported'")]
    assert canonical_json(json.loads(record)) == record
    [shown] = alice.ok("log", "team", "--json").json()
    assert (shown["id"] != 'q"uote\\', shown["author"], shown["verified"]) == (True, "Ünïcode ✓", True)

"""Schema versions: an older database is migrated in place, a newer one refused."""

from __future__ import annotations

import sqlite3

from playhouse.migrate import SqliteMigrator
from peewee import TextField

from peers_tui.core.database import schema as database  # where the version and steps live
from tests.conftest import User


def test_older_database_is_migrated_not_refused(alice: User, team, monkeypatch):
    alice.ok("send", "team", "written by version 1")
    path = alice.hub / f"{team}.db"
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == database.SCHEMA_VERSION

    def add_note_column(db, migrator: SqliteMigrator) -> None:
        if db.table_exists("message"):
            from playhouse.migrate import migrate
            migrate(migrator.add_column("message", "note", TextField(null=True)))

    next_version = database.SCHEMA_VERSION + 1
    monkeypatch.setattr(database, "SCHEMA_VERSION", next_version)
    monkeypatch.setitem(database.MIGRATIONS, next_version, add_note_column)

    assert [m["body"] for m in alice.ok("log", "team", "--json").json()] == ["written by version 1"]
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == next_version
    columns = [row[1] for row in conn.execute("PRAGMA table_info(message)")]
    assert "note" in columns
    # personal.db shares the version and migrated too, without a message-table-only failure
    alice.ok("log", "personal")
    personal = sqlite3.connect(alice.home / "personal.db")
    assert personal.execute("PRAGMA user_version").fetchone()[0] == next_version


def test_a_file_that_is_not_peers_is_refused(alice: User, team):
    path = alice.hub / f"{team}.db"
    path.unlink()
    sqlite3.connect(path).execute("CREATE TABLE x (y)").connection.commit()
    assert "not a peers database" in alice.fails("log", "team").err


def test_a_file_is_made_on_its_own_database_whatever_another_thread_bound(tmp_path):
    """The app's /join through the relay at start-up failed with "database connection not
    opened": Peewee keeps each model's SchemaManager database for all threads, so the tables
    of a file created in a worker were made on whatever database the app's thread had bound
    the models to last (with no connection on the worker's thread)."""
    import threading

    from peers_tui.core.database import connect, create_file, prepare_schema
    from peers_tui.core.models import GROUP_MODELS

    first, second = tmp_path / "first.db", tmp_path / "second.db"
    create_file(first, 0o600)
    bound = connect(first)
    bound.connect()
    bound.bind(GROUP_MODELS, False, False)  # this thread's binding, as the app's start has it
    prepare_schema(bound, GROUP_MODELS, create=True)
    failures: list[BaseException] = []

    def create_second() -> None:
        create_file(second, 0o600)
        db = connect(second)
        try:
            with db.connection_context():
                prepare_schema(db, GROUP_MODELS, create=True)
        except BaseException as exc:  # reported to the test's thread
            failures.append(exc)

    worker = threading.Thread(target=create_second)
    worker.start()
    worker.join()
    bound.close()
    assert failures == []
    made = connect(second)
    with made.connection_context():
        assert {"message", "group_members", "group_info"} <= set(made.get_tables())

"""Peers databases on disk, in three parts: `files` (file safety, how a file is opened, what a
failure says about it), `connection` (the connection class) and `schema` (creating, checking
and migrating tables). The names most callers need are gathered here. (`side_files`: the -wal
and -shm an opening makes, born with the file's mode; `write_gate`: open transactions.)

`connection` and `schema` stand on Peewee, which costs ~20 ms to import: they are loaded when
one of their names is first used, so that `peers send` (core.lean_post, plain sqlite3) can use
`files` without them.
"""

from __future__ import annotations

from peers_tui.core.database.files import (
    APPLICATION_ID, PRAGMAS, SCHEMA_VERSION, check_regular_file, create_file, disk_full,
    immutable_reason, sqlite_code, sqlite_uri, storage_error, unwritable_reason, wal_in_use,
)

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (core.frozen)
if TYPE_CHECKING:
    from typing import Any

    from peers_tui.core.database.connection import Database, connect
    from peers_tui.core.database.schema import (
        MIGRATIONS, check_schema_objects, migrate, prepare_schema,
    )

_LAZY = {"Database": "connection", "connect": "connection", "MIGRATIONS": "schema",
         "check_schema_objects": "schema", "migrate": "schema", "prepare_schema": "schema"}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib  # (here: importlib imports warnings, which `peers send` does without)

    return getattr(importlib.import_module(f"{__name__}.{module}"), name)


__all__ = [
    "APPLICATION_ID", "MIGRATIONS", "PRAGMAS", "SCHEMA_VERSION", "Database",
    "check_regular_file", "check_schema_objects", "connect", "create_file", "disk_full",
    "immutable_reason", "migrate", "prepare_schema", "sqlite_code", "sqlite_uri",
    "storage_error", "unwritable_reason", "wal_in_use",
]

"""Peers databases on disk, in three parts: `files` (file safety, how a file is opened, what a
failure says about it), `connection` (the connection class) and `schema` (creating, checking
and migrating tables). The names most callers need are gathered here.
"""

from __future__ import annotations

from peers_tui.core.database.connection import PRAGMAS, Database, connect
from peers_tui.core.database.files import (
    check_regular_file, create_file, disk_full, immutable_reason, sqlite_code, sqlite_uri,
    storage_error, unwritable_reason, wal_in_use,
)
from peers_tui.core.database.schema import (
    APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION, check_schema_objects, migrate, prepare_schema,
)

__all__ = [
    "APPLICATION_ID", "MIGRATIONS", "PRAGMAS", "SCHEMA_VERSION", "Database",
    "check_regular_file", "check_schema_objects", "connect", "create_file", "disk_full",
    "immutable_reason", "migrate", "prepare_schema", "sqlite_code", "sqlite_uri",
    "storage_error", "unwritable_reason", "wal_in_use",
]

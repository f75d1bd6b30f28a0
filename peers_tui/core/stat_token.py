"""A group file's stat token: whether anything was written to it (the file and its WAL)
since it was last looked at, without opening it (relay.file_tokens, core.stopped_unsent).

A write seen by stat may not be visible to readers yet (the WAL frame is written before the
WAL index says it is committed: DESIGN.md measured this for inotify): a file written within
SETTLE_NS is looked at again even when its token did not move (`settled`).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

Token = tuple[int, int, int, int]
SETTLE_NS = 100_000_000


def token(path: Path) -> Token | None:
    try:
        main = os.stat(path)
    except OSError:
        return None
    try:
        wal = os.stat(f"{path}-wal")
        wal_part = (wal.st_mtime_ns, wal.st_size)
    except OSError:
        wal_part = (0, 0)
    return (main.st_mtime_ns, main.st_size, *wal_part)


def settled(token: Token | None, ns: int = SETTLE_NS) -> bool:
    return token is not None and time.time_ns() - max(token[0], token[2]) > ns

"""Presence: who is running peers right now, with no writes to any database.

Each running app holds a shared `flock` on `<hub>/.presence/<user_id>`; the kernel drops it
when the process dies, however it dies. Anyone can test for it by trying an exclusive lock
without blocking: if that fails, someone is here.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

PRESENCE_DIR = ".presence"


class Presence:
    def __init__(self, hub: Path) -> None:
        self.directory = hub / PRESENCE_DIR
        self._held: int | None = None

    def announce(self, user_id: str) -> None:
        """Show this user as present until `withdraw()` or the end of the process."""
        try:
            self.directory.mkdir(parents=True, exist_ok=True, mode=0o770)
            fd = os.open(self.directory / user_id, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o660)
        except OSError:
            return  # a hub we cannot write: presence is a courtesy, not a requirement
        fcntl.flock(fd, fcntl.LOCK_SH)
        self._held = fd

    def withdraw(self) -> None:
        if self._held is not None:
            os.close(self._held)
            self._held = None

    def present(self, user_ids: list[str]) -> set[str]:
        """The subset of `user_ids` that have a running peers on this hub."""
        here = set()
        for user_id in user_ids:
            try:
                fd = os.open(self.directory / user_id, os.O_RDONLY | os.O_NOFOLLOW)
            except OSError:
                continue
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                here.add(user_id)
            except OSError:
                pass
            finally:
                os.close(fd)
        return here

"""Folders the change notifier (core.notifier) watches for files arriving or leaving: an inbox
of invitations, whose files are written whole and renamed in (dot-files are writes in
progress). inotify tells the moves; a sweep compares the directory's stat for what it cannot."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from peers_tui.core.change_tokens import file_stat


class FolderWatch:
    """The watched folders by key, their last stat, and their inotify watch descriptors."""

    def __init__(self) -> None:
        self.paths: dict[str, Path] = {}
        self._stats: dict[str, tuple[int, int, int] | None] = {}
        self._by_wd: dict[int, str] = {}

    def add(self, key: str, path: Path, inotify: Any, flags: Any) -> None:
        self.paths[key] = path
        self._stats[key] = file_stat(str(path))
        if inotify is not None:
            mask = flags.MOVED_TO | flags.MOVED_FROM | flags.DELETE
            self._by_wd[inotify.add_watch(str(path), mask)] = key

    def sweep(self, keys: list[str]) -> set[str]:
        """Those of `keys` (folders or not) whose folder's stat moved since the last look."""
        moved = set()
        for key in keys:
            path = self.paths.get(key)
            if path is None:
                continue
            stat = file_stat(str(path))
            if stat != self._stats.get(key):
                self._stats[key] = stat
                moved.add(key)
        return moved

    def moved(self, wd: int, name: str) -> str | None:
        """The key of the folder an inotify event names, if a finished file moved there."""
        key = self._by_wd.get(wd)
        if key is None or name.startswith("."):
            return None
        self._stats[key] = file_stat(str(self.paths[key]))
        return key


__all__ = ["FolderWatch"]

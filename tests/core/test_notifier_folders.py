"""The notifier also watches a folder (the user's inbox of invitations): a file renamed into it
or taken out of it wakes `wait()` at once through inotify, and the sweep finds it without."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from peers_tui.core import notifier as notifier_module
from peers_tui.core.notifier import ChangeNotifier


def arrive(folder: Path, name: str) -> None:
    """Written whole and renamed in, as core.profiles.write_file does."""
    temp = folder / f".{name}.tmp"
    temp.write_text("{}")
    os.replace(temp, folder / name)


def test_a_file_renamed_in_or_removed_wakes_the_wait_at_once(tmp_path: Path):
    folder = tmp_path / "inbox"
    folder.mkdir()
    watcher = ChangeNotifier(sweep_interval=60)  # only inotify can tell within the test
    try:
        watcher.watch_folder("inbox", folder)
        assert watcher.wait(timeout=0.05) == set()
        arrive(folder, "one.json")
        started = time.monotonic()
        assert watcher.wait(timeout=5) == {"inbox"}
        assert time.monotonic() - started < 1
        (folder / "one.json").unlink()
        assert watcher.wait(timeout=5) == {"inbox"}
        (folder / ".in-progress.tmp").write_text("{}")  # a write in progress is no arrival
        assert watcher.wait(timeout=0.2) == set()
    finally:
        watcher.close()


def test_without_inotify_the_sweep_finds_an_arrival(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(notifier_module, "INotify", None)
    folder = tmp_path / "inbox"
    folder.mkdir()
    watcher = ChangeNotifier(sweep_interval=0.05)
    try:
        watcher.watch_folder("inbox", folder)
        assert watcher.wait(timeout=0.2) == set()
        time.sleep(0.01)  # a new mtime
        arrive(folder, "one.json")
        assert watcher.wait(timeout=5) == {"inbox"}
    finally:
        watcher.close()

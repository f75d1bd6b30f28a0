"""The first inotify watch of a process starts no other process (core.inotify): inotify_simple
found the C library with `find_library('c')`, which runs `/sbin/ldconfig -p`, a fork and an
exec on the thread that asked: in the app, its link's watch after the first frame (issue 16)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("inotify_simple")

# A fresh interpreter (nothing loaded the library yet), told of every process it starts by
# Python's audit events, watching a folder as the app's hub watcher and link's watch do.
WATCH = """
import sys
started = []
def heard(event, args):
    if event in ("subprocess.Popen", "os.posix_spawn", "os.fork", "os.exec"):
        started.append(event)
sys.addaudithook(heard)
from pathlib import Path
from peers_tui.core.notifier import ChangeNotifier
notifier = ChangeNotifier()
notifier.watch_folder("inbox", Path(sys.argv[1]))
print(notifier._inotify is not None, started)
notifier.close()
"""


def test_the_first_inotify_watch_starts_no_process(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-c", WATCH, str(tmp_path)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split(maxsplit=1) == ["True", "[]\n"], result.stdout


def test_the_watch_still_reports_a_file_moved_in(tmp_path: Path) -> None:
    """inotify_simple's calls through the process's own C library: events and errors."""
    from peers_tui.core.inotify import INotify, flags

    inotify = INotify()
    try:
        inotify.add_watch(str(tmp_path), flags.MOVED_TO)
        (tmp_path / ".new").write_text("x")
        (tmp_path / ".new").rename(tmp_path / "arrived")
        assert [event.name for event in inotify.read(timeout=1000)] == ["arrived"]
        with pytest.raises(OSError):
            inotify.add_watch(str(tmp_path / "missing"), flags.MOVED_TO)
    finally:
        inotify.close()

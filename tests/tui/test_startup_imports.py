"""What `peers` imports before its first frame: the chat screen, not the dialogs (issue 16).

Every Textual screen or widget class costs at its definition (Textual walks the class's
`dir()` and merges its bindings and styles), and start-up is measured against a bare Textual
app: the dialogs are imported when first opened.
"""

from __future__ import annotations

import subprocess
import sys

DIALOGS = ("peers_tui.screens.prompt", "peers_tui.screens.search", "peers_tui.screens.help",
           "peers_tui.screens.invites", "peers_tui.screens.invitations",
           "peers_tui.screens.group_list", "peers_tui.screens.switcher",
           "peers_tui.screens.confirm", "peers_tui.commands.palette")


def test_starting_the_app_imports_no_dialog() -> None:
    code = (
        "import sys\n"
        "import peers_tui.cli, peers_tui.factory\n"  # what `peers` imports before App.run
        f"print(sorted(set({DIALOGS!r}) & set(sys.modules)))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]", result.stdout


# Loaded after the first frame, or only when there is something to read: the hub's watcher
# (inotify_simple loads ctypes) starts after it; the theme's file is TOML only if there is one.
LATER = ("inotify_simple", "ctypes", "tomllib")


def test_starting_the_app_imports_neither_the_watcher_s_nor_the_config_s_parser(tmp_path):
    code = (
        "import sys\n"
        "import peers_tui.cli, peers_tui.factory\n"
        "from pathlib import Path\n"
        "from peers_tui.config import load_config\n"
        f"load_config(Path({str(tmp_path / 'config.toml')!r}))\n"  # no file: nothing to parse
        f"print(sorted(set({LATER!r}) & set(sys.modules)))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]", result.stdout

"""The core and the CLI never import Textual: `peers send` must stay fast for scripts."""

from __future__ import annotations

import subprocess
import sys


def test_cli_and_core_do_not_import_textual(alice, team):
    code = (
        "import sys\n"
        "from peers_tui.cli import main\n"
        f"main(['--home', {str(alice.home)!r}, '--hub', {str(alice.hub)!r}, 'send', 'team', 'x'])\n"
        "import peers_tui.core.account, peers_tui.core.group_store\n"
        "assert 'textual' not in sys.modules, 'textual was imported'\n"
        "assert 'peers_tui.core.bulk_verify' not in sys.modules, 'verify workers were imported'\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr

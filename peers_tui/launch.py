"""The `peers` command's entry point: start-up runs with the cyclic garbage collector paused.

Start-up builds some hundred thousand objects that live as long as the process (Textual's
styles and widgets, the models, the first window of messages). Collections between them find
nothing to free and cost ~25 ms of a ~300 ms start. The TUI turns the collector back on after
its first paint, with everything built so far frozen out of its view (peers_tui.background);
the other commands turn it back on as soon as their arguments are parsed (peers_tui.cli.main).
"""

from __future__ import annotations

import gc


def main() -> int:
    gc.disable()
    from peers_tui.cli import main as cli_main

    return cli_main()

"""What reaches the user over SSH besides the screen: the window title (and, via Textual,
the bell and OSC 52 clipboard)."""

from __future__ import annotations

from typing import Any

from textual.app import App

from peers_tui.core.text import inert


def set_window_title(app: App[Any], title: str) -> None:
    """Set the terminal's window title (OSC 2); tmux shows it as the pane title.

    Textual has no public call for this, so the sequence goes through its driver, the same
    way its own `bell()` and `copy_to_clipboard()` write theirs.
    """
    safe = inert(title, allow_newlines=False).replace("\x07", "")
    driver = getattr(app, "_driver", None)
    if driver is not None and not app.is_headless:
        driver.write(f"\x1b]2;{safe}\x07")

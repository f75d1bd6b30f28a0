"""Widgets of the peers TUI, one idea per module."""

from __future__ import annotations

from typing import TYPE_CHECKING

from peers_tui.widgets.message_log import MessageLog
from peers_tui.widgets.roster_panel import RosterPanel

if TYPE_CHECKING:
    from peers_tui.widgets.composer import Composer

__all__ = ["Composer", "MessageLog", "RosterPanel"]


def __getattr__(name: str) -> object:
    # The composer (a TextArea) is imported when first asked for: after the first frame
    # (widgets.first_composer draws it until then).
    if name == "Composer":
        from peers_tui.widgets.composer import Composer
        return Composer
    raise AttributeError(name)

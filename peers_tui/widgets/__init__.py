"""Widgets of the peers TUI, one idea per module."""

from peers_tui.widgets.composer import Composer
from peers_tui.widgets.message_log import MessageLog
from peers_tui.widgets.roster_panel import RosterPanel

__all__ = ["Composer", "MessageLog", "RosterPanel"]

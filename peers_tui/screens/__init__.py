"""Screens of the peers TUI."""

from peers_tui.screens.chat import ChatScreen

__all__ = ["ChatScreen"]

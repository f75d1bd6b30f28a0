"""Drafts: what was typed but not sent in each group, and the composer's input history,
kept in personal.db.

Each is written only if it changed: a switch should not cost two writes to personal.db before
the next group can be shown.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from peers_tui.core.account import Account



class Drafts:
    def __init__(self, account: Account) -> None:
        self.account = account
        self._draft_loaded = ""  # the open group's draft as stored
        self._history_saved: list[str] = []

    def input_history(self) -> list[str]:
        history = self.account.input_history()
        self._history_saved = list(history)
        return history

    def draft(self, group_id: str) -> str:
        self._draft_loaded = self.account.draft(group_id)
        return self._draft_loaded

    def save(self, group_id: str, text: str, history: list[str]) -> None:
        """Write the draft and the history that changed (PeersError if personal.db cannot)."""
        if text != self._draft_loaded:
            self.account.save_draft(group_id, text)
            self._draft_loaded = text
        if history != self._history_saved:
            self.account.save_input_history(history)
            self._history_saved = list(history)

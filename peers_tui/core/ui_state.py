"""What the TUI remembers between runs, kept in personal.db's settings: the composer's input
history, a draft per group and the group open last."""

from __future__ import annotations

import json

from peers_tui.core.personal_store import PersonalStore

MAX_INPUT_HISTORY = 200


class UiState:
    """Key-value UI state of one user."""

    def __init__(self, personal: PersonalStore) -> None:
        self.personal = personal

    def input_history(self) -> list[str]:
        try:
            value = json.loads(self.personal.setting("input_history") or "[]")
        except (ValueError, RecursionError):  # damaged in personal.db: start afresh
            return []
        return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []

    def save_input_history(self, history: list[str]) -> None:
        self.personal.set_setting("input_history", json.dumps(history[-MAX_INPUT_HISTORY:]))

    def draft(self, group_id: str) -> str:
        return self.personal.setting(f"draft:{group_id}") or ""

    def save_draft(self, group_id: str, text: str) -> None:
        self.personal.set_setting(f"draft:{group_id}", text)

    def last_group_id(self) -> str | None:
        return self.personal.setting("last_group")

    def set_last_group(self, group_id: str) -> None:
        self.personal.set_setting("last_group", group_id)

"""What the TUI remembers between runs, kept in personal.db's settings: the composer's input
history, a draft per group, the group open last and whether the buffer list is shown."""

from __future__ import annotations

import json

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (core.frozen)
if TYPE_CHECKING:
    from typing import Protocol

    class Settings(Protocol):
        """Where the settings are kept: PersonalStore (or the app's start, core.start_account)."""

        def setting(self, key: str, default: str | None = None) -> str | None: ...
        def set_setting(self, key: str, value: str) -> None: ...

MAX_INPUT_HISTORY = 200


class UiState:
    """Key-value UI state of one user."""

    def __init__(self, personal: Settings) -> None:
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
        # Most starts open the group opened last: no write then, so no commit to personal.db
        # that the app's own watcher reports and the personal group's count is redone for.
        if self.personal.setting("last_group") != group_id:
            self.personal.set_setting("last_group", group_id)

    def buffer_list_shown(self) -> bool:
        """The list of groups at the left of wide terminals: shown unless the user hid it."""
        return self.personal.setting("buffer_list") != "hidden"

    def set_buffer_list_shown(self, shown: bool) -> None:
        self.personal.set_setting("buffer_list", "shown" if shown else "hidden")

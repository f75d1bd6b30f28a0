"""UnseenBar: how many new messages wait below while the log is scrolled back."""

from __future__ import annotations

from textual.widgets import Static


class UnseenBar(Static):
    def show_count(self, count: int) -> None:
        self.update(f" ↓ {count} new message{'s' if count != 1 else ''} (Ctrl+End)"
                    if count else "")
        self.set_class(count > 0, "-visible")

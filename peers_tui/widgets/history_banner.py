"""HistoryBanner: a red line above the log when the group's history cannot be trusted
(history deleted, the file put back to an older copy, a forged membership change)."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from peers_tui.core.text import inert


class HistoryBanner(Static):
    def show_warning(self, warning: str | None) -> None:
        """Show the warning (None hides the banner)."""
        self.set_class(warning is not None, "-visible")
        if warning is None:
            return
        # What happened first: a narrow terminal cuts the end of the line, not the news.
        line = inert(warning, allow_newlines=False)
        lead = "History deleted" if "history deleted" in line else "Not genuine"
        detail = line.replace(" (history deleted)", "")
        self.update(Text(f"⚠ {lead}: {detail}", no_wrap=True, overflow="ellipsis"))

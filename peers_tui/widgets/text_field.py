"""TextField: Textual's one-line Input with its keys in the order typed (widgets.own_bindings):
Backspace, the arrows, Home, End and Enter act when they arrive, and so do the keys its
screen binds (a picker's Up and Down)."""

from __future__ import annotations

from textual import events
from textual.widgets import Input

from peers_tui.widgets.own_bindings import run_field_binding


class TextField(Input):
    async def _on_key(self, event: events.Key) -> None:
        if not await run_field_binding(self, event):
            await super()._on_key(event)

"""Textual's own overlays of the chat screen (the toast rack and the tooltip), mounted once
the screen's first frame is on the terminal (issue 16: a start is measured against a bare
Textual app painting one line).

Textual composes both into every screen. Neither shows in a first frame (no toast yet, no
tooltip before the mouse rests on something), and mounted before it each is registered,
styled and started as a message pump of its own (~1.5 ms of a start for the two). Textual
does without them until they come: a notification is kept by the app, and shown by the
rack when it is mounted; a tooltip is looked for only when the mouse moves."""

from __future__ import annotations

from functools import partial
from typing import Any

from textual.screen import Screen
from textual.widget import Widget

from peers_tui.key_order import after_keys


def compose_none(widgets: list[Widget]) -> None:
    """For `Screen._extend_compose`: nothing of Textual's own before the first frame."""


def mount_overlays_after_first_paint(screen: Screen[Any]) -> None:
    """Mount what Textual would have composed into `screen`, once `screen` has painted and
    the keys typed at it are in (key_order)."""
    after_keys(screen.app, partial(_mount, screen))


async def _mount(screen: Screen[Any]) -> None:
    if not screen.is_attached:
        return  # the app ended first
    widgets: list[Widget] = []
    Screen._extend_compose(screen, widgets)  # the rack and the tooltip, unless disabled
    if not widgets:
        return
    await screen.mount_all(widgets, before=0)  # first among the children, as composed
    screen.app._refresh_notifications()  # those made before: shown now

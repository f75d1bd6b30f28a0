"""MountedStylesScreen: a screen styled once before its first frame: when it is mounted.

`push_screen` mounts a new screen (every widget styled as it is mounted) and then sends it
ScreenResume, on which Textual computes the styles of every widget of the screen once more:
for the chat screen, ~5 ms of CPU before its first frame, to the same result. The first
resume after the mount skips that; every later one (back from a dialog) restyles as Textual
does. Likewise a class set before the screen is in the app's DOM (the chat screen's width
class, set in its `__init__`) restyles nothing then: Textual styled the lone screen at once
(~1 ms), and its mount styles it again anyway.
"""

from __future__ import annotations

from textual import events
from textual.screen import Screen
from textual.widget import Widget


class MountedStylesScreen(Screen[None]):
    _resumed_once = False

    def update_node_styles(self, animate: bool = True) -> None:
        if self.is_attached:  # else its mount applies the style sheet, classes and all
            super().update_node_styles(animate)

    def _on_screen_resume(self, event: events.ScreenResume) -> None:
        # Runs before Screen's own handler (Textual calls them along the class's MRO).
        if not self._resumed_once:
            self._resumed_once = True
            if self.is_mounted:
                event.refresh_styles = False


class UnderScreen(MountedStylesScreen):
    """The app's default screen: under the chat screen from before the first frame to the end,
    never shown. Textual composes a toast rack and a tooltip into every screen; this one is
    given neither (two widgets registered, styled and started for nothing, ~1.5 ms of a start).
    Notifications are kept by the app and shown by the screen on top (Textual looks for a
    rack on that screen and does without one where there is none)."""

    def _extend_compose(self, widgets: list[Widget]) -> None:
        pass

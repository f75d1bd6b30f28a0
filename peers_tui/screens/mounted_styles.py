"""MountedStylesScreen: a screen whose first ScreenResume keeps the styles of its mount.

`push_screen` mounts a new screen (every widget styled as it is mounted) and then sends it
ScreenResume, on which Textual computes the styles of every widget of the screen once more:
for the chat screen, ~5 ms of CPU before its first frame, to the same result. The first
resume after the mount skips that; every later one (back from a dialog) restyles as Textual
does.
"""

from __future__ import annotations

from textual import events
from textual.screen import Screen


class MountedStylesScreen(Screen[None]):
    _resumed_once = False

    def _on_screen_resume(self, event: events.ScreenResume) -> None:
        # Runs before Screen's own handler (Textual calls them along the class's MRO).
        if not self._resumed_once:
            self._resumed_once = True
            if self.is_mounted:
                event.refresh_styles = False

"""What the chat screen's first frame is built of, built to cost little (issue 16: a start is
measured against a bare Textual app painting one line).

- The screen and the row under the topic bar (the buffer list, the log and the roster) are
  covered by their children at every size: the log's `1fr` takes whatever the others leave.
  Textual draws every widget in full, front to back, the covered ones too, each line through
  its style cache (~1.8 ms of the first frame for these two); as BLANK widgets (Textual's own
  switch for a widget with no border and no content) each is one blank line repeated.
- The composer is focused as the screen is composed (ChatScreen.AUTO_FOCUS) and is styled as
  focused when it is mounted: focused after its mount, its new pseudo-class styled it (and its
  8 component classes) a second time before the first frame.
- The rule above the composer is a widget of its own, not the composer's border: a widget's
  refresh repaints its border, so every key repainted the rule too (360 bytes more through
  the terminal a key, ~0.5 ms of the echo in tmux against a bare TextArea, figure 12). Not a
  box around the composer with `:focus-within` either: a focus change restyles every widget
  inside a node with such a rule, the composer and its eight component classes included.
- What the composer's Tab completes (the /command words, where /dm's people and /join's
  groups come from) is asked for on its first Tab: it is made from the slash commands'
  classes, six modules the first frame has no use for (~2 ms of a start).
- The width class the first resize would set is set before the screen is mounted (set then,
  it restyled every widget once more before the first paint).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.containers import Horizontal
from textual.widget import Widget
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

from peers_tui.widgets import Composer

if TYPE_CHECKING:
    from textual.app import ComposeResult

    from peers_tui.core.account import Account
    from peers_tui.widgets.completion import ArgumentSource


class ChatBody(Horizontal):
    """The buffer list, the log and the roster, side by side; never seen itself."""

    BLANK = True


class ComposerRule(Widget):
    """The rule above the composer (its top border), accented while the composer has the
    focus, as the composer's own border was."""

    def __init__(self, composer: Composer) -> None:
        super().__init__(id="composer-rule", classes="-lit")  # focused as composed, above
        self.composer = composer

    def on_mount(self) -> None:
        self.watch(self.composer, "has_focus", self._light, init=False)

    def _light(self, focused: bool) -> None:
        self.set_class(focused, "-lit")


def focused_composer() -> Composer:
    composer = Composer(id="composer")
    composer.set_reactive(Composer.has_focus, True)  # the screen focuses it as composed
    return composer


def tab_completions(account: Account) -> tuple[list[str], dict[str, ArgumentSource]]:
    """The composer's `completions`: loads the slash commands on its first Tab."""
    from peers_tui.commands.completion_sources import completion_sources
    from peers_tui.commands.registry import command_words

    return command_words(), completion_sources(account)


def width_class(breakpoints: list[tuple[int, str]], width: int) -> str:
    """The class Textual's HORIZONTAL_BREAKPOINTS give a screen `width` columns wide."""
    return next((name for least, name in reversed(breakpoints) if width >= least),
                breakpoints[0][1])


class KeysFooter(Footer):
    """Textual's Footer with its keys in the first frame: the stock one composes nothing until
    the screen's bindings are first published (after the focus is set, after the first frame)
    and then recomposes on the next refresh, so the keys came a frame or more later (the
    outside check of issue 16). Composed at once from the screen's bindings as they stand
    (the composer already focused: focused_composer); it recomposes as the stock one does."""

    def __init__(self) -> None:
        super().__init__()
        self.set_reactive(Footer._bindings_ready, True)

    def compose(self) -> ComposeResult:
        for widget in super().compose():
            if isinstance(widget, FooterKey):  # its `compact` as it will be, before it is
                # styled: set on mount, its watcher restyled every key once more before the
                # frame (the palette's key is not bound to the footer's: compact, the default)
                compact = widget.has_class("-command-palette") or self.compact
                widget.set_reactive(FooterKey.compact, compact)
                widget.set_class(compact, "-compact", update=False)
            yield widget

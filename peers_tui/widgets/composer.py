"""Composer: where messages are written. Enter sends; Ctrl+J, Alt+Enter or Shift+Enter adds
a line (Ctrl+J in every terminal; the others where the terminal tells them from Enter)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from textual import events
from textual.content import Content
from textual.message import Message
from textual.widgets import TextArea
from textual.document._document import Selection  # (loaded with TextArea; not text_area)

from peers_tui.core.text import without_blank_edges
from peers_tui.widgets.first_composer import fitting_placeholder
from peers_tui.widgets.own_bindings import run_own_binding

if TYPE_CHECKING:  # completion.py: imported at the first Tab, not before the first frame
    from peers_tui.widgets.completion import ArgumentSource

HISTORY_LIMIT = 200
# Ctrl+J is a plain line feed in every terminal. Alt+Enter is ESC CR through tmux, screen,
# SSH and most terminals (peers_tui.terminal_keys); Shift+Enter and Ctrl+Enter reach us only from
# terminals speaking the kitty keyboard protocol, and are plain Enter elsewhere.
NEWLINE_KEYS = frozenset({"ctrl+j", "alt+enter", "shift+enter", "ctrl+enter"})


class TabCycle:
    """Tab has put `candidates[index]` at (`row`, `start`); another Tab puts the next one.
    (A plain class: a dataclass compiles its methods at import, before the first frame.)"""

    __slots__ = ("row", "start", "candidates", "index")

    def __init__(self, row: int, start: int, candidates: tuple[str, ...], index: int) -> None:
        self.row, self.start, self.candidates, self.index = row, start, candidates, index

    @property
    def shown(self) -> str:
        return self.candidates[self.index]


class Composer(TextArea):
    """A multi-line input with input history, @handle and /command completion."""

    class Submitted(Message):
        def __init__(self, composer: Composer, text: str) -> None:
            super().__init__()
            self.composer, self.text = composer, text

    class CompletionCandidates(Message):
        """Tab found several completions; the screen may show them."""

        def __init__(self, candidates: list[str]) -> None:
            super().__init__()
            self.candidates = candidates

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, soft_wrap=True, show_line_numbers=False, tab_behavior="focus",
                         compact=True)
        # Nothing listens to these, and every key posted both: each bubbled through the screen
        # and the app, four more hops of the message loop per keystroke than the echo needs.
        # A handler that wants them must enable them again (`enable_messages`).
        self.disable_messages(TextArea.Changed, TextArea.SelectionChanged)
        self.sent_history: list[str] = []
        self._history_index: int | None = None
        self._stash = ""
        # What `@` completes: the members' names, made from a roster read on the first Tab
        # after it (`handles_from`), not at every read: ~70 ms for 5,000 members.
        self._handles: list[str] = []
        self._handles_source: Callable[[], list[str]] | None = None
        self.commands: list[str] = []
        # The commands whose argument Tab completes (a person, a group), by word: /dm, /join.
        self.arguments: dict[str, ArgumentSource] = {}
        # What gives `commands` and `arguments`, asked on the first Tab: they are made from
        # the slash commands' classes, which the first frame does not load (issue 16).
        self.completions: Callable[[], tuple[list[str], dict[str, ArgumentSource]]] | None = None
        self._cycle: TabCycle | None = None
        # Why a message cannot be posted here (a reader, removed, a read-only file), or None.
        # The composer stays editable all the same: drafts can be kept and commands typed.
        self.cannot_post: str | None = None
        # The text of the last Enter while it is being sent: taken out by `sent()` in the
        # frame that shows the message in the log (h-ownecho), not a frame before it.
        self.submitted: str | None = None
        self.enter_waiting = False  # Enter pressed again meanwhile: `sent()` submits the rest

    @property
    def handles(self) -> list[str]:
        if self._handles_source is not None:
            self._handles, self._handles_source = self._handles_source(), None
        return self._handles

    @handles.setter
    def handles(self, names: list[str]) -> None:
        self._handles, self._handles_source = names, None

    def handles_from(self, source: Callable[[], list[str]]) -> None:
        """Make `handles` from `source` when first asked (a roster read: people, labels)."""
        self._handles_source = source

    def update_node_styles(self, animate: bool = True) -> None:
        # TextArea's __init__ sets a class (compact), which made Textual style the composer
        # before it was in the app's DOM (~1 ms of a start); its mount styles it anyway.
        if self.is_attached:
            super().update_node_styles(animate)

    def set_cannot_post(self, reason: str | None, placeholder: Content) -> None:
        """Why nothing can be posted from here (None: it can), and the placeholder saying so;
        a draft hides the placeholder, so the reason is also told once, now."""
        self.cannot_post = reason
        self._whole_placeholder = placeholder
        self.placeholder = self._fitting(placeholder)
        if reason and self.text:
            self.notify(reason, title="Cannot post", severity="warning")

    def on_resize(self) -> None:
        whole = getattr(self, "_whole_placeholder", None)
        if whole is not None:
            self.placeholder = self._fitting(whole)

    def _fitting(self, placeholder: Content) -> Content:
        return fitting_placeholder(placeholder, self.scrollable_content_region.width)

    # ----------------------------------------------------------------- keys
    async def _on_key(self, event: events.Key) -> None:
        if event.key == "shift+tab" and self._cycle is not None:
            event.stop()
            event.prevent_default()
            self.complete(-1)
            return
        if event.key != "tab":
            self._cycle = None  # any other key keeps the completion shown
        if event.key == "enter":
            event.stop()
            event.prevent_default()
            self.submit()
            return
        if event.key in NEWLINE_KEYS:
            # Here, not as a binding: a binding runs once the key has bubbled up to the app,
            # after the keys typed next were already inserted ("a", Ctrl+J, "b" gave "ab\n").
            event.stop()
            event.prevent_default()
            self.action_newline()
            return
        if event.key == "tab":
            event.stop()
            event.prevent_default()
            self.complete()
            return
        if not await run_own_binding(self, event):  # Backspace, arrows...: in the order typed
            await super()._on_key(event)


    def action_newline(self) -> None:
        self.insert("\n")

    def submit(self) -> None:
        text = without_blank_edges(self.text)
        if not text:
            return
        if self.cannot_post and (not text.startswith("/") or text.startswith("//")):
            # Kept where it is (a draft to copy or to send elsewhere); commands still run.
            self.notify(self.cannot_post, title="Not sent", severity="warning")
            return
        if self.submitted is not None and self.text.startswith(self.submitted):
            self.enter_waiting = True  # the last Enter's text is being sent (a few ms):
            return  # this Enter acts on what follows it once that is taken out (sent)
        self.remember(text)
        self.submitted = self.text
        self.post_message(self.Submitted(self, text))

    def sent(self) -> None:
        """Take the submitted text out (keys typed after the Enter stay)."""
        submitted, self.submitted = self.submitted, None
        waiting, self.enter_waiting = self.enter_waiting, False
        # (not attached: the app closed before its send was handled, and the text's change
        # would ask for a screen there is no more: a traceback at the exit)
        if submitted is None or not self.is_attached or not self.text.startswith(submitted):
            return
        rest = self.text[len(submitted):]
        if rest:
            self.load_text(rest)
            self.move_cursor(self.document.end)
            if waiting:  # Enter pressed again while the last was sent: not dropped
                self.submit()
        else:
            self.clear()

    def remember(self, text: str) -> None:
        if not self.sent_history or self.sent_history[-1] != text:
            self.sent_history.append(text)
            del self.sent_history[:-HISTORY_LIMIT]
        self._history_index = None

    # ----------------------------------------------------------------- history
    def action_cursor_up(self, select: bool = False) -> None:
        if select or self.cursor_location[0] > 0 or not self.sent_history:
            super().action_cursor_up(select)
            return
        if self._history_index is None:
            self._stash = self.text
            self._history_index = len(self.sent_history)
        if self._history_index > 0:
            self._history_index -= 1
            self._recall(self.sent_history[self._history_index])

    def action_cursor_down(self, select: bool = False) -> None:
        last_row = self.document.line_count - 1
        if select or self.cursor_location[0] < last_row or self._history_index is None:
            super().action_cursor_down(select)
            return
        self._history_index += 1
        if self._history_index >= len(self.sent_history):
            self._history_index = None
            self._recall(self._stash)
        else:
            self._recall(self.sent_history[self._history_index])

    def _recall(self, text: str) -> None:
        history = self.history
        if (not text and not self.text and not history.undo_stack and not history.redo_stack
                and self.selection == Selection.cursor(self.document.end)):
            # Empty, nothing to undo, the cursor at the end: already what loading "" and
            # moving there would make (~1 ms of a start with no draft, before the first
            # frame: a new document, its wrapping, and the scroll to the cursor; issue 16).
            return
        self.load_text(text)
        self.move_cursor(self.document.end)

    def start_text(self, text: str) -> None:
        """Go on writing `text` (a draft, a command chosen in the palette): cursor at its end."""
        self._recall(text)
        self.focus()

    # ----------------------------------------------------------------- completion
    def complete(self, step: int = 1) -> None:
        """Complete what is before the cursor (see widgets.completion); a repeated Tab puts
        the next candidate in place of the one shown (Shift+Tab the one before)."""
        row, column = self.cursor_location
        line = self.document.get_line(row)
        cycle = self._cycle
        if (cycle is not None and cycle.row == row
                and column == cycle.start + len(cycle.shown)
                and line[cycle.start:column] == cycle.shown):
            cycle.index = (cycle.index + step) % len(cycle.candidates)
            self.replace(cycle.shown, (row, cycle.start), (row, column))
            return
        self._cycle = None
        from peers_tui.widgets.completion import offer
        if self.completions is not None:
            self.commands, self.arguments = self.completions()
            self.completions = None
        found = offer(line, column, row == 0, handles=self.handles, commands=self.commands,
                      arguments=self.arguments)
        if found is None:
            return
        if not found.candidates:
            self.app.bell()
            return
        if len(found.candidates) > 1:
            self._cycle = TabCycle(row, found.start, found.candidates,
                                   0 if step > 0 else len(found.candidates) - 1)
            self.post_message(self.CompletionCandidates(
                [candidate.rstrip(": ") for candidate in found.candidates]))
        chosen = self._cycle.shown if self._cycle is not None else found.candidates[0]
        self.replace(chosen, (row, found.start), (row, column))

"""The command palette (Ctrl+P): every slash command and selection-mode key (from the
registry), and every group to go to."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Protocol, runtime_checkable

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content
from textual.fuzzy import Matcher

from peers_tui.commands.registry import COMMANDS, SELECTION_KEYS
from peers_tui.commands.slash import SlashCommand
from peers_tui.core.views import GroupSummary
from peers_tui.messages import OpenGroup
from peers_tui.screens.chat import ChatScreen


@runtime_checkable
class GroupDirectory(Protocol):
    """An app that knows the user's groups, in the user's order (PeersApp does)."""

    summaries: tuple[GroupSummary, ...]


class PeersCommands(Provider):
    def _entries(self) -> list[tuple[str, str, Callable[[], object]]]:
        entries: list[tuple[str, str, Callable[[], object]]] = [
            (command.usage, command.help, partial(self._start, command)) for command in COMMANDS]
        for key in SELECTION_KEYS:  # selection mode's keys: the chat screen runs the action
            entries.extend((f"{bound.description} ({key.label})", key.does,
                            partial(self._run_action, bound.action)) for bound in key.bindings)
        summaries = self.app.summaries if isinstance(self.app, GroupDirectory) else ()
        for summary in summaries:
            # The name only in the label, which is shown as plain text; the help text is
            # always read as markup by the palette.
            entries.append((f"Go to {summary.label}", "open this group",
                            partial(self.app.post_message, OpenGroup(summary.id))))
        return entries

    def _start(self, command: SlashCommand) -> None:
        """Back to the chat screen (from the group list, say); run the command there, or
        start it in the composer for its text."""
        chat = next((s for s in reversed(self.app.screen_stack) if isinstance(s, ChatScreen)),
                    None)
        if chat is None:
            return
        while self.app.screen is not chat:
            self.app.pop_screen()
        if command.takes_text:
            chat.composer.start_text(f"{command.word} ")
        else:
            chat.run_command(command.word)

    def _run_action(self, action: str) -> None:
        """Back to the chat screen; run a chat-screen action there (a selection key's)."""
        chat = next((s for s in reversed(self.app.screen_stack) if isinstance(s, ChatScreen)),
                    None)
        if chat is None:
            return
        while self.app.screen is not chat:
            self.app.pop_screen()
        self.app.call_later(chat.run_action, action)

    async def discover(self) -> Hits:
        for label, help_text, action in self._entries():
            yield DiscoveryHit(Content(label), action, text=label, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for label, help_text, action in self._entries():
            score = matcher.match(label)
            if score > 0:
                yield Hit(score, plain_highlight(matcher, label), action, text=label,
                          help=help_text)


def plain_highlight(matcher: Matcher, label: str) -> Content:
    """`label` with the matched characters styled, as plain text: Matcher.highlight() reads
    its argument as markup, and a group name may hold some."""
    content = Content(label)
    _, offsets = matcher.fuzzy_search.match(matcher.query, label)
    for offset in offsets:
        if not label[offset].isspace():
            content = content.stylize(matcher.match_style, offset, offset + 1)
    return content

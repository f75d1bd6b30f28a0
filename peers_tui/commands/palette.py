"""The command palette (Ctrl+P): every slash command, and every group to go to."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, cast

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content
from textual.fuzzy import Matcher

from peers_tui.commands.slash import COMMANDS
from peers_tui.messages import OpenGroup

if TYPE_CHECKING:
    from peers_tui.app import PeersApp


class PeersCommands(Provider):
    @property
    def peers(self) -> PeersApp:
        return cast("PeersApp", self.app)

    def _entries(self) -> list[tuple[str, str, object]]:
        entries: list[tuple[str, str, object]] = [
            (command.usage, command.help, partial(self.peers.palette_command, command))
            for command in COMMANDS]
        for summary in self.peers.summaries:
            # The name only in the label, which is shown as plain text; the help text is
            # always read as markup by the palette.
            entries.append((f"Go to {summary.label}", "open this group",
                            partial(self.peers.post_message, OpenGroup(summary.id))))
        return entries

    async def discover(self) -> Hits:
        for label, help_text, action in self._entries():
            yield DiscoveryHit(Content(label), action, text=label,  # type: ignore[arg-type]
                               help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for label, help_text, action in self._entries():
            score = matcher.match(label)
            if score > 0:
                yield Hit(score, plain_highlight(matcher, label), action,  # type: ignore[arg-type]
                          text=label, help=help_text)


def plain_highlight(matcher: Matcher, label: str) -> Content:
    """`label` with the matched characters styled, as plain text: Matcher.highlight() reads
    its argument as markup, and a group name may hold some."""
    content = Content(label)
    _, offsets = matcher.fuzzy_search.match(matcher.query, label)
    for offset in offsets:
        if not label[offset].isspace():
            content = content.stylize(matcher.match_style, offset, offset + 1)
    return content

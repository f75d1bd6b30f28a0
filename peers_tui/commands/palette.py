"""The command palette (Ctrl+P): every slash command, and every group to go to."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, cast

from textual.command import DiscoveryHit, Hit, Hits, Provider

from peers_tui.commands.slash import COMMANDS
from peers_tui.core.text import inert

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
            name = inert(summary.label, allow_newlines=False)
            entries.append((f"Go to {name}", f"open the group {name}",
                            partial(self.peers.open_group, summary.id)))
        return entries

    async def discover(self) -> Hits:
        for label, help_text, action in self._entries():
            yield DiscoveryHit(label, action, help=help_text)  # type: ignore[arg-type]

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for label, help_text, action in self._entries():
            score = matcher.match(label)
            if score > 0:
                yield Hit(score, matcher.highlight(label), action, help=help_text)  # type: ignore[arg-type]

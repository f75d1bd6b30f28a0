"""Where Tab finds the arguments of the commands that take a person or a group (the registry
says which do): the people known in the federation (published in this hub, carried here by
its relay, in the user's groups), the user's groups by name."""

from __future__ import annotations

from typing import TYPE_CHECKING

from peers_tui.commands.registry import command_arguments
from peers_tui.core.errors import PeersError
from peers_tui.widgets.completion import ArgumentKind, ArgumentSource

if TYPE_CHECKING:
    from peers_tui.core.account import Account


def completion_sources(account: Account) -> dict[str, ArgumentSource]:
    """{"/dm": where its people come from, "/join": where its groups do, ...}: each read only
    when Tab is pressed after its command (a small directory, or personal.db)."""
    def people() -> list[str]:
        # everyone known: this hub's profiles, those carried here, the members of our groups
        from peers_tui.core.federation_people import known_to  # loaded when first used

        try:
            found = known_to(account)
        except (PeersError, OSError):
            return []
        # A handle another known person's equals or looks like, with its fingerprint: /dm
        # refuses the bare one as ambiguous, and two look-alikes offered bare read the same.
        from peers_tui.core.names import typed_names

        everyone = [(k.profile.user_id, k.profile.handle) for k in found]
        return typed_names([p for p in everyone if p[0] != account.user_id], everyone)

    def groups() -> list[str]:
        try:
            return [entry.name for entry in account.entries() if not entry.personal]
        except PeersError:
            return []

    names = {"person": people, "group": groups}
    kinds: dict[str, ArgumentKind] = command_arguments()
    return {word: ArgumentSource(kind, names[kind]) for word, kind in kinds.items()}

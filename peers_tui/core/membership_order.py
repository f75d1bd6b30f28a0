"""Who orders a group's membership changes before one lands in its file.

On one host the file itself does (`MembershipLog.append_change` appends under BEGIN
IMMEDIATE). A host that shares its groups with others through a relay is not the order: a
membership change must first be accepted by the federation's hub. The relay installs a
`Sequencer` for that (the core stays transport-free); `append_change` hands it the signed
change just before the insert, and writes the row only when the sequencer returns.

A sequencer either returns (the hub accepted the change: write it here, the same record), or
raises: `HeldForHub` when the change was kept to be proposed later (a handle change made
while the hub is unreachable), `OutOrdered` when another change holds that place at the hub
(the caller re-reads the new head and tries again), or any PeersError saying why not.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from peers_tui.core.errors import PeersError

if TYPE_CHECKING:
    from peers_tui.core.records import SignedRecord


class Sequencer(Protocol):
    def __call__(self, path: Path, record: SignedRecord) -> None: ...


class HeldForHub(PeersError):
    """The change was not written here: it is kept and proposed to the hub when it is back."""


class OutOrdered(PeersError):
    """Another change took this place in the hub's order first; nothing was written here."""


class HeldLookup(Protocol):
    def __call__(self, hub: str, group_id: str, author: str
                 ) -> tuple[str, bytes, bytes | None] | None: ...


class CutLookup(Protocol):
    def __call__(self, path: Path, member: str) -> tuple[int, str, int | None] | None: ...


class HeadLookup(Protocol):
    def __call__(self, path: Path, head_seq: int) -> bool | None: ...


_installed: list[Sequencer] = []
_heads: list[HeadLookup] = []
_held: list[HeldLookup] = []
_cuts: list[CutLookup] = []


MEMBERSHIP_COMMANDS = ("join", "leave", "role", "remove")  # `peers` commands the hub orders


def is_membership_command(command: object, revoke: object = None, action: object = None) -> bool:
    """Whether a `peers` command changes membership (a join, leave, role change, removal, an
    invite's revocation, or an invitation accepted: a join): on a leaf it needs the hub,
    which orders it."""
    return command in MEMBERSHIP_COMMANDS or (command == "invite" and bool(revoke)) or (
        command == "invitations" and action == "accept")


def install(sequencer: Sequencer | None) -> None:
    """Make `sequencer` order every membership change of this process (None: the file does)."""
    _installed[:] = [sequencer] if sequencer is not None else []


def installed() -> bool:
    """Whether a sequencer orders this process's membership changes (a change signed
    without one would be written straight to the file, the hub never asked)."""
    return bool(_installed)


def order_change(path: Path, record: SignedRecord) -> None:
    """Called by append_change with the change about to be written to the file at `path`."""
    for sequencer in _installed:
        sequencer(path, record)


def install_held(lookup: HeldLookup | None) -> None:
    """Where this process finds a change kept for the hub (relay.held_peek.held_change: the
    record text, signature and countersignature), so that a send does not sign a handle
    change again while the one signed before still waits (core.message_actions)."""
    _held[:] = [lookup] if lookup is not None else []


def kept_change(path: Path, group_id: str, author: str) -> tuple[str, bytes, bytes | None] | None:
    """The change of `author` kept for the hub of the group file at `path`, if any."""
    for lookup in _held:
        return lookup(str(path.parent), group_id, author)
    return None


def install_cut(lookup: CutLookup | None) -> None:
    """Where this process asks the federation's hub where a change cuts a member's chain
    (relay.ordering.cut_on_leaf), for a file whose join's walk is under way."""
    _cuts[:] = [lookup] if lookup is not None else []


def hub_cut(path: Path, member: str) -> tuple[int, str, int | None] | None:
    """Where the hub of the group file at `path` cuts `member`'s chain now: (place, hash,
    signed time) of the newest record of theirs on the chain its whole file holds ((0, "",
    None): none). None when there is no hub to ask (one host; the hub itself, whose file is
    whole); a PeersError saying why when it cannot be asked."""
    for lookup in _cuts:
        return lookup(path, member)
    return None


def install_head(lookup: HeadLookup | None) -> None:
    """Where this process brings a group file up to its hub's membership head
    (relay.hub_head.caught_up_on_leaf), before a change that would change nothing is refused."""
    _heads[:] = [lookup] if lookup is not None else []


def caught_up_with_hub(path: Path, head_seq: int) -> bool | None:
    """Bring the group file at `path` (its head at `head_seq`) up to the hub's membership head:
    True once it holds it, False when the hub cannot be asked now (judged on this host's copy
    then), None when no hub orders this file (one host; the hub itself: its file is the order)."""
    for lookup in _heads:
        return lookup(path, head_seq)
    return None

"""Each group's sync state across hosts, as `peers groups` and the app's group list (Ctrl+G)
show it: `✓`, `12 unsent`, `receiving 41%`, `relay not running, 3 unsent`, `offline 1m`,
`handle unsent`; "" for the personal group and in a hub without a relay (one host).

One function for both (sync_texts), so the CLI and the TUI never say two things of one group.
The words of each state are core.link_words.sync_label's; this reads what it needs for a list
of groups: the link file once per hub, the group's own file only when the relay does not list
it yet (just joined), and the unsent records while no relay runs (core.stopped_unsent, kept
between calls by a caller that asks again: the app, each second while its list is open).
A kept handle change of ours is read by the caller (relay.held_peek.handle_changes: the relay's
files, which the core does not read) and handed in.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from peers_tui.core.link_state import LinkState, read_link_state, relay_configured
from peers_tui.core.link_words import FileHistory, sync_label
from peers_tui.core.relay_lock import lock_holder
from peers_tui.core.stopped_unsent import StoppedUnsent

if TYPE_CHECKING:
    from peers_tui.core.account import Account
    from peers_tui.core.views import GroupSummary

Place = tuple[Path, str, bool]  # the group's hub, its id, whether it is the personal group

HANDLE_UNSENT = "unsent"  # kept for the hub while the link was down (relay.held)
HANDLE_TO_SIGN = "to sign again"  # refused by the hub as stale: its author signs it anew


def places(summaries: Sequence[GroupSummary]) -> list[Place]:
    """Where each group lives: a group keeps the hub it was created or joined in. One Path a
    hub (a Path a group was half of the app's read of 200 groups, each second)."""
    hubs: dict[str, Path] = {}
    found = []
    for group in summaries:
        folder = os.path.dirname(group.path)
        hub = hubs.get(folder)
        if hub is None:
            hub = hubs[folder] = Path(group.path).parent
        found.append((hub, group.id, group.personal))
    return found


def relay_hubs(groups: Sequence[Place]) -> list[Path]:
    """The hubs of these groups with a relay set up (a stat each): none, and there is no
    column at all."""
    return [hub for hub in dict.fromkeys(hub for hub, _, personal in groups if not personal)
            if relay_configured(hub)]


def sync_texts(me: Account, summaries: Sequence[GroupSummary], kept: dict[str, str],
               counts: StoppedUnsent | None = None) -> list[str]:
    """The sync column of these groups, in their order: sync_column's state with a handle
    change of ours that waits (`kept`: group id -> HANDLE_UNSENT or HANDLE_TO_SIGN)."""
    syncs = sync_column(places(summaries), lambda group_id: file_history(me, group_id),
                        me.user_id, counts)
    return [with_handle(sync, kept.get(group.id)) for group, sync in zip(summaries, syncs)]


def sync_column(groups: Sequence[Place], history: Callable[[str], FileHistory | None] | None = None,
                user: str | None = None, counts: StoppedUnsent | None = None) -> list[str]:
    """Each group's sync state (core.link_words.sync_label) from its hub's link state, read
    once per hub, and, for a group a running relay does not list yet (just joined) or lists
    as receiving, from what `history` says of the group's own file (~0.5 ms a group: not for every group every
    time); "" for the personal group and for a hub without a relay. `user`: the records the
    hub refused counted for their author. `counts`: the unsent records while a relay is
    stopped, kept by a caller that asks again (a fresh count otherwise)."""
    hubs: dict[Path, tuple[bool, LinkState | None, bool]] = {}
    silent: set[Path] = set()  # a relay holding its run lock, its file stale (core.relay_lock)
    labels = []
    counts = StoppedUnsent() if counts is None else counts
    for hub, group_id, personal in groups:
        if hub not in hubs:
            configured = relay_configured(hub)
            read = read_link_state(hub) if configured else None
            alive = read is not None and read.answers()
            hubs[hub] = (configured, read, alive)
            if configured and not alive and lock_holder(hub) is not None:
                silent.add(hub)
        configured, state, alive = hubs[hub]
        if personal or not configured:
            labels.append("")
            continue
        # A stopped relay's column says so whatever the file holds: not read for nothing.
        # Read for a group the relay does not list yet (just joined), and for one it still
        # calls receiving: its progress is written every few seconds and its end up to a
        # second after the walk closed the file's frontier (CI read `receiving 59%` of a
        # history complete in the file). Rare: only while a backfill runs.
        listed = state.group(group_id) if state is not None else None
        ask_file = alive and history is not None and state is not None \
            and (listed is None or listed.receiving is not None)
        labels.append(sync_label(
            state, configured, group_id,
            history=history(group_id) if ask_file and history else None,
            stopped=lambda: counts.group(group_id, hub / f"{group_id}.db", state), user=user,
            silent=hub in silent))
    return labels


def file_history(me: Account, group_id: str) -> FileHistory | None:
    """The backfill a group's file holds (core.frontier), None when it cannot be read (its
    summary says why) or the group is not listed."""
    from peers_tui.core import frontier
    from peers_tui.core.errors import PeersError

    try:
        entry = me.personal.group(group_id)
        found = None if entry is None else frontier.of(me.store(entry))
    except PeersError:
        return None
    if entry is None:
        return None
    return FileHistory(None if found is None
                       else min(found.received / max(found.total, 1), 1.0))


def with_handle(sync: str, change: str | None) -> str:
    """The sync column with a kept handle change of ours: `offline 2m, handle unsent`."""
    if change is None:
        return sync
    return ", ".join([part for part in (sync,) if part and part != "✓"] + [f"handle {change}"])

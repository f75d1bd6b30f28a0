"""`peers create`, `peers groups` and `peers archive`: the groups in your list."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from peers_tui.cli.arguments import Commands
from peers_tui.cli.inputs import open_account
from peers_tui.cli.handle_waits import handle_changes, with_handle
from peers_tui.cli.output import EXIT_OK, out, out_json, plural, warn
from peers_tui.core.link_state import LinkState, read_link_state, relay_configured
from peers_tui.core import frontier
from peers_tui.core.conversation_names import follow_partners
from peers_tui.core.errors import PeersError
from peers_tui.core.link_words import FileHistory, sync_label
from peers_tui.core.relay_lock import lock_holder
from peers_tui.core.names import shown_name
from peers_tui.core.stopped_unsent import StoppedUnsent
from peers_tui.core.text import inert
from peers_tui.core.states import GroupState

if TYPE_CHECKING:
    from peers_tui.core.account import Account
    from peers_tui.core.group_entry import GroupEntry


def add_parsers(commands: Commands) -> None:
    create = commands.add("create", create_group, help="create a group and print its id")
    create.add_argument("name")

    groups = commands.add("groups", list_groups,
                          help="list your groups, the personal group first")
    groups.add_argument("--json", action="store_true")
    groups.add_argument("--all", action="store_true", help="include archived groups")

    archive = commands.add("archive", archive_group,
                           help="hide a group from your list and Alt+N (e.g. one you left)")
    archive.add_argument("group")
    archive.add_argument("--undo", action="store_true", help="show it again")


def create_group(args: argparse.Namespace) -> int:
    me = open_account(args)
    entry = me.create_group(args.name)
    out(entry.id)
    # A second group of the same name made every later `peers send NAME` fail as ambiguous,
    # without a word at the time it was made (h-newuser): said now, with the ids to use.
    twins = [other.id[:10] for other in me.entries()
             if other.name == entry.name and other.id != entry.id]
    if twins:
        warn(f"you now have {len(twins) + 1} groups called {shown_name(entry.name)}: name "
             f"this one by its id ({entry.id[:10]}), the other{'s' if len(twins) > 1 else ''} "
             f"by {', '.join(twins)}")
    return EXIT_OK


def archive_group(args: argparse.Namespace) -> int:
    entry = open_account(args).archive(args.group, archived=not args.undo)
    name = shown_name(entry.name)
    out(f"{'unarchived' if args.undo else 'archived'} {name} ({entry.id})")
    return EXIT_OK


def list_groups(args: argparse.Namespace) -> int:
    me = open_account(args)
    follow_partners(me, me.personal.groups(args.all))  # a partner's new handle listed first
    summaries = me.summaries(include_archived=args.all)
    entries = {entry.id: entry for entry in me.personal.groups(args.all)}
    places = [(Path(group.path).parent, group.id, group.personal) for group in summaries]
    kept = handle_changes(places, me.user_id)
    syncs = [with_handle(sync, kept.get(group.id)) for group, sync in zip(summaries, sync_column(
        places, lambda group_id: file_history(me, entries.get(group_id)), me.user_id))]
    width = max(map(len, syncs), default=0)  # no column while no hub has a relay (one host)
    for group, sync in zip(summaries, syncs):
        if args.json:
            out_json(group.to_json() | ({"sync": sync} if sync else {})
                     | ({"handle_change": kept[group.id]} if group.id in kept else {}))
            continue
        unread = f"{group.unread} unread" + (
            f", {plural(group.mentions, 'mention')}" if group.mentions else "")
        standing = group.role if group.state == GroupState.ACTIVE else group.state
        extra = (f"  ({group.problem})" if group.problem
                 else f"  (WARNING: {group.warning})" if group.warning
                 else f"  (read-only: {group.read_only})" if group.read_only else "")
        if group.archived:
            extra += "  (archived)"
        hub = Path(group.path).parent
        if not group.personal and hub != me.paths.hub:  # a group keeps the hub it was found in
            extra += f"  (in {inert(str(hub), allow_newlines=False)})"
        column = f"  {sync:<{width}}" if width else ""
        out(f"{group.id[:10]}  {shown_name(group.name):<20}  {standing:<12}{column}  "
            f"{unread}{extra}")
    return EXIT_OK


def sync_column(groups: list[tuple[Path, str, bool]],
                history: Callable[[str], FileHistory | None] | None = None,
                user: str | None = None) -> list[str]:
    """Each group's sync state (core.link_words.sync_label) from its hub's link state, read
    once per hub, and, for a group the relay does not list yet (just joined), from what
    `history` says of the group's own file (~0.5 ms a group: not for every group every
    time); "" for the personal group and for a hub without a relay. `user`: the records the
    hub refused counted for their author."""
    hubs: dict[Path, tuple[bool, LinkState | None]] = {}
    silent: set[Path] = set()  # a relay holding its run lock, its file stale (core.relay_lock)
    labels = []
    counts = StoppedUnsent()  # the unsent records while a relay is stopped
    for hub, group_id, personal in groups:
        if hub not in hubs:
            configured = relay_configured(hub)
            read = read_link_state(hub) if configured else None
            hubs[hub] = (configured, read)
            if configured and not (read and read.alive()) and lock_holder(hub) is not None:
                silent.add(hub)
        configured, state = hubs[hub]
        if personal or not configured:
            labels.append("")
            continue
        unlisted = history is not None and state is not None and state.group(group_id) is None
        labels.append(sync_label(
            state, configured, group_id,
            history=history(group_id) if unlisted and history else None,
            stopped=lambda: counts.group(group_id, hub / f"{group_id}.db", state), user=user,
            silent=hub in silent))
    return labels


def file_history(me: Account, entry: GroupEntry | None) -> FileHistory | None:
    """The backfill a group's file holds (core.frontier), None when it cannot be read (the
    summary says why)."""
    if entry is None:
        return None
    try:
        found = frontier.of(me.store(entry))
    except PeersError:
        return None
    return FileHistory(None if found is None
                       else min(found.received / max(found.total, 1), 1.0))

"""`peers create`, `peers groups` and `peers archive`: the groups in your list."""

from __future__ import annotations

import argparse
from pathlib import Path

from peers_tui.cli.arguments import Commands
from peers_tui.cli.inputs import open_account
from peers_tui.cli.output import EXIT_OK, out, out_json, plural, warn
from peers_tui.core.conversation_names import follow_partners
from peers_tui.core.names import shown_name
from peers_tui.core.sync_column import places, sync_texts
from peers_tui.core.text import inert
from peers_tui.core.states import GroupState
from peers_tui.relay.held_peek import handle_changes  # plain os and json


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
    kept = handle_changes(places(summaries), me.user_id)
    syncs = sync_texts(me, summaries, kept)  # the app's group list says the same (Ctrl+G)
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

"""Who is in a group: `peers members` lists them, `role` and `remove` change them (admins),
`leave` takes you out."""

from __future__ import annotations

import argparse

from peers_tui.cli.arguments import Commands
from peers_tui.cli.inputs import open_account
from peers_tui.cli.output import EXIT_OK, out, out_json, warn
from peers_tui.core.whereabouts import locate
from peers_tui.core.names import look_alikes, shown_handle, shown_name
from peers_tui.core.presence import Presence
from peers_tui.core.roles import Role
from peers_tui.core.roster import MemberState


def add_parsers(commands: Commands) -> None:
    members = commands.add("members", list_members, help="list a group's members")
    members.add_argument("group")
    members.add_argument("--all", action="store_true",
                         help="include members who left or were removed")
    members.add_argument("--json", action="store_true")

    role = commands.add("role", change_role, help="change a member's role")
    role.add_argument("group")
    role.add_argument("member")
    role.add_argument("role")

    remove = commands.add("remove", remove_member, help="remove a member")
    remove.add_argument("group")
    remove.add_argument("member")

    leave = commands.add("leave", leave_group, help="leave a group")
    leave.add_argument("group")


def list_members(args: argparse.Namespace) -> int:
    account = open_account(args)
    everyone, problems = account.members_checked(args.group, include_former=True)
    for problem in problems:
        warn(problem)
    ambiguous = look_alikes((m.user_id, m.handle) for m in everyone)
    shown = [m for m in everyone if m.state == MemberState.ACTIVE or args.all]
    # present here (a lock) or on another host (what this host's relay heard), and where
    where = locate(Presence(account.paths.hub), [m.user_id for m in shown])
    for member in shown:
        hosts = where.hosts.get(member.user_id, ())
        if args.json:
            out_json({**member.to_json(), "present": member.user_id in where.present,
                      "hosts": list(hosts)})
        else:
            suffix = "" if member.state == MemberState.ACTIVE else f" ({member.state})"
            if (member.user_id, member.handle) in ambiguous:
                suffix += "  (looks like another member's handle: tell them apart by fingerprint)"
            # host names are letters, digits, '-' and '_' (host_presence checks them)
            place = ",".join(hosts)
            if member.user_id not in where.present:
                place = f"away ({place})" if place else "away"
            host = f"  {place:<18}" if where.across_hosts else ""
            out(f"{shown_handle(member.handle):<20} {member.fingerprint}{host}  "
                f"{member.role}{suffix}")
    return EXIT_OK


def change_role(args: argparse.Namespace) -> int:
    me = open_account(args)
    member = me.set_role(args.group, args.member, Role.parse(args.role))
    out(f"{me.member_label(args.group, member.user_id)} is now {member.role.label}")
    return EXIT_OK


def remove_member(args: argparse.Namespace) -> int:
    me = open_account(args)
    member = me.remove(args.group, args.member)
    out(f"removed {me.member_label(args.group, member.user_id)}")
    return EXIT_OK


def leave_group(args: argparse.Namespace) -> int:
    entry = open_account(args).leave(args.group)
    out(f"left {shown_name(entry.name)}")
    return EXIT_OK

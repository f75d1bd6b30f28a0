"""`peers people`, `peers invite GROUP --to PERSON`, `peers invitations [accept|decline ID]`
and `peers dm PERSON [TEXT]`."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from peers_tui.cli.arguments import Commands
from peers_tui.cli.inputs import open_account as account
from peers_tui.cli.output import out, out_json, say, warn
from peers_tui.cli.tui import run_app
from peers_tui.core import direct, profiles
from peers_tui.core.errors import PeersError
from peers_tui.core.names import shown_handle, shown_name
from peers_tui.core.roles import Role
from peers_tui.core.text import inert

if TYPE_CHECKING:
    from pathlib import Path

    from peers_tui.core.account import Account
    from peers_tui.core.federation_people import KnownPerson
    from peers_tui.core.personal_store import GroupEntry


def add_parsers(commands: Commands) -> None:
    people = commands.add("people", cmd_people,
                          help="the people who published a profile, in this hub or "
                               "on another host of its federation")
    people.add_argument("--json", action="store_true")
    people.add_argument("--publish", choices=("on", "off"),
                        help="publish your profile (the default) or take it down")
    invitations = commands.add("invitations", cmd_invitations,
                               help="invitations sent to you by name")
    invitations.add_argument("action", nargs="?", choices=("list", "accept", "decline"),
                             default="list")
    invitations.add_argument("id", nargs="?", help="the invitation's id (or its start)")
    invitations.add_argument("--json", action="store_true")
    dm = commands.add("dm", cmd_dm, help="the direct conversation with someone (the TUI without TEXT)")
    dm.add_argument("person", help="their handle, fingerprint or id")
    dm.add_argument("text", nargs="?", help="a message to send (- to read standard input)")


def cmd_people(args: argparse.Namespace) -> int:
    me = account(args)
    if args.publish is not None:
        me.personal.set_setting(profiles.PUBLISH_SETTING, args.publish)
        if args.publish == "off":
            profiles.unpublish(me.paths.hub, me.keypair)
            out("your profile is no longer published (others cannot find you by name)")
        else:
            profiles.publish(me.paths.hub, me.keypair, me.handle)
            out(f"your profile is published as {shown_name(me.handle)}")
        return 0
    for problem in profiles.people(me.paths.hub)[1]:
        warn(problem)
    everyone, places = people_across_hosts(me.paths.hub)
    for known in everyone:
        person = known.profile
        place = places.get(person.user_id)
        if args.json:
            out_json(person.to_json(me.user_id)
                     | ({"hosts": list(known.hosts), "here": known.here,
                         "where": place} if place is not None else {}))
        else:
            mark = "  (you)" if person.user_id == me.user_id else ""
            out(f"{shown_handle(person.handle):<20} {person.fingerprint}"
                f"{f'  {inert(place, allow_newlines=False)}' if place else ''}{mark}")
    return 0


def people_across_hosts(hub: Path) -> tuple[list[KnownPerson], dict[str, str]]:
    """Everyone who published a profile in this hub or, where a relay runs, on another host
    of the federation (its relay carries their signed profiles here; kept while that host is
    offline: core.federation_people), and where each is (`on hostB`, `away (hostB)`, as
    `peers members` and `/who` say it); no places on a hub without a relay."""
    from peers_tui.core.federation_people import known_people
    from peers_tui.core.host_presence import read_hosts_file

    everyone = known_people(hub)
    if read_hosts_file(hub) is None:
        return everyone, {}
    from peers_tui.core.presence import Presence
    from peers_tui.core.whereabouts import locate
    from peers_tui.core.who import place

    where = locate(Presence(hub), [known.profile.user_id for known in everyone])
    return everyone, {known.profile.user_id: place(known.profile.user_id, where, known.hosts)
                      for known in everyone}


def cmd_invite_to(args: argparse.Namespace) -> int:
    if args.revoke or args.list:
        raise PeersError("--to delivers a new invite: it goes with neither --revoke nor --list")
    me = account(args)
    profile, ident = direct.invite_to(me, args.group, args.to, Role.parse(args.role),
                                      args.uses, args.expires)
    out(f"invited {shown_handle(profile.handle)} ({profile.fingerprint}) to "
        f"{shown_name(me.resolve(args.group).name)}: invitation {ident}")
    _say_reach(me, profile.user_id)
    return 0


def _say_reach(me: Account, user_id: str | None) -> None:
    """One line on stderr when the invitation does not reach its recipient now."""
    note = direct.reach_note(me, user_id) if user_id else None
    if note:
        say("peers: " + inert(note, allow_newlines=False))


def cmd_invitations(args: argparse.Namespace) -> int:
    me = account(args)
    if args.action in ("accept", "decline"):
        if not args.id:
            raise PeersError(f"which invitation? peers invitations {args.action} ID")
        if args.action == "accept":
            from peers_tui.relay.join_fetch import JoinFetch  # a group on another host

            with JoinFetch(me.paths.hub) as fetched:  # a refused join leaves no file behind
                entry = direct.accept(me, args.id, fetched.fetch, fetched.invite_arrived)
            out(f"joined {shown_name(entry.name)} ({entry.id})")
        else:
            invitation = direct.decline(me, args.id)
            out(f"declined {invitation.id}: {shown_name(invitation.text)}")
        return 0
    if args.id:
        raise PeersError("give accept or decline before the invitation id")
    for invitation in direct.pending(me):
        if args.json:
            out_json(invitation.to_json())
        elif invitation.problem:
            say("peers: " + inert(f"refused invitation {invitation.id} (claims to be from "
                 f"{shown_name(invitation.sender)}): {invitation.problem}",
                                    allow_newlines=False))
        else:
            out(f"{invitation.id}  {invitation.line(shown_name, 'peers dm')}")
    return 0


def cmd_dm(args: argparse.Namespace) -> int:
    if args.text is None:
        require_terminal()  # before anything is started or offered
    me = account(args)
    from peers_tui.relay.join_fetch import JoinFetch  # a conversation offered from another host

    with JoinFetch(me.paths.hub) as fetched:
        entry, founded = direct.dm(me, args.person, fetched.fetch)
        fetched.keep_only(entry.id)
    if founded:
        print(f"peers: started a direct conversation with {shown_name(entry.name)}; "
              "they are invited", file=sys.stderr)
        _say_reach(me, direct.dm_partner(me, me.store(entry)))
    if args.text is None:
        return start_tui(args, me, entry)
    text = args.text
    if text == "-":
        text = sys.stdin.read().removesuffix("\n")
    out(me.send(entry.id, text).id)
    return 0


def require_terminal() -> None:
    if not sys.stdout.isatty() or not sys.stdin.isatty():
        raise PeersError("the peers TUI needs a terminal; to write to the conversation from "
                         "a script, give the text: peers dm PERSON TEXT")


def start_tui(args: argparse.Namespace, me: Account, entry: GroupEntry) -> int:
    """The TUI on the conversation, as `peers open GROUP` starts it."""
    require_terminal()
    return run_app(args, me, entry)

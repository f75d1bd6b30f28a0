"""`peers invite` (make, list or revoke a code) and `peers join` (use one)."""

from __future__ import annotations

import argparse

from peers_tui.cli.arguments import Commands, positive_int
from peers_tui.cli.inputs import open_account, read_input
from peers_tui.cli.output import EXIT_OK, out, out_json, say
from peers_tui.core.errors import AlreadyMember, BadInvite, PeersError
from peers_tui.core.names import shown_name
from peers_tui.core.roles import Role

WEEK_S = 7 * 24 * 3600


def add_parsers(commands: Commands) -> None:
    invite = commands.add("invite", invite_code, help="print an invite code (or revoke one)")
    invite.add_argument("group")
    invite.add_argument("--role", default="writer",
                        help="reader, writer, admin or owner (default writer); you grant only "
                             "roles below your own, and only owners grant owner")
    invite.add_argument("--uses", type=uses, default=1,
                        help="how many people may join with it: a number or 'unlimited' (default 1)")
    invite.add_argument("--expires", type=expiry, default=WEEK_S,
                        help="how long it stays valid: 30m, 12h, 7d ... or 'never' (default 7d)")
    invite.add_argument("--revoke", metavar="CODE_OR_ID", help="revoke an invite instead")
    invite.add_argument("--list", action="store_true",
                        help="list the invites that could still admit someone, instead")
    invite.add_argument("--json", action="store_true", help="with --list: one JSON object a line")
    invite.add_argument("--to", metavar="PERSON",
                        help="deliver the invite to someone by name (sealed to their key)")

    join = commands.add("join", join_group, help="join a group with an invite code")
    join.add_argument("code", nargs="?", default="-", help="the code, or - to read it from stdin")


def uses(text: str) -> int | None:
    """How many joins an invite allows: a number, or None for 'unlimited'."""
    if text.strip().lower() == "unlimited":
        return None
    return positive_int(text)


def expiry(text: str) -> int | None:
    """Seconds in 30m, 12h, 7d, or None for 'never': a malformed one is a usage error (exit 2)."""
    if text.strip().lower() == "never":
        return None
    from peers_tui.core.invites import parse_duration  # loaded only by `peers invite`

    try:
        return parse_duration(text)
    except PeersError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def invite_code(args: argparse.Namespace) -> int:
    from peers_tui.core.invites import describe_terms

    if args.to:  # delivered by name instead of printed (core.invitations)
        from peers_tui.cli.people import cmd_invite_to

        return cmd_invite_to(args)
    me = open_account(args)
    if args.revoke:
        key = me.revoke(args.group, args.revoke)
        out(f"revoked invite {key[:10]}")
        return EXIT_OK
    if args.list:
        for invite in me.invites(args.group):
            if args.json:
                out_json(invite.to_json())
            else:
                out(f"{invite.short_id}  {invite.terms()}")
        return EXIT_OK
    role = Role.parse(args.role)
    code = me.invite(args.group, role, args.uses, args.expires)
    out(str(code))
    # Only the code goes to stdout (scripts capture it); its terms are said on stderr.
    say(f"peers: invite to {shown_name(me.resolve(args.group).name)}: "
        f"joins as {role.label}, {describe_terms(args.uses, args.expires)}")
    return EXIT_OK


def join_group(args: argparse.Namespace) -> int:
    from peers_tui.core.personal_store import GroupEntry

    code = read_input(args.code, "invite code").strip()
    from peers_tui.cli.relay import joining, not_here_yet

    try:
        with joining(args) as fetched:  # a join that fails leaves no fetched file behind
            fetched.fetch(code)  # a group on another host is fetched through the relay first
            # a group held here already: its invite may be on its way (invite_transit.py)
            entry = fetched.join(code, lambda: open_account(args).join(code))
    except BadInvite as exc:
        raise not_here_yet(args, exc, code) from exc
    except AlreadyMember as exc:
        listed = exc.entry
        assert isinstance(listed, GroupEntry)  # AlreadyMember carries the listed group
        out(f"{exc} ({listed.id})")
        return EXIT_OK
    out(f"joined {shown_name(entry.name)} ({entry.id})")
    return EXIT_OK

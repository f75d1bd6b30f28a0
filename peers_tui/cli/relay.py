"""`peers relay ...`: groups across hosts (peers_tui.relay), and the one membership order.

The relay's handlers live in peers_tui.relay.commands and are imported when one runs, so a
`peers send` pays nothing for them. Membership changes (join, leave, role, remove, revoking an
invite) go through `in_hub_order`: on a leaf host they need the hub, which orders them.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from peers_tui.core import membership_order

if TYPE_CHECKING:
    import argparse
    from peers_tui.core.errors import BadInvite
    from peers_tui.cli.arguments import Commands, Handler
    from peers_tui.core.records import SignedRecord
    from peers_tui.relay.join_fetch import JoinFetch

def add_parsers(commands: Commands) -> None:
    relay = commands.add_family(
        "relay", help="groups across hosts: run this host's relay (see 'peers relay --help')",
        handler=_run,
        description="'peers relay' alone runs this host's relay in the foreground until "
                    "SIGTERM or Ctrl+C (in tmux or as a service); set the host up first with "
                    "'peers relay init'. The commands below set it up and look at it.")
    init = relay.add("init", _init, help="set this host up as the hub, or as a leaf with a token")
    role = init.add_mutually_exclusive_group(required=True)
    role.add_argument("--hub", dest="as_hub", action="store_true",
                      help="this host is the federation's hub")
    role.add_argument("--leaf", dest="leaf_token", metavar="TOKEN",
                      help="join the federation with a hub's token")
    init.add_argument("--listen", metavar="ADDR:PORT", default=None,
                      help="hub: where leaves connect (default 0.0.0.0:7422)")
    init.add_argument("--client-port", type=int,
                      help="this host's local NATS port (default: a free one)")
    init.add_argument("--name", help="this host's name (default: the hostname)")
    init.add_argument("--ssh", metavar="USER@HOST",
                      help="leaf: reach the hub through an SSH tunnel the relay keeps up")
    init.add_argument("--ssh-option", metavar="KEY=VALUE", action="append",
                      help="leaf: an ssh -o option for the tunnel (repeatable), e.g. Port=2222")
    token = relay.add("token", _token, help="on the hub: print a token for one leaf host")
    token.add_argument("--name", help="the leaf host's name (default: the next free leafN)")
    token.add_argument("--address", metavar="HOST:PORT",
                       help="where the leaf reaches the hub (default: the listen address)")
    revoke = relay.add("revoke", _revoke, help="on the hub: refuse a leaf host's token from now on")
    revoke.add_argument("name")
    status = relay.add("status", _status,
                       help="this host's role, the link, records unsent and refused")
    status.add_argument("--json", action="store_true")
    rejected = relay.add("rejected", _rejected,
                         help="records refused from other hosts: host, group, reason")
    rejected.add_argument("--json", action="store_true")
    refetch = relay.add("refetch", _refetch,
                        help="fetch back from the hub the records of a group this host's "
                             "file lacks (rows deleted from it)")
    refetch.add_argument("group", help="the group's name or id")


def _run(args: argparse.Namespace) -> int:
    from peers_tui.relay.commands import cmd_relay_run

    return cmd_relay_run(args)


def _init(args: argparse.Namespace) -> int:
    from peers_tui.relay.commands import cmd_relay_init
    from peers_tui.relay.config import DEFAULT_LEAF_PORT, RelayError

    if args.listen is not None and not args.as_hub:
        raise RelayError("--listen is for the hub: a leaf dials the hub's address in its token")
    if args.listen is None:
        args.listen = f"0.0.0.0:{DEFAULT_LEAF_PORT}"
    return cmd_relay_init(args)


def _token(args: argparse.Namespace) -> int:
    from peers_tui.relay.commands import cmd_relay_token

    return cmd_relay_token(args)


def _revoke(args: argparse.Namespace) -> int:
    from peers_tui.relay.commands import cmd_relay_revoke

    return cmd_relay_revoke(args)


def _status(args: argparse.Namespace) -> int:
    from peers_tui.relay.status_report import cmd_relay_status

    return cmd_relay_status(args)


def _rejected(args: argparse.Namespace) -> int:
    from peers_tui.relay.commands import cmd_relay_rejected

    return cmd_relay_rejected(args)


def _refetch(args: argparse.Namespace) -> int:
    from peers_tui.relay.refetch_command import cmd_relay_refetch

    return cmd_relay_refetch(args)


def _order_on_leaf(path: Path, record: SignedRecord) -> None:
    """The sequencer of this process's membership changes (core.membership_order): on a
    leaf host the hub accepts each one before it is written (relay.ordering)."""
    if not (path.parent / ".relay").is_dir():  # (another Unix user's: its desk, ordering.py)
        return  # no relay here: the file is the order, and nothing more is loaded
    from peers_tui.relay.ordering import order_on_leaf

    order_on_leaf(path, record)


def _held_on_leaf(hub: str, group_id: str, author: str) -> tuple[str, bytes, bytes | None] | None:
    from peers_tui.relay.held_peek import held_change  # plain os and json

    return held_change(hub, group_id, author)


def _cut_on_leaf(path: Path, member: str) -> tuple[int, str, int | None] | None:
    """Where the hub cuts `member`'s chain, for a change made while this file's join's walk
    is under way (core.change_cut, relay.ordering.cut_on_leaf)."""
    if not (path.parent / ".relay").is_dir():
        return None  # no relay here: no hub to ask
    from peers_tui.relay.ordering import cut_on_leaf

    return cut_on_leaf(path, member)


def _head_on_leaf(path: Path, head_seq: int) -> bool | None:
    """The hub's membership changes past this file's head, applied here (relay.hub_head)."""
    if not (path.parent / ".relay").is_dir():
        return None  # no relay here: no hub to ask
    from peers_tui.relay.hub_head import caught_up_on_leaf

    return caught_up_on_leaf(path, head_seq)


def install_ordering() -> None:
    """This process's membership changes in the hub's order, and a handle change kept for
    the hub found again (the TUI's sends do not sign it anew: core.message_actions)."""
    membership_order.install(_order_on_leaf)
    membership_order.install_held(_held_on_leaf)
    membership_order.install_cut(_cut_on_leaf)
    membership_order.install_head(_head_on_leaf)


def sign_kept_again(args: argparse.Namespace) -> None:
    """After a command: a handle change of ours kept on this leaf while the hub was
    unreachable, which the hub then refused as stale (another change went first), is signed
    again against the new head (relay.held_resign; the relay holds no user's key). One that
    cannot be now is said, and waits. Costs a look at one small directory otherwise."""
    from peers_tui.cli.output import say
    from peers_tui.core.errors import PeersError
    from peers_tui.core.text import inert
    from peers_tui.paths import home_dir, hub_dir
    from peers_tui.relay.held_peek import any_to_sign  # plain os and json

    try:
        if not any_to_sign(str(hub_dir(home_dir(args.home), args.hub))):
            return
        from peers_tui.cli.inputs import open_account
        from peers_tui.relay.held_resign import sign_again

        _, failed = sign_again(open_account(args))
    except (PeersError, OSError) as exc:
        failed = [str(exc)]
    for line in failed:
        say(f"peers: warning: your handle change waits in {inert(line, allow_newlines=False)}")


def in_hub_order(args: argparse.Namespace, handler: Handler) -> int:
    """Run a command; a membership change on a leaf host only with the hub reachable, and in
    the order the hub gives it (peers_tui.relay.ordering). Anything else just runs (a handle
    change it makes on a leaf is ordered by the hub too, or kept for it: relay.held)."""
    install_ordering()
    command = args.command
    if not membership_order.is_membership_command(command, getattr(args, "revoke", None),
                                                  getattr(args, "action", None)):
        return handler(args)
    from peers_tui.relay.membership_commands import guard_membership, run_ordered

    if command == "join" and getattr(args, "code", None) == "-":
        # Read once, here: a join that lost its place at the hub runs again with the code
        # (run_ordered), and standard input is read by then (`peers join -` had no retry).
        from peers_tui.cli.inputs import read_input

        args.code = read_input("-", "invite code").strip()
    guard_membership(args)
    return run_ordered(args, handler)


def joining(args: argparse.Namespace) -> JoinFetch:
    """Around `peers join CODE`: a group this hub lacks is fetched through the relay, if one
    is set up here, and its file goes again if the join fails (relay.join_fetch)."""
    from peers_tui.paths import home_dir, hub_dir
    from peers_tui.relay.join_fetch import JoinFetch

    return JoinFetch(hub_dir(home_dir(args.home), args.hub))


def not_here_yet(args: argparse.Namespace, error: BadInvite, code: str = "") -> Exception:
    """A join's "not known to the group" on a hub with a relay set up (join_invites.not_here_yet)."""
    from peers_tui.paths import home_dir, hub_dir
    from peers_tui.relay.join_invites import not_here_yet as reworded

    return reworded(hub_dir(home_dir(args.home), args.hub), error, code)

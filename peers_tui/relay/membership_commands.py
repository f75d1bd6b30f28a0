"""The membership commands (join, leave, role, remove, invite --revoke, invitations accept) on a
refused at once while the hub is out of reach, and run in the order the hub gives them.

Separate from relay.commands, the handlers of `peers relay ...`: these wrap commands of the
rest of the CLI (cli.relay.in_hub_order), and only when a relay is set up here. A membership
change needs the hub (one order for the whole federation); messages, edits, topics and
invites go on offline and are sent when the link returns.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from peers_tui.core.membership_order import is_membership_command
from peers_tui.paths import home_dir, hub_dir
from peers_tui.relay.commands import read_status
from peers_tui.relay.config import RelayError, ago, config_path, load_config, relay_stopped


# What each refusal says was refused ("cannot role now" read as a typo).
CHANGE_IN_WORDS = {"join": "join", "leave": "leave", "role": "change a role",
                   "remove": "remove a member", "invite": "revoke an invite",
                   "invitations": "accept an invitation"}


def guard_membership(args: argparse.Namespace) -> None:
    """On a leaf, a membership change needs the hub (one order for the whole federation):
    RelayError naming how long the hub has been unreachable, before anything is written.
    Messages, edits, topics and invites go on offline and are sent when the link returns."""
    command = getattr(args, "command", None)
    if not is_membership_command(command, getattr(args, "revoke", None),
                                 getattr(args, "action", None)):
        return
    if command == "join" and not _a_code(getattr(args, "code", None)):
        return  # join itself says what is wrong with it: the hub would not help
    hub = hub_dir(home_dir(args.home), args.hub)
    try:
        if not config_path(hub).exists() or load_config(hub).role != "leaf":
            return
        status = read_status(hub)
    except PermissionError:  # another Unix user's relay: what it tells every user
        published = published_status(hub)
        if published is None or published["running"]:
            return  # whether the hub is reachable its desk says, as of now (.link.json lags)
        status = published
    except (OSError, RelayError):
        return  # no relay state here: one host as before
    what = CHANGE_IN_WORDS.get(str(command), str(command))
    link = status.get("link") or {}
    if not status["running"] and "silent_pid" in status:  # it runs, but says nothing
        raise RelayError(f"cannot {what} now: this host's relay (pid {status['silent_pid']}) "
                         "has reported nothing for "
                         f"{ago(status.get('last_seen', status.get('updated', 0)))}, stopped, "
                         "stuck or unable to write (a full disk?), and membership changes "
                         "need it ('peers relay status' says more); messages still work")
    if not status["running"]:
        raise RelayError(f"cannot {what} now: {relay_stopped(status, link.get('to'))} and "
                         "membership changes need the hub (start it: peers relay); messages "
                         "still work")
    if not link.get("up"):
        problem = link.get("problem")
        why = f" ({problem})" if problem and problem != "hub unreachable" else ""
        raise RelayError(f"cannot {what} now: the hub {link.get('to')} has been unreachable for "
                         f"{ago(link.get('since'))}{why} and membership changes need it; "
                         "messages still work and are sent when it is back")


def published_status(hub: Any) -> dict[str, Any] | None:
    """A leaf relay's status as its `.link.json` tells every user of the hub (core.link_state:
    owner-checked), for a user who cannot read `.relay/`; None when it is no leaf's."""
    from peers_tui.core.link_state import read_link_state

    state = read_link_state(hub)
    if state is None or state.role != "leaf":
        return None
    return {"running": state.alive(), "updated": state.updated,
            "link": {"up": state.up, "since": state.since, "to": state.to,
                     "problem": state.problem}}


def _a_code(text: object) -> bool:
    """Whether `text` is an invite code, or is still to be read from standard input."""
    from peers_tui.core.errors import BadInvite
    from peers_tui.core.invites import parse_code

    if text in (None, "-"):
        return True
    try:
        parse_code(str(text))
    except BadInvite:
        return False
    return True


ATTEMPTS = 30  # run_ordered: tries of one membership command against a moving head


def run_ordered(args: argparse.Namespace, handler: Any) -> int:
    """Run a membership command; on a leaf its change is written only once the hub accepted it
    (relay.ordering). When another change took the place first, the hub's changes are applied
    and the command runs again against the new head (a join reading its code from standard
    input too: cli.relay.in_hub_order read it before), as often as another keeps winning: each
    round one wins, so a crowd gets in (eighteenth acceptance pass: with six joins at once one
    lost twice and was told to try again; the bound is for a hub that never says yes)."""
    from peers_tui.core.membership_order import OutOrdered

    for attempt in range(ATTEMPTS):
        try:
            code = int(handler(args))
        except OutOrdered as lost:
            from peers_tui.relay.hub_head import catch_up_stale
            from peers_tui.relay.ordering import StaleAtHub

            if isinstance(lost, StaleAtHub):  # its changes first, all their pages (StillBehind)
                catch_up_stale(hub_dir(home_dir(args.home), args.hub), lost)
            continue
        # Said only once the second try went through: when it fails (the invite used up by
        # the change that won), its error is the one line the user reads.
        if attempt:
            print("peers: another membership change reached the hub first; done again after "
                  "that one", file=sys.stderr)
        return code
    raise RelayError("another membership change reached the hub first; nothing was changed, "
                     "try again")

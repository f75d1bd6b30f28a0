"""One membership order across hosts, asked for before anything is written (a leaf's side).

On a leaf host every membership change (join, leave, role, remove, revoke, a handle change)
is signed against this host's head and sent to the hub's sequencer (order_service.py) as a
request, from inside the write transaction that would append it (core.membership_order): the
row is written only when the hub accepted it, so a change that loses a race never exists
here, not even for a moment. A refusal because another change took the place ("stale")
carries a page of the hub's changes from there, and the invites their joins name (this host
may not have them yet): `run_ordered` (membership_commands.py) applies them and the pages
after it (hub_head.catch_up_stale), and runs the command once more against the new head.
The transaction holds this file's write lock for the round trip (a few ms; at most
REQUEST_TIMEOUT when the link dies mid-request), so nothing else lands between the head the
change was signed against and its row.

A handle change is not refused while the hub is unreachable: it is kept signed in the relay's
directory (held.py) and proposed by the relay when the link is back; the send it came with
goes on at once.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Any

from peers_tui.core.membership_order import HeldForHub, OutOrdered
from peers_tui.relay import held
from peers_tui.relay.client_errors import ONE_SHOT, said_by_the_caller
from peers_tui.relay.config import (
    INSTALL_EXTRA, RelayConfig, RelayError, client_url, config_path, inbox_prefix, load_config,
)
from peers_tui.relay.desk_client import DeskUnreachable, change_of, request, uses_desk
from peers_tui.relay.envelope import Envelope
from peers_tui.relay.hub_reach import link_down_reason
from peers_tui.relay.join_invites import carried

if TYPE_CHECKING:
    from peers_tui.core.records import SignedRecord

GROUP_FILE = re.compile(r"^[a-z2-7]{26}$")  # as relay.local: the files the relay replicates
REQUEST_TIMEOUT = 3.0
HANDLE_TIMEOUT = 1.0    # a send waits no longer for its handle change


class HubUnreachable(RelayError):
    """No answer from the hub's sequencer (link down, hub relay stopped, or too slow)."""


class NoAnswer(HubUnreachable):
    """The request went out and no answer came in time: the hub may have it still (a relay
    paused, or its lock held by a long apply), and then takes the change after all."""


class StaleAtHub(OutOrdered):
    """Another change holds the place at the hub; `changes` are a page of the hub's from
    there on, after the invites their joins name (`stale_changes`); `hub_seq` the hub's head
    (None from a hub of before h-stale, which sent them all): hub_head.catch_up_stale."""

    def __init__(self, reason: str, group_id: str, changes: list[Envelope],
                 hub_seq: int | None = None) -> None:
        super().__init__(reason)
        self.group_id, self.changes, self.hub_seq = group_id, changes, hub_seq
        self.answered = time.monotonic()  # the pages after it fit in HEAD_WAIT from here


def leaf_config(hub: Path) -> RelayConfig | None:
    """This hub's relay config if it is a leaf's, else None (one host: the file orders)."""
    try:
        if not config_path(hub).exists():
            return None
        config = load_config(hub)
    except (OSError, RelayError):
        return None  # no relay state this user may read: one host as before
    return config if config.role == "leaf" else None


async def _request(config: RelayConfig, group_id: str, payload: bytes, timeout: float,
                   headers: dict[str, str]) -> dict[str, Any]:
    import nats

    from peers_tui.relay.order_service import order_subject

    nc = await nats.connect(client_url(config), connect_timeout=timeout,
                            inbox_prefix=inbox_prefix(config.name),
                            error_cb=said_by_the_caller, **ONE_SHOT)
    try:
        msg = await nc.request(order_subject(config.name, group_id), payload,
                               headers=headers, timeout=timeout)
    finally:
        await nc.close()
    answer = json.loads(msg.data)
    if not isinstance(answer, dict):
        raise ValueError("not an answer")
    return answer


def _run(coroutine: Coroutine[Any, Any, dict[str, Any]]) -> dict[str, Any]:
    """Run `coroutine` to its end from synchronous code, also on a thread whose event loop
    is running (the TUI's): then on a thread of its own, this one waiting."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def propose(config: RelayConfig, envelope: Envelope, timeout: float = REQUEST_TIMEOUT,
            headers: dict[str, str] | None = None) -> dict[str, Any]:
    """The hub's answer to a proposed membership change ({"ok": ...}); HubUnreachable when
    none came within `timeout` (this host's relay may be down too). `headers`: more to send
    with it (the invites a join names: join_invites.py)."""
    return ask(config, envelope.group_id, envelope.payload(),
               {**envelope.headers(), **(headers or {})}, timeout)


def ask(config: RelayConfig, group_id: str, payload: bytes, headers: dict[str, str],
        timeout: float = REQUEST_TIMEOUT) -> dict[str, Any]:
    """The hub's sequencer's answer to a request about `group_id` (propose, cut_on_leaf)."""
    try:
        import nats
    except ImportError as exc:
        raise RelayError(f"the relay needs its extra: {INSTALL_EXTRA} ({exc})") from exc
    try:
        return _run(_request(config, group_id, payload, timeout, headers))
    except (OSError, ValueError, nats.errors.Error, asyncio.TimeoutError) as exc:
        what = ("no sequencer answers (is the hub's relay running?)"
                if isinstance(exc, nats.errors.NoRespondersError)
                else "this host's relay is not running (its nats-server refused the connection)"
                if isinstance(exc, nats.errors.NoServersError)
                else f"{exc.__class__.__name__}: {exc}")
        if isinstance(exc, (nats.errors.TimeoutError, asyncio.TimeoutError)):
            raise NoAnswer(f"no answer from the hub within {timeout:.0f} s") from exc
        raise HubUnreachable(f"the hub could not be asked: {what}") from exc


def hub_seq_of(answer: dict[str, Any]) -> int | None:
    """The hub's head an answer names (its "seq"), None when it names none."""
    seq = answer.get("seq")
    return seq if isinstance(seq, int) and not isinstance(seq, bool) else None


def stale_changes(group_id: str, answer: dict[str, Any]) -> list[Envelope]:
    """The hub's changes a stale answer carries, after the invites their joins name."""
    import base64

    from peers_tui.relay.envelope import EnvelopeError
    from peers_tui.relay.order_changes import decode_change

    changes = []
    invites = answer.get("invites")
    for item in invites if isinstance(invites, list) else []:
        try:
            changes.append(Envelope(group_id, "invite", str(item["text"]),
                                    base64.b64decode(item["sig"], validate=True), None, ""))
        except (KeyError, TypeError, ValueError):
            continue
    for item in answer.get("changes") or []:
        try:
            changes.append(decode_change(group_id, item))
        except EnvelopeError:
            continue
    return changes


def order_on_leaf(path: Path, record: SignedRecord) -> None:
    """core.membership_order's Sequencer on a leaf host: return once the hub accepted
    `record` (the caller writes it), else raise (nothing is written). A user who cannot read
    the relay's state (another Unix user's) asks through its desk (desk.py)."""
    hub = path.parent
    ordered, config = hub_orders(path)
    if not ordered:
        return  # not a group file the relay replicates (a personal group: personal.db)
    desk = config is None
    group_id = path.stem
    envelope = Envelope(group_id, "member", record.text, record.sig, record.cosig,
                        config.name if config is not None else "")
    is_handle = record.data.get("action") == "handle"
    timeout = HANDLE_TIMEOUT if is_handle else REQUEST_TIMEOUT
    extra = {**carried(path, record.data), **held_cut(record.data)}
    try:
        if config is None:
            answer = ask_desk(hub, {"op": "ask", "group": group_id, "headers": extra,
                                    "change": change_of(record.text, record.sig, record.cosig)},
                              timeout)
        else:
            down = link_down_reason(hub)
            if down is not None:
                raise HubUnreachable(down)
            answer = propose(config, envelope, timeout, extra)
    except HubUnreachable as exc:
        if is_handle:
            keep(hub, envelope, record.author, desk)
            raise HeldForHub(f"your handle change waits for the hub ({exc}); "
                             "it is sent when the link is back") from exc
        if isinstance(exc, NoAnswer):  # not "nothing was changed": the hub may still take it
            # This host's relay killed while the hub was asked read as the hub's silence alone
            # (the twenty-fifth session's acceptance pass): said when it is so now.
            now_down = link_down_reason(hub) if config is not None else None
            raise RelayError(f"{exc}{f'; {now_down}' if now_down else ''}: it may still make "
                             "this change, which then reaches this host; look (peers members) "
                             "before trying again") from exc
        raise RelayError(f"nothing was changed: {exc}; membership changes need the hub") from exc
    if answer.get("ok"):
        if is_handle and not desk:  # (the desk's relay forgets it itself)
            held.forget(hub, group_id, record.author)
        return
    reason = str(answer.get("reason") or "refused")[:300]
    if answer.get("stale"):
        raise StaleAtHub(f"another membership change reached the hub first ({reason})",
                         group_id, stale_changes(group_id, answer), hub_seq_of(answer))
    if is_handle:  # refused (past a bound: hub_bounds.change_refused): never blocks a send
        keep(hub, envelope, record.author, desk)  # proposed again by the relay, signed anew
        raise HeldForHub(f"the hub refused your handle change ({reason}); your message goes "
                         "on under the handle you had")
    raise RelayError(f"the hub refused this membership change: {reason}")


def hub_orders(path: Path) -> tuple[bool, RelayConfig | None]:
    """Whether a hub orders `path`'s membership (a replicated group file on a leaf), and the
    leaf's relay config (None: another Unix user's relay, asked through its desk)."""
    if not GROUP_FILE.match(path.stem) or path.suffix != ".db":
        return False, None
    config = leaf_config(path.parent)
    return config is not None or on_leaf_desk(path.parent), config


def on_leaf_desk(hub: Path) -> bool:
    """Whether this user reaches a leaf's relay through its desk (its state another's)."""
    from peers_tui.core.link_state import read_link_state

    if not uses_desk(hub):
        return False
    state = read_link_state(hub)
    return state is not None and state.role == "leaf"


def ask_desk(hub: Path, message: dict[str, Any], timeout: float) -> dict[str, Any]:
    """The hub's answer to `message` through this host's relay's desk (desk.py); raises as
    `ask` does, or RelayError (the relay refused it)."""
    try:
        reply = request(hub, message, timeout + 2)
    except DeskUnreachable as exc:
        raise HubUnreachable(str(exc)) from exc
    answer = reply.get("answer")
    if isinstance(answer, dict):
        return answer
    for key, error in (("no_answer", NoAnswer), ("down", HubUnreachable),
                       ("unreachable", HubUnreachable)):
        if key in reply:
            raise error(str(reply[key])[:300])
    why = reply.get("refused") or reply.get("busy") or reply.get("failed") or "no answer"
    raise RelayError(f"this host's relay refused the request: {str(why)[:300]}")


def keep(hub: Path, envelope: Envelope, author: str, desk: bool) -> None:
    """Keep a handle change for the hub (held.py), through the desk for another Unix user;
    quietly not when it cannot be kept (the next send signs it)."""
    if not desk:
        held.keep(hub, envelope, author)
        return
    change = change_of(envelope.text, envelope.sig, envelope.cosig)
    try:
        ask_desk(hub, {"op": "hold", "group": envelope.group_id, "change": change}, 2.0)
    except RelayError:
        pass


def held_cut(data: dict[str, Any]) -> dict[str, str]:
    """The mark of a change whose cut was asked of the hub (this file's walk under way:
    cut_on_leaf): the hub orders it only if it holds the record the cut names (hub_cut.py).
    Asked inside the writing session (core.frontier reads the file bound there)."""
    from peers_tui.core import frontier
    from peers_tui.core.membership_log import CUT_ACTIONS
    from peers_tui.relay.hub_cut import HELD_CUT

    return {HELD_CUT: "1"} if data.get("action") in CUT_ACTIONS and frontier.active() else {}


def cut_on_leaf(path: Path, member: str) -> tuple[int, str, int | None] | None:
    """core.membership_order's CutLookup on a leaf: where the hub cuts `member`'s chain
    (core.change_cut); None for a file the relay does not replicate. Nothing is written
    when the hub cannot say: a RelayError says why."""
    from peers_tui.relay.hub_cut import CUT_OF

    hub = path.parent
    ordered, config = hub_orders(path)
    if not ordered:
        return None
    try:
        if config is None:  # another Unix user's relay: through its desk
            answer = ask_desk(hub, {"op": "ask", "group": path.stem, "change": None,
                                    "headers": {CUT_OF: member}}, REQUEST_TIMEOUT)
        elif (down := link_down_reason(hub)) is not None:
            raise HubUnreachable(down)
        else:
            answer = ask(config, path.stem, b"", {CUT_OF: member})
    except HubUnreachable as exc:
        raise RelayError(f"nothing was changed: {exc}; membership changes need the hub") from exc
    cut, signed = answer.get("cut"), answer.get("t")
    if not (answer.get("ok") and isinstance(cut, list) and len(cut) == 2
            and isinstance(cut[0], int) and isinstance(cut[1], str)
            and (signed is None or isinstance(signed, int))):
        reason = str(answer.get("reason") or "no cut in its answer")[:300]
        raise RelayError(f"nothing was changed: the hub could not say where this change cuts "
                         f"the member's history ({reason})")
    return cut[0], cut[1], signed


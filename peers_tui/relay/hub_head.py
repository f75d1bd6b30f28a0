"""A leaf's file brought up to the hub's membership head, a page of the hub's changes at a
time: before a change that would change nothing is refused (h-told), and after a change of
this host lost its place at the hub (h-stale).

Two admins at one moment: bob on leaf B made carol a reader; alice, on a host whose file had
not yet received bob's change, made her an admin and was told "carol is already an admin:
nothing was changed", and the roster read reader a moment later. A change that changes
nothing is never ordered at the hub, so it loses no race there: it was judged on this host's
copy alone, which lags the hub's by the time a change takes to come. Before saying
"already", a leaf asks the hub for its membership changes past this file's head (`HEAD_AFTER`,
on the order subject the sequencer serves, so no new permission; the hub's answer,
head_question.py, a page of them with its head, costs it one roster read and a page's read
under its relay lock), applies them here as a stale change's are (`catch_up`), asks again
from there until it holds the hub's head (h-left15: a leaf 1,001 behind judged on the first
1,000), and the command judges again. Nothing to ask on one host nor on the hub itself: its
file is the order (alice there judged a moment before bob's change was ordered, which is the
order). With the hub unreachable the caller says it judged on this host's copy.

A change that lost its place at the hub is answered with the first page of what this file
lacks and the hub's head (change_pages.py); the rest is asked for in the same pages before
the change is signed again (`catch_up_stale`): until h-stale the answer carried all of it,
and a leaf owed more than NATS's 1 MB was told nothing. Once the hub said where its head is,
pages that stop short of it (HEAD_WAIT spent, the hub's share for this host spent, a page
that brought nothing here, the link lost between two) are said as what they are: this copy
so many changes behind, still catching up (`StillBehind`), not "the hub cannot be asked".
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import TYPE_CHECKING

from peers_tui.relay.config import RelayError
from peers_tui.relay.head_question import HEAD_AFTER

if TYPE_CHECKING:
    from peers_tui.relay.envelope import Envelope
    from peers_tui.relay.ordering import StaleAtHub

ASK_TIMEOUT = 2.0  # s: a command (the app's /role) waits no longer for one answer to say "already"
# ... and no longer for all the pages of a leaf far behind (each a question and an apply here)
HEAD_WAIT = 10.0


def head_wait() -> float:
    """HEAD_WAIT, or the seconds PEERS_RELAY_HEAD_WAIT gives (tests: pages that run out)."""
    try:
        return float(os.environ.get("PEERS_RELAY_HEAD_WAIT", HEAD_WAIT))
    except ValueError:
        return HEAD_WAIT


class StillBehind(RelayError):
    """The pages stopped short of the hub's head: nothing was changed, and why, in one line."""

    def __init__(self, behind: int) -> None:
        changes = "1 change" if behind == 1 else f"{behind} changes"
        super().__init__(f"nothing was changed: this host's copy of the membership is {changes} "
                         "behind the hub's and still catching up; try again in a moment")


def caught_up_on_leaf(path: Path, head_seq: int) -> bool | None:
    """core.membership_order's HeadLookup on a leaf: True once this file holds the hub's
    membership changes up to its head; False when the hub cannot be asked now (the link
    down, no answer in ASK_TIMEOUT, a refusal of the first question); StillBehind when its
    pages stopped short of the head it named; None when no hub orders this file (not a group
    file the relay replicates, no relay, the hub)."""
    from peers_tui.relay.ordering import hub_orders, link_down_reason

    hub = path.parent
    ordered, config = hub_orders(path)
    if not ordered:
        return None
    if config is not None and link_down_reason(hub) is not None:
        return False
    return paged_up(path, head_seq, time.monotonic() + head_wait())


def catch_up_stale(hub: Path, lost: StaleAtHub) -> None:
    """After a change of this host lost its place at the hub: the page its answer carried
    applied here, and the pages after it asked for until this file holds the hub's head,
    all within HEAD_WAIT of the answer; StillBehind when they are not (the caller's change
    is then not signed again: it would lose again)."""
    catch_up(hub, lost.group_id, lost.changes)
    path = hub / f"{lost.group_id}.db"
    if lost.hub_seq is None or not path.exists():
        # A hub of before h-stale (its answer carried all it had), or a file a join fetched
        # and, losing twice, removed (join_fetch.py): the next try fetches it again.
        return
    reached = _head_of(path)
    if reached < lost.hub_seq:
        paged_up(path, reached, lost.answered + head_wait(), lost.hub_seq)


def paged_up(path: Path, head_seq: int, deadline: float, hub_seq: int | None = None) -> bool:
    """Ask the hub for its changes past `head_seq` (this file's head), a page an answer,
    applying each here, until this file holds the hub's head (True) or `deadline` passed.
    False when the hub could not be asked before it said where its head is (`hub_seq`, if
    known already); after that, StillBehind."""
    from peers_tui.core.errors import PeersError
    from peers_tui.relay.ordering import ask, ask_desk, hub_seq_of, leaf_config, stale_changes

    hub, group_id = path.parent, path.stem
    config = leaf_config(hub)
    try:
        # The first question whatever the time (it alone says where the hub's head is),
        # the next ones while there is time
        while (left := deadline - time.monotonic()) > 0 or hub_seq is None:
            question = {HEAD_AFTER: str(head_seq)}
            wait = ASK_TIMEOUT if hub_seq is None else min(ASK_TIMEOUT, max(left, 0.5))
            if config is None:  # another Unix user's relay: through its desk
                answer = ask_desk(hub, {"op": "ask", "group": group_id, "change": None,
                                        "headers": question}, wait)
            else:
                answer = ask(config, group_id, b"", question, timeout=wait)
            if not answer.get("ok") or (seq := hub_seq_of(answer)) is None:
                break  # a refusal (its share of the hub spent, say)
            hub_seq = seq
            catch_up(hub, group_id, stale_changes(group_id, answer))
            reached = _head_of(path)
            if reached >= hub_seq:
                return True
            if reached <= head_seq:  # nothing of the page went in here: the relay brings it
                break
            head_seq = reached  # a page further: the next from there
    except (RelayError, PeersError):
        pass
    if hub_seq is None:
        return False
    raise StillBehind(hub_seq - head_seq)


def catch_up(hub: Path, group_id: str, changes: list[Envelope]) -> None:
    """Bring this host's membership log up to the hub's (the hub's order wins). What the
    changes void here is left to this host's relay, whose scan takes it out into its
    quarantine as the hosts applying them do (voided_here.py): deleted here, it was lost."""
    from peers_tui.relay.apply import apply_records

    if changes:
        apply_records(hub, group_id, changes, create=False, hub_order=True, leave_voided=True)


def _head_of(path: Path) -> int:
    """This file's membership head as the roster replays it."""
    from peers_tui.core.group_store import GroupStore

    store = GroupStore(path, path.stem)
    try:
        return store.current_roster().head_seq
    finally:
        store.close()


__all__ = ["StillBehind", "catch_up", "catch_up_stale", "caught_up_on_leaf", "paged_up"]

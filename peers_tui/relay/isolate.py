"""A batch whose apply failed, applied again one record at a time, so that the record that
fails is set apart (docs/relay.md "Batches isolated (h-isolate)").

A group's batch is one transaction (relay/apply.py). When it raised (the store's "damaged"
error: a value the file cannot hold, a constraint the file adds, a rule's error no check
foresaw), the relay kept the whole batch waiting, and what waits is retried with every later
batch of the group: each of those failed on the same record again, and the group's later
records, from every host, never went in (the fourteenth attack pass found records that did
this; any other would have done the same). Now the batch is applied again a record at a
time, in its order, in rounds while any goes in (a record may need one after it); a record
whose own apply fails is refused with the error, provided another record of the batch went
in alone: then the file takes records, and it is this one it does not take. When none goes
in (a read-only, locked or damaged file fails every record), the caller keeps them all
waiting as before: a file at fault costs a delay, never a record.
"""

from __future__ import annotations

import sys
from collections.abc import Awaitable, Callable

from peers_tui.core.errors import PeersError
from peers_tui.relay.apply import Outcome
from peers_tui.relay.envelope import Envelope

REASON = "its apply failed here while the rest of its batch applied: "


async def one_at_a_time(apply: Callable[[list[Envelope]], Awaitable[Outcome | None]],
                        envelopes: list[Envelope], group_id: str = "") -> Outcome | None:
    """`envelopes` through `apply` one by one: the outcome, with each record whose apply
    raised refused (REASON + the error); None when no record's apply went through. An
    exception of another class than PeersError (a bug: h-left17) is set apart the same way,
    said in one line on stderr naming the record and the exception, never a traceback."""
    outcome = Outcome()
    failed: list[tuple[Envelope, str]] = []
    went = False
    pending = envelopes
    while pending:
        waiting: list[tuple[Envelope, str]] = []
        progress = False
        for envelope in pending:
            try:
                single = await apply([envelope])
            except Exception as exc:
                failed.append((envelope, REASON + said(exc)))
                if not isinstance(exc, PeersError):
                    print(f"peers relay: group {group_id or envelope.group_id}: the {envelope.table}"
                          f" record {envelope.hash[:16]} from {envelope.origin or 'here'} raised "
                          f"{said(exc)} in its apply (a bug): set apart", file=sys.stderr,
                          flush=True)
                continue
            if single is None:  # no file here any more: nothing of the batch is this host's
                return None
            went = True
            waiting += single.waiting
            progress = progress or bool(single.applied or single.duplicates or single.refused)
            single.waiting = []
            outcome.add(single)
        if not progress:
            outcome.waiting = waiting
            break
        pending = [envelope for envelope, _ in waiting]
    if not went:
        return None
    outcome.refused += failed
    return outcome


def said(exc: BaseException) -> str:
    """The error in one line: a PeersError's own words, else its class and message."""
    text = str(exc) if isinstance(exc, PeersError) else f"{type(exc).__name__}: {exc}"
    return " ".join(text.split())[:300]


__all__ = ["REASON", "one_at_a_time", "said"]

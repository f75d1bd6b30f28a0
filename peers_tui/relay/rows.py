"""The relay's adapter to a group file: read this host's new genuine records (others' are
inserted by relay.row_writes).

GroupStore's public API reads verified views, not the raw signed rows the relay ships, so
this module reads the rows itself, inside the store's own session (models bound to that
file). It decides nothing about validity on its own: local rows are judged by the
same readers `peers log` and `peers verify` use (the roster replay, `invites()`,
HistoryReader.judge); apply.py judges incoming rows the same way.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any
from collections.abc import Callable

from peewee import SQL

from peers_tui.core import own_place
from peers_tui.core.chain_rules import own_record
from peers_tui.core.chains import FORKED, forked_here
from peers_tui.core.encoding import now_ms, record_hash
from peers_tui.core.group_store import GroupStore
from peers_tui.core.message_rules import AHEAD_OF_HUB, FOLLOW_AHEAD_MS
from peers_tui.core.membership import InviteTerms, Roster
from peers_tui.core.membership_replay import invite_authority_problem
from peers_tui.core.models import GroupMember, Invite, Message, prepared
from peers_tui.core.raw import text_of
from peers_tui.core.set_aside_rows import junk_after
from peers_tui.relay.altered_rows import altered_row_genuine, genuine_again
from peers_tui.relay.chain_evidence import move_named_void
from peers_tui.relay.chain_order import sent_now
from peers_tui.relay.envelope import Envelope
from peers_tui.relay.hub_own_changes import set_aside_ahead
from peers_tui.relay.over_gap import sent_over_gap
from peers_tui.relay.position_pins import last_print
from peers_tui.relay.quarantine import RefusedHere
from peers_tui.relay.regained import REGAINED, regained
from peers_tui.relay.row_writes import drop_stale_set_asides
from peers_tui.relay.scan_memory import ScanMemory
from peers_tui.relay.scan_verdicts import genuine_invite_digests, judge_messages
from peers_tui.relay.voided import Unscanned
from peers_tui.relay.voided_here import take_out_here
from peers_tui.relay.walk_turns import left_for_the_walk

SCAN_LIMIT = 2000
# How a refusal of a change of this file's log is taken back once the scan ships it with the
# roster's chain (quarantine.restore): refused when its row was read apart from the roster,
# a change committed meanwhile (docs/relay.md, "h-joinrefuse"), it is genuine after all.
IN_THE_CHAIN = "a change of this file's membership log, shipped with the roster's chain"


@dataclass
class Scan:
    """This host's records found after the given positions: genuine ones to publish, the rest
    with the reason they are not (rows written straight into the file)."""

    genuine: list[Envelope] = field(default_factory=list)
    refused: list[tuple[Envelope, str]] = field(default_factory=list)
    voided: list[tuple[Envelope, str]] = field(default_factory=list)  # taken out (voided_here)
    invite_position: int = 0
    message_position: int = 0
    evidence_position: int = 0  # the last row of fork_evidence looked at for junk
    more: bool = False
    membership_mark: tuple[object, ...] | None = None  # what the membership log was judged at
    prints: tuple[int | None, int | None] = (None, None)  # of the rows at the new positions
    counted: list[str] = field(default_factory=list)  # chain changes refused before (IN_THE_CHAIN)
    regained: list[str] = field(default_factory=list)  # refused at a log since changed (regained.py)


def _blob(value: object) -> bytes:
    return bytes(value) if isinstance(value, (bytes, bytearray, memoryview)) else b""


def _cosig(value: object) -> bytes | None:
    return bytes(value) if isinstance(value, (bytes, bytearray, memoryview)) else None


def void_invite_reason(roster: Roster, invite: InviteTerms) -> str | None:
    """Why a well-formed invite was not its maker's to make (GroupStore.verify's rule)."""
    return invite_authority_problem(roster, invite)


def invite_problem(store: GroupStore, roster: Roster, key: object) -> str:
    """Why the invite row of `key` was refused, as `peers verify` says it: the roster's
    invite problems, else the authority of an invite that checked out on its own."""
    where = f"invite {str(key)[:8]}"
    for problem in roster.invite_problems:
        if problem.where == where:
            return str(problem.reason)
    found = store.invites()[0].get(str(key))
    for invite in (found, *found.alternatives) if found is not None else ():
        reason = invite_authority_problem(roster, invite)
        if reason is not None:
            return reason
    return "invite that does not verify in its own file"


def scan_local(store: GroupStore, origin: str, after_invite: int, after_rowid: int,
               known: Callable[[str], bool] | None = None,
               membership_sent: tuple[object, ...] | None = None,
               refused_here: Callable[[str], bool] | None = None, after_evidence: int = 0,
               hub_clock: bool = False) -> Scan:
    """Genesis, membership changes that count, and the invites and messages stored after the
    given positions, each judged as readers judge it.

    The new rows are read first and the roster and invites after them: everything is
    appended, so what the rows depend on is then in the state they are judged against (read
    the other way round, a row committed in between would be judged by an older roster).
    Rows whose record is `known` (the federation has it: applied here from another host) are
    passed over before any judging. The membership log is left out when its mark is still
    `membership_sent` (the mark of the last scan whose records were all stored upstream).
    `refused_here`: whether this relay refused a record of this file before (its hash).
    Junk in fork_evidence after `after_evidence` (set aside where a record arrived before
    this scan met it: relay/junk_places.py) is refused as junk in the message table is.
    `hub_clock` (the hub's scan): a message or a membership change signed more than a day past
    this clock is refused, as the hub's intake refuses one from a leaf (message_rules.AHEAD_OF_HUB;
    the change set aside with the log after it: hub_own_changes.py).
    What the last scans through this store found of its evidence rows and void walks is
    taken up where the file shows it still holds (scan_memory.py).
    """
    memory = ScanMemory.of(store)
    signed_by = now_ms() + FOLLOW_AHEAD_MS if hub_clock else None
    scan = Scan(invite_position=after_invite, message_position=after_rowid)
    genesis = store.genesis()
    gid = store.group_id
    scan.genuine.append(Envelope(gid, "genesis", genesis.text, genesis.sig, None, origin))
    with store.session():
        if own_place.high_rows(store.db):  # rows no rowid could follow come down (own_place.py)
            with store.db.atomic():
                own_place.lower_high_rows(store.db)
        drop_stale_set_asides(store.db)  # copies of log rows a mend set aside (row_writes.py)
        # What a membership change written here voids, as the hosts applying it take out.
        scan.voided = take_out_here(store, origin, Unscanned(
            after_rowid, after_invite, known or (lambda digest: False)))
        after_rowid, after_invite = own_place.read_again(store.db, after_rowid, after_invite)
        invites: list[Any] = list(prepared(Invite, ("relay: invites after",), [after_invite],
                                           lambda: Invite.select().where(
                                               Invite.id > after_invite).order_by(Invite.id)))
        messages: list[Any] = list(prepared(
            Message, ("relay: messages after",), [after_rowid, SCAN_LIMIT + 1],
            lambda: Message.with_rowid().where(SQL("rowid > ?", [after_rowid]))
            .order_by(SQL("rowid")).limit(SCAN_LIMIT + 1)))
        scan.more = len(messages) > SCAN_LIMIT
        messages = messages[:SCAN_LIMIT]
        if messages:
            scan.message_position = messages[-1].rowid
        if scan.more:  # no invite ahead of its author's earlier messages (chain_order.py)
            invites = sent_now(store.db, invites, scan.message_position)
        scan.invite_position = max([after_invite, *(row.id for row in invites)])
        scan.prints = (last_print(messages), last_print(invites))  # position_pins.py
        if known is not None:
            invites = [row for row in invites if not _passed_over(row, "key", gid, known)]
            messages = [row for row in messages if not _passed_over(row, "id", gid, known)]
        if hub_clock:  # before the snapshot below: it writes (hub_own_changes.py)
            roster = store.current_roster()
            if store.roster_mark != membership_sent:
                scan.refused.extend(set_aside_ahead(store, roster, origin, known))
        # The roster and the log's rows in one read (a snapshot, no lock: writers go on): a
        # change another process committed after the roster was read and before the rows
        # that do not count were, was refused as one (docs/relay.md, "h-joinrefuse").
        with store.db.atomic("DEFERRED"):
            roster = store.current_roster()
            scan.membership_mark = store.roster_mark
            good = genuine_invite_digests(store, roster) if invites else set()
            chain = [] if scan.membership_mark == membership_sent else sorted(roster.chain)
            members: dict[int, Any] = {row.seq: row for row in GroupMember.select().where(
                GroupMember.seq.in_(chain))} if chain else {}
            for seq in chain:
                row = members[seq]
                scan.genuine.append(Envelope(gid, "member", text_of(row.record), _blob(row.sig),
                                             _cosig(row.cosig), origin))
                if refused_here is not None and refused_here(scan.genuine[-1].hash):
                    scan.counted.append(scan.genuine[-1].hash)  # its refusal taken back (local)
            if scan.membership_mark != membership_sent:
                scan.refused.extend(_void_changes(gid, roster, origin))
        chained: list[tuple[tuple[int, str, int], Envelope]] = []
        restorable = partial(altered_row_genuine, store, roster)  # (altered_rows.py)
        evidence = _fork_evidence(gid, [row for row in invites
                                        if record_hash(text_of(row.record)) not in good])
        for invite in invites:
            envelope = Envelope(gid, "invite", text_of(invite.record), _blob(invite.sig), None, origin)
            if record_hash(envelope.text) in good or envelope.text in evidence:
                chained.append((_order(envelope), envelope))
            else:
                why = invite_problem(store, roster, invite.key)
                if sent_over_gap(gid, roster, envelope, why, known, restorable):
                    chained.append((_order(envelope), envelope))  # (over_gap)
                else:
                    scan.refused.append((envelope, why))
        for envelope, problem in judge_messages(store, roster, messages, origin):
            # A record void only for its author's fork is evidence every host must hold.
            # ...and so is one whose predecessor, missing here, the federation has (over_gap).
            sent = problem is None or problem == FORKED or sent_over_gap(
                gid, roster, envelope, problem, known, restorable)
            if sent and signed_by is not None and _order(envelope)[0] > signed_by:
                sent, problem = False, AHEAD_OF_HUB  # carried, every host followed it
            if sent:
                chained.append((_order(envelope), envelope))
            else:
                scan.refused.append((envelope, problem or AHEAD_OF_HUB))
        # A void record a genuine one names goes to fork_evidence first (chain_evidence.py).
        # ...but an altered row whose record is genuine stays, its record shipped (altered_rows).
        kept: list[Envelope] = []
        memory.begin(store, refused_here)  # the evidence rows as the file holds them now
        walked = move_named_void(store, [e for _, e in chained], scan.refused, refused_here,
                                 roster, kept, refused_here.reason
                                 if isinstance(refused_here, RefusedHere) else None,
                                 marks=memory.walks, generation=memory.evidence.generation)
        if not walked.through:  # only the run's evidence now, the rest after it (walk_turns)
            chained, kept = [], []
            left_for_the_walk(scan, store.db, after_rowid, after_invite)
        chained.extend((_order(e), replace(e, origin=origin)) for e in kept
                       if known is None or not known(e.hash))
        chained.extend((_order(e), e) for e in memory.finish(store, origin, known,
                                                             walked.through))
        if isinstance(refused_here, RefusedHere) and walked.through:  # put back by `relay refetch`
            shipped = {e.hash for _, e in chained}
            chained.extend((_order(e), e) for e in genuine_again(store, roster, [
                e for e in refused_here.restored() if e.hash not in shipped
                and (known is None or not known(e.hash))]))
            if scan.membership_mark != membership_sent:  # refused at a log since changed
                again = [e for e in regained(store, roster, refused_here, shipped, known)
                         if signed_by is None or _order(e)[0] <= signed_by]
                scan.regained = [e.hash for e in again]
                chained.extend((_order(e), e) for e in again)
        junk, scan.evidence_position = junk_after(gid, after_evidence)
        scan.refused.extend((Envelope(gid, "msg", text, sig, None, origin), why) for text, sig, why in junk)
    chained.sort(key=lambda pair: pair[0])
    scan.genuine.extend(envelope for _, envelope in chained)
    return scan


def _void_changes(gid: str, roster: Roster, origin: str) -> list[tuple[Envelope, str]]:
    """The membership rows of the log that do not count, with the replay's reason: written
    straight into this file (every change the relay or a command writes is checked first).
    Never sent, like a forged message; refused so that `relay status` and `relay rejected`
    show them (the quarantine counts a record once however often the log is judged)."""
    reasons: dict[int, str] = {}
    for seq, reason in roster.problems:  # the log's rows first, then the set-aside ones
        reasons.setdefault(seq, reason)
    return [(Envelope(gid, "member", text_of(row.record), _blob(row.sig), _cosig(row.cosig),
                      origin), reasons.get(row.seq, "a change that does not count"))
            for row in GroupMember.select().where(GroupMember.seq.not_in(list(roster.chain)))]


def _passed_over(row: Any, name: str, group_id: str, known: Callable[[str], bool]) -> bool:
    """The federation has this row's record already, and the row is that record's own here.
    A known record filed where it does not belong (copied from another group, or a second
    row of it under another id or author) is judged like any row, and refused with its
    reason: passed over, it was neither sent nor listed in `relay rejected`."""
    text = text_of(row.record)
    return _own_row(row, name, text, group_id) and known(record_hash(text))


def _own_row(row: Any, name: str, text: str, group_id: str) -> bool:
    """Whether the row's id (`name`: an invite's "key", a message's "id"), author and group
    are its record's. Looked up in the canonical text, where a quote inside a string is
    escaped: ~1 us a row, where parsing it and comparing every column (what `peers verify`
    does) cost 7 us on top of the hash and lookup's 6 (every applied row a scan meets while
    users write). Told which by the caller: the scan's rows are no model objects
    (models.prepared), and an invite row taken for a message one was never passed over, its
    key looked for under "id" (its integer rowid): every known invite after the position
    was judged again as a row written here (docs/relay.md, eighth acceptance pass)."""
    value = getattr(row, name)
    author = row.author
    if not isinstance(value, str) or not isinstance(author, str):
        return False
    # A value holding a quote or a backslash is never found (the text escapes it): judged.
    return all(f'"{field}":"{claimed}"' in text
               for field, claimed in ((name, value), ("g", group_id), ("a", author)))


def _fork_evidence(group_id: str, invites: list[Any]) -> set[str]:
    """The texts of these invite rows that are void for their author's fork alone: signed by
    the author at a place of their chain that another record of theirs holds."""
    places = {(row.author, row.author_seq) for row in invites}
    forked = forked_here(places, group_id) if invites else set()
    return {text_of(row.record) for row in invites if (row.author, row.author_seq) in forked
            and own_record(row.author, row.author_seq, text_of(row.record), row.sig, group_id)}


def _order(envelope: Envelope) -> tuple[int, str, int]:
    """Signed time, then author and place: an author's chain stays in order (an honest
    client never signs backwards) and records of one time keep a stable order."""
    try:
        data = json.loads(envelope.text)
    except ValueError:
        return (0, "", 0)
    t, a, aseq = data.get("t"), data.get("a"), data.get("aseq")
    return (t if isinstance(t, int) else 0, a if isinstance(a, str) else "",
            aseq if isinstance(aseq, int) else 0)

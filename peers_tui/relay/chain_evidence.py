"""A void record of an author that a genuine record of theirs names as its predecessor:
carried to every host as evidence of its place, as a fork's second record is (evidence.py).

A record follows the one it names by hash, whatever that one's own verdict (README rule 2:
"the records after it are judged as before"): a member's modified client can sign a void
record (backdated, say) and genuine ones after it, and `peers log` and `peers verify` on
their host show the later ones genuine. Validity is a pure function of the signed records,
so another host can judge the later ones only if it holds the void one: refused by the
host's own relay (never sent) or at the hub, it left them waiting at the hub for good
(bounded) while their host showed them genuine.

So the host where they were written moves the void record out of its message (or invite)
table into `fork_evidence` once a genuine record names it (`move_named_void`: the scan met
the later one), its scan ships it as an "evidence" envelope (rows._kept_evidence), and every
host keeps it there (`keep_evidence`): never a message of the log, counted as refused only
where it was written (its relay refused it with the reason, `relay rejected` lists it), and
the same three tables on every host, so `peers verify` says the same everywhere. A run of
void records goes the same way, each named by the one above it (two refused in a row, an
edit and an invite of a writer's: only the upper one went, and every other host said "1 of
their records are missing (history deleted)": docs/relay.md, "Refused on its own host").

A row that is not its author's record at its place (too large to be any record, a bad
signature, another group's: chain_rules.own_record) is evidence of nothing: it holds no place
(chain_rules.by_hash), so what is built on it is void where it was written and is never sent
(docs/relay.md, "Loose ends, third round").
"""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import ExitStack

from peers_tui.core import search
from peers_tui.core.chain_rules import CHAINED_KINDS, chain_fields, non_member, own_record
from peers_tui.core.encoding import record_hash
from peers_tui.core.group_store import GroupStore
from peers_tui.core.membership import Roster
from peers_tui.core.message_rules import COLUMNS
from peers_tui.core.opened_records import opened
from peers_tui.core.raw import text_of
from peers_tui.core.records import RecordError, open_record
from peers_tui.core.row_checks import OTHER_AUTHOR, UNCHANGEABLE
from peers_tui.relay import deleted_tops
from peers_tui.relay.altered_rows import (
    genuine_when_restored, invite_genuine_when_restored, own_columns, rows_at,
)
from peers_tui.relay.census import SCANNED
from peers_tui.relay.envelope import Envelope
from peers_tui.relay.evidence import keep_as_evidence
from peers_tui.relay.walk_turns import WALK_TURN, Key, WalkMarks, Walked, moved_before


def _link(text: str) -> tuple[str, int, str] | None:
    """(author, aseq, aprev) of a chained record's text, None when it has none.
    The scan judged most of them just now: their fields without a second parse."""
    found = opened(text)
    try:
        data = found[0].data if found is not None else json.loads(text)
    except (ValueError, RecursionError):
        return None
    if not isinstance(data, dict):
        return None
    author, aseq, aprev = data.get("a"), data.get("aseq"), data.get("aprev")
    if (isinstance(author, str) and isinstance(aseq, int) and not isinstance(aseq, bool)
            and aseq > 0 and isinstance(aprev, str)):
        return author, aseq, aprev
    return None


def move_named_void(store: GroupStore, shipped: list[Envelope],
                    refused: list[tuple[Envelope, str]],
                    refused_here: Callable[[str], bool] | None,
                    roster: Roster | None = None, kept: list[Envelope] | None = None,
                    reason_here: Callable[[str], str | None] | None = None,
                    bound: int | None = WALK_TURN, marks: WalkMarks | None = None,
                    generation: int = 0) -> Walked:
    """Move the void records of this host's file that a record about to be shipped names as
    its predecessor into `fork_evidence` (inside the scan's session): how many moved, and
    whether the walk is through (Walked).
    A predecessor is void when this relay refused it: in this scan (`refused`) or before
    (`refused_here`, its quarantine): asked only of a record whose predecessor this scan
    does not ship (mostly an author's first in the scan: a chain's records name each other).
    With `roster`, a message or invite row refused only because its columns were altered in
    the file, whose record is genuine (altered_rows.py), stays in the log and its record goes
    to `kept`, to be shipped as what it is. `reason_here`: the reason this relay refused a
    record before (its quarantine), so that a row refused for what its record says for good
    is not judged again (`_settled`). At most `bound` records move in one scan turn; a walk
    stopped there goes on at the next (walk_turns.py: through records it moved already, or
    from where it stopped: `marks`, kept by the scanner, valid while the evidence view's
    `generation` is theirs).

    One walk, one transaction and one `note_deletion` (a run of N void records once cost N
    commits, N rewrites of the group's notes file and N x N effects judged: docs/relay.md,
    "A long run of void records, linear (h-voidrun)")."""
    # Each link with the top of the descent it is part of (None: a shipped record's own).
    links: list[tuple[tuple[str, int, str] | None, Key | None]] = [
        (_link(envelope.text), None) for envelope in shipped if envelope.table in ("msg", "invite")]
    # Places, not hashes: a record shipped here holds the place its successor names (two
    # records of one place are a fork, and both are shipped as one).
    places = {(link[0], link[1]) for link, _ in links if link is not None}
    spans: list[tuple[str, int, int]] = []  # places passed at once by a mark (walk_turns)
    refused_now = {envelope.hash: why for envelope, why in refused}
    moved, begun, through = 0, False, True
    with ExitStack() as walk:
        while links:  # a void record moved names its predecessor in turn: a run of them goes
            link, top = links.pop()
            if link is None or link[1] == 1 or (link[0], link[1] - 1) in places or any(
                    a == link[0] and lo <= link[1] - 1 <= hi for a, lo, hi in spans):
                continue
            author, aseq, aprev = link
            now = aprev in refused_now
            if not now and not (refused_here is not None and refused_here(aprev)):
                continue
            key = top or (author, aseq - 1, aprev)
            went = marks.jump(store.db, key, generation) if marks and top is None else None
            if went is not None:  # on from where an earlier turn stopped, as it left it
                spans.append((author, went[0], aseq - 1))
                links.append(((author, went[0], went[1]), key))
                continue
            passed = moved_before(store.db, store.group_id, author, aseq - 1, aprev)
            if passed is not None:  # moved by an earlier turn of this walk: on below it
                places.add((author, aseq - 1))
                links.append((_link(passed), key))
                if marks is not None:
                    marks.trail(key).went(aseq - 1, aprev, _below(links[-1][0]), True)
                continue
            if bound is not None and moved >= bound:  # moves, not looks: an altered genuine
                through = False  # row stays where it is, and is met again at the next turn
                break
            why = refused_now[aprev] if now else reason_here(aprev) if reason_here else None
            if not begun:  # the walk's one transaction, begun where it first finds a record
                walk.enter_context(store.db.atomic())
                begun = True
            found = _move(store, author, aseq - 1, aprev, roster, why)
            if isinstance(found, Envelope):
                if kept is not None:
                    kept.append(found)
                places.add((author, aseq - 1))
                links.append((_link(found.text), key))
                if marks is not None:  # left in place: no mark passes it
                    marks.trail(key).went(aseq - 1, aprev, None, True)
            elif found is not None:
                moved += 1
                places.add((author, aseq - 1))
                links.append((_link(found), key))
                if marks is not None:
                    marks.trail(key).went(aseq - 1, aprev, _below(links[-1][0]), not now)
        if moved:
            deleted_tops.note_deletion(store.db)  # once, after the walk's deletes
    return Walked(moved, through)


def _below(link: tuple[str, int, str] | None) -> str | None:
    return None if link is None else link[2]


# Reasons a record is refused that its own signed fields decide for every host whatever else
# arrives (core.row_checks: held for every record of its group): a row refused for one of
# them with its record's own columns is void as it stands, and is not judged again.
# (The quarantine holds a reason of this file's scan as census.SCANNED begins it.)
_FOR_GOOD = {form for reason in (OTHER_AUTHOR, UNCHANGEABLE) for form in (
    reason, f"{SCANNED}: {reason}")}


def _settled(store: GroupStore, message: bool, text: str, sig: object, row_key: object,
             why: str | None) -> bool:
    """Whether a message row's refusal stands without judging it "as if restored": refused
    for a reason its record decides for good, and its columns are its record's own (an
    altered row can look like anything: judged with its own columns, as before)."""
    if not message or why not in _FOR_GOOD:
        return False
    columns = own_columns(store, text, sig, str(row_key))
    if columns is None:
        return False
    row = store.db.execute_sql(_COLUMNS_OF_ROW, (row_key,)).fetchone()
    return row is not None and tuple(row) == tuple(columns[n] for n in COLUMNS)


# The row's columns as stored (Peewee's get_or_none built its query anew each time, ~1.6 ms:
# docs/relay.md, "The void walk a turn at a time"). A column stored under another type than
# its record's compares unequal here (Peewee converted it): judged again, as an altered row.
_COLUMNS_OF_ROW = f"SELECT {', '.join(COLUMNS)} FROM message WHERE id = ?"


def _move(store: GroupStore, author: str, aseq: int, digest: str,
          roster: Roster | None = None, why: str | None = None) -> str | Envelope | None:
    """The record text moved into fork_evidence, the envelope of an altered row whose record
    is genuine (left in place), or None when nothing moved (inside the walk's transaction;
    `why`: the reason the record was refused, when known)."""
    for message, row_key, text, sig in rows_at(store, author, aseq):
        if not isinstance(text, str) or record_hash(text) != digest:
            continue
        record = own_record(author, aseq, text, sig, store.group_id)
        if record is None or _above_a_hole(store, author, aseq):
            return None
        if roster is not None and not _settled(store, message, text, sig, row_key, why) and (
                genuine_when_restored(store, roster, text, sig, str(row_key)) if message
                else invite_genuine_when_restored(store, text, sig, row_key)):
            return Envelope(store.group_id, "msg" if message else "invite",
                            record.text, record.sig, None, "")
        if message:
            found = store.db.execute_sql("SELECT rowid FROM message WHERE id = ?",
                                         (row_key,)).fetchone()
            if found is not None:
                search.unindex(store.db, found[0])
        store.db.execute_sql(f"DELETE FROM {'message' if message else 'invite'} WHERE id = ?",
                             (row_key,))
        keep_as_evidence(record)
        return record.text
    return None


def _above_a_hole(store: GroupStore, author: str, aseq: int) -> bool:
    """Whether no row at all holds the place below `aseq` in the author's chain: the record
    there was deleted from this file (a row refused for that alone is no void record: every
    other host holds its predecessor and takes it as genuine; moved, a record this host had
    received left its log: docs/relay.md, "Every host a full replica"). A row there that is
    no record of theirs (junk, which never left this host) is no hole: a record on it is
    void everywhere, and carried as evidence as before."""
    if aseq <= 1:
        return False
    return store.db.execute_sql(_HELD_BELOW, (author, aseq - 1)).fetchone() is None


_HELD_BELOW = " UNION ALL ".join(f"SELECT 1 FROM {table} WHERE author = ?1 AND author_seq = ?2"
                                 for table in ("message", "invite", "fork_evidence")) + " LIMIT 1"


def keep_evidence(store: GroupStore, envelope: Envelope, touched: set[str],
                  roster: Roster | None = None) -> bool | str:
    """An "evidence" envelope from another host, kept in `fork_evidence` if it is its
    author's own record at the place it claims: True when kept now, False when that record is
    here already, else the reason it is refused. `touched`: messages at its place whose
    search entries must be judged again (a fork voids them). A record whose id another
    record holds here is kept only if its author was a member (`roster`): `peers verify`
    names such a record on every host (relay/hub_holds_id.py), and any key can sign one.
    (A verdict, not relay.apply's Outcome: apply imports this module.)"""
    try:
        record = open_record(envelope.text, envelope.sig, group_id=store.group_id,
                             kind=CHAINED_KINDS)
        chain_fields(record)
    except RecordError as exc:
        return str(exc)
    outsider = None if roster is None else non_member(record, roster)
    if outsider and store.db.execute_sql("SELECT 1 FROM message WHERE id = ? AND record != ?", (
            record.data.get("id"), record.text)).fetchone() is not None:
        return outsider
    with store.db.atomic():
        stored, void = keep_as_evidence(record)
    touched |= void
    return stored


__all__ = ["keep_evidence", "move_named_void"]

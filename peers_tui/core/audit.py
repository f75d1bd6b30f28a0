"""Auditing a group file: every record and chain checked (`peers verify`), and the heads a
user pins so that a later cut, or the whole file put back to an older copy, shows.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple

from peers_tui.core.altered_before import count_altered, retold
from peers_tui.core.chain_places import chain_places
from peers_tui.core.changes_alone import problems_alone
from peers_tui.core.chains import chain_heads, forked_here, own_head, predecessors, verified_top
from peers_tui.core.fork_listing import forked_records, without_forked
from peers_tui.core.group_entry import void_pins
from peers_tui.core.group_file import GroupFile
from peers_tui.core.history import HistoryReader
from peers_tui.core.identity import fingerprint
from peers_tui.core.relay_notes import lost_by
from peers_tui.core.membership import Roster
from peers_tui.core.membership_log import MembershipLog
from peers_tui.core.membership_replay import invite_authority_problem
from peers_tui.core import frontier
from peers_tui.core.models import GroupInfo, Invite, Message, tuples
from peers_tui.core.raw import text_of
from peers_tui.core.set_aside_rows import evidence_rows
from peers_tui.core.views import Problem

if TYPE_CHECKING:
    from peers_tui.core.bulk_verify import Progress


class Chains(NamedTuple):
    """What Audit._chains read of the file while the workers judged the messages."""

    positions: dict[str, list[int]]
    tops: dict[str, int | None]
    forks: Counter[str]
    gaps: list[Problem]


class Audit:
    """Verification and pinning of one group file."""

    def __init__(self, file: GroupFile, log: MembershipLog) -> None:
        self.file = file
        self.log = log

    def verify(self, progress: Progress | None = None) -> list[Problem]:
        """Check every record and chain in the file; an empty list means all is genuine.

        `progress(done, total)` hears how far the messages' check has got (see bulk_verify).
        Problems found while the membership changed (a live join) are checked once more
        against the roster of now: an edit or reaction by a member who joined while the
        messages were judged names a membership state the roster read first does not hold.
        """
        # One connection for all of it: each of its dozen reads opened the file anew (its
        # checks, its PRAGMAs, the schema read again), and the workers' wait began later.
        with self.file.session():
            mark = self.log.membership_mark()
            problems = self._verify_once(progress)
            if problems and self.log.membership_mark() != mark:
                problems = self._verify_once(progress)
        return problems

    def _verify_once(self, progress: Progress | None) -> list[Problem]:
        problems: list[Problem] = []  # a fork's records are listed by _chain_gaps
        roster, last_row = self._roster_and_last_row()
        problems.extend(roster.invite_problems)
        problems.extend(Problem(f"membership change {seq}", reason) for seq, reason in roster.problems)
        problems.extend(self._void_invites(roster))
        from peers_tui.core.bulk_verify import check_messages  # multiprocessing: verify only

        chains: list[Chains] = []

        def whole_file() -> None:  # this process's share while the workers judge the messages
            with self.file.session():
                chains.append(self._chains(roster))

        failed: set[int] = set()  # the message rows named: which of them hold their place?
        problems.extend(check_messages(self.file, roster, progress, meanwhile=whole_file,
                                       failed=failed, last_row=last_row))
        problems = without_forked(problems)
        with self.file.session():
            # Changes whose message is not here (void by a cut, or not yet received): the
            # workers judged them with no message; each judged alone (core.changes_alone).
            alone: list[Any] = list(Message.with_rowid().where(
                Message.target.is_null(False)
                & Message.target.not_in(Message.select(Message.id).where(Message.target.is_null()))))
            void = problems_alone(HistoryReader(roster, self.file.group_id), alone)
            problems.extend(Problem(f"record {key}", reason) for key, reason in void.items())
            failed.update(row.rowid for row in alone if str(row.id) in void)
            unheld = self._unheld(failed)
            problems = retold(problems, self.file.db, unheld, self.file.path.parent)
            problems.extend(self._chain_gaps(roster, chains[0], unheld))
            incomplete = frontier.current()
            if incomplete is not None:  # a backfill under way: what is below it cannot be checked
                problems.append(Problem("history", "incomplete: earlier history not yet received "
                                        f"({incomplete.counts}); "
                                        "verify again when it has arrived"))
            extra = GroupInfo.select().count() - 1
            if extra:  # only the row whose record hashes to the group id was ever read
                problems.append(Problem("genesis", f"{extra} more genesis rows in the file "
                                        "(written into it; ignored)"))
        return problems

    def _roster_and_last_row(self) -> tuple[Roster, int]:
        """The roster and the newest message row, in one snapshot: a message committed after
        it, by a member who joined after it, was judged by a roster that did not know them
        ("refers to a membership state that does not exist" during a live join)."""
        with self.file.session(), self.file.db.atomic("DEFERRED"):
            roster = self.log.roster()
            last = self.file.db.execute_sql("SELECT max(rowid) FROM message").fetchone()[0]
        return roster, last if isinstance(last, int) else 0

    def _void_invites(self, roster: Roster) -> list[Problem]:
        """Invites signed under authority their author did not have."""
        problems = []
        terms, _ = self.log.invites()
        for found in terms.values():
            for invite in (found, *found.alternatives):
                reason = invite_authority_problem(roster, invite)
                if reason:
                    problems.append(Problem(f"invite {invite.key[:8]}", reason))
        return problems

    def _chains(self, roster: Roster) -> Chains:
        """Every author's places in the file's rows (as the columns say), and the forks and
        rows set aside there (see _chain_gaps)."""
        positions = chain_places(self.file.db)  # (read by runs of an author's rows, in C)
        crowded = {(author, seq) for author, seqs in positions.items()
                   if len(set(seqs)) < len(seqs)  # (in C: most chains hold no place twice)
                   for seq, count in Counter(seqs).items() if count > 1}
        # A row there that is no record of its author's is named, and holds no place.
        evidence, set_aside = evidence_rows(self.file.group_id)
        crowded.update(evidence)
        for author, aseq in evidence:  # a void record a genuine one names holds its place
            if author in positions and isinstance(aseq, int):  # (relay/chain_evidence.py)
                positions[author].append(aseq)
        # The same record filed twice is a copy, not a fork its author made.
        forks = Counter(author for author, _ in forked_here(crowded, self.file.group_id,
                                                            roster=roster))
        gaps = forked_records(crowded, self.file.group_id, roster) + set_aside
        # The columns may lie (a junk row at place 1,000,000 in someone's name): the chain
        # ends at the highest place a record of theirs verifiably holds. A key that never
        # was a member has no chain that counts (its rows are named on their own).
        tops = {author: verified_top(author, self.file.group_id) if author in roster.members
                else None for author in positions}
        return Chains(positions, tops, forks, gaps)

    def _unheld(self, failed: set[int]) -> set[tuple[str, int]]:
        """The places of the message rows `failed` names and of the invite rows that no row
        holds as its author's record (README rule 2, chain_rules.by_hash). Every other
        message row was judged genuine, so it holds its place; the invites are few."""
        places: set[tuple[str, int]] = set()
        db = self.file.db
        rowids = sorted(failed)
        for start in range(0, len(rowids), 500):
            chunk = rowids[start:start + 500]
            places.update(db.execute_sql("SELECT author, author_seq FROM message WHERE rowid"
                                         f" IN ({','.join('?' * len(chunk))})", chunk))
        places.update(tuples(Invite.select(Invite.author, Invite.author_seq)))
        places = {(author, aseq) for author, aseq in places if isinstance(author, str)
                  and isinstance(aseq, int) and not isinstance(aseq, bool)}
        held = predecessors(places, group_id=self.file.group_id)
        return {place for place in places if not held.get(place)}

    def _chain_gaps(self, roster: Roster, chains: Chains,
                    unheld: set[tuple[str, int]]) -> list[Problem]:
        """Authors whose chains skip a place (a record was deleted) or hold two records of
        theirs in one place (a forked chain, core.forks: messages, invites and the evidence
        of forks that arrived from other hosts together), with every record at those places
        (core.fork_listing: the same lines on every host, whichever table holds them).

        A place counts as held only from a row that is its author's record there (`unheld`:
        README rule 2, as chain_rules.by_hash reads a chain). A row that is not (another
        group's record, a bad signature) is in this host's file alone: no relay carries it.
        Counted as held here, a member's chain void there read "1 of their records are
        missing (history deleted)" on every other host and not on this one, which named
        only the row; now every host says the first, and this one names the row too."""
        gaps = list(chains.gaps)
        under_way = frontier.floors()  # a backfill: below an author's floor is not yet here
        unheld_of: dict[str, set[int]] = {}
        for author, seq in unheld:
            unheld_of.setdefault(author, set()).add(seq)
        for author, seqs in chains.positions.items():
            top = chains.tops[author]
            lowest = 1 if under_way is None else max(under_way.get(author, (top or 0) + 1), 1)
            there = self._places_between(seqs, lowest, top)
            held = len(there.difference(unheld_of.get(author, set())))
            # A place whose rows are all unheld is altered here, not deleted (altered_before).
            altered = len(there) - held
            missing = max((top or 0) - lowest + 1, 0) - len(there)
            if missing > 0:
                gaps.append(Problem(f"author {fingerprint(author)}",
                                    f"{missing} of their records are missing (history deleted)"))
            if altered > 0:
                gaps.append(Problem(f"author {fingerprint(author)}",
                                    count_altered(altered, self.file.path.parent)))
            if chains.forks[author]:
                gaps.append(Problem(f"author {fingerprint(author)}",
                                    f"{chains.forks[author]} places of their chain hold two "
                                    "records (forked chain)"))
        return gaps

    @staticmethod
    def _places_between(seqs: list[int], lowest: int, top: int | None) -> set[int]:
        """The distinct places of `seqs` from `lowest` to `top`: in C over an author's whole
        chain (a million places: not a Python test a place)."""
        if top is None:
            return set()
        places = set(seqs)
        if places and (min(places) < lowest or max(places) > top):
            places = {seq for seq in places if lowest <= seq <= top}
        return places

    def heads(self) -> tuple[int, str, dict[str, tuple[int, str]]]:
        """The verified membership head and each member's newest record: what we pin, and
        what hosts holding the same genuine records agree on whatever junk a file holds."""
        roster = self.log.roster()
        with self.file.session():
            return roster.head_seq, roster.head_hash, chain_heads(self.file.group_id,
                                                                  roster.members, roster)

    def check_pins(self, member_seq: int, member_hash: str | None,
                   authors: dict[str, tuple[int, str]],
                   voided: Callable[[dict[str, tuple[int, str] | None]], object] | None = None,
                   lost: Callable[[int, str, str, str], Problem] | None = None
                   ) -> list[Problem]:
        """Compare the file with the heads this user verified before: a cut shows here, and
        so does the whole file put back to an older copy of itself. `voided` is told of the
        author pins a cut made void, and what they come down to (void_pins). `lost(place, the
        change there now, its words, the lost change's author)` is told of a pinned change the
        relay took out because another change won its place (core.relay_notes), and says what
        to tell instead of "history deleted"."""
        problems = []
        # The pinned change must still be one that counts (a row merely still being there is
        # not enough: a change filed below it could have broken the chain above).
        roster = self.log.current_roster()
        chain = roster.chain if member_seq and member_hash else {}
        lowered = void_pins(roster.cuts, member_seq, authors)
        if lowered and voided is not None:
            voided(lowered)
        authors = {author: head for author, head in {**authors, **lowered}.items()
                   if head is not None}
        for author, (seq, _) in list(authors.items()):
            # Someone no longer a member whose last removal (or leave) cut their chain below
            # the pin: everything beyond the cut is void (and taken out of the file when the
            # removal arrived from another host), so what must still be here is the record
            # the cut names. (A member who came back, or still is one: void_pins.)
            cuts = roster.cuts.get(author)
            if cuts and roster.active(author) is None and cuts[-1].aseq < seq:
                if cuts[-1].aseq:
                    authors[author] = (cuts[-1].aseq, cuts[-1].ahash)
                else:
                    del authors[author]
        with self.file.session():
            if member_seq and member_hash and chain.get(member_seq) != member_hash:
                winner = chain.get(member_seq)
                loser = (lost_by(self.file.path, member_seq, member_hash)
                         if winner is not None and lost is not None else None)
                if lost is not None and winner is not None and loser is not None:
                    problems.append(lost(member_seq, winner, self._change_words(member_seq),
                                         loser))
                else:
                    problems.append(Problem("membership log", f"change {member_seq}, verified "
                                            "earlier, is gone or altered (history deleted)"))
            found = predecessors({(author, seq) for author, (seq, _) in authors.items()},
                                 group_id=self.file.group_id)
            for author, (seq, digest) in authors.items():
                if digest not in found.get((author, seq), {}):
                    problems.append(Problem(f"author {fingerprint(author)}",
                                            f"record {seq} of theirs, verified earlier, is gone "
                                            "or altered (history deleted)"))
        return problems

    def _change_words(self, seq: int) -> str:
        """`role by 3f2a…`: what the change at `seq` is and who made it (in a session)."""
        row = self.file.db.execute_sql("SELECT record FROM group_members WHERE seq = ?",
                                       (seq,)).fetchone()
        try:
            data = json.loads(text_of(row[0])) if row is not None else {}
            action, author = data.get("action"), data.get("a")
        except (ValueError, AttributeError, TypeError):
            action = author = None
        return (f"{action if isinstance(action, str) else 'a change'} by "
                f"{fingerprint(author) if isinstance(author, str) else 'another member'}")

    def write_pins(self, author: str) -> tuple[int, str, dict[str, tuple[int, str]]]:
        """What a write pins: the membership head and the writer's own chain head."""
        roster = self.log.current_roster()
        with self.file.session():
            head = own_head(author, self.file.group_id)
        return roster.head_seq, roster.head_hash, ({author: (head[0], head[1])} if head else {})

    def invite_heads(self, roster: Roster) -> dict[str, tuple[int, str]]:
        """Each author's newest invite that checked out and that no cut in `roster` makes void:
        pinned like messages. The invite log leaves authority to each join, so a void one
        (signed after its author's leave under the state before it) was pinned as verified,
        and once the relay took it out every read warned "history deleted" for good."""
        heads: dict[str, tuple[int, str]] = {}
        terms, _ = self.log.invites()
        for found in terms.values():
            for invite in (found, *found.alternatives):
                author, aseq = invite.signer, invite.aseq
                if roster.cut_problem(author, aseq, invite.digest, invite.member_seq,
                                      invite.created_at) is not None:
                    continue
                if aseq and (author not in heads or heads[author][0] < aseq):
                    heads[author] = (aseq, invite.digest)
        return heads

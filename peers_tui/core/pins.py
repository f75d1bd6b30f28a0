"""Pins: the heads of a group's history this user verified, kept in personal.db, so that a
record deleted later, or the whole file put back to an older copy of itself, shows
("history deleted"). Also the bookkeeping rule every such note follows (`remember`).
"""

from __future__ import annotations

from collections.abc import Callable

from peers_tui.core import own_copy, own_restore
from peers_tui.core.errors import Busy, DiskFull, PeersError, ReadOnly
from peers_tui.core.group_entry import GROUP_COLUMNS, entry_of, own_pin
from peers_tui.core.group_store import GroupStore
from peers_tui.core.membership import Roster
from peers_tui.core.membership_replay import SET_ASIDE
from peers_tui.core.personal_store import GroupEntry, PersonalStore
from peers_tui.core.views import MessageView, Problem


def remember(write: Callable[[], object]) -> None:
    """Bookkeeping in personal.db (read markers, pinned heads, seen removals) that must
    not fail what it follows: on a full disk, a read-only home or a personal.db another
    process holds locked (another app of the user's), a message that was sent was sent,
    and a log that was read was read."""
    try:
        write()
    except (Busy, DiskFull, ReadOnly):
        pass


def membership_problems(roster: Roster) -> list[Problem]:
    """Membership changes that did not count: a forged change, or a chain broken by deletion."""
    if not roster.problems:
        return []
    seq, reason = roster.problems[0]
    more = f" (and {len(roster.problems) - 1} more)" if len(roster.problems) > 1 else ""
    if reason.startswith(SET_ASIDE):
        # Out of the log already (membership_log._set_aside), kept as evidence: "change 7"
        # alone read as the genuine change now at 7.
        return [Problem("membership log", f"a row set aside from place {seq} does not count:"
                        f" {reason[len(SET_ASIDE):]}{more}; `peers verify` lists it")]
    return [Problem("membership log", f"change {seq} does not count: {reason}{more}")]


class Pins:
    """The verified heads one user pins for each of their groups."""

    def __init__(self, personal: PersonalStore, user_id: str) -> None:
        self.personal = personal
        self.user_id = user_id

    def problems(self, entry: GroupEntry, store: GroupStore) -> list[Problem]:
        """What the file no longer holds of what this user verified before."""
        fresh = self._pinned(entry.id) or entry  # pins may have moved since `entry`

        def voided(_: dict[str, tuple[int, str] | None]) -> None:
            # Down to the cut for good: the reads after this one pin past the change.
            cuts = store.current_roster().cuts
            remember(lambda: self.personal.pin_heads(entry.id, 0, None, {}, cuts))

        def lost(seq: int, now: str, words: str, author: str) -> Problem:
            # Told once: the pin goes to the change that won the place, which counts.
            pinned = fresh.member_head_hash or ""
            remember(lambda: self.personal.lower_member_pin(entry.id, seq, pinned, now))
            whose = "your membership change" if author == self.user_id else "membership change"
            return Problem("membership log", f"{whose} {seq} lost its place to another change"
                           f" the hub ordered there first ({words}); the relay took it out:"
                           " make it again")

        return store.check_pins(fresh.member_head_seq, fresh.member_head_hash,
                                fresh.author_heads, voided, lost)

    def _pinned(self, group_id: str) -> GroupEntry | None:
        """The group's row as stored now, in one plain query: the unread counts check the
        pins of every group at each pass, and building the ORM query cost more than reading."""
        with self.personal.session():
            row = self.personal.db.execute_sql(
                f"SELECT {', '.join(GROUP_COLUMNS)} FROM groups WHERE id = ?", (group_id,)
            ).fetchone()
        return entry_of(row) if row is not None else None

    def own_pin(self, group_id: str, author: str, roster: Roster) -> tuple[int, str] | None:
        """The head of this user's own chain pinned for the group, as a write inside its
        transaction (`roster`: the state it is checked against) must build on it
        (chain_rules.build_on; group_entry.own_pin). Another author's writes, and a
        personal.db that cannot be read, pin nothing: the file's head decides, as before."""
        if author != self.user_id:
            return None
        try:
            entry = self._pinned(group_id)
        except PeersError:
            return None
        return own_pin(entry, author, roster.cuts) if entry is not None else None

    def kept(self, group_id: str, author: str) -> own_copy.Copy | None:
        """The copy of this user's pinned record for the group (core/own_copy.py), asked
        inside a write; None for another author, or when personal.db cannot say."""
        if author != self.user_id:
            return None
        try:
            with self.personal.session():
                row = self.personal.db.execute_sql("SELECT value FROM setting WHERE key = ?",
                                                   (own_copy.KEY + group_id,)).fetchone()
        except PeersError:
            return None
        return own_copy.parse(row[0]) if row is not None else None

    def after_write(self, entry: GroupEntry, store: GroupStore) -> None:
        """After our own write: pin the membership head and our own chain head, so a file
        rolled back to before our last action is always caught; and keep a copy of that
        head's record, put back if the file loses it (core/own_copy.py)."""
        heads = store.write_pins(self.user_id)
        cuts = store.current_roster().cuts  # pins a cut made void come down first (void_pins)
        remember(lambda: self.personal.pin_heads(entry.id, *heads, cuts))
        own = heads[2].get(self.user_id)
        with store.file.session():
            copy = own_restore.find(store.db, self.user_id, own) if own is not None else None
        if copy is not None:
            remember(lambda: self._keep(entry.id, copy))

    def _keep(self, group_id: str, copy: own_copy.Copy) -> None:
        with self.personal.session(), self.personal.db.atomic():
            self.personal.db.execute_sql("INSERT OR REPLACE INTO setting (key, value)"
                                         " VALUES (?, ?)", own_copy.setting(group_id, *copy))

    def after_read(self, entry: GroupEntry, store: GroupStore, messages: list[MessageView],
                   roster: Roster | None = None) -> None:
        """After a read that found nothing wrong: pin the membership head (`roster`'s, the
        state the read was judged under; else the current one), the chain heads of the
        authors whose messages verified, and those of verified invites. Pins a cut in that
        state made void come down first (void_pins): the check before the read may have
        seen the file before a relay applied the cut, and a member head pinned past it
        would then hold the void record for good ("history deleted" once the relay took it
        out of the file)."""
        roster = roster if roster is not None else store.current_roster()
        heads = store.invite_heads(roster)
        verified = [m.id for m in messages if m.verified]
        # The edits and deletions applied to them were verified too: deleting one later must
        # show, not silently bring back the old text. Those the read judged genuine (not the
        # ones below one that holds: core.effect_plan judges none of them).
        verified += [change for m in messages if m.verified for change in m.changes]
        for seq, digest, author in store.author_positions(verified):
            if isinstance(seq, int) and (author not in heads or heads[author][0] < seq):
                heads[author] = (seq, digest)
        remember(lambda: self.personal.pin_heads(entry.id, roster.head_seq,
                                                 roster.head_hash, heads, roster.cuts))

    def after_verify(self, entry: GroupEntry, store: GroupStore) -> None:
        """After a whole-file check found nothing wrong: pin every head it verified."""
        heads = store.heads()
        cuts = store.current_roster().cuts  # as after_read: void pins come down first
        remember(lambda: self.personal.pin_heads(entry.id, *heads, cuts))

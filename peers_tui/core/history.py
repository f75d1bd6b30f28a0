"""Reading a group's messages: verify each record, then apply edits, deletions and replies.

Every function here runs inside a GroupStore session (the models are bound to that file).
A record is shown as genuine only if its signature, its columns, its author's chain and its
author's role at the membership state it names all check out; otherwise it is shown with
the reason, never dropped.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

# No Peewee here: the rules read the file through core.window_reads (the models by default;
# plain sqlite3 for the first frame of `peers open`, core.lean_window).
from peers_tui.core.altered_places import retold
from peers_tui.core.chain_rules import FORKED, Predecessors
from peers_tui.core.effect_plan import EffectPlan
from peers_tui.core.frozen import Frozen, set_field
from peers_tui.core.identity import fingerprint
from peers_tui.core.message_rules import EFFECT_KINDS, PRIMARY_KINDS
from peers_tui.core.membership import Roster
from peers_tui.core.reactions import Reaction, ReactionTally
from peers_tui.core.row_checks import (
    OTHER_AUTHOR, UNCHANGEABLE, Checked, check_row, effect_problem, structure_problem,
    window_chain,
)
from peers_tui.core.views import ForgedChange, MessageView
from peers_tui.core.window_reads import model_reads

if TYPE_CHECKING:
    from collections.abc import Callable

    from peers_tui.core.models import Message
    from peers_tui.core.window_reads import WindowReads

REPLY_PREVIEW = 60
MAX_SHOWN_CHARS = 16_000  # the longest message peers itself accepts
# Times a calendar can show in any time zone (years 1970 to 9998): a row written straight into the file may
# claim any integer, and every surface that prints a date must still be able to.
SHOWN_TIMES = (0, 253_370_764_799_999)


def shown_time(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        return 0
    return min(max(value, SHOWN_TIMES[0]), SHOWN_TIMES[1])


class Judgement(Frozen):  # not a dataclass (as core.row_checks.Checked)
    """What the rules decided about a window of rows: each row checked on its own, the
    genuine edits and deletions of them, and the changes aimed at them that are not genuine
    (each a forged record of its own; they never change their target)."""

    __slots__ = _fields = ("items", "checked", "edits", "deleted", "forged", "reactions",
                           "applied", "skipped")
    items: list[Checked]  # one per row, in the order given
    checked: dict[str, Checked]
    edits: dict[str, str]
    deleted: set[str]
    forged: dict[str, list[ForgedChange]]
    reactions: ReactionTally
    applied: dict[str, list[str]]  # by target: the ids of the genuine changes of it
    skipped: list[Any]  # change rows left unjudged: below one that holds (core.effect_plan)

    def __init__(self, items: list[Checked], checked: dict[str, Checked], edits: dict[str, str],
                 deleted: set[str], forged: dict[str, list[ForgedChange]],
                 reactions: ReactionTally | None = None,
                 applied: dict[str, list[str]] | None = None, skipped: list[Any] | None = None) -> None:
        set_field(self, "items", items)
        set_field(self, "checked", checked)
        set_field(self, "edits", edits)
        set_field(self, "deleted", deleted)
        set_field(self, "forged", forged)
        set_field(self, "reactions", ReactionTally() if reactions is None else reactions)
        set_field(self, "applied", {} if applied is None else applied)
        set_field(self, "skipped", [] if skipped is None else skipped)


class HistoryReader:
    """Turns stored rows into MessageViews for one group, inside a bound session."""

    def __init__(self, roster: Roster, group_id: str, reads: WindowReads | None = None) -> None:
        self.roster = roster
        self.group_id = group_id
        self.reads = model_reads() if reads is None else reads  # core.window_reads

    def handle(self, user_id: str) -> str:
        return self.roster.handle_of(user_id) or fingerprint(user_id)

    def views(self, rows: list[Any]) -> list[MessageView]:
        """Views of primary rows (messages, topics, imports), effects and replies applied.

        A change (edit, deletion) that does not verify never touches its target: the target
        keeps its genuine state and the change is listed on it as a forged record of its own.
        Reply previews show their target's current state, its own changes applied.
        """
        if not rows:
            return []
        ids = {row.id for row in rows}
        reply_ids = {row.reply_to for row in rows if isinstance(row.reply_to, str)} - ids
        quoted = self.reads.rows_with_ids(list(reply_ids)) if reply_ids else []
        judged = self.judge(rows + quoted, every=False)
        items = retold(judged.items[:len(rows)], self.reads)  # altered, not deleted (rare)
        replies = self._replies(judged)
        return [self._view(item, judged.edits.get(item.row.id), item.row.id in judged.deleted,
                           tuple(judged.forged.get(item.row.id, ())), replies,
                           judged.reactions.of(item.row.id), tuple(judged.applied.get(item.row.id, ())))
                for item in items]

    def problems(self, rows: list[Any]) -> list[tuple[Any, str, str]]:
        """(row, where, reason) for each record that is not genuine among these primary rows
        and the changes aimed at them: what `peers verify` reports, decided by the same rules
        as `views()` without building any view. `rows` may be Message rows or any rows with
        the same attributes and `rowid`."""
        judged = self.judge(rows)
        found: list[tuple[Any, str, str]] = []
        for item in judged.items:
            if item.problem:
                found.append((item.row, f"message {item.row.id}", item.problem))
        for message_id, item in judged.checked.items():
            found.extend((item.row, f"{change.kind} {change.id} of message {message_id}",
                          change.reason) for change in judged.forged.get(message_id, ()))
        return found

    def judge(self, rows: list[Any], every: bool = True) -> Judgement:
        """Every validity rule for a window of primary rows and the records that change them.
        `every`: judge each of those records (`peers verify`, the relay: each forged one is
        named); else only those that decide what shows (core.effect_plan; `skipped` names
        the others)."""
        if not rows:
            return Judgement([], {}, {}, set(), {})
        ids = [str(r.id) for r in rows]
        verdicts: dict[int, str | None] = {}  # by index in `effects`: None when genuine
        plan: EffectPlan | None = None
        if every:
            effects = self.reads.effects_on(ids)
            whole = dict(enumerate(effects))  # by index in `effects`
            batch = list(whole)
        else:
            effects = self.reads.effect_keys(ids)  # fetched whole as judged
            plan, whole = EffectPlan(effects, self._fetcher(effects)), {}
            batch = plan.take(1, self._refused, verdicts, whole)
        chain, forked = self._context(rows + [whole[index] for index in batch])
        items = [self.check(row, chain, forked) for row in rows]
        # By id, the genuine one where a row was copied in the file under its original's id:
        # it is what changes and replies refer to, and a copy must not hide it.
        checked: dict[str, Checked] = {}
        for item in items:
            if item.row.id not in checked or checked[item.row.id].problem:
                checked[item.row.id] = item
        effect_of: dict[int, Checked] = {}
        per_group = 1
        while batch:
            for index in batch:
                target = checked.get(whole[index].target)
                if target is not None:
                    effect_of[index] = effect = self.check(whole[index], chain, forked)
                    verdicts[index] = effect_problem(effect, target, self.roster)
            if plan is None:
                break
            # A genuine record refused for its target or its author: no record of its group
            # (or, for the target, of any group) can hold (row_checks.effect_problem).
            plan.settle(verdicts, {index for index in batch if verdicts.get(index) == OTHER_AUTHOR},
                        {whole[index].target for index in batch
                         if verdicts.get(index) == UNCHANGEABLE})
            per_group *= 2  # a group whose records keep failing: a few rounds, not one a record
            batch = plan.take(per_group, self._refused, verdicts, whole)
            if batch:
                chain, forked = self._context([whole[index] for index in batch])
        return self._applied(items, checked, whole, verdicts, effect_of,
                             [effects[index] for index in plan.skipped] if plan else [])

    def _fetcher(self, keys: list[Any]) -> Callable[[list[int]], dict[int, Any]]:
        """Whole rows by their index in `keys` (read by rowid)."""
        def fetch(indices: list[int]) -> dict[int, Any]:
            index_of = {keys[index].rowid: index for index in indices}
            return {index_of[row.rowid]: row for row in self.reads.rows_at(list(index_of))}
        return fetch

    def _refused(self, row: Any) -> str | None:
        return structure_problem(row, self.group_id)

    def _context(self, rows: list[Any]) -> tuple[Predecessors, set[tuple[str, int]]]:
        """The chain places and forked places judging these rows needs."""
        reads = self.reads
        places = {(row.author, row.author_seq) for row in rows}
        crowded = reads.crowded(places | {(author, seq - 1) for author, seq in places
                                          if isinstance(seq, int) and not isinstance(seq, bool)})
        chain = window_chain(rows, self.group_id, crowded, reads)
        return chain, reads.forked(places, self.group_id, crowded, self.roster)

    def _applied(self, items: list[Checked], checked: dict[str, Checked], whole: dict[int, Any],
                 verdicts: dict[int, str | None], effect_of: dict[int, Checked],
                 skipped: list[Any]) -> Judgement:
        """The judged changes applied in id order (the last genuine edit shows)."""
        edits: dict[str, str] = {}
        deleted: set[str] = set()
        forged: dict[str, list[ForgedChange]] = {}
        reactions = ReactionTally()
        applied: dict[str, list[str]] = {}
        for index in sorted(verdicts):  # id order
            row = whole[index]
            if row.target not in checked:
                continue  # aimed at no row here (main's rule: not judged)
            problem = verdicts[index]
            if problem:
                forged.setdefault(row.target, []).append(self._forged(row, problem))
                continue
            data = effect_of[index].data
            applied.setdefault(row.target, []).append(str(row.id))
            if data["type"] == "delete":
                deleted.add(row.target)
            elif data["type"] == "react":
                reactions.add(str(data["target"]), str(data["a"]), data)
            elif row.target not in deleted:
                edits[row.target] = data["body"]
        return Judgement(items, checked, edits, deleted, forged, reactions, applied, skipped)

    def forked(self, rows: list[Any]) -> set[tuple[str, int]]:
        """The places of these rows' author chains that are forked (core.forks)."""
        return self.reads.forked(((row.author, row.author_seq) for row in rows), self.group_id,
                                 roster=self.roster)

    def check(self, row: Message, chain: Predecessors,
              forked: set[tuple[str, int]] | None = None) -> Checked:
        """check_row, and the fork rule (core.forks): a place of the author's chain that two
        different records of theirs hold is void, whichever tables hold them. `forked`: the
        forked places among the rows being judged (looked up for this row alone if None)."""
        item = check_row(row, self.roster, self.group_id, chain, self.reads)
        if item.record is not None and item.problem is None:  # void already: that reason stands
            place = (item.record.author, item.data.get("aseq"))
            if place in (self.forked([row]) if forked is None else forked):
                return Checked(item.row, None, FORKED)
        return item

    def _forged(self, row: Message, problem: str) -> ForgedChange:
        author = str(row.author)
        kind = row.kind if row.kind in EFFECT_KINDS else "change"
        created = shown_time(row.created_at)
        return ForgedChange(id=str(row.id), kind=str(kind), author_id=author,
                            author=self.handle(author), fingerprint=fingerprint(author),
                            reason=problem, body=str(row.body or "")[:MAX_SHOWN_CHARS],
                            created_at=created)

    def _replies(self, judged: Judgement) -> dict[str, tuple[str, str, str | None]]:
        """Reply previews by target id: (author name, text, author id when genuine)."""
        checked, edits, deleted = judged.checked, judged.edits, judged.deleted
        previews: dict[str, tuple[str, str, str | None]] = {}
        for message_id in {c.data.get("reply") for c in checked.values()}:
            if not isinstance(message_id, str):
                continue
            item = checked.get(message_id)
            if item is None:
                previews[message_id] = ("?", "(message not found)", None)
            elif item.record is None or item.problem:
                previews[message_id] = (self.handle(str(item.row.author)), "(unverified message)", None)
            elif message_id in deleted:
                previews[message_id] = (self._author_name(item), "(message deleted)", item.record.author)
            else:
                body = edits.get(message_id, str(item.data.get("body", "")))
                short = body if len(body) <= REPLY_PREVIEW else body[:REPLY_PREVIEW - 1] + "…"
                previews[message_id] = (self._author_name(item), short.replace("\n", " "),
                                        None if item.data.get("type") == "imported" else item.record.author)
        return previews

    def _author_name(self, item: Checked) -> str:
        if item.data.get("type") == "imported":
            return str(item.data.get("orig_author"))
        return self.handle(str(item.row.author))

    def _view(self, item: Checked, edit: str | None, deleted: bool,
              forged: tuple[ForgedChange, ...], replies: dict[str, tuple[str, str, str | None]],
              reactions: tuple[Reaction, ...] = (), changes: tuple[str, ...] = ()) -> MessageView:
        row, data = item.row, item.data
        author_id = str(row.author)
        kind = str(data.get("type", row.kind))
        body = "" if deleted else (edit if edit is not None else str(data.get("body", row.body)))
        if len(body) > MAX_SHOWN_CHARS:
            # Only a row written straight into the file can be this long; show a bounded part.
            body = body[:MAX_SHOWN_CHARS] + f"… ({len(body) - MAX_SHOWN_CHARS} more characters)"
        reply = data.get("reply") if isinstance(data.get("reply"), str) else None
        reply_author, reply_body, reply_author_id = replies.get(reply, (None, None, None)) \
            if reply else (None, None, None)
        return MessageView(
            id=str(row.id), author_id=author_id, author=self._author_name(item),
            fingerprint=fingerprint(author_id), body=body,
            created_at=shown_time(row.created_at),
            kind=kind, verified=item.problem is None, problem=item.problem, reply_to=reply,
            reply_author=reply_author, reply_body=reply_body, reply_author_id=reply_author_id,
            edited=edit is not None and not deleted,
            deleted=deleted, imported=kind == "imported", rowid=getattr(row, "rowid", 0) or 0,
            forged_changes=forged, reactions=() if deleted else reactions, changes=changes)


__all__ = [
    "EFFECT_KINDS", "MAX_SHOWN_CHARS", "PRIMARY_KINDS", "REPLY_PREVIEW", "SHOWN_TIMES",
    "HistoryReader", "Judgement", "shown_time",
]

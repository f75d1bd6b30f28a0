"""A row of the user's Groups table (personal.db) and the rules around it, whoever reads it:
which group a GROUP argument names, and how the heads a user pins move. Used by
core.personal_store and core.account through the models, and by core.lean_post with plain
sqlite3 for `peers send`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence

from peers_tui.core.errors import Ambiguous, NotFound
from peers_tui.core.frozen import Frozen, set_field
from peers_tui.core.genesis import GROUP_ID_LENGTH
from peers_tui.core.raw_values import as_int, as_text, text_of
from peers_tui.core.roster import Cut
from peers_tui.core.states import NotifyLevel

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (core.frozen)
if TYPE_CHECKING:
    from pathlib import Path
    from typing import Any, Protocol, TypeVar

    class Named(Protocol):
        """What naming a group looks at: a GroupEntry, or a lighter row with just these."""

        @property
        def id(self) -> str: ...
        @property
        def name(self) -> str: ...
        @property
        def archived(self) -> bool: ...

    N = TypeVar("N", bound=Named)

MIN_PREFIX = 4  # the shortest id prefix taken for a group or an invite
MAX_PLACE = 2 ** 62  # a pinned chain place beyond this is damage: no chain grows that long

# The Groups table's columns in the order `entry_of` takes them.
GROUP_COLUMNS = ("id", "name", "db_path", "personal", "joined_at", "read_marker", "notify",
                 "sort_order", "member_head_seq", "member_head_hash", "author_heads", "removals",
                 "archived")
# What a damaged value in a JSON column of the Groups table can raise while it is read back.
JSON_DAMAGE = (ValueError, TypeError, IndexError, AttributeError, OverflowError, RecursionError)


class GroupEntry(Frozen):
    """A row of the Groups table: what this user has said about one group."""

    __slots__ = _fields = ("id", "name", "db_file", "personal", "joined_at", "read_marker",
                           "notify", "sort_order", "member_head_seq", "member_head_hash",
                           "author_heads", "removals", "archived")
    id: str
    name: str
    db_file: str  # the group's file as stored (db_path: as a Path)
    personal: bool
    joined_at: int
    read_marker: str | None
    notify: NotifyLevel
    sort_order: int
    member_head_seq: int
    member_head_hash: str | None
    author_heads: dict[str, tuple[int, str]]
    removals: dict[str, int]
    archived: bool

    def __init__(self, id: str, name: str, db_path: str | os.PathLike[str], personal: bool,
                 joined_at: int, read_marker: str | None, notify: NotifyLevel, sort_order: int,
                 member_head_seq: int, member_head_hash: str | None,
                 author_heads: dict[str, tuple[int, str]], removals: dict[str, int],
                 archived: bool = False) -> None:
        for name_, value in zip(self._fields, (
                id, name, os.fspath(db_path), personal, joined_at, read_marker, notify,
                sort_order, member_head_seq, member_head_hash, author_heads, removals,
                archived)):
            set_field(self, name_, value)

    @property
    def db_path(self) -> Path:
        """The group's file. (A Path is made on demand: `peers send` runs without pathlib.)"""
        from pathlib import Path

        return Path(self.db_file)


def _text(value: Any) -> str | None:
    """A TEXT column as the models read it: a BLOB decoded leniently, NULL kept."""
    return None if value is None else text_of(value)


def entry_of(values: Sequence[Any]) -> GroupEntry:
    """A row (its GROUP_COLUMNS, as stored or as the models read them) as the app uses it;
    a value damaged in the file reads as its default."""
    (id_, name, db_path, personal, joined_at, read_marker, notify, sort_order, head_seq,
     head_hash, author_heads, removals, archived) = values
    try:
        heads = {k: (int(v[0]), str(v[1]))
                 for k, v in json.loads(_text(author_heads) or "{}").items()}
    except JSON_DAMAGE:
        heads = {}
    try:
        removed = {str(k): int(v) for k, v in json.loads(_text(removals) or "{}").items()}
    except JSON_DAMAGE:
        removed = {}
    # A flag is true only when it is 1 (True, once the models read it); junk is false.
    return GroupEntry(text_of(id_), text_of(name), text_of(db_path), personal == 1,
                      as_int(joined_at) or 0, as_text(_text(read_marker)),
                      NotifyLevel.read(text_of(notify)), as_int(sort_order) or 0,
                      as_int(head_seq) or 0, as_text(_text(head_hash)), heads, removed,
                      archived == 1)


class GroupName(Frozen):
    """A Groups row's id, name and archived flag alone (a send resolves GROUP with these)."""

    __slots__ = _fields = ("id", "name", "archived")
    id: str
    name: str
    archived: bool

    def __init__(self, id: str, name: str, archived: bool) -> None:
        set_field(self, "id", id)
        set_field(self, "name", name)
        set_field(self, "archived", archived)

    @classmethod
    def of(cls, id_: Any, name: Any, archived: Any) -> GroupName:
        """From the stored values, read as `entry_of` reads them."""
        return cls(text_of(id_), text_of(name), archived == 1)


def find_group(query: str, entries: Sequence[N]) -> N:
    """The group `query` names among all listed `entries` (archived ones too): by full id,
    then an exact name (one not archived first), then a unique id prefix (4+ chars). A name
    comes before a prefix, as a ref does in git and a name in docker: a group id is a hash its
    founder can grind, so one whose id starts with the name of another of the user's groups
    ("team") would otherwise take what the user sends to that group by name."""
    text = query.strip()
    for entry in entries:
        if entry.id == text.lower():
            return entry
    by_name = ([e for e in entries if e.name == text and not e.archived]
               or [e for e in entries if e.name == text])
    if len(by_name) == 1:
        return _not_an_id(query, by_name[0], entries)
    if len(by_name) > 1:
        raise Ambiguous(f"group name {query!r} is ambiguous; use an id: "
                        + ", ".join(f"{e.id[:10]}" for e in by_name))
    _refuse_other_case(query, [(e.id, e.name) for e in entries])
    if len(text) >= MIN_PREFIX:
        by_prefix = [e for e in entries if e.id.startswith(text.lower())]
        if len(by_prefix) == 1:
            return by_prefix[0]
        if len(by_prefix) > 1:
            from peers_tui.core.names import shown_name  # only this error needs it

            raise Ambiguous(f"group id prefix {query!r} is ambiguous: "
                            + ", ".join(f"{shown_name(e.name)} ({e.id})" for e in by_prefix))
    raise NotFound(f"no group {query!r} in your groups (see 'peers groups')")


# A name this long that starts another group's id was chosen so, not met by chance (32^6).
NAME_LIKE_ID = 6


def _not_an_id(query: str, named: N, entries: Sequence[N]) -> N:
    """`named`, the one group called `query`, unless `query` (6+ characters) also starts
    another group's id: anyone can read a shared hub's file names and name a group after the
    id the user types to tell twins apart (`team · 4q7c2x`): refused, naming both."""
    text = query.strip().lower()
    if len(text) < NAME_LIKE_ID:
        return named
    others = [e for e in entries if e.id.startswith(text) and e.id != named.id]
    if others:
        from peers_tui.core.names import shown_name  # only this error needs it

        raise Ambiguous(f"{query!r} is the name of the group {named.id[:10]} and the start of "
                        "the id of " + ", ".join(f"{shown_name(e.name)} ({e.id[:10]})"
                                                 for e in others) + "; use a longer id")
    return named


def _refuse_other_case(query: str, groups: Sequence[tuple[str, str]]) -> None:
    """Refuse, in one line, a GROUP that names no group exactly but is the name of one of
    (id, name) `groups` in another case: the user meant that group, and an id prefix (a hash
    its founder can grind: twentieth attack pass) must not answer for it (`peers send team`
    for the user's "Team" went to mallory's group "team4q…")."""
    folded = query.strip().casefold()
    near = [(gid, name) for gid, name in groups if isinstance(name, str)
            and name.casefold() == folded]
    if near:
        from peers_tui.core.names import shown_name  # only this error needs it

        raise Ambiguous(f"no group is called exactly {query!r}; like it: " + ", ".join(
            f"{shown_name(name)} ({gid[:10]})" for gid, name in near)
            + " (type its name exactly, or its id)")


def void_pins(cuts: Mapping[str, Sequence[Cut]], member_seq: int,
              authors: dict[str, tuple[int, str]]) -> dict[str, tuple[int, str] | None]:
    """Author pins that name a record a cut made void: pinned before the user verified
    (`member_seq`) the removal, demotion or leave that cut the author's chain below it (made
    on a host that had not seen the record). Such a record names an older state, counts for
    nothing whatever became of its author since (back as a member, or still one as a reader),
    and the relay takes it out of the file; what must still be here is the record the cut
    names (None: nothing). A pin made after the change was verified stays as strict as any:
    a record beyond the cut pinned then was signed after it."""
    lowered: dict[str, tuple[int, str] | None] = {}
    for author, (seq, _) in authors.items():
        for cut in cuts.get(author, ()):
            if cut.seq > member_seq and cut.aseq < seq:
                lowered[author] = (cut.aseq, cut.ahash) if cut.aseq else None
                break
    return lowered


def own_pin(entry: GroupEntry, author: str,
            cuts: Mapping[str, Sequence[Cut]] | None = None) -> tuple[int, str] | None:
    """The head of `author`'s own chain that `entry` pins, as their next write must build on
    it (chain_rules.build_on): a pin a cut made void comes down first (void_pins), and a pin
    damaged in personal.db (no place, no record hash) counts as none: the file's own head
    decides then, as before any pin."""
    pin = entry.author_heads.get(author)
    if pin is None:
        return None
    seq, digest = pin
    if not (0 < seq < MAX_PLACE and len(digest) == 64
            and all(c in "0123456789abcdef" for c in digest)):
        return None
    if cuts:
        lowered = void_pins(cuts, entry.member_head_seq, {author: pin})
        if author in lowered:
            return lowered[author]
    return pin


def pins_move(entry: GroupEntry, member_seq: int, member_hash: str | None,
              authors: dict[str, tuple[int, str]],
              cuts: Mapping[str, Sequence[Cut]] | None = None) -> bool:
    """Whether pinning these heads would change what `entry` pins (`cuts`: the roster's,
    whose void pins come down: void_pins)."""
    if cuts and void_pins(cuts, entry.member_head_seq, entry.author_heads):
        return True
    if member_seq > entry.member_head_seq or (
            member_seq == entry.member_head_seq and member_hash != entry.member_head_hash):
        return True
    return any(author not in entry.author_heads or entry.author_heads[author][0] < seq
               for author, (seq, _) in authors.items())


def pinned(entry: GroupEntry, member_seq: int, member_hash: str | None,
           authors: dict[str, tuple[int, str]],
           cuts: Mapping[str, Sequence[Cut]] | None = None) -> tuple[int, str | None, str]:
    """The pin columns (member_head_seq, member_head_hash, author_heads) once these heads are
    pinned on `entry`: a pin never moves backwards, but for one a cut made void (`cuts`:
    the roster's; void_pins), which comes down to the cut."""
    heads = dict(entry.author_heads)
    for author, head in (void_pins(cuts, entry.member_head_seq, heads) if cuts else {}).items():
        if head is None:
            del heads[author]
        else:
            heads[author] = head
    for author, (seq, digest) in authors.items():
        if not isinstance(author, str) or type(seq) is not int:
            continue  # a junk row's column (NULL author): nothing to pin
        if author not in heads or heads[author][0] < seq:
            heads[author] = (seq, digest)
    if member_seq >= entry.member_head_seq:
        return member_seq, member_hash, json.dumps(heads, sort_keys=True)
    return entry.member_head_seq, entry.member_head_hash, json.dumps(heads, sort_keys=True)


__all__ = ["GROUP_COLUMNS", "GROUP_ID_LENGTH", "JSON_DAMAGE", "MIN_PREFIX", "GroupEntry",
           "GroupName", "entry_of", "find_group", "own_pin", "pinned", "pins_move",
           "void_pins"]

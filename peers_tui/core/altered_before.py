"""Whether a place an author's chain lacks in this file is deleted or altered here.

A record whose signature or link fails is not its author's record, so the chain reads its
place as empty: the next record by that author failed with "an earlier record by this author
is missing (history deleted)", and the author's count said "1 of their records are missing",
though the row is there, altered or forged in this file (twenty-seventh acceptance pass,
docs/relay.md). `peers verify` says which it is: a place with no row at all is deleted, as
before; a place whose rows all fail is altered here, and a relay set up on this hub can fetch
the genuine record back (`peers relay refetch`). Run inside a GroupFile session.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

import peewee

from peers_tui.core.altered_places import ALTERED, DELETED
from peers_tui.core.relay_file import relay_owner
from peers_tui.core.views import Problem

MESSAGE = "message "  # how bulk_verify names a message row


def refetch_hint(hub: str | os.PathLike[str]) -> str:
    """What repairs an altered record, where a relay is set up to do it."""
    return ("; 'peers relay refetch' on this group fetches the genuine one back if the "
            "federation holds it" if relay_owner(hub) is not None else "")


def before_altered(hub: str | os.PathLike[str]) -> str:
    """What a record whose predecessor is altered here is told (the log's words, and the
    way to repair it)."""
    return f"{ALTERED}{refetch_hint(hub)}"


def count_altered(count: int, hub: str | os.PathLike[str]) -> str:
    """What an author whose chain holds `count` altered places is told."""
    return (f"{count} of their records are altered or forged in this file (not deleted)"
            f"{refetch_hint(hub)}")


def retold(problems: list[Problem], db: peewee.Database, unheld: set[tuple[str, int]],
           hub: str | os.PathLike[str]) -> list[Problem]:
    """`problems` with each "history deleted" of a message whose predecessor's place holds a
    row in this file (`unheld`: rows there, none of them its author's record) told as
    altered."""
    named = [problem.where[len(MESSAGE):] for problem in problems
             if problem.reason == DELETED and problem.where.startswith(MESSAGE)]
    if not named or not unheld:
        return problems
    places = dict(_places(db, named))
    altered = {key for key, (author, aseq) in places.items() if (author, aseq - 1) in unheld}
    if not altered:
        return problems
    words = before_altered(hub)
    return [Problem(problem.where, words) if problem.reason == DELETED
            and problem.where[len(MESSAGE):] in altered else problem for problem in problems]


def _places(db: peewee.Database, ids: list[str]) -> Iterable[tuple[str, tuple[str, int]]]:
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        for key, author, aseq in db.execute_sql("SELECT id, author, author_seq FROM message WHERE id "
                                            f"IN ({','.join('?' * len(chunk))})", chunk):
            if (isinstance(key, str) and isinstance(author, str) and isinstance(aseq, int)
                    and not isinstance(aseq, bool)):
                yield key, (author, aseq)

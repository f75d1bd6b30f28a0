"""What a word the user typed may name among people (a group's members: member_actions.
find_member; everyone known: profiles.find_among), in the order no one else can bend.

Two things in a person's name are theirs to choose: their handle, which their client signs
whatever it is (a tilde too: only `peers id --handle` refuses one), and their user id, a
public key they can grind (4 base32 characters at its start take ~10^6 keys, seconds; 8 take
~10^12). So (twentieth attack pass):
- a whole user id is that person, whatever anyone's handle reads;
- `handle~fingerprint`, as peers shows someone beside a look-alike, names whose handle and
  fingerprint it shows, or no one: never someone whose handle is spelled so;
- then the callers' exact handles, unless the handle is also the start (8+ characters) of
  someone else's id: anyone may take another's fingerprint as their handle;
- an id prefix last, and only a whole fingerprint's worth of it (8+ characters, what peers
  shows), for a word that is no one's handle nor like one: a handle typed in another case,
  or the name of someone not here yet, would otherwise name whoever ground a key for it.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from typing import Protocol, TypeVar

from peers_tui.core.errors import Ambiguous, NotFound
from peers_tui.core.identity import FINGERPRINT_LENGTH, fingerprint, is_user_id
from peers_tui.core.names import look_alike_key, shown_handle

MIN_LABEL_PRINT = 4  # characters of the fingerprint in `handle~fingerprint`
MIN_ID_PREFIX = FINGERPRINT_LENGTH  # a bare id prefix: a whole fingerprint at least


class Person(Protocol):
    @property
    def user_id(self) -> str: ...

    @property
    def handle(self) -> str: ...


P = TypeVar("P", bound=Person)


def label(person: Person) -> str:
    """A person as one tells them apart: `handle~fingerprint`, the handle shown inert."""
    return f"{shown_handle(person.handle)}~{fingerprint(person.user_id)}"


def _one_each(people: Iterable[P]) -> list[P]:
    seen: dict[str, P] = {}
    for person in people:
        seen.setdefault(person.user_id, person)
    return list(seen.values())


def by_whole_id(everyone: Iterable[P], text: str) -> P | None:
    """The person whose user id `text` is, spelled whole (either case)."""
    if not is_user_id(text.lower()):
        return None
    return next((p for p in everyone if p.user_id == text.lower()), None)


def by_label(everyone: Iterable[P], text: str) -> list[P] | None:
    """The people `handle~fingerprint` names (their handle starts with the name, cut with
    "…" as shown, and their id with the fingerprint); None when `text` is not of that form.
    One is the answer; several are ambiguous; none is no one (never a handle spelled so)."""
    name, tilde, print_ = text.rpartition("~")
    if not (tilde and name and len(print_) >= MIN_LABEL_PRINT):
        return None
    return _one_each(p for p in everyone if p.user_id.startswith(print_.lower())
                     and p.handle.startswith(name.rstrip("…")))


def by_id_or_label(everyone: Iterable[P], text: str, nobody: str) -> P | None:
    """The person a whole id or `handle~fingerprint` names, the two forms no handle can take
    over; None when `text` is neither. A label that names several is ambiguous, one that
    names none is no one (`nobody`: the caller's "no member 'x' in this group")."""
    whole = by_whole_id(everyone, text)
    if whole is not None:
        return whole
    shown = by_label(everyone, text)
    if shown is None:
        return None
    if len(shown) > 1:
        raise label_ambiguous(text, shown)
    if not shown:
        raise NotFound(nobody)
    return shown[0]


def by_id_prefix_last(everyone: Iterable[P], text: str, nobody: str, what: str) -> P:
    """After no handle matched: the one person whose id starts with `text` (a whole
    fingerprint or more), unless `text` is someone's handle in another case or looks like one;
    several are ambiguous (`what`: "member id prefix"), none is `nobody`."""
    everyone = list(everyone)
    refuse_look_alike(everyone, text, nobody)
    found = by_id_prefix(everyone, text)
    if len(found) == 1:
        return found[0]
    if found:
        raise Ambiguous(f"{what} {text!r} is ambiguous")
    raise NotFound(nobody + short_hint(everyone, text))


def label_ambiguous(text: str, found: list[P]) -> Ambiguous:
    return Ambiguous(f"{text!r} names {len(found)} people; give more of the id after '~': "
                     + ", ".join(label(p) for p in found))


def _folded(name: str) -> str:
    # Case alone: look_alike_key folds case after the confusables, so "ILSE" ("lLSE": I is
    # drawn like l) and "ilse" have two keys, yet one is the other typed in another case.
    return unicodedata.normalize("NFKC", name).casefold()


def refuse_look_alike(everyone: Iterable[P], text: str, nobody: str) -> None:
    """After no handle matched `text` exactly: if it is someone's handle in another case or a
    look-alike of one, refuse it (the user meant a person, and an id prefix must not answer
    for them), in one line: `nobody` (the caller's "no member 'x' in this group") and who
    looks like it."""
    key, folded = look_alike_key(text), _folded(text)
    alike = _one_each(p for p in everyone
                      if look_alike_key(p.handle) == key or _folded(p.handle) == folded)
    if alike:
        raise NotFound(f"{nobody}; like it: " + ", ".join(label(p) for p in alike)
                       + " (type a handle exactly, or as shown: handle~fingerprint)")


def checked_handle(everyone: Iterable[P], text: str, found: P) -> P:
    """`found`, whose handle `text` is, unless `text` is also a whole fingerprint (or more)
    of someone else's id: anyone may take as handle the fingerprint peers shows beside
    another person (`peers members`), and the user who types it means that person."""
    others = [p for p in by_id_prefix(everyone, text) if p.user_id != found.user_id]
    if others:
        raise Ambiguous(f"{text!r} is the handle of {label(found)} and the start of the id of "
                        + ", ".join(label(p) for p in others) + ": name one as handle~fingerprint")
    return found


def by_id_prefix(everyone: Iterable[P], text: str) -> list[P]:
    """The people whose id starts with `text`, if it is a whole fingerprint or longer."""
    if len(text) < MIN_ID_PREFIX:
        return []
    return _one_each(p for p in everyone if p.user_id.startswith(text.lower()))


def short_hint(everyone: Iterable[P], text: str) -> str:
    """What to add to "no one called X" when X starts someone's id but is too short."""
    if text and len(text) < MIN_ID_PREFIX and any(
            p.user_id.startswith(text.lower()) for p in everyone):
        return f" (an id prefix takes {MIN_ID_PREFIX}+ characters: a whole fingerprint)"
    return ""


__all__ = ["MIN_ID_PREFIX", "MIN_LABEL_PRINT", "Person", "by_id_or_label", "by_id_prefix",
           "by_id_prefix_last", "by_label", "by_whole_id", "checked_handle", "label", "label_ambiguous", "refuse_look_alike",
           "short_hint"]

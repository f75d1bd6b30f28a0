"""Handles and group names: what peers accepts when they are set, how it shows them, and
when a name must carry its owner's fingerprint.

Names are signed by their owners, and an owner may run a modified client, so a name read
from a file can hold anything: markup, escape sequences, newlines, invisible characters and
look-alikes of someone else's handle, and combining marks stacked high enough to draw over
the lines around it (core.marks). `shown_name` makes any of them one inert line;
`look_alikes` says which people must be told apart by fingerprint. Both are the one place
the CLI and the TUI decide these things.
"""

from __future__ import annotations


import json
import os
import unicodedata
from collections.abc import Callable, Iterable
from functools import lru_cache

from peers_tui.core.errors import PeersError
from peers_tui.core.marks import check_marks, cut_marks
from peers_tui.core.text import BIDI_CONTROLS, is_unsafe

MAX_SHOWN_NAME = 100  # characters of a name shown; only a forged name is longer
# Default-ignorable characters outside category Cf: they draw nothing (or a blank) in a
# name, so "alice" and "alice" + one of them would look the same.
INVISIBLE = frozenset(
    "\u034f\u115f\u1160\u17b4\u17b5\u180b\u180c\u180d\u180f\u2800\u3164\uffa0"
    + "".join(chr(c) for c in range(0xFE00, 0xFE10))
    + "".join(chr(c) for c in range(0xE0100, 0xE01F0)))


def hidden(char: str) -> bool:
    """Whether `char` is invisible, a format or bidi control, or a control character."""
    return (unicodedata.category(char) in ("Cc", "Cf", "Cs", "Zl", "Zp")
            or char in BIDI_CONTROLS or char in INVISIBLE)


def _placeholder(char: str) -> str:
    code = ord(char)
    if code < 0x20:
        return chr(0x2400 + code)  # ␊ for a newline, ␛ for ESC
    if code == 0x7F:
        return "\u2421"
    return f"<U+{code:04X}>"


def shown_name(name: object) -> str:
    """A handle or group name as one inert line: every control, format, bidi or invisible
    character (and tabs and newlines) as a visible placeholder, at most MAX_SHOWN_NAME long,
    each run of combining marks on one character cut to core.marks.MAX_MARKS.
    Markup such as `[/]` stays text: every screen puts names in as plain text."""
    text = name if isinstance(name, str) else str(name)
    if len(text) > MAX_SHOWN_NAME:
        text = text[:MAX_SHOWN_NAME] + "…"
    if text.isprintable() and INVISIBLE.isdisjoint(text):
        # isprintable() is False for every Cc, Cf, Zl, Zp and Cs character; ASCII has no marks
        return text if text.isascii() else cut_marks(text)
    return cut_marks("".join(_placeholder(c) if c == "\t" or hidden(c)
                             or is_unsafe(c, allow_newlines=False) else c for c in text))


# A tilde and the characters drawn like one: peers names a look-alike `handle~fingerprint`,
# so a tilde inside a handle could make it end in someone else's fingerprint
# ("alice~pd6qb3uj", seventeenth attack pass). A handle shows each as a placeholder.
TILDE_LIKE = frozenset("~\u02dc\u1fc0\u2053\u223c\u301c\uff5e\u2e1b\u2241\u224b")


def shown_handle(name: object) -> str:
    """A handle as one inert line (shown_name), a tilde or a look-alike of one in it as a
    placeholder (`alice<U+007E>pd6qb3uj`): only peers itself puts `~fingerprint` after one."""
    text = shown_name(name)
    if TILDE_LIKE.isdisjoint(text):
        return text
    return "".join(f"<U+{ord(c):04X}>" if c in TILDE_LIKE else c for c in text)


def check_name(value: object, what: str, *, max_chars: int, spaces: bool = True) -> str:
    """A handle or group name typed by the user: refused, in one line, if it is empty, too
    long, holds a character that is invisible or controls the terminal, or stacks more
    combining marks on one character than core.marks allows."""
    if not isinstance(value, str) or not value.strip():
        raise PeersError(f"{what} is empty")
    if len(value) > max_chars:
        raise PeersError(f"{what} is too long: {len(value)} characters, the limit is {max_chars}")
    for char in value:
        if hidden(char):
            raise PeersError(f"{what} contains an invisible or control character "
                             f"({_placeholder(char)}); names must show what they are")
    if not spaces and (value != value.strip() or any(c.isspace() for c in value)):
        raise PeersError(f"a {what} cannot contain spaces")
    return check_marks(value, what)


# ----------------------------------------------------------------- look-alikes (UTS #39)
def _confusables_text() -> str:
    """The confusable-homoglyphs package's copy of Unicode confusables.txt, as JSON text.

    Read as a file, not through the package's module (which imports urllib, 30 ms).
    """
    from importlib.util import find_spec

    spec = find_spec("confusable_homoglyphs")
    folders = list(spec.submodule_search_locations or []) if spec else []
    if not folders:
        raise FileNotFoundError("the confusable-homoglyphs package is not installed")
    with open(os.path.join(folders[0], "confusables.json"), encoding="utf-8") as file:
        return file.read()


@lru_cache(maxsize=1)
def _confusables_index() -> dict[str, str]:
    """Each key of the data, as its JSON escape, to its list's JSON text, unparsed.

    Parsing the whole file costs 30-120 ms here; splitting it costs a few, and `_neighbours`
    then parses only the lists of the characters that names hold. The file is the package's
    `json.dump` of a dict of lists of dicts: `{"key": [{...}, ...], "key": [...], ...}`.
    """
    try:
        text = _confusables_text().strip()
    except OSError:
        # A broken install must not stop the app from showing a log: names are then told
        # apart by exact, case- and compatibility-folded equality only.
        return {}
    if not (text.startswith('{"') and text.endswith("}]}")):
        return {}
    index = {}
    for part in text[2:-3].split('}], "'):
        key, _, entries = part.partition('": [')
        index[key] = f"[{entries}}}]"
    return index


_DECODER = json.JSONDecoder()


@lru_cache(maxsize=8192)
def _listed(key: str) -> tuple[int, str]:
    """How many characters the data lists as confusable with `key`, and the first of them
    (0 and "" when it lists none). A prototype lists its whole class; any other member
    lists only its prototype. The package wraps right-to-left text in LRMs: dropped here.
    """
    index = _confusables_index()
    escaped = json.dumps(key)[1:-1]
    entries = index.get(escaped) or index.get(f"\\u200e{escaped}\\u200e")
    if entries is None:
        return 0, ""
    first, _ = _DECODER.raw_decode(entries, 1)  # only the first entry is ever needed
    return entries.count('{"c": '), str(first["c"]).replace("\u200e", "")


@lru_cache(maxsize=8192)
def _prototype(char: str) -> str:
    """`char`'s prototype in its confusable class (itself if it is one, or in none).

    Every class is a star: the prototype is confusable with each member, a member only with
    its prototype. Where a class is a pair, a multi-character side is the prototype (sources
    are single characters); otherwise the smaller serves, chosen the same way each time.
    """
    count, hub = _listed(char)
    if count != 1:
        return char  # in no class, or the prototype of one
    if len(hub) == 1 and hub > char and _listed(hub)[0] == 1:
        return char  # a pair of single characters: the smaller is the prototype
    return hub


@lru_cache(maxsize=4096)
def skeleton(text: str) -> str:
    """The UTS #39 skeleton of `text`: equal skeletons look alike. Invisible characters are
    dropped first, as the standard's earlier versions did."""
    current = unicodedata.normalize("NFD", "".join(c for c in text if not hidden(c)))
    for _ in range(4):  # prototypes of sequences may hold mapped characters: to a fixed point
        mapped = unicodedata.normalize("NFD", "".join(_prototype(c) for c in current))
        if mapped == current:
            break
        current = mapped
    return current


# Keys an earlier run computed under the same rules and data, read from the user's home
# (core.name_keys), and the keys this process computed: the first frame then need not load
# the confusables data to label its authors and title (issue 16).
KEPT_KEYS: dict[str, str] = {}
NEW_KEYS: dict[str, str] = {}
MOST_KEPT_KEYS = 4096


@lru_cache(maxsize=4096)  # names repeat: every render and recount asks again
def look_alike_key(name: str) -> str:
    """Names with one key are the same, or confusable, to a reader: "alice", "Alice",
    "аlice" (Cyrillic а), "al\u200bice", "aIice" and "ａｌｉｃｅ" all share one. Beyond the
    UTS #39 skeleton, compatibility forms (NFKC) and case are folded too."""
    kept = KEPT_KEYS.get(name)
    if kept is not None:
        return kept
    shown = name
    if len(shown) > MAX_SHOWN_NAME:  # only a forged name is this long; it shows cut, so compare it cut
        shown = shown[:MAX_SHOWN_NAME] + "…"
    shown = cut_marks(shown)  # so are stacked marks: "zed" + 40 accents shows as "zed" + 4
    key = skeleton(skeleton(unicodedata.normalize("NFKC", shown)).casefold())
    if len(NEW_KEYS) < MOST_KEPT_KEYS:
        NEW_KEYS[name] = key
    return key


def look_alikes(people: Iterable[tuple[str, str]]) -> set[tuple[str, str]]:
    """Of (user id, name) pairs, those whose name is the same as, or confusable with, the
    name of someone else: these are shown with the owner's fingerprint."""
    pairs = set(people)
    owners: dict[str, set[str]] = {}
    for user_id, name in pairs:
        owners.setdefault(look_alike_key(name), set()).add(user_id)
    return {(user_id, name) for user_id, name in pairs if len(owners[look_alike_key(name)]) > 1}


def typed_names(people: Iterable[tuple[str, str]], others: Iterable[tuple[str, str]] = ()
                ) -> list[str]:
    """Each (user id, handle) of `people` as one types it to name that person (Tab's
    completion): the handle, or `handle~fingerprint` where someone else's (one of `people` or
    `others`) is the same or looks alike. Raw, not `shown_name`: what is typed is matched."""
    from peers_tui.core.identity import fingerprint

    people = list(people)
    ambiguous = look_alikes(set(people) | set(others))
    # A handle with a tilde typed bare would be read as `name~fingerprint` of someone else
    return [f"{name}~{fingerprint(user_id)}"
            if (user_id, name) in ambiguous or not TILDE_LIKE.isdisjoint(name) else name
            for user_id, name in people]


def _cut(text: str, width: int) -> str:
    return text[:width]


def person_labels(people: Iterable[tuple[str, str, str]], others: Iterable[tuple[str, str]] = (),
                  *, room: int, shorten: Callable[[str, int], str] = _cut,
                  ) -> dict[tuple[str, str], str]:
    """The label of each (user id, name, fingerprint) person, keyed by (user id, name): the
    name as shown; where someone else's name (one of `people`, or of `others`, such as former
    members) is the same or looks alike, `name~fingerprint`, the name shortened by `shorten`
    so that the whole fits in `room`: the one rule the message log and the roster share."""
    people = list(people)
    ambiguous = look_alikes({(user_id, name) for user_id, name, _ in people} | set(others))
    labels: dict[tuple[str, str], str] = {}
    for user_id, name, fingerprint in people:
        if (user_id, name) in labels:
            continue
        label = shown_handle(name)
        if (user_id, name) in ambiguous:
            label = f"{shorten(label, room - len(fingerprint) - 1)}~{fingerprint}"
        labels[(user_id, name)] = label
    return labels

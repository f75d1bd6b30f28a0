"""What the relay tells its host's users about a group file, where they can read it and no
member can write it: `<hub>/.relay-notes/<group id>.json`.

Two kinds of note, each read by a client only when something it verified is gone:
- `rewinds`: the relay took the newest rows out of the file (relay.deleted_tops: a post a
  removal's cut voided, a fork half set aside, a refused batch), with the message table's top
  after it and when. A reader following the file by rowid whose mark is gone looks for one
  made since its last read that took the table below its position: the relay's rewind, read
  again without saying "the file was replaced" (core.file_mark).
- `lost`: a membership change of this host the relay took out because the hub ordered another
  change at its place (relay.apply_singly.lose_race), with its place, record hash, author and
  when. A client whose pinned change is gone, with another change counting at that place,
  tells once that it lost its place instead of "history deleted" (core.audit, core.pins).

These notes lay in the group file itself until h-relaynotes (tables `relay_rewinds`,
`relay_lost_changes`, dropped by schema version 7): every member of the host can write that
file, so a planted note hid a "file was replaced" notice or turned the warning about one's own
change deleted into "lost its place", its pin lowered as if nothing were wrong. Here the
directory and its files are the relay's owner's (0755, 0644), as `<hub>/.link.json` is, and
read the same way (core.relay_file): a file or a directory of anyone else, or anything not
exactly in this shape, reads as no note, which makes the client say what it said before the
notes existed (replaced; history deleted).

Format (JSON object): {"v": 1, "rewinds": [[top, at], ...], "lost": [[seq, hash, author,
at], ...]}, the newest last, at most KEEP_REWINDS and KEEP_LOST. The relay writes a note
inside the transaction that takes the rows out, before its commit: no reader sees the rows
gone before the note (a transaction rolled back after leaves a note of a rewind that did not
happen, which a reader only consults when its mark is gone).
"""

from __future__ import annotations

import json
import os
import re
import sys
import threading
import time
from pathlib import Path
from typing import Any

from peers_tui.core.relay_file import (
    ensure_relay_dir, owned_dir, read_relay_json, relay_owner, write_relay_file,
)

NOTES_DIR = ".relay-notes"
VERSION = 1
KEEP_REWINDS = 64
KEEP_LOST = 256
GROUP_ID = re.compile(r"[a-z2-7]{26}")  # core.link_state's GROUP
_write_lock = threading.Lock()  # the relay's workers noting at once: one read-modify-write
_told: set[str] = set()  # directories the relay could not write, said once each


def _where(path: str | os.PathLike[str]) -> tuple[Path, str]:
    """The hub and the group id of a group file `<hub>/<group id>.db`."""
    path = Path(path)
    return path.parent, path.stem


# ----------------------------------------------------------------- reading (everyone)
def read_notes(path: str | os.PathLike[str]) -> dict[str, list[Any]]:
    """The relay's notes about the group file at `path` ({"rewinds": [...], "lost": [...]}),
    empty lists when there are none or they are not the relay's: never an exception."""
    hub, group_id = _where(path)
    owner = relay_owner(hub)
    empty: dict[str, list[Any]] = {"rewinds": [], "lost": []}
    if owner is None or not owned_dir(hub / NOTES_DIR, owner):
        return empty
    return read_relay_json(hub / NOTES_DIR / f"{group_id}.json", owner, _parse) or empty


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0 \
            or value in (float("inf"),):
        raise ValueError("not a number")
    return value


def _text(value: Any) -> str:
    if not isinstance(value, str) or not 0 < len(value) <= 200 or not value.isascii():
        raise ValueError("not a text")
    return value


def _parse(data: Any) -> dict[str, list[Any]]:
    if not isinstance(data, dict) or data.get("v") != VERSION:
        raise ValueError("not notes of this version")
    rewinds, lost = data.get("rewinds", []), data.get("lost", [])
    if not isinstance(rewinds, list) or not isinstance(lost, list):
        raise ValueError("not lists")
    return {"rewinds": [(int(_number(top)), float(_number(at)))
                        for top, at in rewinds[-KEEP_REWINDS:]],
            "lost": [(int(_number(seq)), _text(digest), str(author) if isinstance(author, str)
                      else "", float(_number(at))) for seq, digest, author, at in lost[-KEEP_LOST:]]}


def rewound(path: str | os.PathLike[str], position: int, since: float) -> bool:
    """Whether the relay took the file's message table below `position` at `since` or later."""
    tops = [top for top, at in read_notes(path)["rewinds"] if at >= since]
    return bool(tops) and min(tops) < position


def lost_by(path: str | os.PathLike[str], seq: int, digest: str) -> str | None:
    """The author of the change `digest` at `seq` if the relay noted taking it out for losing
    its place, else None."""
    for place, noted, author, _ in read_notes(path)["lost"]:
        if place == seq and noted == digest:
            return author
    return None


# ----------------------------------------------------------------- writing (the relay)
def note_rewind(path: str | os.PathLike[str], top: int) -> None:
    """The relay took rows out of the file: the message table's top now (call in the deleting
    transaction, after the deletes, before its commit)."""
    _note(path, "rewinds", [top, time.time()], KEEP_REWINDS)


def note_lost(path: str | os.PathLike[str], changes: list[tuple[int, str, str]]) -> None:
    """(place, record hash, author) of each change taken out, in the transaction taking it out."""
    now = time.time()
    for seq, digest, author in changes:
        _note(path, "lost", [seq, digest, author, now], KEEP_LOST)


def author_of(text: str) -> str:
    """The author of a record's text, for its note ("" when it names none)."""
    try:
        author = json.loads(text).get("a")
    except (ValueError, AttributeError):
        return ""
    return author if isinstance(author, str) else ""


def _note(path: str | os.PathLike[str], kind: str, note: list[Any], keep: int) -> None:
    """Add one note; a directory the relay cannot write is said once on stderr, and the
    users' clients then say what they said without notes: never an exception."""
    hub, group_id = _where(path)
    directory = hub / NOTES_DIR
    if not GROUP_ID.fullmatch(group_id):
        return  # not a group's own file (a join's file being fetched): no reader follows it
    with _write_lock:
        try:
            ensure_relay_dir(directory)
            notes = read_notes(path)
            kept: dict[str, list[Any]] = {name: [list(n) for n in noted]
                                          for name, noted in notes.items()}
            kept[kind] = (kept[kind] + [note])[-keep:]
            data = {"v": VERSION, **kept}
            write_relay_file(directory, f"{group_id}.json",
                             json.dumps(data, ensure_ascii=True, separators=(",", ":")))
        except OSError as exc:
            _tell_once(directory, exc)


def claim(hub: str | os.PathLike[str]) -> None:
    """Make the notes' directory the relay's now (at its set-up and each start), before a
    member makes one there: said once on stderr when it cannot be."""
    directory = Path(hub) / NOTES_DIR
    try:
        ensure_relay_dir(directory)
    except OSError as exc:
        _tell_once(directory, exc)


def _tell_once(directory: Path, exc: OSError) -> None:
    if str(directory) not in _told:
        _told.add(str(directory))
        print(f"peers relay: {directory}: notes for users not written: {exc}",
              file=sys.stderr, flush=True)


__all__ = ["NOTES_DIR", "author_of", "claim", "lost_by", "note_lost", "note_rewind", "read_notes", "rewound"]

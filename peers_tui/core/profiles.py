"""Profiles: each user's signed (handle, key) published in the hub, so others on the host can
find them by name (`peers people`, `peers invite --to`, `peers dm`).

A profile is `<hub>/.people/<user_id>.json`: {"record": <signed record text>, "sig": <base32>}
where the record (format 2, kind "profile", no group) carries `handle`. It is listed only if
its signature is its author's and the file is named for that author; anything else in the
directory is reported, never listed. The key to seal invitations to is derived from the user
id itself (Ed25519 -> X25519), so a profile cannot point anyone at another key.

Publishing is on by default (any `peers` command refreshes it when the handle changed) and is
turned off with `peers people --publish off`, which also takes the file down.
"""

from __future__ import annotations

import json
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from peers_tui.core import typed_people
from peers_tui.core.kinds import RecordKind
from peers_tui.core.encoding import b32, unb32
from peers_tui.core.errors import Ambiguous, NotFound
from peers_tui.core.identity import Keypair, fingerprint
from peers_tui.core.membership import check_handle, is_user_id
from peers_tui.core.names import look_alike_key
from peers_tui.core.records import RecordError, SignedRecord, open_record, sign
from peers_tui.core.times import iso_utc_or_none

PEOPLE_DIR = ".people"
MAX_FILE_BYTES = 64 * 1024
MAX_PROFILES = 10_000
PUBLISH_SETTING = "publish_profile"


@dataclass(frozen=True)
class Profile:
    user_id: str
    handle: str
    updated_at: int

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.user_id)

    def to_json(self, me: str) -> dict[str, Any]:
        return {"id": self.user_id, "handle": self.handle, "fingerprint": self.fingerprint,
                "updated_at": iso_utc_or_none(self.updated_at), "me": self.user_id == me}


@dataclass(frozen=True)
class ProfileProblem:
    file: str
    reason: str

    def __str__(self) -> str:
        return f"{PEOPLE_DIR}/{self.file}: {self.reason} (not listed)"


def shared_mode(hub: Path, *, directory: bool, sticky: bool = False) -> int:
    """The mode of something new in the hub: shared with the hub's group when the hub is
    (a multi-user hub is group-writable, setgid), else the owner's alone."""
    try:
        hub_mode = os.stat(hub).st_mode
    except OSError:
        hub_mode = 0o700
    shared = bool(hub_mode & stat.S_IWGRP)
    if directory:
        return (0o2770 | (0o1000 if sticky else 0)) if shared else 0o700
    return 0o640 if shared else 0o600


def check_real_dir(path: Path) -> None:
    """OSError unless `path` is a directory itself, not a symlink: another user of the hub
    could otherwise point our inbox or the people directory anywhere (at a directory of
    ours, whose files a decline would then delete)."""
    info = os.lstat(path)
    if stat.S_ISLNK(info.st_mode) or not stat.S_ISDIR(info.st_mode):
        raise NotADirectoryError(f"{path} is not a directory (a symlink?): not used")


def ensure_dir(hub: Path, path: Path, *, sticky: bool) -> None:
    """Create `path` (under the hub) with the hub's sharing, if it is not there yet."""
    try:
        path.mkdir()
    except FileExistsError:
        check_real_dir(path)
        return
    os.chmod(path, shared_mode(hub, directory=True, sticky=sticky))


def write_file(hub: Path, path: Path, text: str) -> None:
    """Write `text` to `path` whole (a temporary file renamed over it)."""
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW,
                 shared_mode(hub, directory=False))
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            os.fchmod(handle.fileno(), shared_mode(hub, directory=False))
            handle.write(text)
        os.replace(temp, path)
    finally:
        temp.unlink(missing_ok=True)


def read_small(path: Path) -> str:
    """A regular file's text, refusing symlinks and anything too large (OSError/ValueError)."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise ValueError("not a regular file")
        data = handle.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise ValueError("file too large")
    return data.decode("utf-8")


def signed_file(record: SignedRecord) -> str:
    return json.dumps({"record": record.text, "sig": b32(record.sig)}) + "\n"


def open_signed_file(text: str, kind: RecordKind) -> SignedRecord:
    """The signed record a hub file holds; RecordError naming what is wrong."""
    try:
        outer = json.loads(text)
        sig = unb32(outer["sig"]) if isinstance(outer, dict) and isinstance(outer.get("sig"), str) else None
        record_text = outer.get("record") if isinstance(outer, dict) else None
    except (ValueError, RecursionError, KeyError) as exc:
        raise RecordError("not a signed record file") from exc
    return open_record(record_text, sig, group_id=None, kind=kind)


def read_profile(path: Path) -> Profile:
    """The profile in `path`; RecordError/OSError/ValueError when it is not a genuine one."""
    record = open_signed_file(read_small(path), RecordKind.PROFILE)
    if path.name != f"{record.author}.json":
        raise RecordError("signed by someone other than the user it is named for")
    return Profile(record.author, check_handle(record.data.get("handle")), record.created_at)


def publish(hub: Path, keypair: Keypair, handle: str) -> bool:
    """Publish (or refresh) our profile; True when the file was written. Costs one small
    read when it is up to date."""
    directory = hub / PEOPLE_DIR
    path = directory / f"{keypair.public_id}.json"
    try:
        current = read_profile(path)
        if current.user_id == keypair.public_id and current.handle == handle:
            return False
    except (OSError, ValueError, RecordError):
        pass
    if not hub.is_dir():
        return False  # no hub yet: nothing to publish into
    ensure_dir(hub, directory, sticky=True)
    write_file(hub, path, signed_file(sign(keypair, RecordKind.PROFILE, None, {"handle": handle})))
    return True


def unpublish(hub: Path, keypair: Keypair) -> None:
    (hub / PEOPLE_DIR / f"{keypair.public_id}.json").unlink(missing_ok=True)


def people(hub: Path) -> tuple[list[Profile], list[ProfileProblem]]:
    """Every genuine profile in the hub, by handle, and what was found that is not one."""
    found: list[Profile] = []
    problems: list[ProfileProblem] = []
    try:
        check_real_dir(hub / PEOPLE_DIR)
        names = sorted(os.listdir(hub / PEOPLE_DIR))[:MAX_PROFILES]
    except FileNotFoundError:
        return [], []
    except NotADirectoryError as exc:
        return [], [ProfileProblem("", str(exc))]
    except PermissionError:
        return [], [ProfileProblem("", "cannot be read (permission denied)")]
    for name in names:
        if name.startswith("."):
            continue  # a write in progress
        try:
            found.append(read_profile(hub / PEOPLE_DIR / name))
        except (OSError, ValueError, RecordError) as exc:
            problems.append(ProfileProblem(name, str(exc) or type(exc).__name__))
    found.sort(key=lambda p: (p.handle.lower(), p.user_id))
    return found, problems


def find_person(hub: Path, query: str) -> Profile:
    """A published person by handle (with or without @), fingerprint or id prefix.

    A handle must be exactly theirs, and no other profile's handle may look like it
    (core.names): anyone can publish "bоb" with a Cyrillic о, and an invitation sealed to
    the wrong key goes to the wrong person. Such a name is refused as ambiguous, with the
    fingerprints that tell the people apart."""
    everyone, _ = people(hub)
    return find_among(everyone, query, "has published a profile in this hub (see 'peers people')")


def find_among(everyone: list[Profile], query: str, nowhere: str) -> Profile:
    """find_person's rules over `everyone` (core.typed_people's order): a whole id, a handle
    as shown beside a look-alike (`bob~fingerprint`), a handle (not one that looks like
    another's), then a fingerprint or longer id prefix for a word like no one's handle.
    NotFound says "nobody called ... " + `nowhere`."""
    text = query.strip().lstrip("@")
    nobody = f"nobody called {text!r} {nowhere}"
    if is_user_id(text.lower()) and typed_people.by_whole_id(everyone, text) is None:
        return Profile(text.lower(), fingerprint(text.lower()), 0)  # someone not known yet
    named = typed_people.by_id_or_label(everyone, text, nobody)
    if named is not None:
        return named
    alike = {p.user_id: p for p in everyone if look_alike_key(p.handle) == look_alike_key(text)}
    if len(alike) > 1:
        raise Ambiguous(f"{len(alike)} people have the handle {text!r} or one like it; name "
                        "one as handle~fingerprint: " + ", ".join(
                            typed_people.label(p) for p in alike.values()))
    exact = [p for p in everyone if p.handle == text]
    if exact:
        return typed_people.checked_handle(everyone, text, exact[0])
    return typed_people.by_id_prefix_last(everyone, text, nobody, "id prefix")

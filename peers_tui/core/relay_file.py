"""Files the relay publishes for its host's users in the hub, which every user may write: how
the relay writes one and how a user's process reads one without trusting it.

The relay's own state lies in `<hub>/.relay/` (mode 0700), which users' TUI and CLI cannot
read; what they need of it is published beside it: `<hub>/.link.json` (core.link_state) and
`<hub>/.relay-notes/` (core.relay_notes). Only the owner of `<hub>/.relay/` speaks for the
relay: a file (or the directory it lies in) of anyone else reads as none, and so does
anything but a plain file (a link, a FIFO put in its place) or one too large.

os and stat alone for a read (the lean `peers send` path reads through it: core.hub_refused);
json only when a file is parsed.
"""

from __future__ import annotations

import os
import stat
TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (the lean send's path)
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any, TypeVar

    T = TypeVar("T")

RELAY_DIR = ".relay"
MAX_BYTES = 1 << 20  # a larger file is not the relay's


def relay_owner(hub: str | os.PathLike[str]) -> int | None:
    """The uid of the relay's owner (of `<hub>/.relay/`), None when there is no relay."""
    try:
        return os.stat(os.path.join(hub, RELAY_DIR)).st_uid
    except (OSError, ValueError):
        return None


def owned_dir(path: str | os.PathLike[str], owner: int) -> bool:
    """Whether `path` is a directory of `owner` (not a link to one)."""
    try:
        info = os.lstat(path)
    except (OSError, ValueError):
        return False
    return stat.S_ISDIR(info.st_mode) and info.st_uid == owner


def read_relay_file(path: str | os.PathLike[str], owner: int | None) -> bytes | None:
    """The bytes of `path` if it is a plain file of `owner` (the relay's) of at most
    MAX_BYTES, else None: never an exception."""
    if owner is None:
        return None
    try:
        # Not following a link, not blocking on a FIFO put in its place: only a plain file.
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except (OSError, ValueError):
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_uid != owner or info.st_size > MAX_BYTES:
            return None
        raw = os.read(fd, MAX_BYTES + 1)
    except OSError:
        return None
    finally:
        os.close(fd)
    return raw if len(raw) <= MAX_BYTES else None


def read_relay_json(path: str | os.PathLike[str], owner: int | None,
                    parse: Callable[[Any], T]) -> T | None:
    """`parse` of the JSON in `path` (read as `read_relay_file` does), None when there is none
    or `parse` refuses it (ValueError, TypeError, KeyError, AttributeError): never an exception."""
    raw = read_relay_file(path, owner)
    if raw is None:
        return None
    import json

    try:
        return parse(json.loads(raw))
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError):
        return None


def write_relay_file(directory: str | os.PathLike[str], name: str, text: str) -> None:
    """Write `directory/name` whole under a temporary name and rename it into place (readers
    never see half a file), mode 0644 whatever the umask. OSError if it cannot be written."""
    import contextlib
    import tempfile

    fd, temporary = tempfile.mkstemp(dir=directory, prefix=f"{name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="ascii") as out:
            os.fchmod(out.fileno(), 0o644)
            out.write(text)
        os.replace(temporary, os.path.join(directory, name))
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def ensure_relay_dir(directory: str | os.PathLike[str]) -> None:
    """A directory the relay publishes files in for its users, the relay's own (0755);
    OSError when another user's is there (made before the relay claimed it)."""
    try:
        os.mkdir(directory, 0o755)
        os.chmod(directory, 0o755)  # whatever the umask
    except FileExistsError:
        pass
    if not owned_dir(directory, os.geteuid()):
        raise PermissionError(f"not a directory of this relay's user (remove it: {directory})")


__all__ = ["MAX_BYTES", "RELAY_DIR", "ensure_relay_dir", "owned_dir", "read_relay_file", "read_relay_json", "relay_owner",
           "write_relay_file"]

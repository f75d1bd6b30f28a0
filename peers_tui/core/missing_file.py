"""What a user is told when a group's whole file is gone from the hub (deleted or moved away):
which group, which file, and what brings it back (docs/relay.md, "Leftovers, fourth round").

The group stays in the user's Groups table (only the file is gone). On a hub with a relay, the
federation's hub holds every record of the group: `peers relay refetch` makes the file again
from them. A relay never does so by itself: a file removed on purpose stays removed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from peers_tui.core.errors import DamagedDatabase

if TYPE_CHECKING:
    from pathlib import Path


class MissingFile(DamagedDatabase):
    """A group file that is not there at all (its list says "missing", not "damaged")."""


def missing_file(path: Path, label: str, group_id: str) -> MissingFile:
    """The error for a group whose file `path` does not exist (`label`: "group team")."""
    # Only now: the store that imports this opens before the first frame, the link's module
    # after it (tests/tui/test_first_frame_imports.py).
    from peers_tui.core.link_state import relay_configured

    words = f"{label}: its file {path} is missing (deleted or moved away)"
    if relay_configured(path.parent):
        return MissingFile(f"{words}; `peers relay refetch {group_id}` makes it again from "
                               "the federation's hub")
    return MissingFile(f"{words}; this hub has no relay (no other host holds a copy): put "
                           "the file back from a backup")


def not_opened(name: str, exc: Exception) -> tuple[str, str]:
    """The app's notification (text, title) for a group that cannot be opened: the group's
    name once (the error often names it already), "missing" apart from "damaged"."""
    said = str(exc)
    text = said if name in said else f"{name}: {said}"
    return text, "Group file missing" if isinstance(exc, MissingFile) else "Group damaged"


__all__ = ["MissingFile", "missing_file", "not_opened"]

"""inotify_simple's INotify and flags, with the C library it calls found without a subprocess.

inotify_simple loads the C library at its first INotify() as `CDLL(find_library('c'))`, and on
Linux `find_library` runs `/sbin/ldconfig -p`: a fork and an exec, ~2 ms on an idle machine and
tens of ms on a busy one, on the thread that asked (the app's, in the link's watch after its
first frame: issue 16). The process has the C library loaded already, and `CDLL(None)` is its
own symbols, the C library's among them: that one is handed to inotify_simple instead. Should a
version of inotify_simple keep it elsewhere, or the symbols be missing, it finds its own as
before. Importing this module raises ImportError where inotify_simple cannot be imported.
"""

from __future__ import annotations

import ctypes

import inotify_simple
from inotify_simple import INotify, flags

CALLED = ("inotify_init1", "inotify_add_watch", "inotify_rm_watch")  # inotify_simple's calls


def _own_library() -> None:
    if getattr(inotify_simple, "_libc", ...) is not None:
        return  # loaded already, or not where this version of inotify_simple keeps it
    try:
        library = ctypes.CDLL(None, use_errno=True)
        for name in CALLED:
            getattr(library, name)
    except (OSError, AttributeError):
        return
    inotify_simple._libc = library


_own_library()

__all__ = ["INotify", "flags"]

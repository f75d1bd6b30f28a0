"""A join that fetched its group through the relay and then failed leaves nothing behind
(docs/relay.md, "Leftovers, fifth round").

`peers join CODE` on a host without the group fetches it from the federation's hub first
(commands.fetch_for_join), then signs the join. A code used up or revoked meanwhile (the
tenth acceptance pass: a lost race for a one-use code) was refused after the file was
linked into the hub, and the file stayed: replicated by the relay from then on though no
user of this host had joined, and a later join of the group here skipped the fetch. Now the
file this join made goes with the refusal (any failure of the join: it is fetched again at
the next try, whatever this one left half done). A join that lost the race at the hub's
order keeps the file for its one retry, which removes it if it fails too.

Two joins of one group on this host at once must not remove a file the other one joined
with: every join of a group that may fetch it holds an exclusive `flock` on
`<hub>/.join-<group>.lock` from the fetch to its end, so the second waits (a join takes a
second or two) and then finds the file joined, or gone and fetches it again. The lock files
stay (removing one while another process waits on it would let two hold it). Between a lost
race and its retry the lock is let go (the catch-up runs outside the join): a join of the
same group by another user of this host waiting just then goes first, and a failing retry
then removes the file it joined with (its commands say the file is missing and that `peers
relay refetch` makes it again; nothing is lost).

A join killed (SIGKILL) between its fetch and its end cannot remove its file. The fetch
leaves a mark beside the lock (`.join-<group>.fetched`, the membership log's last seq then),
which the join's end takes away; the next join of the group on this host finds the mark
under the lock and treats the file as its own fetch's: it joins with it (the relay kept it
up to date meanwhile), or removes it if it fails too, unless a join was written to the log
since the mark (the killed join taken by the hub after all, another user's of this host):
then the file is someone's and stays. Staging directories of a fetch killed before it
linked its file (`.joining-<group>-*`) are removed there too (docs/relay.md, "Leftovers,
sixth round").
"""

from __future__ import annotations

import fcntl
import os
import shutil
import stat
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import TypeVar

from peers_tui.core.errors import AlreadyMember, BadInvite, PeersError
from peers_tui.core.invites import parse_code
from peers_tui.core.membership_order import OutOrdered
from peers_tui.relay.config import relay_dir
from peers_tui.core.relay_file import relay_owner
from peers_tui.relay.desk_client import done_through_desk, drop_through_desk, uses_desk
from peers_tui.relay.group_leftovers import (
    PLAIN as _PLAIN, joined_since as _joined_since, read_mark as _read_mark,
    remove_group_file, unmark as _unmark, write_mark as _mark,
)

T = TypeVar("T")
LOCK_WAIT = 120.0  # seconds a join waits for another join of its group on this host
# Files a join of this process made and lost at the hub's order, its retry to come (the
# retry of `run_ordered` or the app's `after_the_hub`, once): (hub, group id).
_RETRYING: set[tuple[str, str]] = set()


class JoinFetch:
    """`with JoinFetch(hub) as joining: joining.fetch(code); <join>`: the group file the
    fetch made is removed if the block raises (AlreadyMember is no failure: listed)."""

    def __init__(self, hub: Path) -> None:
        self.hub = hub
        self.made: str | None = None  # the group whose file this join's fetch made
        self.retry = False  # made by this join's first try, which lost the race at the hub
        self.lock: int | None = None

    def __enter__(self) -> JoinFetch:
        return self

    def fetch(self, code_text: str) -> None:
        """Fetch the code's group through this host's relay if the hub lacks it."""
        from peers_tui.relay.commands import fetch_for_join

        try:
            group_id = parse_code(code_text).group_id
        except BadInvite:
            return  # join itself says what is wrong with the code
        if self.lock is None and relay_dir(self.hub).is_dir():  # no relay: nothing fetched
            self.lock = _locked(self.hub / f".join-{group_id}.lock")
            if self.lock is not None:  # no other join of the group runs: what is left is dead
                if _left_by_a_killed_join(self.hub, group_id):
                    self.made = group_id
        path = self.hub / f"{group_id}.db"
        if (str(self.hub), group_id) in _RETRYING:
            _RETRYING.discard((str(self.hub), group_id))
            self.made, self.retry = group_id, True
        there = path.exists()
        # Marked just before the fetch links the file into place, with the lock held (a
        # mark written after it, the join killed in between, left the file unmarked).
        marking = (lambda made: _mark(self.hub, group_id, made)) if self.lock is not None else None
        try:
            fetch_for_join(self.hub, code_text, marking)
        finally:  # a fetch that failed after linking the file made it too
            if not there and path.exists():
                self.made = group_id

    def join(self, code_text: str, join: Callable[[], T]) -> T:
        """`join()`; once more if it was refused only because this host's file, here before
        the join (nothing fetched: a fetch waits at the hub already), lacks the code's invite,
        once that invite has reached the file (invite_arrived)."""
        from peers_tui.relay.join_invites import CODE_NOT_KNOWN

        try:
            return join()
        except BadInvite as exc:
            if not str(exc).startswith(CODE_NOT_KNOWN) or not self.invite_arrived(code_text):
                raise
        return join()

    def invite_arrived(self, code_text: str) -> bool:
        """Whether the invite of `code_text`, which this host's file of its group lacks, has
        reached it now, waited for only while the hub says it is on its way (invite_wait.py:
        a code no host knows still ends at once): True, it is there; False, not waited for
        (this join fetched the file, no relay here, its link down, the hub not asked); a
        BadInvite with the hub's word when it did not come in the wait. The relay's own user
        asks the hub itself, another Unix user through the relay's desk (desk_joins.py). Used
        by `peers join` (above) and by an invitation accepted (core.direct.accept)."""
        from peers_tui.core.link_state import read_link_state
        from peers_tui.relay.invite_arrival import invite_wait
        from peers_tui.relay.invite_wait import ARRIVED, told_by_the_hub, wait_for_invite

        if self.made is not None or not relay_dir(self.hub).is_dir():
            return False
        state = read_link_state(self.hub)  # (readable by every user of the hub)
        if state is None or not state.answers() or not state.up:
            return False  # offline: the refusal at once
        wait = invite_wait()
        said = wait_for_invite(self.hub, code_text, wait)
        if said is None:
            return False
        if said != ARRIVED:
            hub_name = (state.to or "?") if state.role == "leaf" else state.host
            raise BadInvite(told_by_the_hub(hub_name, said, wait))
        return True

    def keep_only(self, group_id: str) -> None:
        """A file this fetch made for another group than `group_id` (the one taken up) is
        removed: `peers dm` fetched a conversation whose invitation claimed one, and it was
        none (its genesis names no pair of the two)."""
        if self.made is not None and self.made != group_id:
            _remove_made(self.hub, self.made)
            self.made = None

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        try:
            if self.made is None:
                return
            if error is None or isinstance(error, AlreadyMember):
                _unmark_ours(self.hub, self.made)
                return
            if isinstance(error, OutOrdered) and not self.retry:
                # Kept for the retry: the hub's answer brings the changes that won
                # (hub_head.catch_up applies them here), and the retry signs after them; a
                # file fetched again could lack them yet and lose again.
                _RETRYING.add((str(self.hub), self.made))
                return
            _remove_made(self.hub, self.made)
        finally:
            if self.lock is not None:
                os.close(self.lock)  # releases the flock


def _remove_made(hub: Path, group_id: str) -> None:
    """The file this join's fetch made goes. Fetched by the relay for another Unix user (its
    desk), it is the relay's, in a sticky hub: the relay removes it at their word (`peers
    dm` taking up no conversation of it left it, readable by the hub's group)."""
    if uses_desk(hub):
        drop_through_desk(hub, group_id)
    else:
        remove_group_file(hub, group_id)


def _locked(path: Path) -> int | None:
    """An fd holding an exclusive flock on `path` (made if missing), or None where this user
    cannot open it (a shared hub's file of another user's umask: read access is enough) or
    it is no regular file. Another user of a shared hub can make the file or lock it: a FIFO
    put there hung every join of the group on its open, and a flock held forever hung them
    on the wait (thirteenth attack pass). A FIFO is opened without waiting and not locked;
    a lock held longer than LOCK_WAIT (a join takes seconds) ends the join with one line."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CREAT | _PLAIN, 0o664)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            os.close(fd)
            return None
        waited = time.monotonic() + _lock_wait()
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return fd
            except BlockingIOError:
                if time.monotonic() > waited:
                    raise PeersError(f"another join of this group on this host has held "
                                     f"{path} for {_lock_wait():.0f} s; nothing was done: try "
                                     "again once it is over") from None
                time.sleep(0.05)
    except OSError:
        os.close(fd)
        return None
    except PeersError:
        os.close(fd)
        raise


def _lock_wait() -> float:
    """LOCK_WAIT, or PEERS_JOIN_LOCK_WAIT (seconds: tests set it low)."""
    try:
        return max(0.0, float(os.environ.get("PEERS_JOIN_LOCK_WAIT", LOCK_WAIT)))
    except ValueError:
        return LOCK_WAIT


def _mark_seq(hub: Path, group_id: str) -> object:
    """The seq of a mark this user's join may take for its own: its own, or one the relay
    wrote for this uid (a join through its desk: desk.py); None where there is none."""
    mark = _read_mark(hub, group_id)
    if mark is None:
        return None
    owner, seq, uid = mark
    me = os.geteuid()
    return seq if uid == me and owner in (me, relay_owner(hub)) else None


def _unmark_ours(hub: Path, group_id: str) -> None:
    """The mark of this join's fetch goes: the relay's, for a join through its desk, goes
    at the relay's hand (a file of another user in a sticky hub is not ours to remove)."""
    _unmark(hub, group_id)
    if uses_desk(hub):
        done_through_desk(hub, group_id)


def _left_by_a_killed_join(hub: Path, group_id: str) -> bool:
    """With the group's join lock held (no other join of it runs): whether the group file is
    one a killed join fetched and nobody joined with since. A staging directory of this
    user's fetch killed before it linked the file is removed."""
    uid = os.geteuid()
    for staging in hub.glob(f".joining-{group_id}-*"):
        try:
            if staging.is_dir() and not staging.is_symlink() and staging.stat().st_uid == uid:
                shutil.rmtree(staging, ignore_errors=True)
        except OSError:
            continue
    seq = _mark_seq(hub, group_id)
    if seq is None:
        return False  # none, or not this user's (another's join may have used the file)
    try:
        regular = stat.S_ISREG((hub / f"{group_id}.db").lstat().st_mode)
    except OSError:
        regular = False
    if not regular:  # gone (nothing to adopt), or no file sqlite should open
        _unmark_ours(hub, group_id)
        return False
    if not isinstance(seq, int) or _joined_since(hub, group_id, seq):
        _unmark_ours(hub, group_id)  # someone's file now: kept, as any file a join did not fetch
        return False
    return True


__all__ = ["JoinFetch", "remove_group_file"]

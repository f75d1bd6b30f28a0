"""Errors that carry a message meant for the user, not a traceback."""


class PeersError(Exception):
    """A user-facing failure: the CLI prints it as one line and exits non-zero."""


class NotFound(PeersError):
    """A group, member, message or invite that does not exist."""


class Ambiguous(PeersError):
    """A name or prefix that matches more than one thing."""


class Forbidden(PeersError):
    """The user's role (or lack of membership) does not allow the action."""


class BadInvite(PeersError):
    """An invite code that is malformed, unknown, expired, used up or revoked."""


class InviteNotArrived(BadInvite):
    """A join's fetch waited for its code's invite at the federation's hub, and it did not
    come (relay/invite_arrival.py): a wrong code, or one still behind its maker's writes."""


class AlreadyMember(PeersError):
    """Joining a group one is already an active member of, with a good code: nothing to do."""

    def __init__(self, message: str, entry: object) -> None:
        super().__init__(message)
        self.entry = entry  # the group's GroupEntry, listed in personal.db


class DamagedDatabase(PeersError):
    """A database file that cannot be trusted or read: missing, corrupt, forged, too new."""


class ReadOnly(PeersError):
    """A database that can be read but not written: read-only file, mount or permissions."""


class Busy(PeersError):
    """A write that waited its whole busy timeout for another process's write lock."""


class DiskFull(PeersError):
    """A write refused because the disk (or the user's quota) holding a database is full."""


class ClockAhead(PeersError):
    """A writer whose clock runs more than a day past the hub's, as this host's relay last told
    it (core.hub_refused.check_clock): the hub would refuse what it signs, so it signs nothing."""

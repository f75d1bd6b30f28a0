"""Showing times that nobody vouches for: a record's time is whatever its signer wrote.

A signed time (or a column written straight into the file) may be in the year 99999, before
the year 1, or 2**63: datetime cannot represent those (OverflowError, ValueError or OSError,
depending on how far out it is). These functions never raise; a time they cannot show is
shown as question marks of the same width, so the columns of a log stay aligned.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

# Epoch milliseconds of 0001-01-02 and 9999-12-29: a day inside datetime's range either way,
# so converting to local time cannot step outside it.
MIN_SHOWN_MS = -62135510400000
MAX_SHOWN_MS = 253402041600000


def in_range(ms: Any) -> bool:
    """True for an integer time that datetime can represent in any time zone."""
    return type(ms) is int and MIN_SHOWN_MS <= ms <= MAX_SHOWN_MS


def local_time(ms: Any, pattern: str) -> str:
    """`ms` formatted in local time with strftime `pattern`, or '?'s when it cannot be."""
    if in_range(ms):
        try:
            return datetime.fromtimestamp(ms / 1000).strftime(pattern)
        except (OverflowError, ValueError, OSError):
            pass
    sample = datetime(2000, 1, 1, 0, 0).strftime(pattern)
    return "".join("?" if char.isalnum() else char for char in sample)


# Every way peers shows a time, named once (all through `local_time`, which never raises).
def local_minute(ms: Any) -> str:
    """"2026-11-30 14:05": a message's time in a log line or a search result."""
    return local_time(ms, "%Y-%m-%d %H:%M")


def local_clock(ms: Any) -> str:
    """"14:05": a message's time under its day's heading. From the moment's fields, not by
    strftime (~3 us less, and the log lays out every message of its first window with it)."""
    moment = _moment(ms)
    return f"{moment.hour:02d}:{moment.minute:02d}" if moment is not None else "??:??"


def local_day(ms: Any) -> str:
    """"2026-11-30": which local day a time falls on (to tell days apart); as local_clock."""
    moment = _moment(ms)
    if moment is None:
        return "????-??-??"
    return f"{moment.year}-{moment.month:02d}-{moment.day:02d}"  # %Y: the year unpadded


def _moment(ms: Any) -> datetime | None:
    """`ms` in local time, or None when datetime cannot hold it."""
    if in_range(ms):
        try:
            return datetime.fromtimestamp(ms / 1000)
        except (OverflowError, ValueError, OSError):
            pass
    return None


def local_day_name(ms: Any) -> str:
    """"Monday 30 November 2026": a day's heading."""
    return local_time(ms, "%A %d %B %Y")


def utc_minute(ms: Any) -> str:
    """"2026-11-30 13:05 UTC": a time the same for every reader (an invite's expiry)."""
    iso = iso_utc_or_none(ms)
    return f"{iso[:16].replace('T', ' ')} UTC" if iso is not None else "????-??-?? ??:?? UTC"


def iso_utc_or_none(ms: Any) -> str | None:
    """ISO 8601 UTC with milliseconds and a Z (as the CLI's JSON promises), or None."""
    if not in_range(ms):
        return None
    moment = datetime.fromtimestamp(ms // 1000, tz=timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"

"""Raw column values from files anyone in the hub may have written, read without surprises:
the plain-Python part of core.raw (no models), which the lean send path uses too."""


from __future__ import annotations

from peers_tui.core.kinds import RecordKind
from peers_tui.core.records import RecordError, SignedRecord, open_record

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (core.frozen)
if TYPE_CHECKING:
    from typing import Any


# What reading junk can raise in code that expected a value of the declared type. A group's
# session turns these into "damaged" with the reason (the safety net under the checks that
# report a single damaged record): the file, not the user's command, is at fault.
UNEXPECTED_CONTENT = (TypeError, ValueError, OverflowError, RecursionError, LookupError,
                      AttributeError)


def unexpected_content(label: str, exc: BaseException) -> str:
    return (f"{label}: the file holds a value peers cannot use "
            f"({exc.__class__.__name__}: {str(exc)[:200]})")


def decode_text(raw: bytes) -> str:
    """SQLite TEXT as str; bytes that are not UTF-8 become U+FFFD (and fail any signature)."""
    return raw.decode("utf-8", "replace")


def as_int(value: Any) -> int | None:
    """`value` if it is a plain integer (not a bool, float or text), else None."""
    return value if type(value) is int else None


def as_text(value: Any) -> str | None:
    """`value` if it is text, else None."""
    return value if isinstance(value, str) else None


def text_of(value: Any) -> str:
    """Any column value as text for a message: a BLOB decoded leniently, None as ''."""
    if isinstance(value, str):
        return value
    if isinstance(value, (bytes, bytearray, memoryview)):
        return decode_text(bytes(value))
    return "" if value is None else str(value)


def open_stored(text: Any, sig: Any, cosig: Any = None, *, group_id: str | None,
                kind: RecordKind | tuple[RecordKind, ...]) -> SignedRecord:
    """`records.open_record` for values read from a file: RecordError for anything amiss.

    A countersignature that is not bytes counts as missing; JSON nested deeper than the
    parser goes (a few thousand brackets are enough) is a damaged record.
    """
    if not isinstance(sig, (bytes, bytearray)):
        raise RecordError("signature missing" if sig is None else "signature is not binary")
    if cosig is not None and not isinstance(cosig, (bytes, bytearray)):
        cosig = None
    try:
        return open_record(text, sig, cosig, group_id=group_id, kind=kind)
    except RecursionError as exc:
        raise RecordError("record is nested too deeply to read") from exc

"""Signed records: canonical JSON text plus an Ed25519 signature by the record's author.

Every record carries its format version (`v`), group id (`g`), kind (`k`), author id (`a`) and
`created_at` (`t`, epoch ms, display only). The signed text is stored verbatim, so checking a
record never depends on encoding it again.
"""

from __future__ import annotations

import json

from peers_tui.core.encoding import canonical_json, now_ms, record_hash
from peers_tui.core.frozen import Frozen, set_field
from peers_tui.core.identity import Keypair, is_user_id, verify_signature
from peers_tui.core.kinds import RecordKind

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (core.frozen)
if TYPE_CHECKING:
    from typing import Any

# 2: invites and revocations joined their authors' chains; removals, demotions and leaves
# record a cut. Records of format 1 carry neither, so no rule could bound them: not accepted.
FORMAT_VERSION = 2
MAX_RECORD_BYTES = 256 * 1024
# SQLite's integers are 64 bits; JSON's and Python's have no bound. A number a record carries
# into a column or a query past these (a signed time, a chain place, a cut, an import's time)
# made the write or the lookup raise (OverflowError) before any rule judged the record: at
# the hub, the batch holding it was kept waiting and failed again with every later batch of
# its group, so one record of a member's, published with a leaf's credential, held up every
# host's records of the group for good (fourteenth attack pass, docs/relay.md). Such a
# record is malformed: no honest client signs one.
INT_MIN, INT_MAX = -(1 << 63), (1 << 63) - 1
PAST_64_BITS = "a number beyond 64 bits (more than a file can hold)"


# JSON may escape half of a UTF-16 pair alone (`\ud800`), and Python parses it so: a string
# that is no text. Written into a column (a body, a reply, an invite's key) it raised
# UnicodeEncodeError in the write, as a number past 64 bits did (fourteenth attack pass).
LONE_SURROGATE = "a lone surrogate escape (\\ud800-\\udfff): text that is no Unicode text"


def _lone_surrogate(data: Any) -> bool:
    """Whether a parsed record holds a string that UTF-8 cannot encode. Asked only of a text
    holding a `\\u` escape (an honest peers escapes only control characters so)."""
    try:
        json.dumps(data, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def past_64_bits(value: int) -> bool:
    """Whether an integer of a record lies outside what SQLite stores."""
    return value > INT_MAX or value < INT_MIN


class RecordError(ValueError):
    """A record that is not what it claims to be; the message says why."""


def _reject_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)  # in C: a key given twice leaves fewer entries than pairs
    if len(result) == len(pairs):
        return result
    result = {}  # name the first key given twice
    for key, value in pairs:
        if key in result:
            raise RecordError(f"duplicate field {key!r}")
        result[key] = value
    return result


# Made once: `json.loads` with a hook builds a new decoder for every record (~1 % of a
# relay's backfill). The stdlib's own `json.loads` shares one decoder across threads too.
_DECODER = json.JSONDecoder(object_pairs_hook=_reject_duplicate_keys)


_scan = _DECODER.scan_once  # type: ignore[attr-defined]  # the C scanner (json.decoder)


def _decode(text: str) -> Any:
    """`_DECODER.decode(text)`: a stored record (an object from its first character to its
    last) straight through the decoder's C scanner, ~0.7 us of a `peers verify` row less than
    the Python around it; anything else through `decode`, which raises what it always did."""
    if text[:1] == "{":
        try:
            data, end = _scan(text, 0)
        except StopIteration:
            pass
        else:
            if end == len(text):
                return data
    return _DECODER.decode(text)


class SignedRecord(Frozen):
    """A record as stored: its exact text, the author's signature and an optional countersignature."""

    __slots__ = ("text", "sig", "cosig", "data")
    _fields = ("text", "sig", "cosig", "data")
    _compared = _shown = ("text", "sig", "cosig")
    text: str
    sig: bytes
    cosig: bytes | None
    data: dict[str, Any]

    def __init__(self, text: str, sig: bytes, cosig: bytes | None = None,
                 data: dict[str, Any] | None = None) -> None:
        set_field(self, "text", text)
        set_field(self, "sig", sig)
        set_field(self, "cosig", cosig)
        set_field(self, "data", {} if data is None else data)

    @property
    def hash(self) -> str:
        return record_hash(self.text)

    @property
    def author(self) -> str:
        return str(self.data.get("a", ""))

    @property
    def kind(self) -> str:
        return str(self.data.get("k", ""))

    @property
    def created_at(self) -> int:
        value = self.data.get("t")
        return value if isinstance(value, int) else 0


def sign(keypair: Keypair, kind: RecordKind, group_id: str | None, fields: dict[str, Any],
         created_at: int | None = None) -> SignedRecord:
    """Build and sign a record of `kind` by `keypair` for `group_id` (None only for a genesis)."""
    data: dict[str, Any] = {
        "v": FORMAT_VERSION,
        "k": str(kind),
        "a": keypair.public_id,
        "t": now_ms() if created_at is None else created_at,
        **fields,
    }
    if group_id is not None:
        data["g"] = group_id
    text = canonical_json(data)
    if len(text.encode("utf-8")) > MAX_RECORD_BYTES:
        raise RecordError(f"record larger than {MAX_RECORD_BYTES // 1024} KiB")
    return SignedRecord(text, keypair.sign(text.encode("utf-8")), None, data)


def countersign(record: SignedRecord, keypair: Keypair) -> SignedRecord:
    """Add a second signature over the same text (an invite key vouching for a join)."""
    return SignedRecord(record.text, record.sig, keypair.sign(record.text.encode("utf-8")), record.data)


def open_record(text: Any, sig: Any, cosig: Any = None, *, group_id: str | None,
                kind: RecordKind | tuple[RecordKind, ...]) -> SignedRecord:
    """Parse and check a stored record; raise RecordError naming the first problem found.

    Checks the text is a JSON object of the known format, of the expected kind and group, and
    that the author's signature is valid. Role and chain rules are checked by the caller.
    """
    if not isinstance(text, str):
        raise RecordError("record text missing")
    if not isinstance(sig, (bytes, bytearray, memoryview)):
        raise RecordError("signature missing")
    if cosig is not None and not isinstance(cosig, (bytes, bytearray, memoryview)):
        raise RecordError("malformed countersignature")
    data = read_fields(text, group_id=group_id, kind=kind)
    if not verify_signature(data["a"], text.encode("utf-8"), bytes(sig)):
        raise RecordError("bad signature")
    return SignedRecord(text, bytes(sig), bytes(cosig) if cosig is not None else None, data)


def read_fields(text: str, *, group_id: str | None,
                kind: RecordKind | tuple[RecordKind, ...]) -> dict[str, Any]:
    """The fields of a record text, checked as `open_record` checks them before the
    signature (RecordError naming the first problem): what a reader may look at first to
    refuse junk without a signature check (core.row_checks.structure_problem)."""
    if len(text) > MAX_RECORD_BYTES:
        raise RecordError("record too large")
    try:
        data = _decode(text)
    except RecordError:
        raise
    except RecursionError as exc:  # nesting deeper than the parser goes: junk, not a record
        raise RecordError("record is nested too deeply") from exc
    except ValueError as exc:
        raise RecordError("record is not valid JSON") from exc
    if not isinstance(data, dict):
        raise RecordError("record is not a JSON object")
    if "\\u" in text and _lone_surrogate(data):
        raise RecordError(LONE_SURROGATE)
    if data.get("v") == 1:
        raise RecordError("record of format 1, from a peers older than its validity rules: "
                          "no longer accepted")
    if data.get("v") != FORMAT_VERSION:
        raise RecordError(f"unknown record format {data.get('v')!r}")
    kinds = (kind,) if isinstance(kind, str) else kind
    if data.get("k") not in kinds:
        raise RecordError(f"record of kind {data.get('k')!r} where {'/'.join(kinds)} was expected")
    if group_id is not None and data.get("g") != group_id:
        raise RecordError("record belongs to another group")
    author, signed = data.get("a"), data.get("t")
    if not isinstance(author, str) or not isinstance(signed, int):
        raise RecordError("record lacks author or time")
    if not INT_MIN <= signed <= INT_MAX:  # past_64_bits, inline (every record read)
        raise RecordError(f"malformed record: signing time is {PAST_64_BITS}")
    if not is_user_id(author):
        # Another spelling of a key verifies as that key, but the roster, cuts and chains
        # tell people apart by this text: a removed member came back as `CAROL...`.
        raise RecordError("author id is not its key's own spelling")
    return data

"""Message records this process has already opened, kept by their exact stored bytes.

Opening a record parses its JSON and checks its Ed25519 signature (~60 µs each): the chat
screen opened the same newest rows again at every switch back to a group, ~3 ms of a switch to
the 1,000,000-message group. The same text and signature always open to the same record, so a
success is kept (bounded), keyed by the text and signature themselves: a row changed in the
file is another key and is checked afresh. Failures are not kept; they raise, with their
reason, every time. The other checks of a row (its columns, its chain, its author's role) are
not cached: they depend on more than the record.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from peers_tui.core.encoding import record_hash
from peers_tui.core.kinds import RecordKind
from peers_tui.core.message_rules import expected_columns
from peers_tui.core.raw_values import open_stored  # core.raw's, without the models (chain_rules)
from peers_tui.core.records import SignedRecord

TYPE_CHECKING = False  # typing's, without importing typing (`peers send` reads this: core.frozen)
if TYPE_CHECKING:
    from typing import Any

# Records kept: the log holds a few windows of 100, and a record's text may be 16,000
# characters, so 1,024 bound the cache to ~16 MB at worst (4,096 would allow ~64 MB of the
# 100 MB the app may use). The signature check alone is also remembered, longer and smaller,
# by core.identity; what this adds is skipping the parse and the record's own checks.
LIMIT = 1024

# Ordered dicts: `next(iter(d))` on a plain dict that always loses its first entry walks over
# every slot deleted before it until the dict is rebuilt (~2 % of a backfill's event loop).
# The records kept, by their text alone, each with the text's hash: a chain lookup (core.
# chain_rules.by_hash) wants the hash and signing time of the texts at its places. Whatever
# signature a text came with, its hash and its fields are the text's own; a lookup compares
# the signature, group and kind it was asked for with the record's (a key of all four cost
# more than the rest: its enum's hash is a Python call, ~2 us a row of `peers verify`).
_by_text: OrderedDict[str, tuple[SignedRecord, str]] = OrderedDict()
# The columns each kept record's row must hold, by the record object: the relay's batch apply
# computes them to insert a page and its judge again to compare the rows (~3 % of a
# backfill's event loop the second time). Kept with the record itself, so an id is never
# taken for another record's.
_columns: OrderedDict[int, tuple[SignedRecord, dict[str, Any]]] = OrderedDict()
_lock = threading.Lock()  # the window's worker, the hub watcher and the event loop all read


def open_message(text: Any, sig: Any, *, group_id: str | None, kind: RecordKind) -> SignedRecord:
    """`raw.open_stored` for a message row, the same record again for the same bytes."""
    if not isinstance(text, str) or not isinstance(sig, (bytes, bytearray)):
        return open_stored(text, sig, group_id=group_id, kind=kind)  # raises with the reason
    found = _kept(text, sig, group_id, (kind,))
    if found is None:
        return _keep(text, open_stored(text, sig, group_id=group_id, kind=kind))[0]
    return found[0]


def _kept(text: str, sig: bytes | bytearray, group_id: str | None,
          kinds: tuple[RecordKind, ...]) -> tuple[SignedRecord, str] | None:
    """The record kept for this text if it is the one these bytes open to here: the same
    signature, this group and one of these kinds. Every other check of opening depends on
    the text alone."""
    found = _by_text.get(text)
    if found is not None:
        data = found[0].data
        if found[0].sig == sig and data.get("g") == group_id and data.get("k") in kinds:
            return found
    return None


def open_link(text: Any, sig: Any, *, group_id: str,
              kinds: tuple[RecordKind, ...]) -> tuple[SignedRecord, str]:
    """`raw.open_stored` for a row at a place of an author chain (any of `kinds`): a message
    opened lately is the record kept (no parse, no signature check), and a message opened
    here is kept as `open_message` keeps it. A window's chain is looked up before its rows are
    checked (core.row_checks.window_chain), and most predecessors are rows of the same window:
    each is verified once, here, and its own check finds it kept. With the text's hash."""
    if not isinstance(text, str) or not isinstance(sig, (bytes, bytearray)):
        record = open_stored(text, sig, group_id=group_id, kind=kinds)  # raises with the reason
        return record, record_hash(record.text)
    found = _kept(text, sig, group_id, kinds)
    if found is not None:
        return found
    record = open_stored(text, sig, group_id=group_id, kind=kinds)
    if record.kind != RecordKind.MSG:
        return record, record_hash(text)
    return _keep(text, record)


def _keep(text: str, record: SignedRecord) -> tuple[SignedRecord, str]:
    """Keep a message record just opened (by open_stored) from `text`."""
    found = (record, record_hash(text))
    with _lock:
        if len(_by_text) >= LIMIT:
            _by_text.popitem(last=False)  # the oldest kept
        _by_text[text] = found
    return found


def forget() -> None:
    """Keep nothing opened so far: for a process that has judged a batch of records and will
    not see them again (a `peers verify` window). The same verdicts after it: what is asked
    again is opened again."""
    with _lock:
        _by_text.clear()
        _columns.clear()


def opened(text: str) -> tuple[SignedRecord, str] | None:
    """The record a message text opened to here lately (whatever its signature), with the
    text's hash; None for a text not opened (or no longer kept)."""
    return _by_text.get(text)


def columns_of(record: SignedRecord) -> dict[str, Any]:
    """`expected_columns(record)`, computed once for the same record object (read only: do
    not change the dict). A record that fails raises with its reason every time."""
    found = _columns.get(id(record))
    if found is not None and found[0] is record:
        return found[1]
    columns = expected_columns(record)
    with _lock:
        if len(_columns) >= LIMIT:
            _columns.popitem(last=False)
        _columns[id(record)] = (record, columns)
    return columns

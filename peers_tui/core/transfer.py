"""Import of a group's history from JSON lines (its export: core/export.py).

An import is one IMMEDIATE transaction: every line is checked, signed by the importer as a
record of kind `imported` (keeping the original id, author name and time) and stored, or a
bad line is reported with its number and nothing at all is kept. (importer, original id) is
unique, so importing the same file again adds nothing.
"""

from __future__ import annotations

import json
import multiprocessing
import os
from concurrent.futures import BrokenExecutor, Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import nacl.bindings

from peers_tui.core.encoding import now_ms, record_hash
from peers_tui.core.hub_refused import check_writer_clock
from peers_tui.core.errors import PeersError
from peers_tui.core.group_store import MAX_BODY_CHARS, GroupStore, require_role
from peers_tui.core.ids import ulid_after, ulid_text
from peers_tui.core.identity import Keypair
from peers_tui.core.models import Message
from peers_tui.core import own_place, search
from peers_tui.core.chain_rules import build_on, own_record
from peers_tui.core.chains import whole_head
from peers_tui.core.raw_values import text_of
from peers_tui.core.records import FORMAT_VERSION
from peers_tui.core.roles import Role
from peers_tui.core.search import FTS_TABLE
from peers_tui.core.text import first_unsafe

BATCH = 5000
MAX_FIELD = 200


@dataclass(frozen=True)
class ImportResult:
    added: int
    skipped: int


@dataclass(frozen=True)
class ImportLine:
    line: int
    orig_id: str
    author: str
    body: str
    created_at: int


class BadImportLine(PeersError):
    """A line of an import file that cannot be imported."""


# Imported times must lie from 1970 up to the end of the year 9999: a message id starts with
# its time (a ULID holds no time before 1970) and nothing after 9999 can be shown.
MIN_IMPORT_MS, END_IMPORT_MS = 0, 253402300800000
RANGE = "from 1970 to the end of 9999"
# ...and no later than a day past this host's clock: an imported message's id is its time,
# and a line dated in the year 9000 (a typo, or an export handed to an admin) stood above
# every later message of the group (docs/relay.md, "Thirteenth attack pass").
AHEAD_MS = 24 * 60 * 60 * 1000


def parse_time(value: Any) -> int:
    """Epoch seconds (int or float) or an ISO 8601 string, as epoch milliseconds.

    ValueError, with a message fit for the user, for anything else or out of range.
    """
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if not MIN_IMPORT_MS <= value * 1000 < END_IMPORT_MS:  # also refuses NaN and infinity
            raise ValueError(f"created_at {repr(value)[:40]} is out of range ({RANGE})")
        ms = int(round(value * 1000))
    elif isinstance(value, str):
        text = value.strip()
        if text.endswith("Z"):
            text = text[:-1] + "+00:00"
        try:
            moment = datetime.fromisoformat(text)
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=timezone.utc)
            ms = int(moment.timestamp() * 1000)
        except (ValueError, OverflowError, OSError):
            raise ValueError(f"created_at {value[:40]!r} is not an ISO 8601 time {RANGE} "
                             "(nor epoch seconds)") from None
    else:
        raise ValueError("created_at must be epoch seconds or an ISO 8601 time")
    if not MIN_IMPORT_MS <= ms < END_IMPORT_MS:
        raise ValueError(f"created_at {repr(value)[:40]} is out of range ({RANGE})")
    if ms > now_ms() + AHEAD_MS:
        raise ValueError(f"created_at {repr(value)[:40]} is in the future (more than a day "
                         "past this host's clock)")
    return ms


def _text_field(data: dict[str, Any], name: str, limit: int, *, multiline: bool) -> str:
    value = data.get(name)
    if isinstance(value, int) and not isinstance(value, bool) and name == "id":
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"'{name}' must be a non-empty string")
    if len(value) > limit:
        raise ValueError(f"'{name}' is longer than {limit} characters")
    if first_unsafe(value, multiline=multiline) is not None:
        raise ValueError(f"'{name}' contains a control character")
    return value


def parse_lines(lines: Iterable[str]) -> Iterator[ImportLine]:
    """Checked import lines; BadImportLine naming the line number for the first bad one."""
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            data = json.loads(raw)
            if not isinstance(data, dict):
                raise ValueError("not a JSON object")
            yield ImportLine(
                number,
                _text_field(data, "id", MAX_FIELD, multiline=False),
                _text_field(data, "author", 64, multiline=False),
                _text_field(data, "body", MAX_BODY_CHARS, multiline=True),
                parse_time(data.get("created_at")),
            )
        except (ValueError, TypeError, OverflowError) as exc:
            raise BadImportLine(f"line {number}: {exc}") from None


class Importer:
    """Signs and stores import lines in batches inside one transaction."""

    def __init__(self, store: GroupStore, keypair: Keypair) -> None:
        self.store = store
        self.keypair = keypair
        _, self.secret = nacl.bindings.crypto_sign_seed_keypair(keypair.seed)
        self.me = keypair.public_id

    def run(self, lines: Iterable[str]) -> ImportResult:
        store = self.store
        check_writer_clock(str(store.file.path.parent))  # signed at this clock, judged by the hub's
        self.added = self.skipped = 0
        self.junk: list[int] = []  # rows holding an import id of a line, no record of ours
        # Signing is the largest cost (~23 µs a record) and PyNaCl holds the GIL while it
        # signs, so a second *process* signs batch k while this one builds and stores others.
        with store.session(), store.db.atomic(), signing_pool() as signer:
            roster = store.roster()
            require_role(roster, self.me, Role.ADMIN)
            self.member_seq = roster.head_seq
            pin = store.file.pin_of(self.me, roster)  # followed if the file lost it (build_on)
            head = build_on(whole_head(self.me, store.group_id, store.label, pin,
                                       store.file.kept_of(self.me)), pin)
            self.aseq, self.aprev = (head[0], head[1]) if head else (0, "")
            self.head = (head[0], head[1]) if head else None
            self.chain: dict[int, str] | None = None
            self.last_id = 0
            self.now = max(now_ms(), head[2] if head else 0,
                           roster.time_floor(self.me, roster.head_seq))
            # A bigger page cache for this connection: the unique index on original ids takes
            # inserts all over its B-tree, and a million of them thrash the default 2 MB cache.
            store.db.execute_sql("PRAGMA cache_size = -131072")
            pending: tuple[list[tuple[Any, ...]], Future[list[bytes]]] | None = None
            batch: list[ImportLine] = []
            for item in parse_lines(lines):
                batch.append(item)
                if len(batch) >= BATCH:
                    pending = self._store(pending, self._prepare(batch, signer))
                    batch = []
            pending = self._store(pending, self._prepare(batch, signer))
            self._store(pending, None)
        return ImportResult(self.added, self.skipped)

    def _existing(self, ids: list[str]) -> set[str]:
        """Which of these original ids this importer has stored already (earlier or this run).
        A row holding one that is no record of theirs holds nothing (README rule 2): it is
        set aside as the batch is stored (`self.junk`), as junk at their places is."""
        found: set[str] = set()
        for start in range(0, len(ids), 900):
            chunk = ids[start:start + 900]
            marks = ",".join("?" * len(chunk))
            rows = self.store.db.execute_sql(
                "SELECT orig_id, rowid, author_seq, record, sig FROM message"
                f" WHERE author = ? AND orig_id IN ({marks})", (self.me, *chunk)).fetchall()
            if rows and self.chain is None:  # walked once a run, the whole chain (~3 us a row)
                self.chain = own_place.chain_hashes(self.me, self.head, 1)
            chain: dict[int, str] = self.chain or {}
            for orig_id, rowid, aseq, text, sig in rows:
                text = text_of(text)
                if (not isinstance(text, str) or chain.get(aseq) != record_hash(text)) and \
                        own_record(self.me, aseq, text, sig, self.store.group_id) is None:
                    self.junk.append(rowid)
                else:
                    found.add(orig_id)
        return found

    def _prepare(self, batch: list[ImportLine], signer: Executor
                 ) -> tuple[list[tuple[Any, ...]], Future[list[bytes]]] | None:
        """Build the records of a batch (skipping lines already imported) and start signing."""
        if not batch:
            return None
        existing = self._existing([item.orig_id for item in batch])
        rows = []
        for item in batch:
            if item.orig_id in existing:
                self.skipped += 1
                continue
            existing.add(item.orig_id)
            rows.append(self._row(item))
        return rows, signer.submit(_sign_all, [row[5].encode("utf-8") for row in rows], self.secret)

    def _store(self, pending: tuple[list[tuple[Any, ...]], Future[list[bytes]]] | None,
               following: tuple[list[tuple[Any, ...]], Future[list[bytes]]] | None,
               ) -> tuple[list[tuple[Any, ...]], Future[list[bytes]]] | None:
        """Insert the signed batch `pending`, index it for search; `following` waits its turn."""
        if pending is not None:
            rows, future = pending
            try:
                signatures = future.result()
            except BrokenExecutor:  # the signing process could not start or died: sign here
                signatures = _sign_all([row[5].encode("utf-8") for row in rows], self.secret)
            signed = [(*row[:6], sig, row[6]) for row, sig in zip(rows, signatures)]
            if signed:
                # Junk at these places of our chain is set aside, the rows stored above it
                # (core/own_place.py): a relay finds new rows by rowid.
                at = own_place.clear(self.me, signed[0][2], self.store.group_id, self.store.label,
                                     message=True, last=signed[-1][2], also=tuple(self.junk))
                self.junk = []
                top = self.store.db.execute_sql("SELECT MAX(rowid) FROM message").fetchone()[0] or 0
                search.drop_above(self.store.db, top)
                cursor = self.store.db.cursor()
                cursor.executemany(
                    "INSERT INTO message (id, author, author_seq, kind, created_at, body, record,"
                    " sig, target, reply_to, orig_id, rowid) VALUES"
                    " (?,?,?,'imported',?,?,?,?,NULL,NULL,?,?)",
                    [(*row, None if at is None else at + index) for index, row in enumerate(signed)])
                # OR REPLACE: a row deleted straight from the file leaves its search entry,
                # and its rowid comes back (the top row) to a row stored here.
                cursor.execute(f"INSERT OR REPLACE INTO {FTS_TABLE} (rowid, body) "
                               "SELECT rowid, body FROM message WHERE rowid > ?", (top,))
                self.added += len(signed)
        return following

    def _row(self, item: ImportLine) -> tuple[Any, ...]:
        # Within a millisecond, keep the file's order; an older time keeps its place.
        candidate = self.last_id = ulid_after(item.created_at, self.last_id, same_ms_only=True)
        message_id = ulid_text(candidate)
        self.aseq += 1
        # canonical_json() of the record, written out by hand in its sorted key order: this
        # runs a million times per large import (tests check the two agree exactly).
        text = (f'{{"a":"{self.me}","aprev":"{self.aprev}","aseq":{self.aseq},'
                f'"body":{_json_string(item.body)},"g":"{self.store.group_id}",'
                f'"id":"{message_id}","k":"msg","mseq":{self.member_seq},'
                f'"orig_author":{_json_string(item.author)},"orig_id":{_json_string(item.orig_id)},'
                f'"orig_time":{item.created_at},"t":{self.now},"type":"imported",'
                f'"v":{FORMAT_VERSION}}}')
        self.aprev = record_hash(text)
        return (message_id, self.me, self.aseq, item.created_at, item.body, text, item.orig_id)


def _sign_all(messages: list[bytes], secret: bytes) -> list[bytes]:
    return [nacl.bindings.crypto_sign(message, secret)[:64] for message in messages]


def signing_pool() -> Executor:
    """One signing process beside this one, or a thread where processes are unavailable."""
    if (os.cpu_count() or 1) < 2:
        return ThreadPoolExecutor(1)
    try:
        return ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))
    except (OSError, ValueError):
        return ThreadPoolExecutor(1)


_json_string = json.JSONEncoder(ensure_ascii=False).encode


__all__ = ["ImportResult", "Importer", "parse_lines", "parse_time"]

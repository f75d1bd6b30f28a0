"""Forging records as an attacker would: a public helper for tests, kept stable across refactors.

An attacker here is someone holding a private key (a member with a modified client, or anyone
who made a key) who can also write a group's SQLite file. `Forger(home)` signs as the user
whose home directory it is given, with any fields, any membership state (`mseq`), signing time
(`t`), chain position (`aseq`/`aprev`) or rowid, and inserts the result straight into the file
with plain sqlite3, bypassing every check peers makes before it writes. What it writes must
then be shown as not genuine, or reported, by every reader.

Stable API (tests outside this project may rely on it):

    forger = Forger(home)                      # the key in <home>/identity.key
    forger.user_id
    forger.sign(kind, group_id, fields, t=None)              -> SignedRecord (nothing stored)
    forger.message(db, group_id, body, **options)            -> message id
    forger.edit(db, group_id, target, body, **options)       -> record id
    forger.delete(db, group_id, target, **options)           -> record id
    forger.topic(db, group_id, text, **options)              -> record id
    forger.react(db, group_id, target, emoji, on=True, **options) -> record id
    forger.invite(db, group_id, role=40, **options)          -> invite code "peers1:<group>:<secret>"
    forger.revoke(db, group_id, invite_key, **options)       -> seq (a membership change)
    forger.change(db, group_id, action, member=None, **options) -> seq of the inserted change
    forger.join(db, group_id, code, handle, **options)       -> seq of the inserted change
    found_group(home, hub, name, handle)                     -> group id (no input checks)
    set_handle(home, handle)                                 -> None (no input checks)

Options of the message-like calls: `mseq`, `aseq`, `aprev`, `t`, `id`, `rowid`, `reply`,
`extra` (more signed fields), `columns` (override what is written to the row's columns).
Options of `change`/`join`: `seq`, `prev`, `cut` ([aseq, hash]), `t`, `invite_key` (a Keypair
that countersigns), `extra`. Anything left out gets what an honest client would have written
at that moment, so one option at a time can be made to lie.

Rows are written with the columns of the oldest schema that has each table; columns added
later are nullable or have defaults, so these inserts keep working as the schema grows.
"""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path
from typing import Any

from peers_tui.core.encoding import b32, now_ms, record_hash
from peers_tui.core.identity import Keypair, load_or_create_keypair
from peers_tui.core.ids import new_ulid, ulid_text
from peers_tui.core.invites import InviteCode, parse_code
from peers_tui.core.kinds import RecordKind
from peers_tui.core.records import SignedRecord, countersign, sign

__all__ = ["Forger", "found_group", "set_handle"]


def _connect(db: Path | str) -> sqlite3.Connection:
    return sqlite3.connect(str(db), isolation_level=None, timeout=5)


class Forger:
    """Signs with the key in `home` and writes raw rows into group files."""

    def __init__(self, home: Path | str) -> None:
        self.home = Path(home)
        self.keypair: Keypair = load_or_create_keypair(self.home)

    @property
    def user_id(self) -> str:
        return self.keypair.public_id

    def sign(self, kind: RecordKind, group_id: str | None, fields: dict[str, Any],
             t: int | None = None) -> SignedRecord:
        return sign(self.keypair, kind, group_id, fields, created_at=t)

    # ----------------------------------------------------------------- what an honest client sees
    @staticmethod
    def membership_head(db: Path | str) -> tuple[int, str]:
        """(seq, hash) of the newest membership row in the file (the group id at seq 0)."""
        with _connect(db) as conn:
            row = conn.execute("SELECT seq, record FROM group_members ORDER BY seq DESC LIMIT 1").fetchone()
            if row is None:
                group = conn.execute("SELECT id FROM group_info").fetchone()
                return 0, group[0] if group else ""
            return row[0], record_hash(row[1])

    def chain_head(self, db: Path | str, author: str | None = None) -> tuple[int, str]:
        """(aseq, hash) of the author's newest chained record in the file, (0, "") if none."""
        author = author or self.user_id
        best = (0, "")
        with _connect(db) as conn:
            for table in ("message", "invite"):
                columns = {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}
                if "author_seq" not in columns:
                    continue
                row = conn.execute(f"SELECT author_seq, record FROM {table} WHERE author = ? "
                                   "ORDER BY author_seq DESC LIMIT 1", (author,)).fetchone()
                if row and isinstance(row[0], int) and row[0] > best[0]:
                    best = (row[0], record_hash(row[1]))
        return best

    def _link(self, db: Path | str, mseq: int | None, aseq: int | None,
              aprev: str | None) -> dict[str, Any]:
        head = self.chain_head(db)
        return {"mseq": self.membership_head(db)[0] if mseq is None else mseq,
                "aseq": head[0] + 1 if aseq is None else aseq,
                "aprev": head[1] if aprev is None else aprev}

    # ----------------------------------------------------------------- message records
    def message(self, db: Path | str, group_id: str, body: str = "forged", *,
                type: str = "text", mseq: int | None = None, aseq: int | None = None,
                aprev: str | None = None, t: int | None = None, id: str | None = None,
                rowid: int | None = None, reply: str | None = None, target: str | None = None,
                extra: dict[str, Any] | None = None,
                columns: dict[str, Any] | None = None) -> str:
        """Sign a message record of any `type` and insert it; returns its id."""
        signed_at = now_ms() if t is None else t
        message_id = id or ulid_text(new_ulid(max(signed_at, 0)))
        fields: dict[str, Any] = {"id": message_id, "type": type,
                                  **self._link(db, mseq, aseq, aprev)}
        if type in ("text", "action", "topic", "imported", "edit"):
            fields["body"] = body
        if target is not None:
            fields["target"] = target
        if reply is not None:
            fields["reply"] = reply
        fields.update(extra or {})
        record = self.sign(RecordKind.MSG, group_id, fields, t=signed_at)
        row: dict[str, Any] = {
            "id": message_id, "author": self.user_id, "author_seq": fields["aseq"],
            "kind": type, "created_at": fields.get("orig_time", signed_at),
            "body": fields.get("body", ""), "record": record.text, "sig": record.sig,
            "target": target, "reply_to": reply, "orig_id": fields.get("orig_id"),
        }
        if rowid is not None:
            row["rowid"] = rowid
        row.update(columns or {})
        names = ", ".join(row)
        with _connect(db) as conn:
            conn.execute(f"INSERT INTO message ({names}) VALUES ({', '.join('?' * len(row))})",
                         tuple(row.values()))
        return message_id

    def edit(self, db: Path | str, group_id: str, target: str, body: str, **options: Any) -> str:
        return self.message(db, group_id, body, type="edit", target=target, **options)

    def delete(self, db: Path | str, group_id: str, target: str, **options: Any) -> str:
        return self.message(db, group_id, "", type="delete", target=target, **options)

    def topic(self, db: Path | str, group_id: str, text: str, **options: Any) -> str:
        return self.message(db, group_id, text, type="topic", **options)

    def react(self, db: Path | str, group_id: str, target: str, emoji: Any, on: Any = True,
              **options: Any) -> str:
        """A reaction record (core.reactions); `emoji` and `on` may be anything at all."""
        extra = {"body": emoji, "on": on, **options.pop("extra", {})}
        return self.message(db, group_id, "", type="react", target=target, extra=extra, **options)

    # ----------------------------------------------------------------- invites
    def invite(self, db: Path | str, group_id: str, role: int = 40, *,
               expires: int | None = None, uses: int | None = None, mseq: int | None = None,
               aseq: int | None = None, aprev: str | None = None, t: int | None = None,
               extra: dict[str, Any] | None = None) -> str:
        """Sign an invite record and insert it; returns the code that uses it."""
        key = Keypair.generate()
        fields = {"key": key.public_id, "role": role, "expires": expires, "uses": uses,
                  **self._link(db, mseq, aseq, aprev), **(extra or {})}
        self._insert_invite(db, "invite", key.public_id, self.sign(RecordKind.INVITE, group_id, fields, t=t))
        return str(InviteCode(group_id, key))

    def revoke(self, db: Path | str, group_id: str, invite_key: str, **options: Any) -> int:
        """Revoke an invite: a change in the membership log (options as for `change`)."""
        extra = {"invite": invite_key, **options.pop("extra", {})}
        return self.change(db, group_id, "revoke", self.user_id, extra=extra, **options)

    def _insert_invite(self, db: Path | str, kind: str, key: str, record: SignedRecord) -> None:
        with _connect(db) as conn:
            conn.execute("INSERT INTO invite (key, kind, record, sig, author, author_seq)"
                         " VALUES (?,?,?,?,?,?)", (key, kind, record.text, record.sig,
                                                   self.user_id, record.data.get("aseq")))

    # ----------------------------------------------------------------- membership changes
    def change(self, db: Path | str, group_id: str, action: str, member: str | None = None, *,
               seq: int | None = None, prev: str | None = None, cut: list[Any] | None = None,
               t: int | None = None, invite_key: Keypair | None = None,
               extra: dict[str, Any] | None = None) -> int:
        """Sign a membership change (join, role, remove, leave, handle) and append it raw."""
        head_seq, head_hash = self.membership_head(db)
        member = member or self.user_id
        fields: dict[str, Any] = {"seq": head_seq + 1 if seq is None else seq,
                                  "prev": head_hash if prev is None else prev,
                                  "action": action, "member": member}
        if action in ("remove", "role", "leave"):
            head = self.chain_head(db, member)
            fields["cut"] = list(head) if cut is None else cut
        fields.update(extra or {})
        record = self.sign(RecordKind.MEMBER, group_id, fields, t=t)
        if invite_key is not None:
            record = countersign(record, invite_key)
        with _connect(db) as conn:
            conn.execute("INSERT INTO group_members (seq, member, record, sig, cosig)"
                         " VALUES (?,?,?,?,?)", (fields["seq"], member, record.text, record.sig,
                                                 record.cosig))
        return int(fields["seq"])

    def join(self, db: Path | str, group_id: str, code: str, handle: str,
             role: int | None = None, **options: Any) -> int:
        """Join with an invite code (its key countersigns), whatever the invite's terms say."""
        parsed = parse_code(code)
        with _connect(db) as conn:
            row = conn.execute("SELECT record FROM invite WHERE key = ? AND kind = 'invite'",
                               (parsed.key.public_id,)).fetchone()
        granted = json.loads(row[0]).get("role") if row else 40
        extra = {"role": granted if role is None else role, "handle": handle,
                 "invite": parsed.key.public_id, **options.pop("extra", {})}
        return self.change(db, group_id, "join", invite_key=parsed.key, extra=extra, **options)

    def set_handle(self, db: Path | str, group_id: str, handle: str, **options: Any) -> int:
        return self.change(db, group_id, "handle", extra={"handle": handle}, **options)


def found_group(home: Path | str, hub: Path | str, name: str, handle: str) -> str:
    """Found a group with any name and founder handle (no input checks), and list it in the
    founder's personal.db as `peers create` would. Returns the group id."""
    from peers_tui.core.account import Account
    from peers_tui.core.database import create_file
    from peers_tui.core.group_store import GROUP_FILE_MODE, GroupStore, group_id_of
    from peers_tui.core.models import GroupInfo

    account = Account(Path(home), Path(hub))
    genesis = sign(account.keypair, RecordKind.GENESIS, None,
                   {"name": name, "handle": handle, "nonce": b32(os.urandom(10))})
    group_id = group_id_of(genesis)
    Path(hub).mkdir(parents=True, exist_ok=True)
    path = Path(hub) / f"{group_id}.db"
    create_file(path, GROUP_FILE_MODE)
    store = GroupStore(path, group_id)
    with store.session(create=True):
        GroupInfo.create(id=group_id, record=genesis.text, sig=genesis.sig)
    store.close()
    account.personal.add_group(group_id, name, path)  # lists any name: no input checks there
    return group_id


def set_handle(home: Path | str, handle: str) -> None:
    """Set the user's own handle with no input checks (the next post signs it into a group)."""
    from peers_tui.core.account import Account

    account = Account(Path(home), Path(home) / "unused-hub")
    account.personal.set_setting("handle", handle)

"""The soak's forged records: rows written straight into one host's group file, and records
published on a leaf's inbound subject with the leaf relay's credential, each signed with a key
an attacker holds (or junk); every one listed in `forged` for the checks."""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path
from typing import Any

from peers_tui.core.encoding import now_ms, record_hash
from peers_tui.core.identity import Keypair
from peers_tui.core.ids import new_ulid, ulid_text
from peers_tui.core.invites import parse_code
from peers_tui.core.kinds import RecordKind
from peers_tui.testing.forge import Forger
from scripts.soak.hosts import attackers, groups, hosts, removed_at
from scripts.soak.journal import attack_kinds, counts, defect, not_made, note, rng
from scripts.soak.operations import run
from scripts.soak.publishing import publish

forged: list[dict[str, Any]] = []  # kind, how, host, group, id, key, hash, forger, body, target
FILE_KINDS = ["removed", "reader", "outsider", "edit_other", "backdated", "copy_other_group",
              "altered_body", "junk_types", "junk_utf8", "invite_writer"]
PUBLISH_KINDS = ["removed", "reader", "outsider", "edit_other", "backdated", "copy_other_group",
                 "altered_body", "junk_text", "junk_utf8", "invite_writer"]
DAY = 86_400_000


def lenient(data: bytes) -> str:
    """Text as this script reads it from a file that may hold invalid UTF-8 (its junk rows)."""
    return data.decode("utf-8", errors="replace")


def genuine_rows(db: Path, where: str = "kind = 'text'") -> list[sqlite3.Row]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
    conn.row_factory = sqlite3.Row
    conn.text_factory = lenient
    try:
        rows = conn.execute(f"SELECT * FROM message WHERE {where} ORDER BY rowid DESC LIMIT 50").fetchall()
    finally:
        conn.close()
    return [r for r in rows if isinstance(r["author_seq"], int) and isinstance(r["author"], str)
            and isinstance(r["record"], str) and isinstance(r["sig"], bytes)]  # not its junk


def insert_row(db: Path, row: dict[str, Any]) -> None:
    conn = sqlite3.connect(str(db), isolation_level=None, timeout=5)
    try:
        names = ", ".join(row)
        conn.execute(f"INSERT INTO message ({names}) VALUES ({', '.join('?' * len(row))})",
                     tuple(row.values()))
    finally:
        conn.close()


def author_top(db: Path, author: str) -> tuple[int, str]:
    """(aseq, hash) of `author`'s newest chained row in `db` (Forger.chain_head, any author)."""
    return Forger.chain_head(None, db, author)  # type: ignore[arg-type]  # self unused


def signed_message(forger: Forger, db: Path, gid: str, body: str, *, kind: str = "text",
                   mseq: int | None = None, t: int | None = None,
                   target: str | None = None) -> tuple[str, Any]:
    """A message record for publishing: (id, SignedRecord), its chain from `db` (the hub's)."""
    t = now_ms() if t is None else t
    mid = ulid_text(new_ulid(max(t, 0)))
    top = forger.chain_head(db)
    fields: dict[str, Any] = {"id": mid, "type": kind, "body": body,
                              "mseq": Forger.membership_head(db)[0] if mseq is None else mseq,
                              "aseq": top[0] + 1, "aprev": top[1]}
    if target is not None:
        fields["target"] = target
    return mid, forger.sign(RecordKind.MSG, gid, fields, t=t)


def altered(row: sqlite3.Row, db: Path) -> tuple[str, str, int]:
    """The row's record text with another body, id and place (old signature): (text, id, aseq)."""
    inner = data = json.loads(row["record"])
    mid = ulid_text(new_ulid(now_ms()))
    aseq = author_top(db, row["author"])[0] + 1
    for key, value in (("body", "altered " + str(inner.get("body"))), ("id", mid), ("aseq", aseq)):
        if key in inner:
            inner[key] = value
    return json.dumps(data, separators=(",", ":"), sort_keys=True, ensure_ascii=False), mid, aseq


def attack() -> None:
    A, B, C = hosts
    how = "publish" if rng.random() < 0.35 else "file"
    h = rng.choice([B, C]) if how == "publish" else rng.choice(hosts)
    g = rng.choice(list(groups))
    gid = groups[g]
    kind = rng.choice(PUBLISH_KINDS if how == "publish" else FILE_KINDS)
    db = (A if how == "publish" else h).hub / f"{gid}.db"  # publish: places as the hub has them
    me = h.name.lower()
    key = {"removed": "z", "reader": "r", "outsider": "o"}.get(kind, "p" if how == "publish" else "w")
    forger = Forger(attackers[f"{key}{me}"][0].home)
    body = f"FORGED-{kind}-{how}-{h.name}-{len(forged)}"
    entry: dict[str, Any] = {"kind": kind, "how": how, "host": h.name, "group": g, "gid": gid,
                             "id": None, "key": None, "hash": None, "forger": forger.user_id,
                             "body": body, "target": None, "at": time.strftime("%H:%M:%S")}
    record: Any = None  # what is published: (table, text, sig) or raw bytes
    try:
        if kind in ("removed", "reader", "outsider", "backdated"):
            mseq = removed_at[gid] if kind == "removed" else None
            t = now_ms() - 30 * DAY if kind == "backdated" else None
            if how == "file":
                entry["id"] = forger.message(db, gid, body, mseq=mseq, t=t)
            else:
                entry["id"], signed = signed_message(forger, db, gid, body, mseq=mseq, t=t)
                record = ("msg", signed.text, signed.sig)
        elif kind == "edit_other":
            others = [r for r in genuine_rows(db) if r["author"] != forger.user_id]
            if not others:
                return
            target = rng.choice(others)["id"]
            entry["target"] = target
            if how == "file":
                entry["id"] = forger.edit(db, gid, target, body)
            else:
                entry["id"], signed = signed_message(forger, db, gid, body, kind="edit", target=target)
                record = ("msg", signed.text, signed.sig)
        elif kind == "copy_other_group":
            og = groups[rng.choice([x for x in groups if x != g])]
            rows = genuine_rows(db.parent / f"{og}.db")
            rows = [r for r in rows if r["author_seq"] > author_top(db, r["author"])[0]]
            if not rows:
                return
            row = dict(rng.choice(rows))
            entry["id"] = row["id"]
            if how == "file":
                insert_row(db, {k: v for k, v in row.items()})
            else:
                record = ("msg", row["record"], row["sig"])
            entry["text"] = row["record"]
        elif kind == "altered_body":
            rows = genuine_rows(db)
            if not rows:
                return
            row = rng.choice(rows)
            text, mid, aseq = altered(row, db)
            entry["id"], entry["text"] = mid, text
            if how == "file":
                insert_row(db, {**dict(row), "id": mid, "author_seq": aseq, "record": text,
                                "body": "altered " + str(row["body"])})
            else:
                record = ("msg", text, row["sig"])
        elif kind == "junk_types":
            entry["id"] = f"junk{len(forged)}"
            insert_row(db, {"id": entry["id"], "author": 12345 + len(forged), "author_seq": "not a number",
                            "kind": "text", "created_at": "soon", "body": 7,
                            "record": 42.5, "sig": "not bytes", "target": b"\x00\x01"})
        elif kind == "junk_utf8":
            entry["id"] = f"junk{len(forged)}"
            if how == "file":
                conn = sqlite3.connect(str(db), isolation_level=None, timeout=5)
                try:
                    conn.execute("INSERT INTO message (id, author, author_seq, kind, created_at, body,"
                                 " record, sig) VALUES (?, ?, ?, 'text', ?, CAST(x'fffe41' AS TEXT),"
                                 " CAST(? AS TEXT), x'00')",
                                 (entry["id"], f"junk author {len(forged)}", 1, now_ms(),
                                  b'{"k":"msg","body":"\xff\xfe"}'))
                finally:
                    conn.close()
            else:
                record = b'{"k":"msg","body":"\xff\xfe\xfd"}'
        elif kind == "junk_text":
            entry["id"] = f"junk{len(forged)}"
            record = ("msg", "{not a record at all", b"\x00" * 64)
        elif kind == "invite_writer":
            if how == "file":
                code = forger.invite(db, gid)
                entry["key"] = parse_code(code).key.public_id
                entry["code"] = code
            else:
                invite_key = Keypair.generate()
                top = forger.chain_head(db)
                signed = forger.sign(RecordKind.INVITE, gid, {
                    "key": invite_key.public_id, "role": 40, "expires": None, "uses": None,
                    "mseq": Forger.membership_head(db)[0], "aseq": top[0] + 1, "aprev": top[1]})
                entry["key"] = invite_key.public_id
                record = ("invite", signed.text, signed.sig)
    except sqlite3.Error as exc:  # the file busy, a place taken: this attack is not made
        not_made(kind, how, h.name, g, exc)
        return
    if how == "publish":
        entry["outcome"] = publish(h, gid, record)
        if isinstance(record, tuple):
            entry["hash"] = record_hash(record[1])
            entry.setdefault("text", record[1])
    elif kind in ("removed", "reader", "outsider", "backdated", "edit_other", "invite_writer"):
        entry["text"] = file_text(db, entry)
    if entry.get("text") and not entry["hash"]:
        entry["hash"] = record_hash(entry["text"])
    counts["attacks"] += 1
    attack_kinds[f"{how} {kind}"] += 1
    forged.append(entry)
    note(f"ATTACK {how} {kind} on {h.name} {g}: id {entry['id']} key {entry['key']} "
         f"hash {str(entry['hash'])[:12]} {entry.get('outcome', '')}")
    if kind == "invite_writer" and how == "file":  # an outsider of that host tries the code
        o = attackers[f"o{me}"][0]
        if run(o, "join", entry["code"]) is not None:
            defect(f"o{me} joined {g} on {h.name} with an invite a writer minted in the file")


def file_text(db: Path, entry: dict[str, Any]) -> str | None:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
    conn.text_factory = lenient
    try:
        if entry["key"]:
            row = conn.execute("SELECT record FROM invite WHERE key = ?", (entry["key"],)).fetchone()
        else:
            row = conn.execute("SELECT record FROM message WHERE id = ?", (entry["id"],)).fetchone()
        return row[0] if row else None
    finally:
        conn.close()

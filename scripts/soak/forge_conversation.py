"""The soak's forged reactions, edits and deletions of genuine messages by honest users: by an
outsider, by a removed member under the state before his removal, a deletion by a writer who
is not the author (only an admin deletes another's), and a genuine reaction, edit or deletion
copied from another group's file (its record names that group). Written into a host's file or
published on a leaf's inbound subject, and listed in `forged` like the other attacks. A
forged reaction is always 🔥, which no honest user sends: no genuine message may show it."""

from __future__ import annotations

import sqlite3
import time
from typing import Any

from peers_tui.core.encoding import now_ms, record_hash
from peers_tui.core.ids import new_ulid, ulid_text
from peers_tui.core.kinds import RecordKind
from peers_tui.testing.forge import Forger
from scripts.soak.attacks import author_top, file_text, forged, genuine_rows, insert_row
from scripts.soak.hosts import attacker_ids, attackers, groups, hosts, removed_at
from scripts.soak.journal import attack_kinds, counts, not_made, note, rng
from scripts.soak.publishing import publish

FORGED_EMOJI = "🔥"
SIGNER = {"react_outsider": "o", "react_removed": "z", "edit_outsider": "o", "edit_removed": "z",
          "delete_other": "w", "delete_outsider": "o", "delete_removed": "z",
          "copy_change_other_group": "w"}
KINDS = list(SIGNER)


def signed_change(forger: Forger, db: Any, gid: str, type: str, target: str, body: str,
                  mseq: int | None) -> tuple[str, Any]:
    """A reaction, edit or deletion for publishing, as Forger.react/edit/delete sign one:
    (id, SignedRecord), its chain from `db` (the hub's)."""
    t = now_ms()
    mid = ulid_text(new_ulid(t))
    top = forger.chain_head(db)
    fields: dict[str, Any] = {"id": mid, "type": type, "target": target,
                              "mseq": Forger.membership_head(db)[0] if mseq is None else mseq,
                              "aseq": top[0] + 1, "aprev": top[1]}
    if type == "edit":
        fields["body"] = body
    elif type == "react":
        fields.update(body=FORGED_EMOJI, on=True)
    return mid, forger.sign(RecordKind.MSG, gid, fields, t=t)


def attack() -> None:
    A, B, C = hosts
    kind = rng.choice(KINDS)
    how = "publish" if rng.random() < 0.35 else "file"
    h = rng.choice([B, C]) if how == "publish" else rng.choice(hosts)
    g = rng.choice(list(groups))
    gid = groups[g]
    db = (A if how == "publish" else h).hub / f"{gid}.db"
    me = h.name.lower()
    role = SIGNER[kind]
    role = "p" if role == "w" and how == "publish" else role
    forger = Forger(attackers[f"{role}{me}"][0].home)
    body = f"FORGED-{kind}-{how}-{h.name}-{len(forged)}"
    entry: dict[str, Any] = {"kind": kind, "how": how, "host": h.name, "group": g, "gid": gid,
                             "id": None, "key": None, "hash": None, "forger": forger.user_id,
                             "body": body, "target": None, "at": time.strftime("%H:%M:%S")}
    record: Any = None
    try:
        if kind == "copy_change_other_group":
            og = groups[rng.choice([x for x in groups if x != g])]
            rows = genuine_rows(db.parent / f"{og}.db", "kind IN ('react', 'edit', 'delete')")
            rows = [r for r in rows if r["author_seq"] > author_top(db, r["author"])[0]]
            if not rows:
                return
            row = dict(rng.choice(rows))
            entry.update(id=row["id"], text=row["record"], forger=row["author"])
            if how == "file":
                insert_row(db, row)
            else:
                record = ("msg", row["record"], row["sig"])
        else:
            targets = [r["id"] for r in genuine_rows(db) if r["author"] not in attacker_ids]
            if not targets:
                return
            entry["target"] = target = rng.choice(targets)
            type = kind.split("_")[0]
            mseq = removed_at[gid] if kind.endswith("_removed") else None
            if how == "file":
                make = {"react": lambda: forger.react(db, gid, target, FORGED_EMOJI, mseq=mseq),
                        "edit": lambda: forger.edit(db, gid, target, body, mseq=mseq),
                        "delete": lambda: forger.delete(db, gid, target, mseq=mseq)}[type]
                entry["id"] = make()
                entry["text"] = file_text(db, entry)
            else:
                entry["id"], signed = signed_change(forger, db, gid, type, target, body, mseq)
                record = ("msg", signed.text, signed.sig)
                entry["text"] = signed.text
    except sqlite3.Error as exc:  # the file busy, a place taken: this attack is not made
        not_made(kind, how, h.name, g, exc)
        return
    if how == "publish":
        entry["outcome"] = publish(h, gid, record)
    if entry.get("text"):
        entry["hash"] = record_hash(entry["text"])
    counts["attacks"] += 1
    attack_kinds[f"{how} {kind}"] += 1
    forged.append(entry)
    note(f"ATTACK {how} {kind} on {h.name} {g}: id {entry['id']} target {entry['target']} "
         f"hash {str(entry['hash'])[:12]} {entry.get('outcome', '')}")

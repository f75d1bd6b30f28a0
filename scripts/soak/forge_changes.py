"""The soak's forged membership changes: a role change or removal signed by a writer or a
reader, a removed admin's change (in the state after his removal, or claiming the place after
a state in which he was still admin: a fork of a place the log has filled), a join of an
outsider countersigned by an invite key no invite names, a member's own handle change at a
place already taken (a fork: valid signer and authority, wrong place), and a race: a member's
valid handle change written straight into a leaf's file at the next place while the group's
founder makes a genuine change (a revocation) on another host, half the time with the leaf's
relay stopped meanwhile so that the genuine change takes the place first (one of the two
takes it, the same on every host; the other is set aside and listed as refused). Written into a host's file, published on a leaf's inbound subject, or proposed to the
hub's sequencer as a leaf's relay proposes; each listed in `forged` like the other attacks,
with `digest` (how `peers log` names its event: member-<seq>-<digest>) and `seqs` (the places
`peers verify` may name it by)."""

from __future__ import annotations

import os
import signal
import sqlite3
import time
from pathlib import Path
from typing import Any

from peers_tui.core.encoding import record_hash
from peers_tui.core.identity import Keypair
from peers_tui.core.kinds import RecordKind
from peers_tui.core.records import SignedRecord, countersign
from peers_tui.testing.forge import Forger
from scripts.soak.attacks import forged
from scripts.soak.faults import paused
from scripts.soak.heads import head as judged_head
from scripts.soak.hosts import attackers, founders, groups, hosts, removed_at, uid, users
from scripts.soak.journal import attack_kinds, counts, defect, not_made, note, rng
from scripts.soak.operations import run
from scripts.soak.publishing import propose, publish

SIGNER = {"role_by_writer": "w", "role_by_reader": "r", "remove_by_reader": "r",
          "removed_admin_now": "d", "removed_admin_old": "d", "add_outsider": "o",
          "stale_place": "w", "fork_race": "w"}
KINDS = list(SIGNER) + ["fork_race"] * 2  # the one whose outcome is open: more often
ADMIN, READER, WRITER = 60, 20, 40


def change_hash(db: Path, seq: int) -> str:
    """The hash of the change at `seq` in `db` (the group id at 0), as the next change names it."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
    try:
        if seq == 0:
            return str(conn.execute("SELECT id FROM group_info").fetchone()[0])
        return record_hash(conn.execute("SELECT record FROM group_members WHERE seq = ?",
                                        (seq,)).fetchone()[0])
    finally:
        conn.close()


def signed_change(forger: Forger, db: Path, gid: str, action: str, member: str, seq: int,
                  prev: str, extra: dict[str, Any], invite_key: Keypair | None) -> SignedRecord:
    """What Forger.change signs, at any place (it inserts only at the place it signs, and a
    claimed place already taken cannot be inserted there: the row goes to the free one)."""
    fields: dict[str, Any] = {"seq": seq, "prev": prev, "action": action, "member": member}
    if action in ("remove", "role", "leave"):
        fields["cut"] = list(forger.chain_head(db, member))
    fields.update(extra)
    record = forger.sign(RecordKind.MEMBER, gid, fields)
    return countersign(record, invite_key) if invite_key is not None else record


def insert_change(db: Path, row_seq: int, member: str, record: SignedRecord) -> None:
    conn = sqlite3.connect(str(db), isolation_level=None, timeout=5)
    try:
        conn.execute("INSERT INTO group_members (seq, member, record, sig, cosig) VALUES (?,?,?,?,?)",
                     (row_seq, member, record.text, record.sig, record.cosig))
    finally:
        conn.close()


def attack() -> None:
    A, B, C = hosts
    kind = rng.choice(KINDS)
    how = "file" if kind == "fork_race" else rng.choices(["file", "publish", "order"], [60, 20, 20])[0]
    g = rng.choice(list(groups))
    gid = groups[g]
    owner, home = users[founders[g]]
    h = rng.choice(hosts) if how == "file" else rng.choice([B, C])
    revoke: str | None = None
    if kind == "fork_race":  # on a leaf other than the founder's: the two meet at the hub
        h = rng.choice([x for x in (B, C) if x is not home])
        made = run(owner, "invite", gid)
        revoke = made.out.strip() if made is not None else None
        if rng.random() < 0.5:
            hold(h)
    db = (h if how == "file" else A).hub / f"{gid}.db"  # sent: the places the hub has
    me = h.name.lower()
    role = SIGNER[kind]
    role = "p" if role == "w" and how != "file" else role  # published: the leaf's own writer
    forger = Forger(attackers[f"{role}{me}"][0].home)
    victims = [uid(n) for n in users if n != founders[g]]
    n = len(forged)
    tag = f"FORGED-{kind}-{how}-{h.name}-{n}"
    try:
        head, head_hash = Forger.membership_head(db)
        if kind == "fork_race":  # valid: after the head peers judges, not a forged row's
            judged = judged_head(h, gid)
            if isinstance(judged, str):
                raise sqlite3.OperationalError(judged)
            head, head_hash = judged
        seq, prev, invite_key = head + 1, head_hash, None
        action, member, extra = "role", forger.user_id, {"role": ADMIN}
        if kind == "role_by_reader" and rng.random() < 0.5:
            member, extra = rng.choice(victims), {"role": READER}
        elif kind == "remove_by_reader":
            action, member, extra = "remove", rng.choice(victims), {}
        elif kind.startswith("removed_admin"):
            action, member, extra = rng.choice([("remove", rng.choice(victims), {}),
                                                ("role", rng.choice(victims), {"role": READER})])
            if kind == "removed_admin_old":  # the place after a state in which he was admin
                seq, prev = removed_at[gid] + 1, change_hash(db, removed_at[gid])
        elif kind == "add_outsider":  # an invite key no invite record names
            invite_key = Keypair.generate()
            action, member = "join", forger.user_id
            extra = {"role": WRITER, "handle": f"o{me}{n}", "invite": invite_key.public_id}
        elif kind in ("stale_place", "fork_race"):
            action, member, extra = "handle", forger.user_id, {"handle": f"{role}{me}f{n}"}
            if kind == "stale_place":  # a place the log has filled since
                k = rng.randrange(removed_at[gid], head)
                seq, prev = k + 1, change_hash(db, k)
        record = signed_change(forger, db, gid, action, member, seq, prev, extra, invite_key)
        if how == "file":
            insert_change(db, head + 1, member, record)
    except sqlite3.Error as exc:  # the file busy, the place taken meanwhile: not made
        not_made(kind, how, h.name, g, exc)
        return
    digest = record_hash(record.text)
    entry: dict[str, Any] = {
        "kind": kind, "how": how, "host": h.name, "group": g, "gid": gid, "id": None,
        "key": None, "hash": digest, "forger": forger.user_id, "body": tag, "target": None,
        "at": time.strftime("%H:%M:%S"), "text": record.text, "digest": digest[:8],
        "seqs": sorted({head + 1, seq}), "change": True, "race": kind == "fork_race"}
    if how == "publish":
        entry["outcome"] = publish(h, gid, ("member", record.text, record.sig, record.cosig))
    elif how == "order":  # a refused proposal is stored nowhere: its answer is the check
        entry["outcome"] = propose(h, gid, ("member", record.text, record.sig, record.cosig))
        entry["hash"] = None
        if entry["outcome"] == "ok":
            defect(f"the hub accepted a forged {kind} proposed by {h.name} in {g}: {record.text[:300]}")
    counts["attacks"] += 1
    attack_kinds[f"{how} {kind}"] += 1
    forged.append(entry)
    note(f"ATTACK {how} {kind} on {h.name} {g}: {action} {member[:8]} seq {seq} (row {head + 1}) "
         f"hash {digest[:12]} {entry.get('outcome', '')}")
    if revoke is not None:  # a genuine change for the same place, on the founder's host
        run(owner, "invite", gid, "--revoke", revoke)


def hold(h: Any) -> None:
    """Stop `h`'s relay for a few seconds (a fault healed by tick_faults): the row written
    meanwhile is proposed only once the founder's change has had time to take its place."""
    if h.process is None or h.process.poll() is not None or any(p == h.process.pid for _, p, _ in paused):
        return
    os.kill(h.process.pid, signal.SIGSTOP)
    paused.append((time.monotonic() + rng.uniform(6, 12), h.process.pid, f"race {h.name}"))
    note(f"RACE stop relay {h.name}")

"""A randomized soak of three hosts on loopback, with forged records among the operations.

Usage (from a clone or worktree of the repository, its `.venv` installed with the test tools):

    FAULT_EVERY=5 ATTACK_EVERY=10 .venv/bin/python scripts/soak.py SEED MINUTES [ROOT]

ROOT (default: <temp dir>/peers-soak-SEED, must not exist) holds the three hosts, ops.log
(every operation, fault and attack) and, at the end, forged.json (every forged record, where
it was refused and why); the outcome is printed. CHECK_EVERY (s, default 180) spaces the
checks. Not a test: nothing under tests/ imports it (it runs for
minutes, with real relays and nats-servers). The design is in docs/relay.md, "A randomized
soak of three hosts" and "A randomized soak with forged rows".

Hub A and leaves B, C (tests/relay_helpers.federation, each relay its own session); users
a1, a2, b1, b2, c1, c2 (and up to 6 more invited on the way) in g1 (founded on A), g2 (B), g3
(C). Random operations (send, reply, react, edit, delete, topic, role, remove, invite+join),
faults (SIGSTOP of a leaf's relay or nats-server, SIGKILL of a leaf's or the hub's relay) at
exponential intervals (mean FAULT_EVERY s) and attacks (mean ATTACK_EVERY s):

- rows written straight into one host's group file (peers_tui.testing.forge) signed with keys
  the soak holds: a removed member's post under the state before the removal, a reader's post,
  an outsider's post, a writer's edit of someone else's message, a backdated post, a copy of a
  genuine row of another group, a genuine record with its body (and id, place) altered under
  the old signature, junk rows (wrong types; invalid UTF-8), an invite minted by a writer;
- the same kinds published on a leaf's inbound subject with the leaf relay's credential.

The attackers are users of their own (per host: w writer, r reader, z removed, o outsider;
per leaf: p, a writer for published records), members from the set-up on, never acting
otherwise and never a target of the random operations. Every forged record is listed (kind,
how, host, group, id, hash). Every 3 minutes and at the end, all faults healed and the relays
quiet: (1) no forged record shown as genuine anywhere (absent from `peers log --json` or
"verified": false), none in the file of a host but where it was dropped, each listed by
`peers relay rejected --json` on the host that refused it; (2) the genuine rows (id, body,
edited, deleted, reactions, author, verified) the same set on every host, no id twice, the
members the same; (3) `peers verify` ok everywhere except a host/group holding dropped rows,
where its FAILED lines name exactly those rows (or their forgers); (4) no traceback in any
command's or relay's stderr, every refusal one line.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import traceback
from collections import Counter
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.chdir(REPO)

from tests import relay_helpers as rh  # noqa: E402
from tests.relay_helpers import join_arrived, wait_for  # noqa: E402
from peers_tui.core.encoding import now_ms, record_hash  # noqa: E402
from peers_tui.core.identity import Keypair, fingerprint  # noqa: E402
from peers_tui.core.ids import new_ulid, ulid_text  # noqa: E402
from peers_tui.core.invites import parse_code  # noqa: E402
from peers_tui.core.kinds import RecordKind  # noqa: E402
from peers_tui.relay.envelope import Envelope, in_subject  # noqa: E402
from peers_tui.testing.forge import Forger  # noqa: E402

SEED = int(sys.argv[1])
MINUTES = float(sys.argv[2])
ROOT = Path(sys.argv[3] if len(sys.argv) > 3 else Path(tempfile.gettempdir()) / f"peers-soak-{SEED}")
FAULT_EVERY = float(os.environ.get("FAULT_EVERY", "6"))
ATTACK_EVERY = float(os.environ.get("ATTACK_EVERY", "10"))
CHECK_EVERY = float(os.environ.get("CHECK_EVERY", "180"))
rng = random.Random(SEED)
counts: Counter[str] = Counter()
attack_kinds: Counter[str] = Counter()
fault_kinds: Counter[str] = Counter()
defects: list[str] = []
reasons: Counter[str] = Counter()
recent: list[str] = []
ROOT.mkdir(parents=True)
OPS = open(ROOT / "ops.log", "a")


def say(line: str) -> None:
    print(f"{time.strftime('%H:%M:%S')} {line}", flush=True)


def note(line: str) -> None:
    line = f"{time.strftime('%H:%M:%S')} {line}"
    OPS.write(line + "\n")
    OPS.flush()
    recent.append(line)
    del recent[:-40]


def defect(what: str) -> None:
    counts["defects"] += 1
    defects.append(what)
    say("DEFECT " + what)
    say("  last ops:\n    " + "\n    ".join(recent[-12:]))


def start(host: rh.Host) -> None:
    assert host.process is None or host.process.poll() is not None
    host.process = subprocess.Popen(
        [sys.executable, "-m", "peers_tui", "relay"], env=host.env(), text=True,
        stdout=subprocess.DEVNULL, stderr=open(host.root / "relay.err", "a"),
        start_new_session=True)
    wait_for(lambda: host.process.poll() is not None or bool(host.status().get("running")),
             timeout=30, what=f"relay {host.name}")
    if host.process.poll() is not None:
        defect(f"relay {host.name} exited at start: {host.stderr()[-500:]}")


def one_line(user: Any, args: tuple[str, ...], err: str) -> None:
    if "Traceback" in err or len(err.strip().splitlines()) > 1:
        defect(f"{user.name}: peers {' '.join(args)}: stderr not one line: {err[-800:]}")


def run(user: Any, *args: str) -> Any:
    """A peers command in this process; its outcome classed. The result when it exited 0."""
    counts["ops"] += 1
    try:
        r = user.run(*args)
    except BaseException:  # noqa: BLE001 - a command must never raise
        defect(f"{user.name}: peers {' '.join(args)} raised {traceback.format_exc()[-800:]}")
        return None
    note(f"{user.name}@{user.hub.parent.name}: peers {' '.join(a[:30] for a in args)} -> "
         f"{r.code} {r.err.strip()[:160]}")
    if r.code == 0:
        counts["ok"] += 1
        if "Traceback" in r.err:
            defect(f"traceback in stderr of ok {args}: {r.err[-600:]}")
        return r
    counts["refused"] += 1
    err = r.err.strip()
    key = re.sub(r"[0-9a-z]{20,}|\d+", "#", args[0] + ": " + err)[:90]
    if key not in reasons:
        say(f"first refusal: {user.name}@{user.hub.parent.name} peers {' '.join(args)}: {err}")
    reasons[key] += 1
    if len(err.splitlines()) != 1:
        one_line(user, args, err + "\n(empty or more than one line)")
    else:
        one_line(user, args, err)
    return None


# ---------------------------------------------------------------- set-up
say(f"seed {SEED} minutes {MINUTES} root {ROOT} faults every {FAULT_EVERY}s attacks every {ATTACK_EVERY}s")
hosts = rh.federation(ROOT, ("A", "B", "C"))
A, B, C = hosts
users: dict[str, tuple[Any, rh.Host]] = {}  # name -> (user, host): the soak's honest users
for h in hosts:
    for i in (1, 2):
        n = f"{h.name.lower()}{i}"
        users[n] = (h.user(n), h)
attackers: dict[str, tuple[Any, rh.Host]] = {}  # name -> (user, host)
for h in hosts:
    for role in ("w", "r", "z", "o") + (("p",) if h is not A else ()):
        n = f"{role}{h.name.lower()}"
        attackers[n] = (h.user(n), h)
for h in hosts:
    start(h)
for h in (B, C):
    wait_for(h.link_up, timeout=30, what=f"{h.name} link")
groups: dict[str, str] = {}
founders = {"g1": "a1", "g2": "b1", "g3": "c1"}
for g, f in founders.items():
    groups[g] = users[f][0].ok("create", g).out.strip()
time.sleep(2)
ids: dict[str, str] = {}


def uid(n: str) -> str:
    if n not in ids:
        who = users[n][0] if n in users else attackers[n][0]
        ids[n] = who.ok("id").out.split()[0]
    return ids[n]


def join(u: Any, h: rh.Host, code: str, founder_host: rh.Host) -> None:
    if h is founder_host:
        u.ok("join", code)
    else:
        join_arrived(u, code)


removed_at: dict[str, int] = {}  # group id -> a membership state in which the z users were members
for g, f in founders.items():
    owner, fh = users[f]
    gid = groups[g]
    code = owner.ok("invite", gid, "--uses", "30").out.strip()
    for n in [n for n in users if n != f and (g != "g3" or rng.random() < 0.7)]:
        join(users[n][0], users[n][1], code, fh)
    for n, (u, h) in attackers.items():
        if not n.startswith("o"):
            join(u, h, code, fh)
    joined = {uid(n) for n in attackers if not n.startswith("o")}
    wait_for(lambda: joined <= {m["id"] for m in owner.ok("members", gid, "--json").json()},
             timeout=60, what=f"the attackers' joins in {g} on its founder's host")
    for n in attackers:
        if n.startswith("r"):
            owner.ok("role", gid, uid(n), "reader")
    removed_at[gid] = Forger.membership_head(fh.hub / f"{gid}.db")[0]
    for n in attackers:
        if n.startswith("z"):
            owner.ok("remove", gid, uid(n))
attacker_ids = {uid(n) for n in attackers}
say("set up: " + json.dumps(groups))

# ---------------------------------------------------------------- faults
paused: list[tuple[float, int, str]] = []  # (resume at, pid, what)
dead: list[tuple[float, rh.Host]] = []


def fault() -> None:
    kind = rng.choices(["stop_relay", "stop_nats", "kill_leaf", "kill_hub"], [3, 3, 2, 1])[0]
    h = rng.choice([B, C]) if kind != "kill_hub" else A
    if h.process is None or h.process.poll() is not None or any(x is h for _, x in dead):
        return
    counts["faults"] += 1
    fault_kinds[kind] += 1
    if kind in ("stop_relay", "stop_nats"):
        try:
            pid = h.process.pid if kind == "stop_relay" else h.nats_pid()
        except (OSError, ValueError):
            return
        if any(p == pid for _, p, _ in paused):
            return
        dur = rng.uniform(1, 20)
        os.kill(pid, signal.SIGSTOP)
        paused.append((time.monotonic() + dur, pid, f"{kind} {h.name}"))
        note(f"FAULT {kind} {h.name} pid {pid} for {dur:.1f}s")
    else:
        for item in list(paused):  # anything stopped resumed first, so the kill is clean
            try:
                os.kill(item[1], signal.SIGCONT)
            except OSError:
                pass
            paused.remove(item)
        h.process.send_signal(signal.SIGKILL)
        h.process.wait(10)
        down = rng.uniform(0.5, 10) if kind == "kill_leaf" else rng.uniform(0.2, 3)
        dead.append((time.monotonic() + down, h))
        note(f"FAULT {kind} {h.name} down {down:.1f}s")


def tick_faults(force: bool = False) -> None:
    now = time.monotonic()
    for item in list(paused):
        if force or item[0] <= now:
            try:
                os.kill(item[1], signal.SIGCONT)
            except OSError:
                pass
            paused.remove(item)
            note(f"resume {item[2]}")
    for item in list(dead):
        if force or item[0] <= now:
            dead.remove(item)
            start(item[1])
            note(f"restarted {item[1].name}")


# ---------------------------------------------------------------- operations
EMOJI = ["👍", "🎉", "❤", "😂"]
extra = 0
cache_at: dict[str, int] = {}
roles: dict[str, dict[str, str]] = {}


def member_ids(user: Any, gid: str) -> list[dict[str, Any]]:
    r = user.run("members", gid, "--json")
    return [m for m in r.json() if m.get("id") not in attacker_ids] if r.code == 0 else []


def pick_msg(user: Any, gid: str, own: str | None = None) -> dict[str, Any] | None:
    r = user.run("log", gid, "--json", "--limit", "40")
    if r.code != 0:
        return None
    msgs = [m for m in r.json() if not m.get("deleted") and m.get("verified", True)]
    if own is not None:
        msgs = [m for m in msgs if m.get("author_id") == own]
    return rng.choice(msgs) if msgs else None


def op() -> None:
    global extra
    g = rng.choice(list(groups))
    gid = groups[g]
    kind = rng.choices(["send", "reply", "edit", "delete", "react", "topic", "invite", "role",
                        "remove", "reinvite"], [30, 10, 8, 5, 10, 3, 3, 4, 2, 3])[0]
    if counts["ops"] - cache_at.get(gid, -999) > 25:
        cache_at[gid] = counts["ops"]
        roles[gid] = {m["id"]: m["role"] for m in member_ids(users[founders[g]][0], gid)}
    byid = {uid(x): x for x in users}
    active = [byid[i] for i in roles.get(gid, {}) if i in byid]
    admins = [byid[i] for i, r in roles.get(gid, {}).items() if i in byid and r in ("owner", "admin")]
    pool = admins if kind in ("topic", "invite", "role", "remove", "reinvite") and admins else active
    n = rng.choice(pool) if pool and rng.random() < 0.9 else rng.choice(list(users))
    u, h = users[n]
    body = f"{n}-{counts['ops']}-{rng.randrange(10**6)}"
    if kind == "send":
        run(u, "send", gid, body)
    elif kind == "reply":
        m = pick_msg(u, gid)
        if m:
            run(u, "send", "--reply-to", m["id"], gid, body)
    elif kind in ("edit", "delete"):
        m = pick_msg(u, gid, own=uid(n))
        if m:
            run(u, *(("edit", gid, m["id"], "edited " + body) if kind == "edit"
                     else ("delete", gid, m["id"])))
    elif kind == "react":
        m = pick_msg(u, gid)
        if m:
            run(u, "react", gid, m["id"], rng.choice(EMOJI))
    elif kind == "topic":
        run(u, "topic", gid, "topic " + body)
    elif kind in ("role", "remove"):
        ms = [m for m in member_ids(u, gid) if m.get("id") != uid(n)]
        if ms:
            t = rng.choice(ms)
            if kind == "role":
                run(u, "role", gid, t["id"], rng.choice(["admin", "writer", "reader", "writer"]))
            else:
                run(u, "remove", gid, t["id"])
    elif kind in ("invite", "reinvite"):
        if kind == "invite" and extra < 6:
            extra += 1
            hh = rng.choice(hosts)
            nn = f"x{extra}{hh.name.lower()}"
            users[nn] = (hh.user(nn), hh)
            target = nn
        else:
            present = {m.get("id") for m in member_ids(u, gid)}
            cands = [x for x in users if uid(x) not in present]
            if not cands:
                return
            target = rng.choice(cands)
        r = run(u, "invite", gid)
        if r is None:
            return
        code = r.out.strip()
        tu = users[target][0]
        deadline = time.monotonic() + 12
        while True:
            res = run(tu, "join", code)
            if res is not None or time.monotonic() > deadline or "arrived yet" not in recent[-1]:
                break
            time.sleep(0.5)
            tick_faults()


# ---------------------------------------------------------------- attacks
forged: list[dict[str, Any]] = []  # kind, how, host, group, id, key, hash, forger, body, target
FILE_KINDS = ["removed", "reader", "outsider", "edit_other", "backdated", "copy_other_group",
              "altered_body", "junk_types", "junk_utf8", "invite_writer"]
PUBLISH_KINDS = ["removed", "reader", "outsider", "edit_other", "backdated", "copy_other_group",
                 "altered_body", "junk_text", "junk_utf8", "invite_writer"]
DAY = 86_400_000


def reader_of(h: rh.Host) -> Any:
    return next(u for u, hh in users.values() if hh is h)


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
        note(f"ATTACK {kind} {how} {h.name} {g} not made: {exc}")
        counts["attacks not made"] += 1
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


def publish(h: rh.Host, gid: str, record: Any) -> str:
    import nats

    try:
        return published(h, gid, record, through)
    except (nats.errors.Error, asyncio.TimeoutError, OSError) as exc:  # its server stopped
        return exc.__class__.__name__


def through(host: rh.Host, action: Any) -> str:
    """`action(nc, js)` with a client on `host`'s own server connected as its relay is (as
    tests/cli/test_relay_attacks.through, quiet: no reconnects, no error printed)."""
    import nats

    from peers_tui.relay.config import client_url, inbox_prefix, load_config

    async def quiet_error(exc: Exception) -> None:
        pass

    async def go() -> str:
        config = load_config(host.hub)
        nc = await nats.connect(client_url(config), inbox_prefix=inbox_prefix(config.name),
                                connect_timeout=2, error_cb=quiet_error)
        try:
            await action(nc, nc.jetstream(domain="hub"))
            return "done"
        except (nats.errors.Error, asyncio.TimeoutError, OSError) as exc:
            return exc.__class__.__name__
        finally:
            try:
                await nc.close()
            except (nats.errors.Error, asyncio.CancelledError, OSError):
                pass

    async def bounded() -> str:
        try:
            return await asyncio.wait_for(go(), 15)
        except asyncio.TimeoutError:
            return "no answer in 15 s"

    return asyncio.run(bounded())


def published(h: rh.Host, gid: str, record: Any, through: Any) -> str:
    if isinstance(record, bytes):
        headers = {"Nats-Msg-Id": f"junk-{rng.randrange(10**12)}", "Peers-Table": "msg",
                   "Peers-Origin": h.name, "Peers-Group": gid, "Peers-Sig": ""}

        async def raw(nc: Any, js: Any) -> None:
            await js.publish(in_subject(h.name, gid), record, headers=headers, timeout=2.0)
        return through(h, raw)
    table, text, sig = record
    envelope = Envelope(gid, table, text, sig, None, h.name)

    async def action(nc: Any, js: Any) -> None:
        await js.publish(in_subject(h.name, gid), envelope.payload(), headers=envelope.headers(),
                         timeout=2.0)
    return through(h, action)


# ---------------------------------------------------------------- checks
def raw_has(db: Path, entry: dict[str, Any]) -> str:
    """Where `db` holds the forged record ("" if nowhere): message, invite, fork_evidence..."""
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
    except sqlite3.Error:
        return ""
    conn.text_factory = lenient
    found = []
    try:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if entry["key"]:
            if conn.execute("SELECT 1 FROM invite WHERE key = ?", (entry["key"],)).fetchone():
                found.append("invite")
        elif entry["id"] and conn.execute("SELECT 1 FROM message WHERE id = ?", (entry["id"],)).fetchone():
            found.append("message")
        text = entry.get("text")
        for table in sorted(tables - {"message", "invite"}):
            cols = [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]
            if text and "record" in cols and conn.execute(
                    f"SELECT 1 FROM {table} WHERE record = ?", (text,)).fetchone():
                found.append(table)
    except sqlite3.Error as exc:
        found.append(f"unreadable: {exc}")
    finally:
        conn.close()
    return ",".join(found)


def snapshot(h: rh.Host, gid: str, dropped: set[str]) -> dict[str, Any] | None:
    for n, (u, hh) in users.items():
        if hh is not h:
            continue
        r = u.run("log", gid, "--json", "--limit", "10000000")
        one_line(u, ("log", gid), r.err) if r.code else None
        if r.code != 0:
            continue
        msgs = r.json()
        shown = {m.get("id"): m for m in msgs}
        keyset = [(m.get("id"), m.get("body"), bool(m.get("edited")), bool(m.get("deleted")),
                   json.dumps(m.get("reactions"), sort_keys=True), m.get("author"),
                   m.get("verified")) for m in msgs if m.get("id") not in dropped]
        mem = u.run("members", gid, "--json")
        memset = sorted(json.dumps({k: v for k, v in x.items() if k not in ("present", "hosts")},
                                   sort_keys=True) for x in (mem.json() if mem.code == 0 else []))
        v = u.run("verify", gid)
        one_line(u, ("verify", gid), v.err) if "Traceback" in v.err else None
        lines = [x for x in v.out.splitlines() if x.startswith("FAILED")]
        return {"log": keyset, "shown": shown, "members": memset, "verify": (v.code, lines),
                "who": n, "ids": [m.get("id") for m in msgs]}
    return None


def quiet() -> bool:
    for h in hosts:
        s = h.status()
        if not s.get("running"):
            return False
        if h is not A and not s.get("link", {}).get("up"):
            return False
        if s.get("unsent") or s.get("waiting"):
            return False
    return True


def rejected_hashes(h: rh.Host) -> dict[str, str]:
    r = h.peers().run("relay", "rejected", "--json")
    one_line(h.peers(), ("relay", "rejected"), r.err) if "Traceback" in r.err else None
    out = {}
    for line in r.out.splitlines():
        try:
            row = json.loads(line)
        except ValueError:
            defect(f"relay rejected --json on {h.name}: not JSON: {line[:200]}")
            continue
        out[str(row.get("hash"))] = f"{row.get('host')}: {row.get('reason')}"
    return out


def named(line: str, entry: dict[str, Any]) -> bool:
    if entry["id"] and entry["id"] in line:
        return True
    if entry["key"] and f"invite {entry['key'][:8]}" in line:
        return True
    return False


def check(label: str) -> None:
    counts["checks"] += 1
    tick_faults(force=True)
    began = time.monotonic()
    try:
        wait_for(quiet, timeout=45, what="quiet")
    except AssertionError:
        defect(f"[{label}] not quiet after 45 s: " + "; ".join(
            f"{h.name}: {json.dumps({k: h.status().get(k) for k in ('running', 'link', 'unsent', 'waiting', 'rejected')})}"
            for h in hosts))
    drops = {(e["host"], e["gid"]) for e in forged if e["how"] == "file"}
    dropped = {e["id"] for e in forged if e["id"]}
    snaps: dict[str, dict[str, Any]] = {}
    for _ in range(10):
        snaps = {g: {h.name: snapshot(h, gid, dropped) for h in hosts} for g, gid in groups.items()}
        if all(len({json.dumps({k: s[k] for k in ("log", "members")}, sort_keys=True) if s else None
                    for s in per.values()}) == 1 for per in snaps.values()):
            break
        time.sleep(3)
    took = time.monotonic() - began
    problems: list[str] = []
    # (2) the genuine rows the same set everywhere, no id twice, members the same
    for g, per in snaps.items():
        present = {k: s for k, s in per.items() if s}
        for k, s in present.items():
            if len(s["ids"]) != len(set(s["ids"])):
                problems.append(f"{g} {k}: duplicate ids")
        names = list(present)
        if len(names) != 3:
            problems.append(f"{g}: missing on {set('ABC') - set(names)}")
        for other in names[1:]:
            x, y = present[names[0]], present[other]
            sx, sy = set(x["log"]), set(y["log"])
            if sx != sy:
                problems.append(f"{g} log {names[0]} vs {other}: only {names[0]}: {sorted(sx - sy)[:4]}"
                                f" only {other}: {sorted(sy - sx)[:4]}")
            if x["members"] != y["members"]:
                problems.append(f"{g} members {names[0]} vs {other} differ")
    # (1) no forgery shown as genuine, none where it was not dropped, each refused where met
    rejected = {h.name: rejected_hashes(h) for h in hosts}
    reached = 0
    for e in forged:
        for h in hosts:
            s = snaps[e["group"]].get(h.name)
            if s is None:
                continue
            m = s["shown"].get(e["id"]) if e["id"] else None
            if m is not None and m.get("verified") is not False:
                problems.append(f"forged {e['how']} {e['kind']} {e['id']} (dropped on {e['host']}) "
                                f"shown as genuine on {h.name}")
            if e["target"]:
                t = s["shown"].get(e["target"])
                if t is not None and t.get("body") == e["body"]:
                    problems.append(f"forged edit {e['id']} changed {e['target']} on {h.name}")
            if e["how"] == "file" and h.name == e["host"]:
                continue
            where = raw_has(h.hub / f"{e['gid']}.db", e)
            if where and not {"message", "invite"} & set(where.split(",")):
                e.setdefault("elsewhere", {})[h.name] = where  # kept as evidence, not a record
            elif where:
                reached += 1
                problems.append(f"forged {e['how']} {e['kind']} {e['id'] or e['key']} (made on "
                                f"{e['host']}) in {h.name}'s file: {where}")
        if e["hash"] and not (e["how"] == "publish" and e.get("outcome") != "done"):
            refuser = "A" if e["how"] == "publish" else e["host"]
            if e["hash"] not in rejected[refuser]:
                e.setdefault("unlisted", label)
            elif "listed" not in e:
                e["listed"] = rejected[refuser][e["hash"]]
    # (3) verify: clean but where rows were dropped; there it names those rows only
    for g, per in snaps.items():
        gid = groups[g]
        for k, s in per.items():
            if not s:
                continue
            code, lines = s["verify"]
            mine = [e for e in forged if e["how"] == "file" and e["host"] == k and e["gid"] == gid]
            if (k, gid) not in drops:
                if code != 0:
                    problems.append(f"{g} {k}: verify {code} {lines[:3]}")
                continue
            fps = {fingerprint(e["forger"]) for e in mine}
            stray = [x for x in lines if not any(named(x, e) for e in mine)
                     and not any(f"author {fp}" in x for fp in fps)]
            # A row the relay took out of the file (a post beyond a cut: relay/voided.py) is
            # no longer there to be named; it must be listed as refused on that host instead.
            held = [e for e in mine if not e["hash"] or {"message", "invite"} & set(
                raw_has(A.hub.parent.parent / k / "hub" / f"{gid}.db", e).split(","))]
            for e in mine:
                if e not in held:
                    e["taken out"] = True
                    if e["hash"] not in rejected[k]:
                        problems.append(f"{g} {k}: forged {e['kind']} {e['id'] or e['key']} gone "
                                        "from the file and not listed as refused")
            unnamed = [f"{e['kind']} {e['id'] or e['key']}" for e in held
                       if not any(named(x, e) for x in lines)]
            if stray:
                problems.append(f"{g} {k}: verify names what was not forged: {stray[:4]}")
            if unnamed:
                problems.append(f"{g} {k}: verify does not name forged rows: {unnamed[:6]}")
    sizes = {g: {k: len(s["log"]) if s else None for k, s in per.items()} for g, per in snaps.items()}
    unlisted = [f"{e['how']} {e['kind']} on {e['host']}" for e in forged if e.get("unlisted") and "listed" not in e]
    say(f"check {label}: {took:.1f}s counts={dict(counts)} sizes={sizes} "
        f"rejected={ {h.name: len(r) for h, r in zip(hosts, rejected.values())} } "
        f"forged={len(forged)} not listed (yet)={len(unlisted)}")
    if problems:
        defect(f"[{label}] " + " | ".join(problems)[:4000])


# ---------------------------------------------------------------- main loop
try:
    end = time.monotonic() + MINUTES * 60
    next_check = time.monotonic() + CHECK_EVERY
    next_fault = time.monotonic() + 5
    next_attack = time.monotonic() + rng.expovariate(1 / ATTACK_EVERY)
    while time.monotonic() < end:
        tick_faults()
        if time.monotonic() > next_fault:
            fault()
            next_fault = time.monotonic() + rng.expovariate(1 / FAULT_EVERY)
        if time.monotonic() > next_attack:
            attack()
            next_attack = time.monotonic() + rng.expovariate(1 / ATTACK_EVERY)
        op()
        if time.monotonic() > next_check:
            check(f"mid{counts['checks']}")
            next_check = time.monotonic() + CHECK_EVERY
    check("final")
    for h in hosts:
        err = h.stderr()
        if "Traceback" in err:
            defect(f"relay {h.name} stderr has a traceback: {err[err.find('Traceback') - 200:][:1500]}")
finally:
    for pid in [p for _, p, _ in paused]:
        try:
            os.kill(pid, signal.SIGCONT)
        except OSError:
            pass
    for h in hosts:
        if h.process and h.process.poll() is None:
            h.process.terminate()
            try:
                h.process.wait(15)
            except subprocess.TimeoutExpired:
                h.process.kill()
    (ROOT / "forged.json").write_text(json.dumps(forged, indent=1, default=str))
    say(f"END seed {SEED} counts={dict(counts)} faults={dict(fault_kinds)} defects={len(defects)}")
    say(f"attacks: {dict(attack_kinds)}")
    for e in forged:
        if "listed" in e:
            reasons[f"listed {e['how']} {e['kind']}: {re.sub(r'[0-9]+', '#', e['listed'])[:80]}"] += 1
        elif e["hash"] and not (e["how"] == "publish" and e.get("outcome") != "done"):
            reasons[f"NOT listed {e['how']} {e['kind']} on {e['host']}"] += 1
        if e.get("taken out"):
            reasons[f"taken out of the file {e['how']} {e['kind']}"] += 1
        if e.get("elsewhere"):
            reasons[f"kept elsewhere {e['how']} {e['kind']}: {sorted(e['elsewhere'].items())}"] += 1
        if e["how"] == "publish" and e.get("outcome") != "done":
            reasons[f"publish not done: {e.get('outcome')}"] += 1
    for d in defects:
        say("  " + d[:600])
    for k, v in reasons.most_common(60):
        say(f"  {v}: {k}")

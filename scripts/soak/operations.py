"""The soak's honest users at work: random operations (send, reply, edit, delete, react,
topic, role, remove, invite and join) by random members, each command's outcome classed
(done, or refused in one line of stderr; a traceback or a raise is a defect)."""

from __future__ import annotations

import re
import time
import traceback
from typing import Any

from scripts.soak.faults import tick_faults
from scripts.soak.hosts import attacker_ids, founders, groups, hosts, uid, users
from scripts.soak.journal import counts, defect, note, reasons, recent, rng, say


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

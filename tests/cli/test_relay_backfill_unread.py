"""After `peers join` on a new host, the history the backfill brings is not unread (nor its
@mentions mentions) once the newest message is read; what arrives live afterwards is, also a
late message from a host that was cut off (an old id, stored late), mentions included
(core/joined_history.py). Three hosts on loopback: hub A, leaves B (the joiner's) and C (cut
off through a proxy)."""

from __future__ import annotations

import json
import sqlite3
import time
from typing import Any

import pytest

from peers_tui.core.account import Account
from tests.cli.test_relay_partition import through_proxy
from tests.relay_helpers import Host, federation, stop_all, wait_for

HISTORY = 2_500  # the newest page (500) with the join, two walk pages of 1,000 behind it
MENTIONS = 25  # of dave, spread over the old history


def history_lines(count: int) -> list[str]:
    start = int(time.time()) - 5 * 86_400
    return [json.dumps({"id": f"old-{i}", "author": "old",
                        "body": f"old {i}" + (" @dave look" if i % (count // MENTIONS) == 7 else ""),
                        "created_at": start + i}) for i in range(count)]


def message_count(host: Host, group_id: str) -> int:
    path = host.hub / f"{group_id}.db"
    if not path.exists():
        return 0
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        return int(db.execute("SELECT COUNT(*) FROM message").fetchone()[0])


def stored_id(host: Host, group_id: str, body: str) -> str | None:
    """The id of the message with `body` in the host's file (read there: `peers log` would
    move the reader's read marker)."""
    with sqlite3.connect(f"file:{host.hub / f'{group_id}.db'}?mode=ro", uri=True) as db:
        row = db.execute("SELECT id FROM message WHERE body = ?", (body,)).fetchone()
    return None if row is None else str(row[0])


def team_row(user: Any) -> dict[str, Any]:
    return next(g for g in user.ok("groups", "--json").json() if g["name"] == "team")


def counts(user: Any) -> tuple[int, int]:
    row = team_row(user)
    return row["unread"], row["mentions"]


def joined_with_history(tmp_path: Any) -> tuple[list[Host], Any, dict[str, Any]]:
    """alice founds 'team' on hub A with HISTORY old messages (MENTIONS of them naming dave),
    carol joins on C (through a proxy the test can cut), then dave joins on B and the whole
    history arrives there; dave reads the newest message."""
    hub, b, c = hosts = federation(tmp_path, ("A", "B", "C"))
    proxy = through_proxy(c, hub)
    alice, carol, dave = hub.user("alice"), c.user("carol"), b.user("dave")
    group_id = alice.ok("create", "team").out.strip()
    code = alice.ok("invite", "team", "--uses", "2").out.strip()
    for host in hosts:
        host.start()
    wait_for(c.link_up, what="C's link")
    wait_for(lambda: carol.run("join", code).code == 0, what="carol's join")
    Account(alice.home, alice.hub).import_history("team", history_lines(HISTORY))
    alice.ok("send", "team", "the newest before dave")
    from benchmarks.relay_join import fed_messages
    wait_for(lambda: fed_messages(hub.hub, group_id) >= HISTORY + 1, timeout=60,
             what="the history published")
    wait_for(b.link_up, what="B's link")
    dave.ok("join", code)
    total = HISTORY + 1
    wait_for(lambda: message_count(b, group_id) >= total, timeout=120, what="the history on B")
    wait_for(lambda: "earlier history not yet received" not in dave.ok(
        "log", "team", "--limit", "3").err, timeout=30, what="the frontier closed")
    newest = dave.ok("log", "team", "--json", "--limit", "1").json()[-1]
    assert newest["body"] == "the newest before dave"
    Account(dave.home, dave.hub).mark_read(group_id, newest["id"])  # what the TUI does
    return hosts, proxy, {"alice": alice, "carol": carol, "dave": dave, "group_id": group_id}


@pytest.fixture
def joined(tmp_path):
    hosts, proxy, made = joined_with_history(tmp_path)
    made["hosts"], made["proxy"] = hosts, proxy
    yield made
    stop_all(hosts)
    proxy.close()


@pytest.mark.slow
def test_backfilled_history_is_not_unread_but_live_and_late_messages_are(joined):
    alice, carol, dave = joined["alice"], joined["carol"], joined["dave"]
    hub, b, c = joined["hosts"]
    proxy = joined["proxy"]
    assert counts(dave) == (0, 0), team_row(dave)  # 2,500 backfilled, 25 naming dave

    alice.ok("send", "team", "live from A")
    group_id = joined["group_id"]
    wait_for(lambda: stored_id(b, group_id, "live from A"), what="A's post on B")
    assert counts(dave) == (1, 0)

    # carol writes while C is cut off; alice writes after her: carol's post, arriving when the
    # link returns, sorts before messages B already has.
    proxy.cut()
    wait_for(lambda: not c.link_up(), what="C to see the cut")
    carol.ok("send", "team", "late from C for @dave")
    time.sleep(0.01)
    alice.ok("send", "team", "A after the cut")
    wait_for(lambda: stored_id(b, group_id, "A after the cut"), what="A's second post on B")
    assert counts(dave) == (2, 0)
    proxy.restore()
    late = wait_for(lambda: stored_id(b, group_id, "late from C for @dave"), timeout=30,
                    what="C's late post on B")
    assert late < str(stored_id(b, group_id, "A after the cut"))  # an old id, stored late
    assert counts(dave) == (3, 1)

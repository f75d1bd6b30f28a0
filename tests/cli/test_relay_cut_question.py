"""A leaf's `Peers-Cut-Of` question names its group in the subject only (docs/relay.md,
"Thirteenth attack pass"). The hub took the subject's last token as the group id and opened
`<hub>/<token>.db`: a token is any text without a dot, so `peers.order.B./some/dir/name`
made the hub open `/some/dir/name.db`, under its relay lock, and say whether it was there
("the hub does not have group ..." against "the hub could not decide (DamagedDatabase)"),
for any path of the hub host the relay's user can read. A question about anything but a
group id is now answered as any malformed request, before a file is looked for.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

import pytest

from peers_tui.relay.hub_cut import CUT_OF
from peers_tui.testing.forge import Forger
from tests.cli.test_relay_attacks import through
from tests.relay_helpers import team_on_two_hosts, wait_for

pytestmark = pytest.mark.slow


def test_a_cut_question_naming_a_path_opens_nothing(tmp_path):
    secret = tmp_path / "secret"
    secret.mkdir()
    sqlite3.connect(secret / "accounts.db").execute("CREATE TABLE t (x)").connection.close()
    with team_on_two_hosts(tmp_path) as (hosts, alice, bob, code):
        hub, leaf = hosts
        answers: dict[str, Any] = {}

        def ask(name: str):
            async def action(nc: Any, js: Any) -> None:
                reply = await nc.request(f"peers.order.B.{name}", b"", timeout=5,
                                         headers={CUT_OF: Forger(alice.home).user_id})
                answers[name] = json.loads(reply.data)
            return action

        there, missing = str(secret / "accounts"), str(secret / "none")
        assert "." not in there
        assert through(leaf, ask(there)) == "done" and through(leaf, ask(missing)) == "done"
        assert answers[there] == answers[missing] == {
            "ok": False, "reason": "not an order request"}, answers
        assert sorted(p.name for p in secret.iterdir()) == ["accounts.db"]


def test_a_leaf_asking_in_a_loop_gets_a_share_of_the_hubs_time(tmp_path, monkeypatch):
    """Each question walks the member's whole chain on the hub's event loop, under its relay
    lock (0.65 s of CPU for 100,000 records): a leaf asking in a loop held the hub still.
    Each host now has BURST seconds of it at once, then a tenth of the time passing (a
    burst of 0.02 s here, so that a chain of some hundred records uses it up)."""
    monkeypatch.setenv("PEERS_RELAY_CUT_BURST", "0.02")
    with team_on_two_hosts(tmp_path) as (hosts, alice, bob, code):
        hub, leaf = hosts
        lines = "".join(json.dumps({"id": str(n), "author": "old", "body": f"m{n}",
                                    "created_at": 1_600_000_000 + n}) + "\n" for n in range(3000))
        alice.ok("import", "team", "-", stdin=lines)
        # The join asks the hub for its place in the membership order and gives it 3 s; the
        # hub's relay publishing the 3,000 meanwhile took longer beside other suites (a run
        # failed "no answer from the hub within 3 s"). Not this test's matter: it waits.
        wait_for(lambda: hub.status().get("unsent") == 0, timeout=60,
                 what="the import published by the hub")
        bob.ok("join", code)
        team = next(g["id"] for g in bob.ok("groups", "--json").json() if g["name"] == "team")
        answers: list[dict[str, Any]] = []

        async def questions(nc: Any, js: Any) -> None:
            for _ in range(40):
                reply = await nc.request(f"peers.order.B.{team}", b"", timeout=5,
                                         headers={CUT_OF: Forger(alice.home).user_id})
                answers.append(json.loads(reply.data))

        assert through(leaf, questions) == "done"
        assert answers[0]["ok"] and answers[0]["cut"][0] > 3000, answers[0]
        busy = [a for a in answers if not a["ok"]]
        assert busy and all("try again in" in a["reason"] for a in busy), answers

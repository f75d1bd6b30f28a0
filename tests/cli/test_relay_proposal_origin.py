"""A membership proposal's `Peers-Origin` header (docs/relay.md, "Thirteenth attack pass").
The hub's intake takes a record from a leaf only in that leaf's own name ("a leaf speaks only
for itself"); the sequencer took the proposal's header as it came, and published the change
into the federation stream under it: leaf B's change went to every host as C's (a refusal
of it anywhere counted against C, its arrival noted from C), or under any text at all. The
sequencer now names the host whose subject the proposal came on.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

import pytest

from peers_tui.relay.envelope import FED_STREAM, Envelope, fed_subject
from peers_tui.testing.forge import Forger
from tests.cli.test_relay_attacks import through
from tests.relay_helpers import team_on_two_hosts, wait_for

pytestmark = pytest.mark.slow


def test_a_proposal_goes_out_in_its_own_hosts_name(tmp_path):
    with team_on_two_hosts(tmp_path) as (hosts, alice, bob, code):
        hub, leaf = hosts
        bob.ok("join", code)
        team = next(g["id"] for g in bob.ok("groups", "--json").json() if g["name"] == "team")
        scratch = tmp_path / "scratch.db"
        with sqlite3.connect(leaf.hub / f"{team}.db") as source, sqlite3.connect(scratch) as copy:
            source.backup(copy)  # with what its WAL holds
        seq = Forger(bob.home).set_handle(scratch, team, "bobby")
        with sqlite3.connect(scratch) as db:
            text, sig = db.execute("SELECT record, sig FROM group_members WHERE seq = ?",
                                   (seq,)).fetchone()
        envelope = Envelope(team, "member", text, sig, None, "C")
        answers: list[dict[str, Any]] = []
        origins: list[str] = []

        async def propose(nc: Any, js: Any) -> None:
            reply = await nc.request(f"peers.order.B.{team}", envelope.payload(), timeout=5,
                                     headers=envelope.headers())
            answers.append(json.loads(reply.data))

        async def last_change(nc: Any, js: Any) -> None:
            found = await js.get_last_msg(FED_STREAM, fed_subject(team, "member"))
            origins.append((found.headers or {}).get("Peers-Origin", ""))

        assert through(leaf, propose) == "done" and answers == [{"ok": True}], answers
        wait_for(lambda: "bobby" in [m["handle"] for m in alice.ok("members", "team", "--json")
                                     .json()], what="the handle on A")
        assert through(hub, last_change) == "done" and origins == ["B"], origins

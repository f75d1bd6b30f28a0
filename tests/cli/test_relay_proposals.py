"""Membership proposals a leaf sends the hub's sequencer (docs/relay.md, "Thirteenth attack
pass"), signed as a modified client would and sent straight on the leaf's order subject.

- Its `Peers-Origin` header: the hub's intake takes a record from a leaf only in that leaf's
  own name ("a leaf speaks only for itself"); the sequencer took the header as it came and
  published the change into the federation stream under it: leaf B's change went to every
  host as C's (a refusal of it anywhere counted against C), or under any text at all. The
  sequencer now names the host whose subject the proposal came on.
- A change signed in the year 9997 by an admin: an admin's signed time carries on to every
  later event (core/events.py) and bounds every invite's expiry (README rule 6), so one
  such change placed every later join, role change and removal in 9997, below every
  message, and expired every invite with an expiry, for good, even once the admin was
  removed. The hub, where changes are sequenced, refuses a change signed more than a day
  past its clock, as it refuses such a message.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from peers_tui.relay.envelope import FED_STREAM, Envelope, fed_subject
from peers_tui.testing.forge import Forger
from tests.cli.test_relay_attacks import through
from tests.relay_helpers import Host, team_on_two_hosts, wait_for

pytestmark = pytest.mark.slow

FAR = 253_370_764_799_999 - 400 * 86_400_000  # late in the year 9997


def _signed(leaf: Host, team: str, scratch: Path, sign: Callable[[Path], int]) -> tuple[str, bytes]:
    """A change signed against the leaf's file as it is, written only into a copy of it."""
    with sqlite3.connect(leaf.hub / f"{team}.db") as source, sqlite3.connect(scratch) as copy:
        source.backup(copy)  # with what its WAL holds
    seq = sign(scratch)
    with sqlite3.connect(scratch) as db:
        text, sig = db.execute("SELECT record, sig FROM group_members WHERE seq = ?",
                               (seq,)).fetchone()
    return text, sig


def _propose(leaf: Host, team: str, envelope: Envelope) -> dict[str, Any]:
    answers: list[dict[str, Any]] = []

    async def propose(nc: Any, js: Any) -> None:
        reply = await nc.request(f"peers.order.B.{team}", envelope.payload(), timeout=5,
                                 headers=envelope.headers())
        answers.append(json.loads(reply.data))

    assert through(leaf, propose) == "done"
    return answers[0]


def _handles(user) -> list[str]:
    return [m["handle"] for m in user.ok("members", "team", "--json").json()]


def test_a_proposal_goes_out_in_its_own_hosts_name(tmp_path):
    with team_on_two_hosts(tmp_path) as (hosts, alice, bob, code):
        hub, leaf = hosts
        bob.ok("join", code)
        team = next(g["id"] for g in bob.ok("groups", "--json").json() if g["name"] == "team")
        text, sig = _signed(leaf, team, tmp_path / "scratch.db", lambda db: Forger(
            bob.home).set_handle(db, team, "bobby"))
        assert _propose(leaf, team, Envelope(team, "member", text, sig, None, "C")) == {"ok": True}
        wait_for(lambda: "bobby" in _handles(alice), what="the handle on A")
        origins: list[str] = []

        async def last_change(nc: Any, js: Any) -> None:
            found = await js.get_last_msg(FED_STREAM, fed_subject(team, "member"))
            origins.append((found.headers or {}).get("Peers-Origin", ""))

        assert through(hub, last_change) == "done" and origins == ["B"], origins


def test_the_hub_refuses_an_admins_change_signed_in_the_year_9997(tmp_path):
    with team_on_two_hosts(tmp_path) as (hosts, alice, bob, code):
        hub, leaf = hosts
        bob.ok("join", code)
        alice.ok("role", "team", "bob", "admin")
        wait_for(lambda: any(m["role"] == "admin" for m in bob.ok("members", "team", "--json")
                             .json()), what="bob an admin on B")
        team = next(g["id"] for g in bob.ok("groups", "--json").json() if g["name"] == "team")
        text, sig = _signed(leaf, team, tmp_path / "scratch.db", lambda db: Forger(
            bob.home).set_handle(db, team, "bobby", t=FAR))
        answer = _propose(leaf, team, Envelope(team, "member", text, sig, None, "B"))
        assert answer.get("ok") is False and "ahead of the hub's clock" in answer["reason"], answer
        hub.user("carol").ok("join", alice.ok("invite", "team", "--expires", "1h").out.strip())
        assert "bobby" not in _handles(alice) and "carol" in _handles(alice)  # (had expired)

"""A leaf replaying the federation's own records back to the hub with altered headers
(fifteenth attack pass): every record the hub carried for the group, read back from
`PEERS_FED` with leaf B's credentials and published on B's own subject under a new
`Nats-Msg-Id` (past the inbound stream's duplicate window), another host's name as
`Peers-Origin`, and each other `Peers-Table`. Nothing may change: no record is carried twice,
nothing is refused in another host's name, no host's file or verdict moves.

Three hosts on loopback (hub A, leaves B and C; real nats-servers and relays), the attacker
a nats-py client on B's own server, as B's relay is.
"""

from __future__ import annotations

import dataclasses
import uuid
from typing import Any

import pytest

from peers_tui.relay.envelope import FED_STREAM, TABLES, Envelope, from_message, in_subject
from tests.cli.test_relay_attacks import crosses, drained, through
from tests.relay_helpers import Refusals, bodies, three_hosts, wait_for

pytestmark = [pytest.mark.slow]


def read_federation(group_id: str, into: list[Envelope]) -> Any:
    async def action(nc: Any, js: Any) -> None:
        info = await js.stream_info(FED_STREAM, subjects_filter=f"peers.fed.{group_id}.>")
        for seq in range(info.state.first_seq, info.state.last_seq + 1):
            try:
                msg = await js.get_msg(FED_STREAM, seq)
            except Exception:  # another group's, or gone
                continue
            if msg.subject.startswith(f"peers.fed.{group_id}."):
                into.append(from_message(msg.data, msg.headers, "?"))
    return action


def replay(group_id: str, envelopes: list[Envelope]) -> Any:
    async def action(nc: Any, js: Any) -> None:
        for envelope in envelopes:
            for origin in ("A", "C"):
                for table in TABLES:
                    headers = {**dataclasses.replace(envelope, table=table,
                                                     origin=origin).headers(),
                               "Nats-Msg-Id": uuid.uuid4().hex}
                    await js.publish(in_subject("B", group_id), envelope.payload(),
                                     headers=headers, timeout=5.0)
    return action


def fed_count(group_id: str, found: dict[str, int]) -> Any:
    async def action(nc: Any, js: Any) -> None:
        info = await js.stream_info(FED_STREAM, subjects_filter=f"peers.fed.{group_id}.>")
        found["n"] = sum((info.state.subjects or {}).values()) if info.state.subjects else 0
    return action


def test_a_leaf_replaying_the_federations_records_under_other_headers_changes_nothing(
        tmp_path):
    with three_hosts(tmp_path) as (hosts, group_id):
        hub, b, c = hosts
        alice, bob, carol = hub.users["alice"], b.users["bob"], c.users["carol"]
        crosses(hosts, "before the replay")
        refused = Refusals(hosts)
        records: list[Envelope] = []
        assert through(b, read_federation(group_id, records)) == "done"
        assert {e.table for e in records} >= {"genesis", "member", "invite", "msg"}, records
        before: dict[str, int] = {}
        assert through(hub, fed_count(group_id, before)) == "done"
        logs = {u.name: u.ok("log", "team", "--json").json() for u in (alice, bob, carol)}

        assert through(b, replay(group_id, records)) == "done"
        drained(hub)
        crosses(hosts, "after the replay")
        after: dict[str, int] = {}
        assert through(hub, fed_count(group_id, after)) == "done"
        assert after["n"] == before["n"] + 1  # "after the replay" only
        assert set(refused.of(hub)) <= {"B"}, refused.of(hub)
        assert refused.of(b) == {} and refused.of(c) == {}
        for user in (alice, bob, carol):
            now = user.ok("log", "team", "--json").json()
            assert now[:-1] == logs[user.name], user.name
            assert bodies(user)[-1] == "after the replay"
            assert user.run("verify", "team").code == 0
        status = hub.status()
        wait_for(lambda: not hub.status().get("waiting"), what="nothing waiting at the hub")
        assert status.get("rejected", {}).get("A", 0) == 0

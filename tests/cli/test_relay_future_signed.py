"""A member's modified client signs one message in the year 5000, its id and its signed time
alike (docs/relay.md "Twelfth attack pass"). Such a row is its record's, so a writer follows
it (message_rules.followed: less than a day ahead of its own signed time), and the hub carried
it to every host: alice's next message on the hub was signed on 4999-12-31, and so was every
later one of the group, on every host. No signed data bounds a signed time; the hub's clock
does, where records are sequenced: the hub refuses a message signed more than a day past it,
so only the host it was written on holds it.
"""

from __future__ import annotations

import pytest

from peers_tui.core.encoding import now_ms
from peers_tui.core.ids import ulid_text, ulid_value
from peers_tui.relay.envelope import Envelope, in_subject
from peers_tui.testing.forge import Forger
from tests.cli.test_relay_attacks import publish, through
from tests.relay_helpers import Refusals, bodies, team_on_two_hosts, wait_for

pytestmark = pytest.mark.slow

DAY = 24 * 60 * 60 * 1000
YEAR_5000 = 95_617_584_000_000  # 5000-01-01 in ms since 1970


def test_the_hub_refuses_a_message_signed_far_ahead_of_its_clock(tmp_path):
    with team_on_two_hosts(tmp_path) as (hosts, alice, bob, code):
        hub, leaf = hosts
        bob.ok("join", code)
        bob.ok("send", "team", "bob 1")
        wait_for(lambda: "bob 1" in bodies(alice), what="bob's post on A")
        team = next(g["id"] for g in bob.ok("groups", "--json").json() if g["name"] == "team")
        db = leaf.hub / f"{team}.db"
        forger = Forger(bob.home)
        aseq, aprev = forger.chain_head(db)
        record = forger.sign("msg", team, {
            "id": ulid_text((YEAR_5000 << 80) | 7), "type": "text", "body": "from the future",
            "aseq": aseq + 1, "aprev": aprev, "mseq": forger.membership_head(db)[0]},
            t=YEAR_5000)
        refused = Refusals(hosts)
        envelope = Envelope(team, "msg", record.text, record.sig, None, "B")
        assert through(leaf, publish(in_subject("B", team), envelope)) == "done"
        wait_for(lambda: refused.of(hub) == {"B": 1}, what="the hub refusing it from B")
        alice.ok("send", "team", "alice after")
        wait_for(lambda: "alice after" in bodies(bob), what="alice's post on B")
        log = alice.ok("log", "team", "--json", "--no-events").json()
        assert "from the future" not in [m["body"] for m in log]
        [after] = [m for m in log if m["body"] == "alice after"]
        assert abs((ulid_value(after["id"]) >> 80) - now_ms()) < DAY, after

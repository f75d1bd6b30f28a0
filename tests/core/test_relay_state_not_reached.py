"""A record naming a membership state beyond the group's head holds no place of its author's
chain (docs/relay.md, "Refused on its own host (h-refusedown)"; core/self_void.py), but a
host is not the judge of a state it has not received yet: a genuine record arriving at such
a place that names a state this host lacks waits for it, as any record naming one does, and
is neither refused nor kept as half of a fork. Real group files, `peers` as processes.
"""

from __future__ import annotations

import json

from peers_tui.core.group_store import GroupStore
from peers_tui.relay.apply import apply_records
from peers_tui.testing.forge import Forger
from tests.core.test_relay_apply import local_envelopes


def test_a_genuine_record_at_such_a_place_waits_for_its_state(tmp_path, alice, bob, carol, team):
    bob.ok("send", "team", "bob's first")
    remote = tmp_path / "b-hub"
    remote.mkdir()
    outcome = apply_records(remote, team, local_envelopes(alice, team), create=True)
    assert outcome is not None and not outcome.refused and not outcome.waiting, outcome
    remote_db = remote / f"{team}.db"
    # On B, around its relay: bob's key at his place 2, naming state 99 (the head is 1).
    Forger(bob.home).message(remote_db, team, "forged future state", mseq=99)
    # On A: a membership change B has not received, then bob's genuine place 2 under it.
    carol.ok("join", alice.ok("invite", "team").out.strip())
    bob.ok("send", "team", "bob's next")
    envelopes = local_envelopes(alice, team)
    [genuine] = [e for e in envelopes if e.table == "msg"
                 and json.loads(e.text).get("body") == "bob's next"]
    alone = apply_records(remote, team, [genuine], create=False)
    assert alone is not None and not alone.refused and not alone.applied, alone
    state = json.loads(genuine.text)["mseq"]
    assert [why for _, why in alone.waiting] == [f"membership state {state} not yet received"]
    everything = apply_records(remote, team, envelopes, create=False)
    assert everything is not None and not everything.refused, everything
    store = GroupStore(remote_db, team)
    try:
        [shown] = [v for v in store.recent(50) if v.body == "bob's next"]
        assert shown.verified, shown.problem
        assert not any("forked chain" in p.reason for p in store.verify())
    finally:
        store.close()

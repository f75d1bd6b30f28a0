"""An exception of another class than PeersError from one record's apply (a bug in a rule, say)
sets that record apart as the store's errors do, with one line naming the record and the
exception, never a traceback (relay/isolate.py; docs/relay.md "Held and isolated records
(h-left17)"). Before, only PeersError was isolated: another exception left the relay's batch
and the group's later batches failing on the same record, a traceback at each.

Real records of a group applied to a real copy of its file (relay.apply.apply_records); the
bug is one record's apply raising ZeroDivisionError, the way a rule's unforeseen case would.
"""

from __future__ import annotations

import asyncio

from peers_tui.relay.apply import apply_records
from peers_tui.relay.isolate import REASON, one_at_a_time
from tests.core.test_relay_apply import busy_group, local_envelopes


def test_a_bug_in_one_records_apply_sets_apart_that_record_in_one_line(tmp_path, alice, bob,
                                                                        capfd):
    group_id = busy_group(alice, bob)
    bob.ok("send", "team", "the record a bug trips on")
    alice.ok("send", "team", "after it")
    records = local_envelopes(alice, group_id, origin="B")
    [bad] = [e for e in records if "a bug trips on" in e.text]
    remote = tmp_path / "other-hub"
    remote.mkdir()

    async def attempt(batch):
        if bad in batch:
            return 1 / 0  # (the bug)
        return apply_records(remote, group_id, batch, create=True)

    outcome = asyncio.run(one_at_a_time(attempt, records))
    assert outcome is not None
    assert [e for e, _ in outcome.refused] == [bad]
    [(_, reason)] = outcome.refused
    assert reason == REASON + "ZeroDivisionError: division by zero"
    assert {e.hash for e in outcome.applied} == {e.hash for e in records} - {bad.hash}
    err = capfd.readouterr().err
    lines = [line for line in err.splitlines() if "ZeroDivisionError" in line]
    assert len(lines) == 1 and bad.hash[:16] in lines[0] and "from B" in lines[0], err
    assert "Traceback" not in err

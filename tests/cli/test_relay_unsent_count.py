"""`peers relay status` counts every record not yet sent while the link is up (docs/relay.md,
"Acceptance from the CLI, sixth pass"). It showed the batch in hand alone: with 20,000 messages
imported on a leaf it said `unsent 2000` (a scan's most) the whole time they went out, and
`unsent 0` before the relay had looked at them, while `peers groups` (the link report)
counted 18,000, 16,000 ... Hub A and leaf B on loopback, real relays."""

from __future__ import annotations

import json
import time

import pytest

from peers_tui.relay.rows import SCAN_LIMIT
from tests.relay_helpers import federation, start_linked, stop_all, wait_for

pytestmark = pytest.mark.slow

IMPORTED = 20_000


def test_relay_status_counts_every_record_waiting_while_the_link_is_up(tmp_path):
    hosts = federation(tmp_path, ("A", "B"))
    hub, leaf = hosts
    try:
        bob = leaf.user("bob")
        bob.ok("create", "mine")
        start_linked(hosts)
        wait_for(lambda: leaf.status().get("unsent") == 0, what="the genesis sent")
        lines = "".join(json.dumps({"id": f"m{i}", "author": "old", "body": f"old {i}",
                                    "created_at": 1_700_000_000 + i}) + "\n"
                        for i in range(IMPORTED))
        bob.ok("import", "mine", "-", stdin=lines)
        seen = []
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            unsent = leaf.status().get("unsent")
            if unsent is None:  # not known at this read (the relay between two reports)
                time.sleep(0.1)
                continue
            seen.append(unsent)
            if unsent == 0 and max(seen) > 0:
                break
            time.sleep(0.1)
        assert seen[-1] == 0, seen[-20:]
        assert max(seen) > SCAN_LIMIT, sorted(set(seen))
    finally:
        stop_all(hosts)

"""A dm while the link blinks (docs/relay.md, "A dm while the link blinks (h-dmread)").

dana, a Unix user of leaf B who is not the relay's, runs `peers dm alice` for a 'team' alice
offered as a conversation, while the hub's nats-server restarts every 0.7 s (a token made:
relay reload), so B's link goes down and up under the dm. On main her dm ended in 1 to 2
runs of 4 with "group file <new conversation>.db is read-only (attempt to write a readonly
database)": the first write of the conversation she was founding was refused. Not
deterministic: it catches the race only some of the runs (four link phases here). The cause
(docs/relay.md, h-dmcause): B's relay (root) was making the new file's WAL, 0640 for an
instant, when she opened it, so her connection got it read-only;
tests/core/test_side_files_born.py pins that.
"""

from __future__ import annotations

import os
import threading
import time

import pytest

from tests.cli.test_relay_leaf_users import leaf_with_users
from tests.cli.test_relay_leaf_users2 import team_offered_to_dana_as_a_dm

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("delay", [0.0, 0.2, 0.4, 0.6])
def test_a_dm_while_the_link_blinks_founds_the_conversation(unix_site, delay):
    with leaf_with_users(unix_site) as (hosts, base):
        hub, leaf = hosts
        alice, team, dana = team_offered_to_dana_as_a_dm(hosts, base, unix_site)
        config, stop = hub.hub / ".relay" / "config.json", threading.Event()

        def blink() -> None:  # the hub's server restarted (relay reload), again and again
            time.sleep(delay)
            while not stop.is_set():
                os.utime(config)
                time.sleep(0.7)

        thread = threading.Thread(target=blink)
        thread.start()
        try:
            answer = dana.run("dm", "alice", "hello alice")
        finally:
            stop.set()
            thread.join()
        assert answer.code == 0, answer.err
        assert "started a direct conversation" in answer.err, answer.err
        assert [g["name"] for g in dana.ok("groups", "--json").json()][1:] == ["alice"]

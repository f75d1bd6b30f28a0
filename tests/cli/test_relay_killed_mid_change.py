"""A membership change on a leaf whose relay is SIGKILLed while the hub is being asked (the
twenty-fifth session's acceptance pass): the answer read as the hub's silence alone ("no
answer from the hub within 3 s: it may still make this change ..."). Now the relay's status
is read again after the silence, its process looked for (relay/hub_reach.py): the relay's end
is said too. Real relays and nats-servers on loopback; the hub's relay stopped (SIGSTOP) so
that its sequencer does not answer."""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest

from tests.relay_helpers import team_on_two_hosts, wait_for

pytestmark = pytest.mark.slow

NOT_RUNNING = "this host's relay is not running (start it: peers relay)"


def test_a_leafs_relay_killed_while_the_hub_is_asked_is_named_after_the_silence(tmp_path):
    with team_on_two_hosts(tmp_path) as ((hub, leaf), alice, bob, code):
        bob.ok("join", code)
        assert hub.process is not None
        os.kill(hub.process.pid, signal.SIGSTOP)  # the hub's sequencer does not answer
        try:
            outcome: list = []
            leaving = threading.Thread(target=lambda: outcome.append(bob.run("leave", "team")))
            leaving.start()
            time.sleep(1.0)  # the request out, its answer awaited
            leaf.stop(signal.SIGKILL)
            leaving.join(30)
        finally:
            os.kill(hub.process.pid, signal.SIGCONT)
        [left] = outcome
        assert left.code == 1 and "Traceback" not in left.err, left.err
        assert len(left.err.strip().splitlines()) == 1, left.err
        assert "no answer from the hub within 3 s" in left.err, left.err
        assert NOT_RUNNING in left.err and "it may still make this change" in left.err, left.err

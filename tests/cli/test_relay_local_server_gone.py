"""A CLI process that reaches this host's relay finds its nats-server gone: one line at once.

Eighth acceptance pass: `peers join` of a large group on leaf B, B's relay SIGKILLed a moment
after the join started (after the join's look at the relay's status, before its connection).
The join hung until the relay was started again (22 s and 63 s): nats-py's `connect` with
`max_reconnect_attempts=0` tries a refused server again every 2 s for ever (only a positive
number bounds it; `allow_reconnect=False` covers a failed handshake, not a refused connect).
The membership requests of every leaf command (`relay/ordering.py`) connect the same way.
Here nothing listens on B's client port: the relay set up, not running, as after that kill."""

from __future__ import annotations

import subprocess
import sys
import time

from tests.relay_helpers import REPO, federation

GROUP = "a" * 26

FETCH = f"""
from pathlib import Path
from peers_tui.relay.config import RelayError
from peers_tui.relay.fetch import fetch_group
try:
    fetch_group(Path({{hub!r}}), {GROUP!r})
except RelayError as exc:
    print("RelayError:", exc)
"""

PROPOSE = f"""
from pathlib import Path
from peers_tui.relay.config import load_config
from peers_tui.relay.envelope import Envelope
from peers_tui.relay.ordering import HubUnreachable, NoAnswer, propose
envelope = Envelope({GROUP!r}, "member", "{{{{}}}}", b"", None, "B")
try:
    propose(load_config(Path({{hub!r}})), envelope, timeout=1.0)
except (HubUnreachable, NoAnswer) as exc:
    print(type(exc).__name__ + ":", exc)
"""


def run(script: str) -> tuple[subprocess.CompletedProcess[str], float]:
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=20, env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"})
    return done, time.monotonic() - started


def test_a_fetch_and_a_membership_request_fail_at_once_with_no_server_here(tmp_path):
    _, leaf = federation(tmp_path)  # set up with a token; the relay never started

    done, took = run(FETCH.format(hub=str(leaf.hub)))
    assert "Traceback" not in done.stderr, done.stderr
    assert done.stdout.startswith("RelayError: this host's relay is not running"), done.stdout
    assert took < 10, took

    done, took = run(PROPOSE.format(hub=str(leaf.hub)))
    assert "Traceback" not in done.stderr, done.stderr
    assert done.stdout.startswith("HubUnreachable: "), done.stdout
    assert "this host's relay is not running" in done.stdout, done.stdout
    assert took < 10, took

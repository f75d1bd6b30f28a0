"""Several users in separate processes writing one group at once lose nothing."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import User

SCRIPT = """
import sys
from peers_tui.core.account import Account
from pathlib import Path
account = Account(Path(sys.argv[1]), Path(sys.argv[2]))
for i in range(int(sys.argv[3])):
    account.send("team", f"{sys.argv[4]} {i}")
"""


def test_concurrent_writers_lose_nothing(alice: User, bob: User, carol: User, team):
    carol.ok("join", alice.ok("invite", "team").out)
    per_writer = 60
    procs = [subprocess.Popen([sys.executable, "-c", SCRIPT, str(u.home), str(u.hub),
                               str(per_writer), u.name], stderr=subprocess.PIPE, text=True)
             for u in (alice, bob, carol, alice)]
    errors = [p.communicate(timeout=120)[1] for p in procs]
    assert all(p.returncode == 0 for p in procs), errors
    log = alice.ok("log", "team", "--limit", "1000", "--json").json()
    assert len(log) == 4 * per_writer and all(m["verified"] for m in log)
    # ids follow commit order, and each author's own messages keep their order
    for name in ("bob", "carol"):
        mine = [int(m["body"].split()[1]) for m in log if m["author"] == name]
        assert mine == list(range(per_writer))
    assert alice.ok("verify", "team").code == 0


def test_cli_processes_for_two_users(alice: User, bob: User, team):
    """The real `peers` entry point in separate processes, as scripts use it."""
    assert bob.spawn("send", "team", "-", stdin="from a pipe\n").code == 0
    result = alice.spawn("log", "team", "--json")
    assert result.code == 0 and '"body": "from a pipe"' in result.out
    failed = bob.spawn("send", "nope", "x")
    assert failed.code == 1 and failed.err.startswith("peers: ") and "Traceback" not in failed.err

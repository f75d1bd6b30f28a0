"""Invite codes are read when a command reads or makes one, not before the first frame, and
OpenSSL's hashes are not loaded for it (issue 16: a start is measured against a bare Textual
app painting one line).

`commands.group_commands` is imported for the key registry before the first frame; it took
`core.invites` with it (a dataclass compiled at import, and nacl's exceptions: ~1-2 ms of a
start). The log's author colours hashed with hashlib, which loads OpenSSL (~1 ms): CPython's
own SHA-256 (core.encoding) gives the same digests. Selection mode's commands come with the
first key that asks for one. The CLI's profile publishing (cli.publishing) runs after the
first paint and is imported then. Checked as a user starts the app, in a terminal: the process records what it has
imported at the terminal write that first holds the newest message (the recorder of
tests/tui/test_first_frame_no_peewee.py)."""

from __future__ import annotations

import sys
from pathlib import Path

from benchmarks.common import isolated_env
from benchmarks.tmux import Tmux
from tests.conftest import User
from tests.tmux_helpers import needs_tmux
from tests.tui.test_first_frame_no_peewee import NEWEST, WRAPPER

LATER = ("peers_tui.core.invites", "peers_tui.core.member_actions", "hashlib", "_hashlib",
         "peers_tui.commands.selection_commands", "peers_tui.cli.publishing")


@needs_tmux
def test_peers_open_draws_its_first_frame_before_reading_invite_codes(
        alice: User, bob: User, team: str, tmp_path: Path) -> None:
    bob.ok("send", "team", NEWEST)
    wrapper, out = tmp_path / "first_frame.py", tmp_path / "loaded.txt"
    wrapper.write_text(WRAPPER)
    tmux = Tmux(tmp_path, isolated_env(tmp_path))
    env = {"PEERS_HOME": str(alice.home), "PEERS_HUB": str(alice.hub)}
    try:
        started = tmux.start([sys.executable, str(wrapper), str(out), NEWEST, ",".join(LATER),
                              "open", "team"], env)
        tmux.wait_for_text([NEWEST], started, timeout=60)
        for _ in range(100):
            if out.exists() and out.read_text():
                break
            tmux.wait_for_text([NEWEST], started, timeout=1)
        assert out.exists(), "no frame with the newest message"
        assert out.read_text() == "[]"
    finally:
        tmux.close()

"""Invite codes are read when a command reads or makes one, not before the first frame, and
OpenSSL's hashes are not loaded for it (issue 16: a start is measured against a bare Textual
app painting one line).

`commands.group_commands` is imported for the key registry before the first frame; it took
`core.invites` with it (a dataclass compiled at import, and nacl's exceptions: ~1-2 ms of a
start). The log's author colours hashed with hashlib, which loads OpenSSL (~1 ms): CPython's
own SHA-256 (core.encoding) gives the same digests. Selection mode's commands come with the
first key that asks for one. The CLI's profile publishing (cli.publishing) runs after the
first paint and is imported then; so is the hub's membership order (cli.relay, installed then
as every command installs it: the app orders no membership change before its first paint).
The live feed's look at a backfill's history (core.joined_history) comes with its first read
during one (the stores, which load after the frame, import it too). The composer (a
TextArea) is imported and mounted right after the frame (widgets.first_composer draws it).
Checked as a user starts the app, in a terminal: the process records what it has
imported at the terminal write that first holds the newest message (the recorder of
tests/tui/test_first_frame_no_peewee.py)."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from benchmarks.common import isolated_env
from benchmarks.tmux import Tmux
from tests.conftest import User
from tests.tmux_helpers import needs_tmux
from tests.tui.test_first_frame_no_peewee import NEWEST, WRAPPER, written

LATER = ("peers_tui.core.invites", "peers_tui.core.member_actions", "hashlib", "_hashlib",
         "peers_tui.commands.selection_commands", "peers_tui.cli.publishing",
         "peers_tui.cli.relay", "peers_tui.core.membership_order",
         "peers_tui.core.joined_history",
         # The composer: its line draws it in the first frame (h-composer)
         "textual.widgets._text_area", "peers_tui.widgets.composer")


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
        assert written(out) == "[]"
    finally:
        tmux.close()


# The recorder, and a thread that writes once the process has installed the hub's membership
# order (core.membership_order.installed(): what cli.relay.install_ordering sets).
ORDERED = WRAPPER.replace("linux_driver.LinuxDriver.write = recording", """\
linux_driver.LinuxDriver.write = recording
import threading, time
def _ordered():
    for _ in range(6000):  # up to 60 s
        # A module still being imported is in sys.modules without its functions yet: the
        # look at it then raised AttributeError and ended this thread (1 run in ~7 at load).
        installed = getattr(sys.modules.get("peers_tui.core.membership_order"), "installed", None)
        if installed is not None and installed():
            with open(out + ".ordered-", "w") as f:  # whole, or not there at all
                f.write("installed")
            os.replace(out + ".ordered-", out + ".ordered")
            return
        time.sleep(0.01)
threading.Thread(target=_ordered, daemon=True).start()""")


@needs_tmux
def test_the_app_installs_the_hubs_membership_order_after_its_first_frame(
        alice: User, bob: User, team: str, tmp_path: Path) -> None:
    bob.ok("send", "team", NEWEST)
    wrapper, out = tmp_path / "first_frame.py", tmp_path / "loaded.txt"
    wrapper.write_text(ORDERED)
    tmux = Tmux(tmp_path, isolated_env(tmp_path))
    env = {"PEERS_HOME": str(alice.home), "PEERS_HUB": str(alice.hub)}
    ordered = Path(f"{out}.ordered")
    try:
        started = tmux.start([sys.executable, str(wrapper), str(out), NEWEST,
                              "peers_tui.cli.relay,peers_tui.core.membership_order",
                              "open", "team"], env)
        tmux.wait_for_text([NEWEST], started, timeout=60)
        deadline = time.monotonic() + 60
        while not (ordered.exists() and out.exists() and out.read_text()):
            assert time.monotonic() < deadline, ("the membership order was never installed",
                                                 ordered.exists(), out.exists() and out.read_text(),
                                                 tmux.capture())
            time.sleep(0.05)
        assert out.read_text() == "[]"  # not at the first frame
        assert ordered.read_text() == "installed"  # but once it is painted
    finally:
        tmux.close()

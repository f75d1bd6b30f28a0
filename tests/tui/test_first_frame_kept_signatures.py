"""A second `peers open` draws its first frame without checking again the signatures the first
one found valid (core.verified_keep; issue 16: ~2.5 ms of a start measured against a bare
Textual app painting one line), and still checks a message that came since. Checked as a user
starts the app, in a terminal: the process counts the Ed25519 checks made before the terminal
write that first holds the newest message. With none to check, PyNaCl and libsodium are not
even loaded by then (core.ed25519 loads them on its first use: ~1 ms of a start)."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from benchmarks.common import isolated_env
from benchmarks.tmux import Tmux
from peers_tui.core.verified_keep import KEEP_FILE
from tests.conftest import User
from tests.tmux_helpers import needs_tmux
from tests.tui.test_first_frame_no_peewee import WRAPPER as MODULES_WRAPPER, written

WRAPPER = """
import os, sys
from textual.drivers import linux_driver
from peers_tui.core import ed25519

out, needle = sys.argv[1], sys.argv[2]
write, verify, checked = linux_driver.LinuxDriver.write, ed25519.verify, []

def counting(public, message, signature):
    checked.append(message)
    return verify(public, message, signature)

def recording(self, data):
    write(self, data)
    if needle in data and not os.path.exists(out):  # the first such write only
        with open(out, "w") as f:
            f.write(str(len(checked)))

ed25519.verify = counting
linux_driver.LinuxDriver.write = recording
sys.argv = ["peers", *sys.argv[3:]]
import runpy
runpy.run_module("peers_tui", run_name="__main__", alter_sys=True)
"""


def _checks_before_first_frame(user: User, needle: str, tmp_path: Path, run: int) -> int:
    wrapper, out = tmp_path / "first_frame.py", tmp_path / f"checks-{run}.txt"
    wrapper.write_text(WRAPPER)
    tmux = Tmux(tmp_path, isolated_env(tmp_path), name=f"tmux{run}")
    env = {"PEERS_HOME": str(user.home), "PEERS_HUB": str(user.hub)}
    try:
        started = tmux.start([sys.executable, str(wrapper), str(out), needle, "open", "team"],
                             env)
        tmux.wait_for_text([needle], started, timeout=60)
        # The file of kept signatures is written after the first frame: waited for by the
        # clock (a capture that finds the text returns at once: 100 of them passed in well
        # under a second at load 9, before the file was written).
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if out.exists() and out.read_text() and (user.home / KEEP_FILE).exists():
                break
            time.sleep(0.05)
        return int(out.read_text())
    finally:
        tmux.close()


@needs_tmux
def test_a_second_start_checks_no_signature_the_first_one_found_valid(
        alice: User, bob: User, team: str, tmp_path: Path) -> None:
    for i in range(3):
        bob.ok("send", "team", f"message-{i}")
    assert _checks_before_first_frame(alice, "message-2", tmp_path, 1) >= 3
    assert (alice.home / KEEP_FILE).exists()
    assert _checks_before_first_frame(alice, "message-2", tmp_path, 2) == 0
    bob.ok("send", "team", "message-3")  # new since: checked, the others not again
    assert _checks_before_first_frame(alice, "message-3", tmp_path, 3) == 1


@needs_tmux
def test_a_start_with_every_signature_kept_loads_no_ed25519_library_before_its_first_frame(
        alice: User, bob: User, team: str, tmp_path: Path) -> None:
    bob.ok("send", "team", "message-0")
    assert _checks_before_first_frame(alice, "message-0", tmp_path, 1) >= 1  # keeps them
    wrapper, out = tmp_path / "modules.py", tmp_path / "loaded.txt"
    wrapper.write_text(MODULES_WRAPPER)
    tmux = Tmux(tmp_path, isolated_env(tmp_path), name="tmux-modules")
    env = {"PEERS_HOME": str(alice.home), "PEERS_HUB": str(alice.hub)}
    try:
        started = tmux.start([sys.executable, str(wrapper), str(out), "message-0",
                              "nacl,_cffi_backend", "open", "team"], env)
        tmux.wait_for_text(["message-0"], started, timeout=60)
        assert written(out) == "[]"
    finally:
        tmux.close()

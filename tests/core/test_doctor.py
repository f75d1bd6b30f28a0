"""`peers doctor`: modes, the hub's filesystem and damaged databases."""

from __future__ import annotations

import os

from peers_tui.core.doctor import check_hub, filesystem_type
from tests.conftest import User


def test_doctor_passes_on_a_fresh_setup(alice: User, team):
    result = alice.ok("doctor")
    assert "error" not in result.out and "warning" not in result.out
    assert "secret key" in result.out and "group team" in result.out


def test_doctor_warns_about_loose_modes_and_fails_on_damage(alice: User, team):
    os.chmod(alice.home / "identity.key", 0o644)
    os.chmod(alice.hub / f"{team}.db", 0o666)
    result = alice.run("doctor")
    assert result.code == 0
    assert "warning: secret key" in result.out and "chmod 600" in result.out
    assert "warning: group team" in result.out and "0666" in result.out
    (alice.hub / f"{team}.db").write_bytes(b"garbage" * 1000)
    damaged = alice.run("doctor")
    assert damaged.code == 1 and "error: group team" in damaged.out


MOUNTINFO = """\
22 1 8:1 / / rw,relatime - ext4 /dev/sda1 rw
40 22 0:50 / /srv/shared rw,relatime - nfs4 server:/export rw
"""


def test_hub_on_network_filesystem_is_warned_about(tmp_path):
    assert filesystem_type(tmp_path, MOUNTINFO) == "ext4"
    assert filesystem_type("/srv/shared/peers", MOUNTINFO) == "nfs4"
    hub = tmp_path / "hub"
    hub.mkdir()
    nfs_info = MOUNTINFO + f"41 22 0:51 / {hub} rw - nfs4 server:/x rw\n"
    [finding] = [f for f in check_hub(hub, nfs_info) if f.level == "warning"]
    assert "network filesystem" in finding.text

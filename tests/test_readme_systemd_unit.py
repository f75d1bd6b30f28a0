"""The README's systemd unit for `peers relay` is one systemd reads without a complaint (a
misspelt key or value is only a warning to systemd: the unit would start, then misbehave).
No systemd runs as PID 1 here, so the unit is checked by `systemd-analyze verify`, with
ExecStart pointed at this checkout's `peers`; the stop it asks for (SIGTERM to the relay
alone, which stops its nats-server) is tested with the relay's tests (tests/cli/test_relay.py)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"


def readme_unit() -> str:
    found = re.search(r"A systemd unit.*?```ini\n(.*?)```", README.read_text(), re.S)
    assert found, "the README's systemd unit (an ini block after 'A systemd unit')"
    return found.group(1)


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze")
def test_the_readme_unit_is_read_by_systemd_without_a_warning(tmp_path: Path):
    unit = readme_unit()
    assert "ExecStart=/usr/local/bin/peers relay" in unit
    peers = Path(sys.executable).with_name("peers")
    path = tmp_path / "peers-relay.service"
    path.write_text(unit.replace("/usr/local/bin/peers", str(peers)))
    done = subprocess.run(["systemd-analyze", "verify", "--man=no", str(path)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stderr.strip() == "", done.stderr
    # The check itself can fail: a misspelt value is named.
    path.write_text(path.read_text().replace("KillMode=mixed", "KillMode=mixd"))
    done = subprocess.run(["systemd-analyze", "verify", "--man=no", str(path)],
                          capture_output=True, text=True, timeout=60)
    assert "mixd" in done.stderr

"""Every `peers relay ...` command and `peers join` given bad input (issue 15, loose ends):
one clear line on stderr, a non-zero exit, never a traceback or a hang, nothing stored lost.
And `peers relay status` on a host whose relay is not running says so in one line and exits 3
(LSB's "not running"), its `--json` still one object a line."""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
import time

import pytest

from tests.conftest import Result, User
from tests.relay_helpers import Host, federation, stop_all, wait_for

KB10 = "a" * 10_240


def stored(host: Host) -> dict[str, bytes]:
    """What `relay init` and `relay token` stored on `host` (to compare before and after)."""
    relay = host.hub / ".relay"
    return {name: (relay / name).read_bytes() for name in ("config.json",)
            if (relay / name).exists()}


def one_line(result, *expected: str) -> str:
    """`result` failed with one inert line on stderr holding every `expected` text."""
    line = result.err.strip()
    assert "\n" not in line and "Traceback" not in result.err, result.err
    assert "\x1b" not in result.err and len(line) < 400, line[:500]
    assert all(text in line for text in expected), line
    return line


def token_of(fields: dict[str, str]) -> str:
    payload = json.dumps(fields).encode()
    return "peersrelay1:" + base64.urlsafe_b64encode(payload).decode().rstrip("=")


GOOD_FIELDS = {"url": "nats-leaf://127.0.0.1:7422", "name": "C", "password": "p", "hub": "A"}

# (name, the host it runs on, its arguments, what the line must say)
CASES = [
    ("not a token", "C", ("relay", "init", "--leaf", "garbage"), "not a relay token"),
    ("an invite code for a token", "C", ("relay", "init", "--leaf", "peers1:abcd:efgh"),
     "not a relay token"),
    ("a cut token", "C", ("relay", "init", "--leaf", "TOKEN[:40]"), "damaged"),
    ("a token with junk after it", "C", ("relay", "init", "--leaf", "TOKENxyz"), "damaged"),
    ("a token without a leaf address", "C",
     ("relay", "init", "--leaf", token_of({**GOOD_FIELDS, "url": "x"})), "damaged"),
    ("a token naming a hostile host", "C",
     ("relay", "init", "--leaf", token_of({**GOOD_FIELDS, "name": "C\x1b[2J"})), "host name"),
    ("a token for another host", "C", ("relay", "init", "--leaf", "TOKEN", "--name", "C"),
     "made for the host 'B'"),
    # (B taking a new token of its own is no error: test_relay_new_token.py)
    ("a leaf's token on the hub", "A", ("relay", "init", "--leaf", "TOKEN"), "already set up"),
    ("a new token with --ssh", "B", ("relay", "init", "--leaf", "TOKEN", "--ssh", "me@x"),
     "only the token changes"),
    ("init twice on the hub", "A", ("relay", "init", "--hub"), "already set up"),
    ("a bad listen address", "C", ("relay", "init", "--hub", "--listen", "garbage"), "--listen"),
    ("a port out of range", "C", ("relay", "init", "--hub", "--client-port", "70000"),
     "--client-port"),
    ("an ssh option for ssh", "C", ("relay", "init", "--leaf", "TOKEN", "--ssh",
                                    "nobody@127.0.0.1", "--ssh-option=-oProxyCommand=x"),
     "--ssh-option wants KEY=VALUE"),
    ("a token name with control characters", "A", ("relay", "token", "--name", "b\x1b]0;x\x07"),
     "host name"),
    ("a token name of 10 KB", "A", ("relay", "token", "--name", KB10), "host name",
     "10,240 characters"),
    ("a token name with a newline", "A", ("relay", "token", "--name", "B\n"), "host name"),
    ("a token address without a port", "A", ("relay", "token", "--name", "D", "--address", "hub"),
     "--address"),
    ("a token address with a newline", "A",
     ("relay", "token", "--name", "D", "--address", "h\nx:7422"), "--address"),
    ("a token on a leaf", "B", ("relay", "token", "--name", "D"), "made on the hub"),
    ("revoking a 10 KB name", "A", ("relay", "revoke", KB10), "no token was made",
     "10,240 characters"),
    ("revoking on a leaf", "B", ("relay", "revoke", "B"), "revoked on the hub"),
] + [(f"relay {' '.join(command) or 'run'} without relay init", "C", ("relay", *command),
      "no relay set up for the hub")
     for command in (("status",), ("status", "--json"), ("rejected",), ("token", "--name", "D"),
                     ("revoke", "B"), ())]


@pytest.fixture
def hosts(tmp_path):
    made = federation(tmp_path)
    (tmp_path / "C").mkdir()
    made.append(Host("C", tmp_path / "C"))
    yield made
    stop_all(made)


@pytest.mark.parametrize("case", CASES, ids=[case[0] for case in CASES])
def test_bad_input_to_relay_commands_gives_one_line_and_changes_nothing(tmp_path, hosts, case):
    _, where, args, *expected = case
    hub = hosts[0]
    token = hub.peers().ok("relay", "token", "--name", "B").out.strip()
    args = tuple(token[:40] if arg == "TOKEN[:40]" else token + "xyz" if arg == "TOKENxyz"
                 else token if arg == "TOKEN" else arg for arg in args)
    host = {h.name: h for h in hosts}[where]
    before = {h.name: stored(h) for h in hosts}
    started = time.monotonic()
    result = host.peers().run(*args)
    assert result.code != 0 and result.out == "", (result.code, result.out)
    one_line(result, *expected)
    assert time.monotonic() - started < 10
    assert {h.name: stored(h) for h in hosts} == before  # nothing stored changed or lost


COMMANDS_ON_THE_HUB = [("status",), ("status", "--json"), ("rejected",), ("token", "--name", "D"),
                       ("revoke", "B"), ()]


@pytest.mark.parametrize("command", COMMANDS_ON_THE_HUB,
                         ids=[" ".join(c) or "run" for c in COMMANDS_ON_THE_HUB])
def test_a_relay_directory_someone_opened_to_others_is_refused_until_made_private(
        hosts, command):
    """`.relay/` holds credentials; chmodded open, each command says so and what to do
    (rather than putting it right without a word: they may have been read), nothing
    changed; once private again, all works."""
    hub = hosts[0]
    relay = hub.hub / ".relay"
    before = stored(hub)
    os.chmod(relay, 0o755)
    result = hub.peers().run("relay", *command)
    assert result.code == 1 and result.out == "", (result.code, result.out)
    one_line(result, "mode 0755, open to other users", f"chmod 700 {relay}")
    assert stored(hub) == before and (os.stat(relay).st_mode & 0o777) == 0o755
    os.chmod(relay, 0o700)
    assert hub.peers().run("relay", "revoke", "B").code == 0  # private again: it works


def test_status_of_a_relay_that_is_not_running_says_so_and_exits_3(hosts):
    hub, leaf = hosts[0], hosts[1]
    for host, role in ((hub, "hub"), (leaf, "leaf")):
        text = host.peers().run("relay", "status")
        assert (text.code, text.out) == (3, ""), text
        one_line(text, f"relay not running on this host {host.name} ({role}; never started)")
        as_json = host.peers().run("relay", "status", "--json")
        assert as_json.code == 3, as_json
        [line] = as_json.out.splitlines()
        assert json.loads(line)["running"] is False and "last_seen" not in json.loads(line)
        one_line(as_json, "relay not running on this host")
    hub.start()
    running = hub.peers().run("relay", "status")
    assert running.code == 0 and running.err == "", running
    assert running.out.startswith("A (hub): relay running\n"), running.out
    assert hub.peers().run("relay", "status", "--json").code == 0
    hub.stop()
    stopped = hub.peers().run("relay", "status", "--json")
    assert stopped.code == 3
    status = json.loads(stopped.out)
    assert status["running"] is False and time.time() - status["last_seen"] < 60
    one_line(stopped, "relay not running on this host A (hub; last seen ")


def test_a_second_relay_for_the_same_hub_stops_before_touching_the_first(hosts):
    """It used to rewrite the running relay's nats.conf before its server found the port in
    use (and start its ssh tunnel); now the first one's lock stops it at once."""
    hub = hosts[0]
    hub.start()
    conf = (hub.hub / ".relay" / "nats.conf").read_bytes()
    second = subprocess.run([sys.executable, "-m", "peers_tui", "relay"], env=hub.env(),
                            text=True, capture_output=True, timeout=30)
    assert second.returncode == 1 and second.stdout == "", second
    one_line(Result(second.returncode, second.stdout, second.stderr),
             f"a relay already runs for this hub (pid {hub.process.pid})")
    assert (hub.hub / ".relay" / "nats.conf").read_bytes() == conf
    assert hub.status()["running"] and hub.process.poll() is None
    hub.stop()
    hub.start()  # the lock went with the first relay


def test_join_with_bad_input_on_a_leaf_says_one_line(hosts, tmp_path):
    """A relay token given to join, junk, and a code of a group another federation holds."""
    hub, leaf = hosts[0], hosts[1]
    bob = leaf.user("bob")
    token = hub.peers().ok("relay", "token", "--name", "D").out.strip()
    elsewhere = User("xavier", tmp_path / "X" / "xavier", tmp_path / "X" / "hub")
    elsewhere.ok("id", "--handle", "xavier")
    elsewhere.ok("create", "theirs")
    code = elsewhere.ok("invite", "theirs").out.strip()
    one_line(bob.fails("join", token), "not an invite code")
    one_line(bob.fails("join", KB10), "not an invite code")
    one_line(bob.fails("join", code), "relay is not running")  # B's relay is stopped
    hub.start()
    leaf.start()
    wait_for(leaf.link_up, what="B's link")
    one_line(bob.fails("join", code), "is not known to the federation's hub")
    assert not list(leaf.hub.glob("*.db"))  # nothing of it written here


@pytest.mark.skipif(shutil.which("ssh") is None, reason="needs the ssh client")
def test_a_leaf_whose_ssh_host_is_unreachable_runs_and_says_why_the_link_is_down(tmp_path):
    """`--ssh` to a host nobody answers on: set up (the link may come later: a laptop set
    up offline), and the running relay's status names the tunnel's problem in one line;
    no hang, no traceback."""
    from peers_tui.testing.ports import leased_port

    hub, leaf = made = [Host(name, tmp_path / name) for name in ("A", "B")]
    for host in made:
        host.root.mkdir()
    hub.peers().ok("relay", "init", "--hub", "--name", "A", "--listen", f"127.0.0.1:{leased_port()}")
    token = hub.peers().ok("relay", "token", "--name", "B").out.strip()
    leaf.peers().ok("relay", "init", "--leaf", token, "--ssh", "nobody@127.0.0.1",
                    "--ssh-option", f"Port={leased_port()}")
    try:
        leaf.start()
        wait_for(lambda: "Connection refused" in leaf.peers().run("relay", "status").out,
                 timeout=20, what="the tunnel's problem in the status")
        line = [line for line in leaf.peers().ok("relay", "status").out.splitlines()
                if line.startswith("ssh tunnel via nobody@127.0.0.1: down for")]
        assert len(line) == 1, line
        assert "Traceback" not in leaf.stderr()
    finally:
        stop_all(made)

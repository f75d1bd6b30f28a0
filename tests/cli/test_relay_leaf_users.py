"""Every Unix user of a leaf host, not only the relay's own (docs/relay.md, "Every user of a
leaf (h-leafusers)").

The relay runs as the test's user (root) and owns `<hub>/.relay/` (0700); the others are real
Unix users of the hub's group (tests/system_helpers.py) who cannot read it, and whose copy of
peers has no NATS client at all. They reach the federation's hub through their relay's desk
(`<hub>/.relay-desk.sock`, relay/desk.py).
"""

from __future__ import annotations

import contextlib
import grp
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests import system_helpers as system
from tests.conftest import User
from tests.relay_helpers import REPO, Host, federation, stop_all, wait_for

pytestmark = pytest.mark.slow


@contextmanager
def leaf_with_users(unix_site: Path) -> Iterator[tuple[list[Host], Path]]:
    """Hub A and leaf B (relays run by root), B's hub set up as the README's shared hub
    (the hub group's, 3770) under a directory the test users may traverse."""
    base = Path(tempfile.mkdtemp(dir=unix_site))
    base.chmod(0o711)
    hosts = federation(base)
    try:
        for host in hosts:
            host.root.chmod(0o711)
            shutil.chown(host.hub, group=system.HUB_GROUP)
            host.hub.chmod(0o3770)
        yield hosts, base
    finally:
        stop_all(hosts)
        for host in hosts:
            print(f"--- relay of {host.name}:\n{host.stderr()}")
        shutil.rmtree(base, ignore_errors=True)


def unix_user(base: Path, short: str, host: Host, unix_site: Path) -> system.UnixUser:
    return system.make_unix_user(base, short, host.hub, unix_site / "site")


def team_with_bob(hub: Host, leaf: Host) -> tuple[User, User, str, str]:
    """alice on A founds 'team' with a three-use code; both relays run; bob of B (the relay's
    own Unix user) joins: the group file is on B. alice, bob, the code, the group id."""
    alice, bob = hub.user("alice"), leaf.user("bob")
    group_id = alice.ok("create", "team").out.strip()
    code = alice.ok("invite", "team", "--uses", "3").out.strip()
    hub.start()
    leaf.start()
    wait_for(leaf.link_up, what="B's link")
    bob.ok("join", code)
    return alice, bob, code, group_id


def dana_joined(base: Path, leaf: Host, unix_site: Path, code: str) -> system.UnixUser:
    """dana: a second Unix user of the leaf (peers-test-alice, not root), named, in 'team'."""
    dana = unix_user(base, "alice", leaf, unix_site)
    dana.ok("id", "--handle", "dana")
    dana.ok("join", code)
    return dana


def hub_away(hub: Host, leaf: Host) -> None:
    hub.stop()
    wait_for(lambda: not leaf.link_up(), what="B's link down")


def members(user, group: str = "team") -> dict[str, str]:
    return {m["handle"]: m["role"] for m in user.ok("members", group, "--json").json()}


def test_a_second_unix_user_of_a_leaf_joins_posts_changes_role_and_handle_and_leaves(unix_site):
    with leaf_with_users(unix_site) as (hosts, base):
        hub, leaf = hosts
        alice, bob, code, _ = team_with_bob(hub, leaf)  # the group file is on B now
        dana = unix_user(base, "alice", leaf, unix_site)  # peers-test-alice, not root
        dana.ok("id", "--handle", "dana")
        joined = dana.run("join", code)
        assert joined.code == 0, joined.err
        wait_for(lambda: "dana" in members(alice), what="dana's join at the hub")
        dana.ok("send", "team", "hello from dana")
        wait_for(lambda: "hello from dana" in bodies_of(alice), what="dana's post on A")
        alice.ok("role", "team", "dana", "admin")
        wait_for(lambda: members(dana).get("dana") == "admin", what="the role on B")
        changed = dana.run("role", "team", "bob", "reader")
        assert changed.code == 0, changed.err
        wait_for(lambda: members(alice).get("bob") == "reader", what="dana's role change on A")
        renamed = dana.run("id", "--handle", "dee")
        assert renamed.code == 0 and "wait" not in renamed.err, renamed.err
        wait_for(lambda: "dee" in members(alice), what="dana's handle on A")
        left = dana.run("leave", "team")
        assert left.code == 0, left.err
        wait_for(lambda: "dee" not in members(alice), what="dana's leave on A")
        alice.ok("verify", "team")
        bob.ok("verify", "team")


def test_a_second_unix_user_joins_a_group_this_leaf_does_not_have_yet(unix_site):
    """The relay fetches it for them (its state is not theirs to read): the file then is of
    the hub's group, 0660, as any group file of the shared hub, and theirs to write."""
    with leaf_with_users(unix_site) as (hosts, base):
        hub, leaf = hosts
        alice = hub.user("alice")
        group_id = alice.ok("create", "team").out.strip()
        code = alice.ok("invite", "team").out.strip()
        alice.ok("send", "team", "before anyone of B")
        hub.start()
        leaf.start()
        wait_for(leaf.link_up, what="B's link")
        dana = unix_user(base, "alice", leaf, unix_site)
        dana.ok("id", "--handle", "dana")
        joined = dana.run("join", code)
        assert joined.code == 0, joined.err
        path = leaf.hub / f"{group_id}.db"
        info = path.stat()
        assert (info.st_gid, info.st_mode & 0o777) == (grp.getgrnam(system.HUB_GROUP).gr_gid,
                                                        0o660)
        wait_for(lambda: "before anyone of B" in bodies_of(dana), what="the history on B")
        dana.ok("send", "team", "from B")
        wait_for(lambda: "from B" in bodies_of(alice), what="dana's post on A")
        assert "dana" in members(alice)


def test_two_unix_users_of_one_leaf_race_for_the_membership_order(unix_site):
    """dana and erin, two Unix users of B (neither the relay's), join at the same moment:
    one change takes the place at the hub, the other is told stale, catches up and signs
    again: both are members, one chain on both hosts."""
    with leaf_with_users(unix_site) as (hosts, base):
        hub, leaf = hosts
        alice, bob, code, _ = team_with_bob(hub, leaf)
        dana, erin = (unix_user(base, short, leaf, unix_site) for short in ("alice", "bob"))
        dana.ok("id", "--handle", "dana")
        erin.ok("id", "--handle", "erin")
        with ThreadPoolExecutor(2) as pool:
            results = list(pool.map(lambda user: user.run("join", code), (dana, erin)))
        assert [r.code for r in results] == [0, 0], [r.err for r in results]
        wait_for(lambda: {"dana", "erin"} <= set(members(alice)), what="both joins on A")
        head = members_json(alice)
        wait_for(lambda: members_json(bob) == head, what="one membership on both hosts")
        alice.ok("verify", "team")
        bob.ok("verify", "team")


def test_hub_unreachable_is_one_line_naming_how_long_and_a_handle_change_waits(unix_site):
    with leaf_with_users(unix_site) as (hosts, base):
        hub, leaf = hosts
        alice, bob, code, _ = team_with_bob(hub, leaf)
        dana = dana_joined(base, leaf, unix_site, code)
        hub_away(hub, leaf)
        left = dana.run("leave", "team")
        assert left.code == 1 and "Traceback" not in left.err, left.err
        assert len(left.err.strip().splitlines()) == 1, left.err
        assert re.search(r"the hub A has been unreachable for (<1|\d+)s", left.err), left.err
        renamed = dana.run("id", "--handle", "dee")
        assert renamed.code == 0, renamed.err
        dana.ok("send", "team", "while the hub is away")
        hub.start()
        wait_for(leaf.link_up, what="B's link again")
        wait_for(lambda: "dee" in members(alice), timeout=30, what="the kept handle change on A")
        assert "while the hub is away" in bodies_of(alice)
        # The hub's server restarted: its link may flap for a moment (what .link.json, which
        # dana reads, says lags `relay status` by up to a second).
        wait_for(lambda: dana.run("leave", "team").code == 0 or "dee" not in members(alice),
                 what="dana's leave")
        wait_for(lambda: "dee" not in members(alice), what="dana's leave on A")


def bodies_of(user) -> list[str]:
    return [m["body"] for m in user.ok("log", "team", "--json").json()]


def members_json(user) -> list[dict]:
    return sorted(user.ok("members", "team", "--json").json(), key=lambda m: m["handle"])


def desk_exchange(hub: Path, data: bytes, wait: float = 10.0) -> dict:
    """Send raw `data` to the desk of `hub` and read its one answer line."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(wait)
        sock.connect(str(hub / ".relay-desk.sock"))
        with contextlib.suppress(OSError):  # a huge request: the desk may close before it all went
            sock.sendall(data)
        got = b""
        while not got.endswith(b"\n"):
            chunk = sock.recv(65536)
            if not chunk:
                break
            got += chunk
    return json.loads(got)


SLOW_CLIENTS = r"""
import json, socket, sys
held = []
for _ in range(6):
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect(sys.argv[1])
    try:
        sock.sendall(b'{"op": "ask", ')
    except (BrokenPipeError, ConnectionResetError):
        pass  # over MAX_PER_UID: told busy and closed before this was sent (read below)
    held.append(sock)
print("connected", flush=True)
for sock in held:
    sock.settimeout(20)
    answer = json.loads(sock.recv(65536))
    print(answer.get("refused") or ("busy" if "busy" in answer else answer), flush=True)
"""


def test_the_desk_survives_garbage_huge_slow_and_forged_requests(unix_site):
    with leaf_with_users(unix_site) as (hosts, base):
        hub, leaf = hosts
        alice, bob, code, group_id = team_with_bob(hub, leaf)
        # Another user's slow clients hold a connection each, saying nothing: the others are
        # served meanwhile (at most MAX_PER_UID of one uid are waited for; the rest: busy).
        dana = unix_user(base, "alice", leaf, unix_site)
        slow = subprocess.Popen(
            ["setpriv", f"--reuid={dana.account}", f"--regid={dana.account}", "--init-groups",
             str(system.SYSTEM_PYTHON), "-c", SLOW_CLIENTS, str(leaf.hub / ".relay-desk.sock")],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=base)
        assert slow.stdout is not None and slow.stdout.readline() == "connected\n", (
            slow.communicate(timeout=30))
        started = time.monotonic()
        assert "refused" in desk_exchange(leaf.hub, b"\xff\xfe not json at all\n")
        assert time.monotonic() - started < 2
        assert "refused" in desk_exchange(leaf.hub, b"[1, 2, 3]\n")
        assert "refused" in desk_exchange(leaf.hub, b'{"op": "shutdown"}\n')
        assert "refused" in desk_exchange(leaf.hub, b"[" * 100000 + b"\n")
        assert "refused" in desk_exchange(leaf.hub, b"x" * (3 << 20))  # no line end, huge
        # A change of this group, its signature not its author's (the text altered after).
        change = bob_change(leaf, group_id)
        forged = dict(change, text=change["text"].replace('"leave"', '"join"'))
        for bad in (forged, dict(change, sig="not base64!"), dict(change, text=None)):
            answer = desk_exchange(leaf.hub, json.dumps(
                {"op": "ask", "group": group_id, "change": bad, "headers": {}}).encode() + b"\n")
            assert "refused" in answer, answer
        answer = desk_exchange(leaf.hub, json.dumps(
            {"op": "ask", "group": group_id, "change": change,
             "headers": {"Nats-Msg-Id": "x"}}).encode() + b"\n")
        assert "refused" in answer, answer
        answer = desk_exchange(leaf.hub, json.dumps(
            {"op": "hold", "group": group_id, "change": change}).encode() + b"\n")
        assert "refused" in answer, answer  # a leave is no handle change
        for what in ({"op": "fetch", "code": "nonsense"}, {"op": "ask", "group": "../etc"},
                     {"op": "drop", "group": group_id}):  # not fetched by the relay: stays
            assert "refused" in desk_exchange(leaf.hub, json.dumps(what).encode() + b"\n")
        # The slow ones are let go, one line each; the relay still runs and serves a real user.
        answers = slow.communicate(timeout=30)[0].splitlines()
        assert sorted(answers) == ["busy"] * 2 + ["no whole request within 5 s"] * 4, answers
        assert leaf.process.poll() is None
        dana.ok("id", "--handle", "dana")
        joined = dana.run("join", code)
        assert joined.code == 0, joined.err
        wait_for(lambda: "dana" in members(alice), what="dana's join at the hub")
        assert "bob" in members(alice)  # the forged leave went nowhere
        assert (leaf.hub / f"{group_id}.db").exists()


def test_a_socket_planted_by_another_user_is_not_the_relay(unix_site):
    """With the relay stopped, dana binds her own socket where the desk's goes: erin's
    membership change does not talk to it (one line), and the relay started then leaves it
    alone and says so rather than serve beside it."""
    with leaf_with_users(unix_site) as (hosts, base):
        hub, leaf = hosts
        alice, bob, code, _ = team_with_bob(hub, leaf)
        dana, erin = (unix_user(base, short, leaf, unix_site) for short in ("alice", "bob"))
        erin.ok("id", "--handle", "erin")
        leaf.stop()
        assert not (leaf.hub / ".relay-desk.sock").exists()
        plant = ("import socket, sys, time\n"
                 "s = socket.socket(socket.AF_UNIX)\n"
                 "s.bind(sys.argv[1]); s.listen(5); print('up', flush=True)\n"
                 "while True:\n"
                 "    c, _ = s.accept(); c.sendall(b'{\"answer\": {\"ok\": true}}\\n'); c.close()\n")
        planter = subprocess.Popen(
            ["setpriv", f"--reuid={dana.account}", f"--regid={dana.account}", "--init-groups",
             str(system.SYSTEM_PYTHON), "-c", plant, str(leaf.hub / ".relay-desk.sock")],
            stdout=subprocess.PIPE, text=True, cwd=base)
        try:
            assert planter.stdout is not None and planter.stdout.readline() == "up\n"
            joined = erin.run("join", code)
            assert joined.code == 1 and "not running" in joined.err, joined.err
            assert len(joined.err.strip().splitlines()) == 1
            assert "erin" not in members(alice)
            leaf.start()
            wait_for(lambda: "no desk" in leaf.stderr(), what="the relay's word on the desk")
            assert "is not this relay's" in leaf.stderr()
            wait_for(leaf.link_up, what="B's link")  # (else: "the hub A has been unreachable")
            wait_for(lambda: "not running" in erin.run("join", code).err, what="erin's refusal")
            assert "erin" not in members(alice)
        finally:
            planter.kill()
            planter.wait()


def bob_change(leaf: Host, group_id: str) -> dict:
    """A membership change signed by bob of B (his leave, never sent): a genuine record."""
    code = (
        "import json, sys\n"
        "from pathlib import Path\n"
        "from peers_tui.core.account import Account\n"
        "from peers_tui.core.membership_order import install\n"
        "from peers_tui.relay.desk_client import change_of\n"
        "caught = []\n"
        "def keep(path, record):\n"
        "    caught.append(change_of(record.text, record.sig, record.cosig))\n"
        "    raise SystemExit(0)\n"
        "install(keep)\n"
        "account = Account(Path(sys.argv[1]), Path(sys.argv[2]))\n"
        "try:\n"
        "    account.leave('team')\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(json.dumps(caught[0]))\n")
    user = leaf.users["bob"]
    result = subprocess.run([sys.executable, "-c", code, str(user.home), str(user.hub)],
                            capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


# A NATS client in a few lines of the standard library (the test users' peers has no NATS):
# ask the hub's server for the first message of the federation's stream, as a local user
# connecting without the relay's credential.
READ_STREAM = r"""
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=3)
body = b'{"seq":1}'
s.sendall(b'CONNECT {"verbose":false,"headers":true,"no_responders":true}\r\n'
          b'SUB _INBOX.t 1\r\n'
          b'PUB $JS.API.STREAM.MSG.GET.PEERS_FED _INBOX.t ' + str(len(body)).encode() + b'\r\n'
          + body + b'\r\nPING\r\n')
got = b""
try:
    while b"PONG" not in got or (b"MSG _INBOX.t" not in got and b"-ERR" not in got):
        chunk = s.recv(65536)
        if not chunk:
            break
        got += chunk
except socket.timeout:
    pass
print(got.decode("latin-1"))
"""


def test_other_users_of_the_hub_host_cannot_read_the_federation_but_join_through_the_relay(
        unix_site):
    """On the hub host, a Unix user other than the relay's gets nothing from its nats-server
    (it read every group's records, those it is in no member of too); a join of a group
    founded on a leaf goes on through the relay all the same."""
    with leaf_with_users(unix_site) as (hosts, base):
        hub, leaf = hosts
        bob = leaf.user("bob")
        bob.ok("create", "side")
        code = bob.ok("invite", "side").out.strip()
        bob.ok("send", "side", "only for members")
        hub.start()
        leaf.start()
        wait_for(leaf.link_up, what="B's link")
        dana = unix_user(base, "alice", hub, unix_site)  # a user of the hub host A
        port = json.loads((hub.hub / ".relay" / "config.json").read_text())["client_port"]
        seen = dana.as_user(str(system.SYSTEM_PYTHON), "-c", READ_STREAM, str(port))
        assert "Permissions Violation" in seen.out, seen.out
        assert "MSG _INBOX.t" not in seen.out, seen.out
        dana.ok("id", "--handle", "dana")
        wait_for(lambda: dana.run("join", code).code == 0, what="dana's join on the hub host")
        assert "only for members" in [m["body"] for m in dana.ok("log", "side", "--json").json()]
        wait_for(lambda: "dana" in members(bob, "side"), what="dana's join on B")


def test_a_failed_join_leaves_no_group_file_the_relay_fetched_for_it(unix_site):
    """dana's code was used up at the hub: the relay fetched the group for her join, which
    failed; the file (the relay's, in a sticky hub: not hers to remove) goes, removed by the
    relay at her process's word. Nobody of B keeps a copy of a group nobody of B is in."""
    with leaf_with_users(unix_site) as (hosts, base):
        hub, leaf = hosts
        alice, carol = hub.user("alice"), hub.user("carol")
        group_id = alice.ok("create", "team").out.strip()
        code = alice.ok("invite", "team").out.strip()  # one use
        alice.ok("send", "team", "members only")
        carol.ok("join", code)
        hub.start()
        leaf.start()
        wait_for(leaf.link_up, what="B's link")
        dana = unix_user(base, "alice", leaf, unix_site)
        dana.ok("id", "--handle", "dana")
        failed = dana.run("join", code)
        assert failed.code == 1 and "Traceback" not in failed.err, failed.err
        assert len(failed.err.strip().splitlines()) == 1, failed.err
        assert "used up" in failed.err, failed.err  # (the fetch went through: the join said no)
        assert not (leaf.hub / f"{group_id}.db").exists()
        # A code made up for the group's id (no invite of it holds its key): nothing fetched.
        made_up = code.rsplit(":", 1)[0] + ":" + "a" * 52
        refused = dana.run("join", made_up)
        assert refused.code == 1 and "names no invite" in refused.err, refused.err
        assert len(refused.err.strip().splitlines()) == 1, refused.err
        assert not (leaf.hub / f"{group_id}.db").exists()

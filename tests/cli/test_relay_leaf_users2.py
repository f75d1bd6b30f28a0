"""Every Unix user of a leaf, continued (docs/relay.md, "Other users on a leaf, continued
(h-leafusers2)"): what the relay's own user had and the others of its host lacked.

As in test_relay_leaf_users.py: the relays run as the test's user (root) and own
`<hub>/.relay/` (0700); dana and erin are real Unix users of the hub's group, running their
own copy of peers (no NATS) through setpriv, who reach the hub through the relay's desk.
"""

from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess
import time
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests import system_helpers as system
from tests.cli.test_relay_leaf_users import (
    bodies_of, dana_joined, hub_away, leaf_with_users, members, team_with_bob, unix_user,
)
from tests.relay_helpers import REPO, Host, wait_for
from tests.tmux_helpers import Tmux, needs_tmux

if TYPE_CHECKING:
    from tests.conftest import User

pytestmark = pytest.mark.slow


def team_line(user) -> str:
    return next(line for line in user.ok("groups").out.splitlines() if " team " in line)


def kept_text(leaf, group_id: str, author: str) -> str | None:
    """The handle change of `author` the relay of `leaf` keeps for the hub (root reads it)."""
    try:
        return json.loads((leaf.hub / ".relay" / "held" / f"{group_id}.{author}.json")
                          .read_text())["text"]
    except FileNotFoundError:
        return None


def test_a_handle_change_another_unix_user_made_offline_is_told_until_the_hub_has_it(
        unix_site):
    """dana (not the relay's user) changes her handle with the hub away: her `peers id` and
    `peers groups` say it waits, as the relay's own user's do, and her sends do not sign it
    again (each replaced the kept change: it is found where she can read it)."""
    with leaf_with_users(unix_site) as (hosts, base):
        hub, leaf = hosts
        alice, bob, code, group_id = team_with_bob(hub, leaf)
        dana = dana_joined(base, leaf, unix_site, code)
        me = json.loads(dana.ok("id", "--json").out)["id"]
        hub_away(hub, leaf)
        renamed = dana.run("id", "--handle", "dee")
        assert renamed.code == 0, renamed.err
        wait_for(lambda: kept_text(leaf, group_id, me) is not None, what="the kept change")
        kept = kept_text(leaf, group_id, me)
        said = dana.ok("id")
        assert "your handle change waits for the hub in team" in said.err, said.err
        assert json.loads(dana.ok("id", "--json").out)["handle_changes"] == {group_id: "unsent"}
        assert "handle unsent" in team_line(dana), team_line(dana)
        time.sleep(1.1)  # (a change signed again would carry a later time)
        dana.ok("send", "team", "while the hub is away")
        assert kept_text(leaf, group_id, me) == kept, "the send signed the kept change again"
        hub.start()
        wait_for(lambda: "dee" in members(alice), timeout=30, what="the kept change on A")
        wait_for(lambda: "waits" not in dana.ok("id").err, what="nothing told as waiting")
        assert "handle" not in team_line(dana), team_line(dana)
        assert "while the hub is away" in bodies_of(alice)


def test_a_desk_users_view_of_kept_changes_is_the_relays_own(unix_site):
    """What dana's TUI watches for kept changes (services.hub_watch) and reads them from is
    a directory she may read, of the relay's owner: `.relay/held/` is not (on main: the
    look raised PermissionError, which ended the TUI's whole hub watcher)."""
    with leaf_with_users(unix_site) as (hosts, base):
        hub, leaf = hosts
        team_with_bob(hub, leaf)
        dana = unix_user(base, "alice", leaf, unix_site)
        code = ("import sys\n"
                "from peers_tui.relay.held_peek import view_dir\n"
                "print(view_dir(sys.argv[1]))\n")
        seen = dana.python(code, str(leaf.hub))
        assert seen.code == 0, seen.err
        assert seen.out.strip() == str(leaf.hub / ".relay-held"), seen.out
        assert (leaf.hub / ".relay-held").stat().st_uid == os.geteuid()


def team_on_a_and_dana(hosts, base, unix_site, message: str | None = None):
    """alice on A founds 'team' and makes a one-use code (`message` posted first); both
    relays run, B's link is up; dana is a Unix user of B (not the relay's) with her handle.
    alice, the group id, the code, dana."""
    hub, leaf = hosts
    alice = hub.user("alice")
    group_id = alice.ok("create", "team").out.strip()
    code = alice.ok("invite", "team").out.strip()
    if message is not None:
        alice.ok("send", "team", message)
    hub.start()
    leaf.start()
    wait_for(leaf.link_up, what="B's link")
    dana = unix_user(base, "alice", leaf, unix_site)
    dana.ok("id", "--handle", "dana")
    return alice, group_id, code, dana


def killed_after_fetch(hub, leaf, dana, code: str, group_id: str) -> None:
    """dana's `peers join CODE` on B, SIGKILLed once the relay fetched the file for her while
    her order request waits for the hub's relay (stopped meanwhile)."""
    os.kill(hub.process.pid, signal.SIGSTOP)
    join = subprocess.Popen(
        ["setpriv", f"--reuid={dana.account}", f"--regid={dana.account}", "--init-groups",
         str(system.SYSTEM_PYTHON), "-P", "-m", "peers_tui", "join", code],
        env=dana.env(), cwd=dana.site, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True)
    try:
        wait_for(lambda: (leaf.hub / f"{group_id}.db").exists() or join.poll() is not None,
                 what="the fetched file on B")
        assert join.poll() is None, join.communicate()
        time.sleep(1.0)  # past the fetch: waiting for the hub's order
        join.kill()  # (setpriv execs: the join's own process)
        join.wait()
    finally:
        if join.poll() is None:
            join.kill()
    assert (leaf.hub / f"{group_id}.db").exists()


def test_a_refused_join_after_a_killed_one_of_another_unix_user_leaves_no_file(unix_site):
    """dana's join, fetched by the relay for her, killed before its end: the relay marked the
    fetch (`.join-<group>.fetched`, for her uid), so her next join, refused (the code
    revoked), has the file removed, as the relay's own user's would (on main: the file stayed,
    readable by the hub's group, replicated with nobody of B in it)."""
    with leaf_with_users(unix_site) as (hosts, base):
        hub, leaf = hosts
        alice, group_id, code, dana = team_on_a_and_dana(hosts, base, unix_site, "members only")
        mark = leaf.hub / f".join-{group_id}.fetched"
        try:
            killed_after_fetch(hub, leaf, dana, code, group_id)
            assert mark.exists() and mark.stat().st_uid == os.geteuid()  # the relay's
        finally:
            killed = time.time()
            hub.stop(signal.SIGKILL)  # (stopped, it would not stop at the end)
        hub.start()
        wait_for(lambda: leaf.link_up_since(killed), what="B's link again")
        alice.ok("invite", "team", "--revoke", code)
        time.sleep(1)  # the revocation reaches B's file
        refused = dana.run("join", code)
        assert refused.code == 1 and "revoked" in refused.err, refused.err
        assert len(refused.err.strip().splitlines()) == 1, refused.err
        assert not (leaf.hub / f"{group_id}.db").exists()
        assert not mark.exists()


def test_a_join_of_another_unix_user_leaves_no_fetch_mark(unix_site):
    """A join fetched through the desk and finished: the mark goes with its end, as the
    relay's own user's does (else a later failed join of anyone of that uid took the file
    for its own fetch)."""
    with leaf_with_users(unix_site) as (hosts, base):
        hub, leaf = hosts
        alice, group_id, code, dana = team_on_a_and_dana(hosts, base, unix_site)
        dana.ok("join", code)
        assert (leaf.hub / f"{group_id}.db").exists()
        assert not (leaf.hub / f".join-{group_id}.fetched").exists()
        wait_for(lambda: "dana" in members(alice), what="dana's join on A")


def test_dm_across_hosts_as_another_unix_user(unix_site):
    """alice on A offers dana (a Unix user of B, not the relay's) a direct conversation;
    dana's `peers dm alice` on B has the relay fetch it, takes it up, and both write in one
    conversation."""
    from tests.tui.test_relay_people import known_on

    with leaf_with_users(unix_site) as (hosts, base):
        hub, leaf = hosts
        alice, _, _, dana = team_on_a_and_dana(hosts, base, unix_site)
        dana.ok("groups")  # (her profile published in B's hub)
        wait_for(lambda: known_on(alice, "dana"), timeout=30, what="dana heard on A")
        alice.ok("dm", "dana", "hello dana")
        wait_for(lambda: dana.ok("invitations", "--json").json(), timeout=30,
                 what="dana's invitation on B")
        answer = dana.run("dm", "alice", "hello alice")
        assert answer.code == 0, answer.err
        assert "started a direct conversation" not in answer.err, answer.err
        assert [g["name"] for g in dana.ok("groups", "--json").json()][1:] == ["alice"]
        assert "hello dana" in [m["body"] for m in dana.ok("log", "alice", "--json").json()]
        wait_for(lambda: "hello alice" in [m["body"] for m in alice.ok(
            "log", "dana", "--json").json()], what="dana's answer in alice's conversation")
        assert dana.ok("invitations", "--json").json() == []
        assert not list(leaf.hub.glob(".join-*.fetched"))


def team_offered_to_dana_as_a_dm(hosts: list[Host], base: Path, unix_site: Path
                                 ) -> tuple[User, str, User]:
    """alice on A offers dana (a Unix user of leaf B, not the relay's) her 'team' claiming a
    direct conversation; returns alice, the team's id and dana once B has the invitation."""
    from peers_tui.core import direct
    from peers_tui.core.account import Account
    from tests.tui.test_relay_people import known_on

    alice, team, _, dana = team_on_a_and_dana(hosts, base, unix_site)
    dana.ok("groups")
    wait_for(lambda: known_on(alice, "dana"), timeout=30, what="dana heard on A")
    direct.invite_to(Account(alice.home, alice.hub), "team", "dana", extra={"dm": True})
    wait_for(lambda: dana.ok("invitations", "--json").json(), timeout=30,
             what="dana's invitation on B")
    return alice, team, dana


def test_dm_of_another_unix_user_leaves_no_file_of_a_group_that_is_no_conversation(unix_site):
    """alice offers dana her 'team' claiming a direct conversation: dana's `peers dm alice`
    has the relay fetch it, judges it (no pair in its genesis), founds their conversation,
    and the relay removes the file it fetched (on main it stayed: the relay's file in a
    sticky hub is not hers to remove, and `peers dm` removed it as the relay's own user)."""
    with leaf_with_users(unix_site) as (hosts, base):
        hub, leaf = hosts
        alice, team, dana = team_offered_to_dana_as_a_dm(hosts, base, unix_site)
        answer = dana.run("dm", "alice", "hello alice")
        assert answer.code == 0, answer.err
        assert "started a direct conversation" in answer.err, answer.err
        assert [g["name"] for g in dana.ok("groups", "--json").json()][1:] == ["alice"]
        assert not (leaf.hub / f"{team}.db").exists()
        assert not list(leaf.hub.glob(".join-*.fetched"))


def test_a_kept_change_of_another_unix_user_refused_as_stale_is_signed_again_by_her_command(
        unix_site):
    """bob (the relay's user) and dana both change their handle in 'team' with the hub away;
    the relay proposes bob's first, the hub refuses dana's as stale: it waits for her key.
    Her next `peers` command (not a send there) signs it again, as the relay's own user's
    does (on main her commands could not see it: it waited for her next send in 'team')."""
    with leaf_with_users(unix_site) as (hosts, base):
        hub, leaf = hosts
        alice, bob, code, group_id = team_with_bob(hub, leaf)
        dana = dana_joined(base, leaf, unix_site, code)
        wait_for(lambda: "dana" in members(alice), what="dana's join on A")
        hub_away(hub, leaf)
        assert "waits for the hub" in bob.ok("id", "--handle", "robert").err
        time.sleep(0.05)  # mtimes apart: the relay proposes the older first
        assert dana.run("id", "--handle", "dee").code == 0
        hub.start()
        wait_for(lambda: leaf.status().get("held") == {"to_send": 0, "to_sign": 1},
                 timeout=30, what="dana's change refused as stale, waiting for her")
        listed = dana.ok("groups")  # signs it again before it lists
        assert "handle" not in team_line(dana), listed.out
        wait_for(lambda: {"robert", "dee"} <= set(members(alice)), what="both handles on A")
        assert "waits" not in dana.ok("id").err


# What the app needs besides the CLI's packages (system_helpers.CLI_PACKAGES).
TUI_PACKAGES = ("textual", "rich", "markdown_it", "mdit_py_plugins", "linkify_it", "mdurl",
                "pygments", "typing_extensions.py")


def with_textual(site: Path) -> None:
    import shutil

    import textual

    packages = Path(textual.__file__).parent.parent
    for name in TUI_PACKAGES:
        source, target = packages / name, site / name
        if not target.exists():
            (shutil.copytree if source.is_dir() else shutil.copy2)(source, target)
    if not (site / "styles").exists():
        shutil.copytree(REPO / "styles", site / "styles")  # (paths.styles_dir)
    for path in [site, *site.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)


@needs_tmux
def test_the_app_of_another_unix_user_of_a_leaf_shows_messages_live(unix_site):
    """dana's app on B, a Unix user not the relay's: a message alice posts on A appears on
    her screen (on main her app's hub watcher died at its start, looking at
    `.relay/config.json` through a directory she may not enter: nothing came in live)."""
    with_textual(unix_site / "site")
    with leaf_with_users(unix_site) as (hosts, base):
        hub, leaf = hosts
        alice, bob, code, _ = team_with_bob(hub, leaf)
        dana = unix_user(base, "alice", leaf, unix_site)
        dana.ok("id", "--handle", "dana")
        dana.ok("join", code)
        tmux = Tmux()
        try:
            env = {**dana.env(), "TERM": "xterm-256color"}
            command = shlex.join(["setpriv", f"--reuid={dana.account}",
                                  f"--regid={dana.account}", "--init-groups", "env",
                                  *(f"{k}={v}" for k, v in env.items()),
                                  str(system.SYSTEM_PYTHON), "-P", "-m", "peers_tui",
                                  "open", "team"])
            tmux.run("new-session", "-d", "-s", "dana", "-x", "120", "-y", "40",
                     f"cd {shlex.quote(str(dana.site))} && {command}; sleep 60")
            tmux.wait_for("dana", lambda text: "dana" in text and "team" in text,
                          what="dana's app on team")
            time.sleep(2)  # (its hub watcher starts after the first paint)
            alice.ok("send", "team", "live from A")
            tmux.wait_for("dana", lambda text: "live from A" in text, timeout=20,
                          what="alice's message on dana's screen")
        finally:
            tmux.close()

"""`peers relay` across hosts on loopback: real nats-server processes on free ports, real
relays, real users; every host's files checked at the end."""

from __future__ import annotations

import json
import os
import signal
import stat
import time

import pytest

from tests.relay_helpers import Host, bodies, federation, stop_all, team_on_three_hosts, wait_for


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as proc:  # a zombie is dead too
        return proc.read().split()[2] != "Z"


def test_init_keeps_its_state_private_and_refuses_a_second_init(hosts):
    hub, leaf = hosts
    for host in hosts:
        assert stat.S_IMODE(os.stat(host.hub / ".relay").st_mode) == 0o700
        assert stat.S_IMODE(os.stat(host.hub / ".relay" / "config.json").st_mode) == 0o600
    again = hub.peers().fails("relay", "init", "--hub")
    assert "already set up" in again.err
    assert "not a relay token" in Host("C", hub.root.parent / "C").peers().fails(
        "relay", "init", "--leaf", "garbage").err
    assert "tokens are made on the hub" in leaf.peers().fails("relay", "token", "--name", "x").err


def test_a_token_without_a_name_is_for_the_next_free_leaf_name(hosts):
    """`peers relay token [--name HOST]` (issue 15's contract): without --name, leaf1, leaf2,
    ... (names taken skipped), said on stderr; the leaf initialised with it takes the name."""
    hub, leaf = hosts
    first, second = hub.peers().ok("relay", "token"), hub.peers().ok("relay", "token")
    assert "the host named leaf1" in first.err and "the host named leaf2" in second.err
    assert first.out.strip() != second.out.strip()
    c = Host("C", hub.root.parent / "C")
    c.peers().ok("relay", "init", "--leaf", first.out.strip())
    assert json.loads((c.hub / ".relay" / "config.json").read_text())["name"] == "leaf1"
    assert "revoked" in hub.peers().ok("relay", "revoke", "leaf2").out
    assert "leaf2" in hub.peers().ok("relay", "token").err  # free again


def test_the_relay_starts_and_stops_its_server_even_when_killed(hosts):
    hub, leaf = hosts
    hub.start()
    server = hub.nats_pid()
    assert alive(server)
    hub.stop(signal.SIGKILL)
    wait_for(lambda: not alive(server), timeout=5, what="the orphaned nats-server to die")
    hub.start()  # the ports and the store are free again
    server = hub.nats_pid()
    hub.stop()
    assert not alive(server)
    assert hub.status()["running"] is False


def test_a_message_posted_on_one_host_appears_on_the_other(hosts):
    hub, leaf = hosts
    alice, bob = hub.user("alice"), leaf.user("bob")
    group_id = alice.ok("create", "team").out.strip()
    code = alice.ok("invite", "team").out.strip()
    hub.start()
    leaf.start()
    wait_for(leaf.link_up, what="the leaf link")
    wait_for(lambda: leaf.status().get("received"), what="the group at the hub")
    bob.ok("join", code)  # the group is not on B: found through the relay
    alice.ok("send", "team", "hello from A")
    wait_for(lambda: "hello from A" in bodies(bob), what="A's message on B")
    bob.ok("send", "team", "hello from B")
    wait_for(lambda: "hello from B" in bodies(alice), what="B's message on A")
    assert bodies(alice) == bodies(bob) == ["hello from A", "hello from B"]
    assert alice.ok("verify", "team").code == 0 and bob.ok("verify", "team").code == 0
    status = leaf.status()
    assert status["link"]["up"] and status["unsent"] == 0 and status["rejected"] == {}


def test_a_wrong_or_revoked_token_is_refused(tmp_path, hosts):
    hub, leaf = hosts
    intruder = Host("C", tmp_path / "C")
    intruder.root.mkdir()
    token = hub.peers().ok("relay", "token", "--name", "C").out.strip()
    hub.peers().ok("relay", "revoke", "C")
    intruder.peers().ok("relay", "init", "--leaf", token)
    hub.start()
    try:
        intruder.start()
        leaf.start()
        wait_for(leaf.link_up, what="the genuine leaf's link")
        problem = wait_for(lambda: intruder.status().get("link", {}).get("problem"),
                           what="the revoked leaf's refusal")
        assert problem == "the hub refused this host's token (wrong or revoked)"
        assert not intruder.link_up()
        assert "refused this host's token" in intruder.stderr()
    finally:
        intruder.stop()


def test_tokens_made_and_revoked_while_the_hub_runs_take_effect(tmp_path, hosts):
    hub, leaf = hosts
    hub.start()
    late = Host("C", tmp_path / "C")
    late.root.mkdir()
    late.peers().ok("relay", "init", "--leaf",
                    hub.peers().ok("relay", "token", "--name", "C").out.strip())
    try:
        late.start()
        wait_for(late.link_up, what="the new leaf's link")
        hub.peers().ok("relay", "revoke", "C")
        wait_for(lambda: not late.link_up(), what="the revoked leaf to be cut off")
        wait_for(lambda: late.status()["link"]["problem"] ==
                 "the hub refused this host's token (wrong or revoked)", what="the refusal")
    finally:
        late.stop()


def joined(hub: Host, leaf: Host) -> tuple:
    """alice on the hub host founds 'team'; bob on the leaf joins it through the relay."""
    alice, bob = hub.user("alice"), leaf.user("bob")
    group_id = alice.ok("create", "team").out.strip()
    code = alice.ok("invite", "team", "--role", "admin").out.strip()
    hub.start()
    leaf.start()
    wait_for(leaf.link_up, what="the leaf link")
    wait_for(lambda: hub.status().get("running"), what="the hub relay")
    wait_for(lambda: bob.run("join", code).code == 0, what="bob's join through the relay")
    wait_for(lambda: "bob" in alice.ok("members", "team").out, what="bob's join on A")
    alice.ok("send", "team", "welcome")
    wait_for(lambda: "welcome" in bodies(bob), what="the welcome on B")
    return alice, bob, group_id


def inject(host: Host, subject: str, envelopes: list) -> None:
    """Publish records on `host`'s own NATS port as a modified relay would."""
    import asyncio

    import nats

    from peers_tui.relay.config import client_url, inbox_prefix, load_config

    async def send() -> None:
        config = load_config(host.hub)  # replies come back under the host's own prefix only
        nc = await nats.connect(client_url(config),  # as the relay (a leaf's server: server.py)
                                inbox_prefix=inbox_prefix(config.name))
        js = nc.jetstream(domain="hub")
        for envelope in envelopes:
            await js.publish(subject, envelope.payload(), headers=envelope.headers())
        await nc.close()

    asyncio.run(send())


def test_forged_records_in_a_hosts_file_or_stream_never_reach_another_host(tmp_path, hosts):
    from peers_tui.relay.envelope import Envelope, in_subject
    from peers_tui.testing.forge import Forger
    from tests.core.test_relay_apply import forged_message

    hub, leaf = hosts
    alice, bob, group_id = joined(hub, leaf)
    mallory = leaf.user("mallory")
    db = leaf.hub / f"{group_id}.db"
    # Into B's file: a non-member's post, and one of theirs whose row claims bob wrote it.
    Forger(mallory.home).message(db, group_id, "mallory was here")
    Forger(mallory.home).message(db, group_id, "bob's, says the row",
                                 columns={"author": Forger(bob.home).user_id})
    # Into B's outbound stream: a non-member's record, an altered one, one of another group.
    other = alice.ok("create", "other").out.strip()
    alice.ok("send", "other", "said in other")
    wait_for(lambda: len(hub.status().get("rejected", {})) == 0 and bodies(alice, "other"),
             what="the other group")
    # And into B's file: bob's own record of another group, filed at place 1,000,000 of his
    # chain here (the acceptance pass: it blamed him for 999,996 missing records and moved
    # B's heads away from A's).
    Forger(bob.home).message(db, other, "bob's, of another group", aseq=1, aprev="", mseq=0,
                             columns={"author_seq": 1_000_000})
    genuine = [m for m in alice.ok("log", "team", "--json").json() if m["body"] == "welcome"]
    assert genuine
    from peers_tui.core.group_store import GroupStore
    from peers_tui.relay.rows import scan_local

    welcome = [e for e in scan_local(GroupStore(hub.hub / f"{group_id}.db", group_id), "B", 0, 0)
               .genuine if '"welcome"' in e.text][0]
    said = [e for e in scan_local(GroupStore(hub.hub / f"{other}.db", other), "B", 0, 0).genuine
            if e.table == "msg"][0]
    stream = [forged_message(Forger(mallory.home), alice, group_id, "injected"),
              Envelope(group_id, "msg", welcome.text.replace("welcome", "WELCOME"), welcome.sig,
                       None, "B"),
              Envelope(group_id, "msg", said.text, said.sig, None, "B")]
    inject(leaf, in_subject("B", group_id), stream)
    bob.ok("send", "team", "genuine after the forgeries")
    wait_for(lambda: "genuine after the forgeries" in bodies(alice), what="bob's genuine post")
    wait_for(lambda: hub.status()["rejected"].get("B") == 3, what="the hub's quarantine")
    wait_for(lambda: leaf.status()["rejected"] == {"B": 3},  # its own file's forged rows,
             what="B's own quarantine")                       # not published
    reasons = sorted(row["reason"] for row in hub.peers().ok("relay", "rejected", "--json").json())
    assert reasons == ["author was not a member when it was written", "bad signature",
                       "record belongs to another group"]
    text = hub.peers().ok("relay", "rejected").out
    assert f"B  {group_id}  msg: {stream[1].hash[:12]} text by alice (" in text
    assert text.count("bad signature") == 1
    assert bodies(alice) == ["welcome", "genuine after the forgeries"]
    assert alice.run("verify", "team").code == 0
    verdict = bob.run("verify", "team")
    assert verdict.code == 1 and "of their records are missing" not in verdict.out, verdict.out

    def heads(host):
        store = GroupStore(host.hub / f"{group_id}.db", group_id)
        try:
            return store.heads()
        finally:
            store.close()

    wait_for(lambda: heads(hub) == heads(leaf), what="the same heads on both hosts")


def post_many(user, prefix: str, count: int) -> list[str]:
    from peers_tui.core.account import Account

    me = Account(user.home, user.hub)
    texts = [f"{prefix} {i}" for i in range(count)]
    for text in texts:
        me.send("team", text)
    return texts


def converged(users, expected: set[str]) -> bool:
    seen = [bodies(user) for user in users]
    return all(set(found) == expected and len(found) == len(expected) for found in seen)


@pytest.mark.slow
@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGKILL])
def test_both_sides_write_through_a_cut_and_converge(hosts, how):
    """The hub's relay (and with it its server) goes away while both hosts write; when it is
    back, every record is everywhere once, and `peers verify` is clean on both hosts."""
    hub, leaf = hosts
    alice, bob, group_id = joined(hub, leaf)
    before = post_many(alice, "before from A", 20)
    hub.stop(how)
    wait_for(lambda: not leaf.link_up(), what="the leaf to see the cut")
    during = post_many(alice, "cut from A", 100) + post_many(bob, "cut from B", 100)
    wait_for(lambda: leaf.status()["unsent"] == 100, what="B's unsent records counted")
    started = time.monotonic()
    hub.start()
    expected = {"welcome", *before, *during}
    wait_for(lambda: converged([alice, bob], expected), timeout=30, what="convergence")
    took = time.monotonic() - started
    print(f"converged {len(expected)} records {took:.2f} s after the hub relay restarted")
    for user in (alice, bob):
        assert user.run("verify", "team").code == 0
    wait_for(lambda: leaf.status()["unsent"] == 0, what="nothing unsent on B")
    from peers_tui.core.group_store import GroupStore

    heads = [GroupStore(h.hub / f"{group_id}.db", group_id).heads() for h in (hub, leaf)]
    assert heads[0] == heads[1]  # identical membership head and author chains


@pytest.mark.slow
def test_the_hub_relay_killed_mid_stream_loses_and_doubles_nothing(hosts):
    hub, leaf = hosts
    alice, bob, group_id = joined(hub, leaf)
    import threading

    writer = threading.Thread(target=post_many, args=(bob, "streamed from B", 150))
    writer.start()
    time.sleep(0.5)
    hub.stop(signal.SIGKILL)
    time.sleep(0.5)
    hub.start()
    writer.join()
    expected = {"welcome", *(f"streamed from B {i}" for i in range(150))}
    wait_for(lambda: converged([alice, bob], expected), timeout=30, what="convergence")


def test_membership_changes_need_the_hub_and_say_for_how_long_it_is_gone(hosts):
    hub, leaf = hosts
    alice, bob, group_id = joined(hub, leaf)
    hub.stop()
    wait_for(lambda: not leaf.link_up(), what="the leaf to see the cut")
    time.sleep(1.1)
    for args in (("leave", "team"), ("remove", "team", "alice"), ("role", "team", "alice", "reader")):
        error = bob.fails(*args).err
        assert "membership changes need it" in error, error
        assert "the hub A has been unreachable for 1s" in error or \
            "the hub A has been unreachable for 2s" in error, error
    bob.ok("send", "team", "still talking")  # messages do not need the hub
    assert "still talking" in bodies(bob)
    leaf.stop()
    assert "relay is not running" in bob.fails("leave", "team").err
    assert [m["handle"] for m in bob.ok("members", "team", "--json").json()] == ["alice", "bob"]


def test_a_membership_race_ends_in_the_hubs_order_on_every_host(hosts):
    """Changes at the same place of the log on both sides of a cut, the leaf's written by a
    client that did not ask the hub first (an older one): the hub's wins everywhere, the
    loser's is taken out and reported, and both files hold one chain."""
    from peers_tui.core import membership_order
    from peers_tui.core.account import Account
    from peers_tui.core.group_store import GroupStore

    hub, leaf = hosts
    alice, bob, group_id = joined(hub, leaf)
    hub.stop()
    wait_for(lambda: not leaf.link_up(), what="the cut")
    alice.ok("role", "team", "bob", "writer")  # on the hub host: the hub's order
    membership_order.install(None)  # an older client on the leaf, writing without asking
    try:
        Account(bob.home, bob.hub).leave("team")    # on the leaf, past the guard (a race)
    finally:
        membership_order.install(None)
    alice.ok("send", "team", "after the race")
    hub.start()
    wait_for(lambda: "after the race" in bodies(bob), what="the hub's records on B")
    heads = [GroupStore(h.hub / f"{group_id}.db", group_id).heads() for h in (hub, leaf)]
    wait_for(lambda: leaf.status()["rejected"] == {"B": 1}, what="the loser's report")
    assert heads[0] == heads[1]
    assert alice.run("verify", "team").code == 0
    # The loser may have pinned its own change when it made it: its client then says it is
    # gone (this client wrote without asking the hub's sequencer: test_relay_ordering.py).
    assert bob.run("verify", "team").out.splitlines()[0] in (
        f"ok      team ({group_id[:10]})",
        f"FAILED  team ({group_id[:10]}): membership log: change 2, verified earlier, is gone "
        "or altered (history deleted)")
    for user in (alice, bob):
        members = {m["handle"]: m["role"] for m in user.ok("members", "team", "--json").json()}
        assert members == {"alice": "owner", "bob": "writer"}
    [lost] = leaf.peers().ok("relay", "rejected", "--json").json()
    assert lost["host"] == "B" and lost["reason"].startswith("lost the race for membership change")
    # The hub refuses the leaf's change as a fork if the leaf's relay sent it before it applied
    # the hub's change at that place (which takes it out): either order is a race of ms.
    time.sleep(0.5)
    assert hub.status()["rejected"] in ({}, {"B": 1})


@pytest.mark.slow
def test_join_on_a_host_without_the_group_fetches_it_through_the_relay(tmp_path):
    """Three hosts: a group founded on leaf B with history, joined from leaf C."""
    hub, b, c = federation(tmp_path, ("A", "B", "C"))
    try:
        bob, carol = b.user("bob"), c.user("carol")
        group_id = bob.ok("create", "team").out.strip()
        for i in range(3):
            bob.ok("send", "team", f"history {i}")
        post_many(bob, "older", 200)
        code = bob.ok("invite", "team").out.strip()
        unknown = "peers1:" + "a" * 26 + ":" + code.rsplit(":", 1)[1]
        for host in (hub, b, c):
            host.start()
        wait_for(c.link_up, what="C's link")
        wait_for(lambda: hub.status().get("received", 0) >= 200, what="B's history at the hub")
        assert "is not known to the federation's hub" in carol.fails("join", unknown).err
        carol.ok("join", code)
        expected = [f"history {i}" for i in range(3)] + [f"older {i}" for i in range(200)]
        assert bodies(carol) == expected  # all of it at once: membership, invites, history
        assert carol.run("verify", "team").code == 0
        carol.ok("send", "team", "hello from C")
        wait_for(lambda: "hello from C" in bodies(bob), what="C's post on B")
        assert [m["handle"] for m in bob.ok("members", "team", "--json").json()] == ["bob", "carol"]
        c.stop()
        assert "relay is not running" in carol.fails("join", unknown).err
    finally:
        stop_all([hub, b, c])


@pytest.mark.slow
def test_three_hosts_write_while_a_leaf_is_killed_and_restarted(tmp_path):
    """A hub and two leaves; everyone writes; leaf C's relay is killed with SIGKILL while the
    others go on and restarted: every host ends with every message once, verify clean."""
    import threading

    hub, b, c = federation(tmp_path, ("A", "B", "C"))
    try:
        alice, bob, carol, _ = team_on_three_hosts(hub, b, c)
        writers = [threading.Thread(target=post_many, args=(user, f"from {user.name}", 60))
                   for user in (alice, bob)]
        for writer in writers:
            writer.start()
        time.sleep(0.3)
        c.stop(signal.SIGKILL)
        post_many(carol, "from carol offline", 20)
        time.sleep(0.5)
        c.start()
        for writer in writers:
            writer.join()
        expected = {f"from {name} {i}" for name in ("alice", "bob") for i in range(60)}
        expected |= {f"from carol offline {i}" for i in range(20)}
        wait_for(lambda: converged([alice, bob, carol], expected), timeout=30, what="convergence")
        for user in (alice, bob, carol):
            assert user.run("verify", "team").code == 0
        assert all(host.status()["rejected"] == {} for host in (hub, b, c))
    finally:
        stop_all([hub, b, c])


@pytest.mark.slow
def test_joins_from_two_leaves_at_once_both_count_in_one_order(tmp_path):
    """bob on B and carol on C join at the same moment: the hub orders one first, the other
    joins again after it; every host ends with the same log of three members."""
    import subprocess
    import sys

    from peers_tui.core.group_store import GroupStore

    hub, b, c = federation(tmp_path, ("A", "B", "C"))
    try:
        alice, bob, carol = hub.user("alice"), b.user("bob"), c.user("carol")
        group_id = alice.ok("create", "team").out.strip()
        code = alice.ok("invite", "team", "--uses", "2").out.strip()
        for host in (hub, b, c):
            host.start()
        wait_for(lambda: b.link_up() and c.link_up(), what="both links")
        time.sleep(1)  # the hub has published the new group
        joins = [subprocess.Popen([sys.executable, "-m", "peers_tui", "join", code],
                                  env=user.env(), text=True, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE) for user in (bob, carol)]
        results = [join.communicate(timeout=60) for join in joins]
        assert [join.returncode for join in joins] == [0, 0], results
        for user in (alice, bob, carol):
            wait_for(lambda user=user: len(user.ok("members", "team", "--json").json()) == 3,
                     what=f"three members for {user.name}")
        heads = [GroupStore(h.hub / f"{group_id}.db", group_id).heads()[:2] for h in (hub, b, c)]
        assert heads[0] == heads[1] == heads[2]
        for user in (alice, bob, carol):
            assert user.run("verify", "team").code == 0
    finally:
        stop_all([hub, b, c])

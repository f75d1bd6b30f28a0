"""What the third acceptance pass of issue 15 met (docs/relay.md, "The third acceptance pass"):
three hosts on loopback from the CLI, forged rows dropped into one host's file with sqlite3,
and forged messages published straight into a leaf's outbound stream with its credentials.
Every forgery must be refused at the first relay it meets, counted in `relay status`,
listed in `relay rejected` with its reason and host, and reach no other host."""

from __future__ import annotations

import base64
import sqlite3
from typing import Any

import pytest

from peers_tui.relay.envelope import in_subject
from tests.cli.test_relay_attacks import through
from tests.relay_helpers import Host, bodies, team_on_two_hosts, wait_for

pytestmark = pytest.mark.slow


def rejected(host: Host) -> list[dict[str, Any]]:
    return host.peers().ok("relay", "rejected", "--json").json()


def test_messages_in_a_leafs_outbound_stream_that_are_no_record_are_counted_and_listed(tmp_path):
    """A client on B's link publishing bytes that are no record envelope into B's inbound
    stream at the hub (undecodable text, a signature that is no base64, no known table, a
    group that is no group id): the hub dropped each without a word, so `relay status`
    said "rejected: none" and `relay rejected` listed nothing while B sent junk (and a group
    header naming no group waited, as if its genesis could still come)."""
    with team_on_two_hosts(tmp_path) as ((hub, leaf), alice, bob, code):
        wait_for(lambda: bob.run("join", code).code == 0, what="bob's join on B")
        group_id = next(g["id"] for g in alice.ok("groups", "--json").json()
                        if g["name"] == "team")
        junk = [
            (b"\xff\xfe\x00 not text", {"Peers-Table": "msg", "Peers-Group": group_id,
                                        "Peers-Sig": base64.b64encode(bytes(64)).decode()}),
            (b"{1}", {"Peers-Table": "msg", "Peers-Group": group_id, "Peers-Sig": "!!"}),
            (b"{2}", {"Peers-Table": "nope", "Peers-Group": group_id}),
            (b"{3}", {"Peers-Table": "member", "Peers-Group": "../../etc/passwd",
                     "Peers-Sig": ""}),
        ]

        async def publish_junk(nc: Any, js: Any) -> None:
            for number, (payload, headers) in enumerate(junk):
                await js.publish(in_subject("B", group_id), payload, timeout=2.0,
                                 headers={**headers, "Nats-Msg-Id": f"junk{number}"})

        assert through(leaf, publish_junk) == "done"
        wait_for(lambda: hub.status().get("rejected") == {"B": 4}, what="four refusals of B's")
        listed = rejected(hub)
        assert {row["host"] for row in listed} == {"B"}, listed
        reasons = " | ".join(row["reason"] for row in listed)
        for expected in ("undecodable record", "without a record table or group",
                         "no group id: '../../etc/passwd'"):
            assert expected in reasons, reasons
        assert hub.status()["waiting"] == 0
        text = hub.peers().ok("relay", "rejected").out
        assert text.count("\n") == 4 and "\x00" not in text, text
        bob.ok("send", "team", "still carried")
        wait_for(lambda: "still carried" in bodies(alice), what="bob's message on A")


def test_known_records_filed_where_they_do_not_belong_are_refused_where_they_were_written(
        tmp_path):
    """Rows dropped into B's file with sqlite3 that hold a record the federation has: one of
    another group's, and second rows of one of this group's under another id and time. B's
    relay passed them over as known: never sent (right), but never refused either, so `relay
    status` and `relay rejected` on B did not show them while `peers verify` failed on them."""
    with team_on_two_hosts(tmp_path) as ((hub, leaf), alice, bob, code):
        wait_for(lambda: bob.run("join", code).code == 0, what="bob's join on B")
        alice.ok("create", "other")
        other_code = alice.ok("invite", "other").out.strip()
        wait_for(lambda: bob.run("join", other_code).code == 0, what="bob's join of other")
        alice.ok("send", "team", "in team")
        alice.ok("send", "team", "in team too")
        alice.ok("send", "other", "in other")
        wait_for(lambda: "in team too" in bodies(bob) and "in other" in bodies(bob, "other"),
                 what="both messages on B")
        groups = {g["name"]: g["id"] for g in bob.ok("groups", "--json").json()}
        team, other = (leaf.hub / f"{groups[name]}.db" for name in ("team", "other"))
        columns = "id, author, author_seq, kind, created_at, body, record, sig, target, " \
                  "reply_to, orig_id"
        with sqlite3.connect(team) as db:
            db.execute("ATTACH ? AS other", (str(other),))
            db.execute(f"INSERT INTO message ({columns}) SELECT id, author, author_seq + 3000, "
                       "kind, created_at, body, record, sig, target, reply_to, orig_id "
                       "FROM other.message")
            db.execute(f"INSERT INTO message ({columns}) SELECT '01M8ZZZZZZDUPLICATE0000000', "
                       "author, author_seq + 1000, kind, created_at, body, record, sig, target,"
                       " reply_to, orig_id FROM message WHERE body = 'in team' AND author_seq < 1000")
            db.execute(f"INSERT INTO message ({columns}) SELECT '01M8ZZZZZZFUTURECOLUMN0000', "
                       "author, author_seq + 2000, kind, 32503680000000, body, record, sig, "
                       "target, reply_to, orig_id FROM message WHERE body = 'in team too' AND author_seq < 1000")
        wait_for(lambda: leaf.status().get("rejected") == {"B": 3}, what="three refusals at B")
        reasons = sorted(row["reason"] for row in rejected(leaf))
        assert reasons == ["written into this host's file: record belongs to another group"] + [
            "written into this host's file: row does not match its signed record "
            "(edited in the file)"] * 2, reasons
        assert hub.status().get("rejected") == {}
        bob.ok("send", "team", "after the junk")
        wait_for(lambda: "after the junk" in bodies(alice), what="bob's message on A")
        assert bodies(alice) == ["in team", "in team too", "after the junk"]
        verified = bob.run("verify", "team")
        assert verified.code == 1 and verified.out.count("FAILED") == 3, verified.out


@pytest.mark.parametrize("change", ["remove", "demote"])
def test_a_member_cut_off_while_removed_or_demoted_sees_no_deleted_history_afterwards(
        tmp_path, change):
    """The cut rule from the cut-off side: bob posts on B while B's link is down, alice
    removes him (or makes him a reader) on A meanwhile; his posts beyond the cut are void on
    every host and B's relay takes them out of B's file. bob's own writes had pinned them,
    so once he was a member again (invited back, or still one as a reader) every `peers log`,
    `groups` and `verify` of his reported "record 3 of theirs, verified earlier, is gone or
    altered (history deleted)", for good: the pin never moves back, and his chain starts
    again after the cut. A record beyond a cut that was pinned before its change was
    verified is void by that change: the pin comes down to the cut."""
    with team_on_two_hosts(tmp_path) as ((hub, leaf), alice, bob, code):
        wait_for(lambda: bob.run("join", code).code == 0, what="bob's join on B")
        dave = leaf.user("dave")  # reads bob's posts on B before the cut reaches B
        for_dave = alice.ok("invite", "team").out.strip()  # the invite reaches B first
        wait_for(lambda: dave.run("join", for_dave).code == 0, what="dave's join on B")
        bob.ok("send", "team", "seen by alice")
        wait_for(lambda: "seen by alice" in bodies(alice), what="bob's first post on A")
        leaf.stop()
        bob.ok("send", "team", "cut off 1")
        bob.ok("send", "team", "cut off 2")
        assert "cut off 2" in dave.ok("log", "team").out
        if change == "remove":
            alice.ok("remove", "team", "bob")
        else:
            alice.ok("role", "team", "bob", "reader")
        leaf.start()
        wait_for(lambda: "cut off 1" not in bodies(bob), what="bob's void posts out of B's file")
        dave.ok("send", "team", "dave")  # a send pins the membership head past the change
        if change == "remove":
            again = alice.ok("invite", "team").out.strip()
            wait_for(lambda: bob.run("join", again).code == 0, what="bob's join again")
        else:
            alice.ok("role", "team", "bob", "writer")
        wait_for(lambda: {m["handle"]: m["role"] for m in bob.ok("members", "team", "--json").json()}
                 == {"alice": "owner", "bob": "writer", "dave": "writer"},
                 what="bob a writer again on B")
        for user in (bob, dave):
            logged = user.run("log", "team")
            assert "history deleted" not in logged.err + logged.out, (user.name, logged)
        bob.ok("send", "team", "back")
        wait_for(lambda: "back" in bodies(alice), what="bob's post after his return on A")
        for user in (bob, dave):
            verified = user.run("verify", "team")
            assert verified.code == 0, verified.out + verified.err
            assert "history deleted" not in user.ok("groups").out
        assert bodies(alice) == bodies(bob) == bodies(dave) == ["seen by alice", "dave", "back"]

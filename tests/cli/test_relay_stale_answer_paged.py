"""A leaf whose change is stale at the hub by more than NATS carries in one answer catches up
a page at a time and makes its change (docs/relay.md, "The stale answer bounded (h-stale)").

Before, the hub answered a change signed against an older head with every change from the
leaf's place on: bob on leaf B, ~1.2 MB of joins behind, proposed a role change, the hub's
answer was over NATS's 1 MB max_payload and could not be published, and bob was told "no
answer from the hub within 3 s" (exit 1), as if the hub were away. Now the answer is a page
(relay/change_pages.py) with the hub's head, and bob's command asks for the pages after it
(relay/hub_head.catch_up_stale) before it signs its change again.

Hub A and leaf B on loopback (h-told's set-up: alice and bob owners, carol an admin). alice's
1,500 joins are signed here in one transaction on the hub's file (tests/membership_builder.py);
B's relay is stopped (SIGSTOP, not its server) just before its commit and let go after bob's
command, so B's file lacks all of them when he runs it.
"""

from __future__ import annotations

import re

import pytest

from peers_tui.core.account import Account
from peers_tui.core.roles import Role
from tests.cli.test_relay_role_race_told import role_of, team  # noqa: F401 - the fixture
from tests.membership_builder import joins_signed
from tests.relay_helpers import paused_between_writes, taken_for_running, wait_for

pytestmark = pytest.mark.slow

JOINS = 1500  # ~775 bytes each in an answer: ~1.16 MB, past NATS's 1 MB max_payload


def far_behind(hub, leaf, group_id: str, alice, then_carol_a_reader: bool = False) -> None:
    """alice's JOINS joins on the hub (and then carol made a reader, if asked), B's relay
    stopped just before their commit: B's file lacks them until the caller lets it go
    (SIGCONT)."""
    account = Account(alice.home, alice.hub)
    try:
        with account.personal.session():
            _, store = account.group_store("team")
            with store.session(), store.file.db.atomic():
                joins_signed(store, account.keypair, JOINS)
                if then_carol_a_reader:
                    store.set_role(account.keypair, account.find_member(store, "carol").user_id,
                                   Role.READER)
                # Stopped for less than hub_reach.STALE_STATUS (5 s) after its last status in
                # all: bob's command is refused as to a relay that does not run after that.
                # So stopped just after a status (written every 2 s): under load (-n 2), one
                # stopped up to 2 s after its last left too little for his pages.
                written = leaf.status_file()
                wait_for(lambda: leaf.status_file() != written, what="B's next status")
                paused_between_writes(leaf, group_id)
    finally:
        account.close()


def test_a_change_stale_by_more_than_an_answer_holds_is_made_after_the_pages(team):  # noqa: F811
    (hub, leaf), group_id, alice, bob = team
    with taken_for_running(leaf):
        far_behind(hub, leaf, group_id, alice)
        assert role_of(bob, "carol") == "admin"  # B's copy: none of the joins
        made = bob.run("role", "team", "carol", "writer")
    assert made.code == 0, made.err
    assert made.err.strip() == ("peers: another membership change reached the hub first; "
                                "done again after that one"), made.err
    wait_for(lambda: role_of(alice, "carol") == "writer", timeout=30, what="carol a writer at A")
    wait_for(lambda: role_of(bob, "carol") == "writer", timeout=30, what="carol a writer on B")
    assert len(bob.ok("members", "team", "--json").json()) == 3 + JOINS



BEHIND = re.compile(r"peers: nothing was changed: this host's copy of the membership is (\d+) "
                    r"changes behind the hub's and still catching up; try again in a moment")


def test_pages_out_of_time_after_a_stale_answer_say_how_far_behind(team, monkeypatch):  # noqa: F811
    """The pages after the stale answer cannot all come within the command's wait (forced
    short: each page's apply here takes longer): one line, exit 1, nothing changed; once
    B's relay brought the rest, the same command goes through."""
    (hub, leaf), group_id, alice, bob = team
    monkeypatch.setenv("PEERS_RELAY_HEAD_WAIT", "0.05")  # (hub_head.HEAD_WAIT: 10 s)
    with taken_for_running(leaf):
        far_behind(hub, leaf, group_id, alice)
        made = bob.run("role", "team", "carol", "writer")
    assert made.code == 1 and "Traceback" not in made.err, made.err
    said = BEHIND.fullmatch(made.err.strip())
    assert said is not None, made.err
    assert 0 < int(said[1]) < JOINS  # the stale answer's page went in here, not the rest
    assert role_of(alice, "carol") == "admin"
    wait_for(lambda: len(bob.ok("members", "team", "--json").json()) == 3 + JOINS, timeout=30,
             what="the joins on B")
    bob.ok("role", "team", "carol", "writer")
    wait_for(lambda: role_of(alice, "carol") == "writer", what="carol a writer at A")


def test_pages_out_of_time_before_a_no_op_is_judged_say_how_far_behind(team, monkeypatch):  # noqa: F811
    """The head question (a change that would change nothing on B's copy: carol an admin
    there, a reader at the hub after the joins) whose pages run out: the same line, not
    "as this host's copy says: the hub cannot be asked now" (h-left15's words for it)."""
    (hub, leaf), group_id, alice, bob = team
    monkeypatch.setenv("PEERS_RELAY_HEAD_WAIT", "0.05")
    with taken_for_running(leaf):
        far_behind(hub, leaf, group_id, alice, then_carol_a_reader=True)
        assert role_of(bob, "carol") == "admin"  # B's copy
        made = bob.run("role", "team", "carol", "admin")
    assert made.code == 1 and "Traceback" not in made.err, made.err
    said = BEHIND.fullmatch(made.err.strip())
    assert said is not None, made.err
    assert 0 < int(said[1]) <= JOINS + 1
    assert role_of(alice, "carol") == "reader"

"""The relay's desk fetches a group only for a code that could still admit someone
(docs/relay.md, "Eighteenth attack pass (h-attack18)").

dana is a Unix user of leaf B who is not the relay's (tests/cli/test_relay_leaf_users.py):
she may not use the relay's credential, so a group that is on no file of B is hers to read
only through a join. Her modified client asks the desk for a fetch and never for the `drop`
an honest failed join sends: with a code used up, revoked or expired, the relay must not
bring the group's history into B's hub (0660 of the hub's group: readable by every user of
it), whatever the asking client does next.
"""

from __future__ import annotations

import inspect
import json
import sqlite3
import time

import pytest

from tests.cli.test_relay_leaf_users import desk_exchange, leaf_with_users, unix_user
from tests.relay_helpers import wait_for

pytestmark = pytest.mark.slow

# What a modified client sends, as that Unix user: one request (argv[2], JSON) to the desk of
# the hub argv[1], its answer printed (test_relay_leaf_users.desk_exchange, run as them).
DESK_REQUEST = ("import contextlib, json, socket, sys\nfrom pathlib import Path\n"
                + inspect.getsource(desk_exchange)
                + "print(json.dumps(desk_exchange(Path(sys.argv[1]), sys.argv[2].encode() + b'\\n',"
                  " 30)))\n")


def fetch_only(code: str) -> str:
    """The fetch alone: no join after it, no drop."""
    return json.dumps({"op": "fetch", "code": code})


SECRET = "members only: the launch date"


def bodies_in(path) -> list[str]:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        return [row[0] for row in db.execute("SELECT body FROM message")]


def test_the_desk_fetches_no_group_for_a_code_that_admits_no_one(unix_site):
    """Three codes of 'team' that once were genuine: one used up (by carol), one revoked, one
    expired. dana's fetch-only request through B's desk gets a one-line refusal for each and
    B's hub holds no file of 'team' after (on main: {"ok": true, "fetched": true}, the file
    stayed, and dana read the group's messages from it). A good code still fetches."""
    with leaf_with_users(unix_site) as (hosts, base):
        hub, leaf = hosts
        alice, carol = hub.user("alice"), hub.user("carol")
        group_id = alice.ok("create", "team").out.strip()
        used = alice.ok("invite", "team").out.strip()  # one use
        revoked = alice.ok("invite", "team").out.strip()
        expired = alice.ok("invite", "team", "--expires", "1s").out.strip()
        alice.ok("invite", "team", "--revoke", revoked)
        alice.ok("send", "team", SECRET)
        carol.ok("join", used)
        time.sleep(2.1)  # past the third one's expiry
        good = alice.ok("invite", "team").out.strip()
        hub.start()
        leaf.start()
        wait_for(leaf.link_up, what="B's link")
        dana = unix_user(base, "alice", leaf, unix_site)
        made = leaf.hub / f"{group_id}.db"
        for name, code in (("used up", used), ("revoked", revoked), ("expired", expired)):
            asked = dana.python(DESK_REQUEST, str(leaf.hub), fetch_only(code))
            assert asked.code == 0, asked.err
            answer = json.loads(asked.out)
            assert "failed" in answer and not answer.get("ok"), (name, answer)
            assert name.split()[0] in answer["failed"], (name, answer)
            assert not made.exists(), f"{name}: the relay fetched 'team' into B's hub"
        assert not list(leaf.hub.glob(".joining-*")), list(leaf.hub.iterdir())
        assert not (leaf.hub / f".join-{group_id}.fetched").exists()
        # The honest path is untouched: a good code fetches, and dana joins with it.
        answer = json.loads(dana.python(DESK_REQUEST, str(leaf.hub), fetch_only(good)).out)
        assert answer.get("ok") and answer.get("fetched"), answer
        assert SECRET in bodies_in(made)
        dana.ok("id", "--handle", "dana")
        dana.ok("join", good)
        assert SECRET in [m["body"] for m in dana.ok("log", "team", "--json").json()]

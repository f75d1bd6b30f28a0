"""A group file taken away from a leaf's hub while its relay runs, and joined again
(docs/relay.md, "Ninth acceptance pass").

Found counting rows by hand: `sqlite3 <hub>/<group>.db 'select count(*) from message'` on a host
that had not got the group yet made an empty file at its place. bob's `peers join` then failed
("... is not a peers database"), and B's relay read the group's whole history from the hub and
held every record of it in its waiting table, one at a time (each hold counting the host's
waiting rows): 30,000 records kept its loop busy for minutes (`relay status`: "relay not
running ... last seen 1m23s ago", the link flapping), 20,000 filled the waiting bound for the
hub's records and the other 10,086 were refused ("rejected: A 10086"). The file removed and
the group joined again, B's relay walked nothing (it had marked the group seen) and kept
its connection to the deleted file: alice's next message never reached B's new file and bob's
never left it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.conftest import User
from tests.relay_helpers import (
    Host, bodies, federation, join_arrived, start_linked, stop_all, wait_for,
)

pytestmark = pytest.mark.slow

IMPORTED = 1_500  # more than `peers join` applies itself (fetch.NEWEST): the rest is walked


@contextmanager
def big_on_the_hub(tmp_path: Path) -> Iterator[tuple[Host, Host, User, User, str]]:
    """Hub A (alice, `big` with IMPORTED lines of history) and leaf B (bob), relays running."""
    hosts = federation(tmp_path, ("A", "B"))
    hub, leaf = hosts
    try:
        alice, bob = hub.user("alice"), leaf.user("bob")
        group_id = alice.ok("create", "big").out.strip()
        lines = "".join(json.dumps({"id": f"m{i}", "author": "old", "body": f"old {i}",
                                    "created_at": 1_700_000_000 + i}) + "\n"
                        for i in range(IMPORTED))
        alice.ok("import", "big", "-", stdin=lines)
        alice.ok("send", "big", "newest")
        start_linked(hosts)
        wait_for(lambda: hub.status().get("unsent") == 0, timeout=60, what="big published")
        yield hub, leaf, alice, bob, group_id
    finally:
        stop_all(hosts)


def _gone(path: Path) -> None:
    for name in (path.name, path.name + "-wal", path.name + "-shm"):
        (path.parent / name).unlink(missing_ok=True)


def _whole(user: User, count: int) -> bool:
    return len(user.ok("log", "big", "--json", "--limit", "100000").json()) >= count


def test_a_group_file_taken_away_and_joined_again_gets_history_and_live_records(
        tmp_path: Path) -> None:
    with big_on_the_hub(tmp_path) as (_hub, leaf, alice, bob, group_id):
        join_arrived(bob, alice.ok("invite", "big").out.strip())  # the code made on A reaches B
        wait_for(lambda: _whole(bob, IMPORTED + 1), timeout=60, what="the history on B")
        _gone(leaf.hub / f"{group_id}.db")  # mended by hand, say: joined again below
        join_arrived(bob, alice.ok("invite", "big").out.strip())  # the code made on A reaches B
        wait_for(lambda: _whole(bob, IMPORTED + 1), timeout=60,
                 what="the history walked again on B")
        alice.ok("send", "big", "after the new file")
        wait_for(lambda: "after the new file" in bodies(bob, "big"), what="alice's on B")
        bob.ok("send", "big", "from the new file")
        wait_for(lambda: "from the new file" in bodies(alice, "big"), what="bob's on A")
        assert bob.ok("verify", "big").code == 0


def test_a_file_that_is_no_group_file_is_not_filled_from_the_hub(tmp_path: Path) -> None:
    with big_on_the_hub(tmp_path) as (hub, leaf, alice, bob, group_id):
        code = alice.ok("invite", "big").out.strip()
        # B has read the federation stream (every record of `big` passed over: no file)
        wait_for(lambda: leaf.status().get("received", 0) >= IMPORTED + 3, timeout=60,
                 what="B through the federation stream")
        place = leaf.hub / f"{group_id}.db"
        place.touch()  # what `sqlite3 FILE 'select ...'` leaves behind
        joined = bob.run("join", code)
        assert joined.code == 1 and "not a peers database" in joined.err, joined.err
        assert len(joined.err.strip().splitlines()) == 1, joined.err
        wait_for(lambda: group_id in leaf.status().get("damaged", {}), what="B names the file")
        status = leaf.status()
        assert status["waiting"] == 0 and status["rejected"] == {}, status
        assert hub.status()["rejected"] == {}
        _gone(place)
        join_arrived(bob, alice.ok("invite", "big").out.strip())  # the code made on A reaches B
        wait_for(lambda: _whole(bob, IMPORTED + 1), timeout=60, what="the history on B")
        alice.ok("send", "big", "after the mend")
        wait_for(lambda: "after the mend" in bodies(bob, "big"), what="alice's on B")
        bob.ok("send", "big", "bob after the mend")
        wait_for(lambda: "bob after the mend" in bodies(alice, "big"), what="bob's on A")
        assert leaf.status()["rejected"] == {}
        assert bob.ok("verify", "big").code == 0

"""An unsent edit, deletion, reaction or invite row altered in place on its author's host
(docs/relay.md, "Left open, closed (h-left15)"; h-altered did messages): bob's change made
while B's relay was stopped, then one column of its row changed in B's file (his record and
signature untouched). B's scan refuses the row; when bob's next message names it, the scan
moved it out of B's tables into `fork_evidence` and shipped it as evidence: the hosts parted
on a genuine record (B without the change; A with it, or for an invite, neither with the
invite). Now, as for a message, the row stays on B, flagged, its record goes to every host,
and `peers relay refetch` puts its columns back (its refusal restored). Real relays and
nats-servers on loopback."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

import pytest

from tests.cli.test_relay_altered_unsent import bob_joined
from tests.relay_helpers import Host, bodies, wait_for

pytestmark = pytest.mark.slow


def _reactions(user, message: str) -> str:
    return user.ok("reactions", "team", message).out


# kind -> (bob's command after p1's id, the UPDATE of its row, what A shows once it is there)
CASES: dict[str, tuple[list[str], str, Callable[..., bool]]] = {
    "edit": (["edit", "team", "{p1}", "p1 edited"],
             "UPDATE message SET body = 'TAMPERED' WHERE target = ?",
             lambda user, p1: "p1 edited" in bodies(user)),
    "delete": (["delete", "team", "{p1}"],
               "UPDATE message SET created_at = created_at + 1 WHERE target = ?",
               lambda user, p1: "p1" not in bodies(user)),
    "react": (["react", "team", "{p1}", "\U0001F44D"],
              "UPDATE message SET body = '\U0001F44E' WHERE target = ?",
              lambda user, p1: "\U0001F44D" in _reactions(user, p1)),
    "invite": (["invite", "team"],
               "UPDATE invite SET key = 'x' || key WHERE author = ?",
               lambda user, p1: True),
}


def _tables(host: Host, group: str) -> dict[str, int]:
    with sqlite3.connect(f"file:{host.hub / f'{group}.db'}?mode=ro", uri=True) as db:
        return {table: db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
                for table in ("message", "invite", "fork_evidence")}


@pytest.mark.parametrize("kind", list(CASES))
def test_an_altered_unsent_change_stays_with_its_author_and_goes_everywhere(tmp_path, kind):
    command, update, shown = CASES[kind]
    with bob_joined(tmp_path) as ((hub, leaf), alice, bob, group):
        alice.ok("role", "team", "bob", "admin")
        p1 = bob.ok("send", "team", "p1").out.strip()
        wait_for(lambda: "p1" in bodies(alice), what="p1 on A")
        wait_for(lambda: any(m["role"] == "admin" for m in bob.ok(
            "members", "team", "--json").json()), what="bob an admin on B")
        leaf.stop()
        bob.ok(*[part.format(p1=p1) for part in command])
        with sqlite3.connect(leaf.hub / f"{group}.db") as db:
            db.execute(update, (bob.ok("id", "--json").json()[0]["id"] if kind == "invite" else p1,))
        leaf.start()
        wait_for(leaf.link_up, what="B's link")
        bob.ok("send", "team", "p3")
        wait_for(lambda: "p3" in bodies(alice), what="p3 on A")
        wait_for(lambda: shown(alice, p1), what=f"bob's {kind} on A")
        wait_for(lambda: leaf.status().get("unsent") == 0, what="B's scan of p3")
        assert _tables(leaf, group)["fork_evidence"] == 0
        assert _tables(hub, group) == _tables(leaf, group)
        verify = bob.run("verify", "team")
        assert verify.code != 0 and "does not match its signed record" in verify.out + verify.err
        assert alice.run("verify", "team").code == 0
        repaired = leaf.peers().ok("relay", "refetch", group).out
        assert "1 rows altered in the file were put back" in repaired, repaired
        assert bob.run("verify", "team").code == 0
        assert shown(bob, p1) and bodies(bob) == bodies(alice)
        assert leaf.status().get("rejected") == {}

"""Genuine posts refused while this host's membership log was broken go out once it is
mended (docs/relay.md, "Twenty-eighth acceptance pass"): erin's join row altered in leaf C's
file (her role raised to owner, her signature kept) while C's relay was down, carol and
erin posting there meanwhile. C's scan refuses both posts ("refers to a membership state
that does not exist": the log stops before erin's join); `peers relay refetch` puts the
genuine join back. Before, the refusals were never judged again: carol's post went out
only with her next record, erin's never, both counted as refused. Real relays and
nats-servers on loopback."""

from __future__ import annotations

import json
import sqlite3

import pytest

from tests.relay_helpers import bodies, federation, stop_all, wait_for

pytestmark = pytest.mark.slow


def _broken_then_mended(tmp_path, change_above: bool, keep_running: bool = False):
    hosts = federation(tmp_path, ("A", "C"))
    hub, leaf = hosts
    try:
        alice, carol, erin = hub.user("alice"), leaf.user("carol"), leaf.user("erin")
        group = alice.ok("create", "team").out.strip()
        code = alice.ok("invite", "team", "--uses", "2", "--role", "admin").out.strip()
        hub.start()
        leaf.start()
        wait_for(leaf.link_up, what="C's link")
        for user in (carol, erin):
            wait_for(lambda user=user: user.run("join", code).code == 0,
                     what=f"{user.name}'s join")
        if change_above:  # a genuine change above erin's join
            alice.ok("role", "team", "carol", "writer")
        alice.ok("send", "team", "welcome")
        wait_for(lambda: "welcome" in bodies(erin), what="the welcome on C")
        leaf.stop()
        carol.ok("send", "team", "carol while C was down")
        erin.ok("send", "team", "erin while C was down")
        with sqlite3.connect(leaf.hub / f"{group}.db") as db:
            seq, text = db.execute("SELECT seq, record FROM group_members WHERE record LIKE ?",
                                   ('%"handle":"erin"%',)).fetchone()
            record = json.loads(text)
            record["role"] = 80
            db.execute("UPDATE group_members SET record = ? WHERE seq = ?",
                       (json.dumps(record, separators=(",", ":"), sort_keys=True), seq))
        leaf.start()
        wait_for(leaf.link_up, what="C's link again")
        refused = "refers to a membership state that does not exist"
        wait_for(lambda: leaf.peers().ok("relay", "rejected").out.count(refused) == 2,
                 what="C's scan refusing both posts at the broken log")
        assert "carol while C was down" not in bodies(alice)
        leaf.peers().ok("relay", "refetch", group)
        wait_for(lambda: {"carol while C was down", "erin while C was down"} <= set(bodies(alice)),
                 timeout=20, what="both posts on A once C's log is mended")
        carol.ok("send", "team", "carol after the mend")  # judged at the mended log, not a kept one
        wait_for(lambda: "carol after the mend" in bodies(alice), what="carol's next on A")
        assert bodies(alice) == bodies(carol)
        listing = leaf.peers().ok("relay", "rejected").out
        assert refused not in listing.split("restored")[0], listing
        assert alice.run("verify", "team").code == 0
        carol.hosts, carol.group = hosts, group
        return alice, carol, seq
    finally:
        if not keep_running:
            stop_all(hosts)


def test_posts_refused_at_a_broken_log_go_out_once_the_log_is_mended(tmp_path):
    _broken_then_mended(tmp_path, change_above=False)


def _only_the_altered_named(carol, altered: int) -> bool:
    failed = [line for line in carol.run("verify", "team").out.splitlines() if "FAILED" in line]
    ids = [row["id"] for row in carol.ok("log", "team", "--json", "--limit", "100000").json()]
    return bool(failed) and all(f"membership change {altered}:" in line for line in failed) \
        and len(ids) == len(set(ids))


def test_a_genuine_change_above_the_mended_one_is_not_left_set_aside(tmp_path):
    alice, carol, altered = _broken_then_mended(tmp_path, change_above=True)
    assert _only_the_altered_named(carol, altered), carol.run("verify", "team").out


def test_a_copy_left_set_aside_by_an_earlier_mend_goes_at_the_next_scan(tmp_path):
    """A file mended by a relay before the fix keeps the copy: the scan drops it."""
    alice, carol, altered = _broken_then_mended(tmp_path, change_above=True, keep_running=True)
    hosts, group = carol.hosts, carol.group
    try:  # the copy as an earlier mend left it; the write wakes C's relay, which scans
        with sqlite3.connect(hosts[1].hub / f"{group}.db") as db:
            db.execute("INSERT INTO set_aside_changes (seq, member, record, sig, cosig, reason)"
                       " SELECT seq, member, record, sig, cosig, 'did not count'"
                       " FROM group_members WHERE seq = ?", (altered + 1,))
        wait_for(lambda: _only_the_altered_named(carol, altered), what="the stale copy gone")
    finally:
        stop_all(hosts)

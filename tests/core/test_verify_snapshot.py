"""`peers verify` judges the messages by the roster it read: a message committed after that
read, by a member who joined after it, was judged by a roster that did not know the join, and
verify during a live join failed: "refers to a membership state that does not exist" (docs/
relay.md, "`peers verify` during a live join"). The messages judged are those of the roster's
snapshot, and problems found while the membership moved are judged again against today's."""

from __future__ import annotations

import pytest

from peers_tui.core.audit import Audit
from peers_tui.core.membership_log import MembershipLog
from tests.conftest import User


@pytest.mark.parametrize("after_joining", [
    ("send", "team", "hello, just joined"),
    ("react", "team", "-1", "👍"),  # read with the older message it reacts to, not by its row
])
def test_a_member_joining_and_writing_during_verify_is_no_problem(
        alice: User, carol: User, team, monkeypatch, after_joining):
    alice.ok("send", "team", "before")
    code = alice.ok("invite", "team").out.strip()
    read, verify = MembershipLog.roster, Audit.verify
    verifying: list[bool] = []
    joined: list[bool] = []

    def verifying_now(self: Audit, *args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        verifying.append(True)
        return verify(self, *args, **kwargs)

    def roster_then_a_join(self: MembershipLog):  # noqa: ANN202
        roster = read(self)
        if verifying and not joined:  # once: carol joins and writes right after verify's read
            joined.append(True)
            carol.ok("join", code)
            carol.ok(*after_joining)
        return roster

    monkeypatch.setattr(Audit, "verify", verifying_now)
    monkeypatch.setattr(MembershipLog, "roster", roster_then_a_join)
    result = alice.run("verify", "team")
    monkeypatch.undo()
    assert joined
    assert result.code == 0, result.out + result.err
    assert alice.ok("verify", "team").code == 0  # and carol's record, judged now, is genuine

"""`peers verify` judges the messages by the roster it read: a message committed after that
read, by a member who joined after it, was judged by a roster that did not know the join, and
verify during a live join failed: "refers to a membership state that does not exist" (docs/
relay.md, h-joinrefuse's "Left"). The messages judged are those of the roster's snapshot."""

from __future__ import annotations

from peers_tui.core.audit import Audit
from peers_tui.core.membership_log import MembershipLog
from tests.conftest import User


def test_a_member_joining_and_posting_during_verify_is_no_problem(alice: User, carol: User, team,
                                                                   monkeypatch):
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
        if verifying and not joined:  # once: carol joins and posts right after verify's read
            joined.append(True)
            carol.ok("join", code)
            carol.ok("send", "team", "hello, just joined")
        return roster

    monkeypatch.setattr(Audit, "verify", verifying_now)
    monkeypatch.setattr(MembershipLog, "roster", roster_then_a_join)
    result = alice.run("verify", "team")
    monkeypatch.undo()
    assert joined
    assert result.code == 0, result.out + result.err
    assert alice.ok("verify", "team").code == 0  # and carol's message, judged now, is genuine


def test_a_member_joining_and_reacting_during_verify_is_no_problem(alice: User, carol: User,
                                                                     team, monkeypatch):
    """A reaction to an older message is read with that message, whatever its own row: the
    roster read first did not hold carol's join; the messages are judged again once."""
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
        if verifying and not joined:
            joined.append(True)
            carol.ok("join", code)
            carol.ok("react", "team", "-1", "👍")
        return roster

    monkeypatch.setattr(Audit, "verify", verifying_now)
    monkeypatch.setattr(MembershipLog, "roster", roster_then_a_join)
    result = alice.run("verify", "team")
    monkeypatch.undo()
    assert joined
    assert result.code == 0, result.out + result.err

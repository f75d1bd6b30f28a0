"""A join whose user's own earlier join comes into the file between the roster's read and the
write: a `peers join` killed after the hub ordered it, its join applied by the relay while the
next run is under way (tests/cli/test_relay_join_killed.py, `ordered`, failed so at load 9-11:
"peers: already a member", exit 1). The next run says what a later one does: a member."""

from __future__ import annotations

from pathlib import Path

import pytest

from peers_tui.core.account import Account
from peers_tui.core.errors import AlreadyMember
from peers_tui.core.group_store import GroupStore
from peers_tui.core.membership_log import MembershipLog
from tests.conftest import User
from tests.tui.test_replaced_group_file import _copy  # SQLite's backup API: a consistent copy


def test_a_join_whose_own_join_came_in_meanwhile_says_already_a_member(
        alice: User, bob: User, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    group_id = alice.ok("create", "club").out.strip()
    code = alice.ok("invite", "club", "--uses", "5").out.strip()
    path = alice.hub / f"{group_id}.db"
    before = tmp_path / "before-the-join.db"
    _copy(path, before)  # the file as the second run read it: bob's join not in it yet
    bob.ok("join", code)  # the first run's join, in the file by the time the second writes
    stale = GroupStore(before, group_id).roster()
    real, reads = MembershipLog.roster, []

    def first_read_stale(self: MembershipLog):  # noqa: ANN202
        reads.append(self)
        return stale if len(reads) == 1 else real(self)

    monkeypatch.setattr(MembershipLog, "roster", first_read_stale)
    account = Account(bob.home, bob.hub)
    try:
        with pytest.raises(AlreadyMember, match="already a member of club"):
            account.join(code)
    finally:
        account.close()
    assert len(reads) >= 2  # the stale read was the join's first, and it read again
    monkeypatch.undo()
    members = [m["handle"] for m in alice.ok("members", "club", "--json").json()]
    assert sorted(members) == ["alice", "bob"]  # one join of bob's, not two

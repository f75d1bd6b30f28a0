"""`peers open NAME` finds its group by asking SQLite for the rows that can match, not by
building an entry for every listed group (issue 16: 5-8 ms of a start with 200 groups), and
picks exactly what the search over every listed group picks."""

from __future__ import annotations

import pytest

from peers_tui.core.account import Account
from peers_tui.core.errors import PeersError
from peers_tui.core.group_entry import find_group
from tests.conftest import User


def test_resolving_reads_only_the_rows_that_can_match_and_picks_the_same_group(alice: User):
    account = Account(alice.home, alice.hub)
    team = account.create_group("team")
    others = [account.create_group(f"group {i}") for i in range(6)]
    twin = account.create_group("twins")
    account.create_group("twins")
    archived = account.create_group("team")  # the same name, archived: the listed one wins
    account.personal.set_archived(archived.id, True)
    named_like_an_id = account.create_group(others[0].id[:6])
    every = account.personal.groups(include_archived=True)

    assert [e.id for e in account.personal.groups_named("team")] == [team.id, archived.id]
    assert [e.id for e in account.personal.groups_named(f"  {others[1].id.upper()} ")] == [
        others[1].id]
    queries = ["team", " team ", team.id, team.id.upper(), team.id[:5], others[2].id[:8],
               others[0].id[:6], named_like_an_id.name, "twins", twin.id, "nothing", "te",
               "group 3", "GROUP 3", archived.id, "%", "____"]
    for query in queries:
        try:
            expected: object = find_group(query, every).id
        except PeersError as error:
            expected = (type(error), str(error))
        try:
            found: object = account.resolve(query).id
        except PeersError as error:
            found = (type(error), str(error))
        assert found == expected, query
    with pytest.raises(PeersError):
        account.resolve("twins")
    account.close()

"""core.typed_people's order over plain people (the CLI and TUI tests play the attacks)."""

from __future__ import annotations

import pytest

from peers_tui.core.errors import Ambiguous, NotFound
from peers_tui.core.profiles import Profile, find_among

ALICE = "pd6qb3uj" + "a" * 43 + "a"
EVE = "pd6qxxxx" + "e" * 43 + "a"  # ground: her id shares alice's first 4 characters


def find(people: list[Profile], text: str) -> str:
    return find_among(people, text, "here").user_id


def test_a_short_label_two_people_fit_is_refused_not_passed_to_a_handle():
    people = [Profile(ALICE, "alice", 0), Profile(EVE, "alice", 0),
              Profile("z" * 51 + "a", "alice~pd6q", 0)]  # a handle spelled as the label
    with pytest.raises(Ambiguous, match="names 2 people"):
        find(people, "alice~pd6q")
    assert find(people, "alice~pd6qb3uj") == ALICE


def test_a_label_of_no_one_names_no_one():
    people = [Profile(ALICE, "alice", 0), Profile(EVE, "alice~zzzzzzzz", 0)]
    with pytest.raises(NotFound):
        find(people, "alice~zzzzzzzz")


def test_a_whole_id_before_a_handle_spelled_as_it():
    people = [Profile(ALICE, "alice", 0), Profile(EVE, ALICE, 0)]
    assert find(people, ALICE) == ALICE
    assert find(people, ALICE.upper()) == ALICE


def test_an_id_prefix_takes_a_whole_fingerprint_and_no_handle_like_it():
    people = [Profile(ALICE, "alice", 0), Profile(EVE, "PD6QXXXX", 0)]
    with pytest.raises(NotFound, match="8\\+ characters"):
        find(people, "pd6qb3")
    assert find(people, "pd6qb3uj") == ALICE
    with pytest.raises(NotFound, match="like it: PD6QXXXX~pd6qxxxx"):
        find(people, "pd6qxxxx")  # EVE's handle in another case: refused, not her id

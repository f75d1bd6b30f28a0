"""Posts beyond a removal's cut are refused, not held, when the one before them was refused
in an earlier batch (docs/relay.md, "Void posts held for a refused predecessor").

bob, cut off, signs three posts on his host after the last one alice saw; alice removes him
(the cut at that place). His host's relay sends them when its link is back; the hub refused
the first for the cut, and when it came alone in a batch the next two found no predecessor
in the file and waited for it (the hub's `waiting` 2, for good): it was refused, it never
comes. Every host must call them void for the cut, whatever it holds below them. Real group
files, the posts signed with bob's key."""

from __future__ import annotations

from peers_tui.core.encoding import record_hash
from peers_tui.relay.apply import apply_records
from peers_tui.relay.envelope import Envelope
from peers_tui.testing.forge import Forger
from tests.conftest import User
from tests.core.test_cut_releases_place import host, place_one, rows
from tests.core.test_validity import path

CUT = "beyond where membership change {} cut its author's chain (removed)"


def test_posts_after_one_refused_for_the_cut_alone_are_refused_not_held(
        tmp_path, alice: User, bob: User, team: str):
    old, below = place_one(alice, bob, team)  # the last post alice saw: the cut's place
    cut_off = host(tmp_path, "b", path(alice, team), team)
    posts, previous = [], below
    for place in (2, 3, 4):
        body = f"cut off {place}"
        Forger(bob.home).message(cut_off, team, body, aseq=place, aprev=previous, mseq=old)
        [(text, sig)] = rows(cut_off, "SELECT record, sig FROM message WHERE body = ?", body)
        posts.append(Envelope(team, "msg", text, bytes(sig), None, "B"))
        previous = record_hash(text)
    alice.ok("remove", "team", "bob")
    hub = path(alice, team).parent
    first = apply_records(hub, team, posts[:1], create=False)
    assert first is not None and not first.applied and not first.waiting, first
    [(_, why)] = first.refused
    assert why.startswith(CUT.format(old + 1)), why
    rest = apply_records(hub, team, posts[1:], create=False)
    assert rest is not None and not rest.applied and not rest.waiting, rest
    assert [why.startswith(CUT.format(old + 1)) for _, why in rest.refused] == [True, True], rest

"""People known in the federation (core.federation_people): this hub's profiles and the
signed profiles other hosts' relays carried here, named under the same rules."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from peers_tui.core.errors import Ambiguous, NotFound
from peers_tui.core.federation_people import find_known, known_people
from peers_tui.core.host_presence import HostEntry, write_hosts_file
from peers_tui.core.identity import Keypair, fingerprint
from peers_tui.core.kinds import RecordKind
from peers_tui.core.profiles import publish, signed_file
from peers_tui.core.records import sign

pytestmark = pytest.mark.usefixtures("relay_files_mine")  # (tests/conftest.py)


def profile_text(keypair: Keypair, handle: str) -> str:
    return signed_file(sign(keypair, RecordKind.PROFILE, None, {"handle": handle}))


@pytest.fixture
def hub(tmp_path: Path) -> Path:
    (tmp_path / "hub").mkdir()
    return tmp_path / "hub"


def test_carried_profiles_count_only_when_genuine_and_at_home_there(hub: Path):
    ann, bob, eve, liar = (Keypair.generate() for _ in range(4))
    publish(hub, ann, "ann")  # ann lives on this host
    forged = profile_text(eve, "eve").replace('\\"eve\\"', '\\"eve2\\"')  # not signed so
    assert '\\"eve2\\"' in forged
    entry = HostEntry("hostB", frozenset(), frozenset({bob.public_id, eve.public_id}),
                      time.time(), profiles=(profile_text(bob, "bob"), forged, "junk",
                                             profile_text(liar, "liar")))  # liar: not home
    write_hosts_file(hub, "hostA", [entry])
    known = {k.profile.handle: k for k in known_people(hub)}
    assert set(known) == {"ann", "bob"}
    assert known["ann"].hosts == ("hostA",) and known["ann"].here
    assert known["bob"].hosts == ("hostB",) and not known["bob"].here
    assert find_known(hub, "@bob").profile.user_id == bob.public_id
    assert find_known(hub, fingerprint(bob.public_id)).profile.user_id == bob.public_id


def test_a_look_alike_on_another_host_is_told_apart_by_fingerprint(hub: Path):
    bob, other = Keypair.generate(), Keypair.generate()
    publish(hub, bob, "bob")
    entry = HostEntry("hostB", frozenset(), frozenset({other.public_id}), time.time(),
                      profiles=(profile_text(other, "b\u043eb"),))  # a Cyrillic о
    write_hosts_file(hub, "hostA", [entry])
    with pytest.raises(Ambiguous) as refused:
        find_known(hub, "bob")
    assert fingerprint(bob.public_id) in str(refused.value)
    assert fingerprint(other.public_id) in str(refused.value)
    shown = f"b\u043eb~{fingerprint(other.public_id)}"  # as the app shows the look-alike
    assert find_known(hub, shown).profile.user_id == other.public_id
    assert find_known(hub, f"bob~{fingerprint(bob.public_id)}").profile.user_id == bob.public_id
    with pytest.raises(NotFound):
        find_known(hub, "carol")


def test_invitations_carried_from_another_host_are_filed_once_and_bounded(hub: Path,
                                                                         monkeypatch):
    from peers_tui.core import invitations
    from peers_tui.core.invitations import file_received, inbox

    bob, alice = Keypair.generate(), Keypair.generate()

    def invitation(n: int) -> str:
        return signed_file(sign(alice, RecordKind.INVITATION, None, {
            "to": bob.public_id, "group": "g" * 26, "name": f"team{n}", "invite": "x",
            "sealed": "y"}))

    homes = {bob.public_id}
    first = invitation(0)
    assert file_received(hub, first, homes) is not None
    assert file_received(hub, first, homes) is None  # there already
    assert file_received(hub, invitation(1), set()) is None  # bob does not live here
    assert file_received(hub, "junk", homes) is None
    monkeypatch.setattr(invitations, "MAX_INVITATIONS", 3)
    filed = [file_received(hub, invitation(n), homes) for n in range(2, 4)]
    assert None not in filed
    for n in range(4, 6):  # no room now: said so, to be tried again later
        with pytest.raises(invitations.InboxFull):
            file_received(hub, invitation(n), homes)
    assert len(list(inbox(hub, bob.public_id).iterdir())) == 3


def test_one_host_files_at_most_its_share_of_an_inbox_and_the_rest_is_tried_again(
        hub: Path, monkeypatch):
    """A host carrying invitations signed by keys of its own (fifteenth attack pass) files
    at most MAX_FROM_HOST into one inbox; another host's still go in, and one refused for
    want of room is not taken for filed by the relay: it goes in once there is room."""
    import asyncio

    from peers_tui.core import invitations
    from peers_tui.core.host_presence import HostEntry
    from peers_tui.core.invitations import InboxFull, file_received, inbox
    from peers_tui.relay.presence_carry import Carried

    bob = Keypair.generate()
    monkeypatch.setattr(invitations, "MAX_FROM_HOST", 2)
    monkeypatch.setattr("peers_tui.relay.presence_carry.homes_here",
                        lambda hub, ids: {bob.public_id})

    def invitation(n: int) -> str:
        return signed_file(sign(Keypair.generate(), RecordKind.INVITATION, None, {
            "to": bob.public_id, "group": "g" * 26, "name": f"prize{n}", "invite": "x",
            "sealed": "y"}))

    homes = {bob.public_id}
    flood = [invitation(n) for n in range(3)]
    assert [file_received(hub, text, homes, "C") for text in flood[:2]] != [None, None]
    with pytest.raises(InboxFull):
        file_received(hub, flood[2], homes, "C")
    assert file_received(hub, flood[2], homes, "C2") is not None  # another host's share
    names = sorted(p.name for p in inbox(hub, bob.public_id).iterdir())
    assert sum(name.endswith(".C.json") for name in names) == 2
    assert file_received(hub, flood[0], homes, "D") is None  # there already, from any host

    (hub / f"{'g' * 26}.db").touch()  # the group is here: nothing to ask the hub
    carried, late = Carried(hub), invitation(9)

    async def at_hub(group: str) -> bool:
        return True

    entry = HostEntry("C", invitations=(late,))
    assert asyncio.run(carried.file(entry, at_hub)) == []  # no room for C's now
    for path in inbox(hub, bob.public_id).glob("*.C.json"):
        path.unlink()  # bob declined them
    [name] = asyncio.run(carried.file(entry, at_hub))  # the next entry carries it again
    assert name.endswith(".C.json")

"""People in the TUI: /who, /invite @PERSON (a sealed invitation), /dm @PERSON (created once,
reused after), and invitations that arrive live from another process, accepted or declined."""

from __future__ import annotations

from pathlib import Path

import pytest

from peers_tui.core.account import Account
from peers_tui.core.identity import fingerprint
from peers_tui.core.invitations import deliver
from peers_tui.core.invites import parse_code
from peers_tui.screens.invitations import InvitationsScreen
from tests.conftest import User
from tests.tui_helpers import make_app, type_text, wait_for


@pytest.fixture
def published(alice: User, bob: User, carol: User, team: str) -> str:
    """alice, bob and carol each with a profile in the hub (it exists once team does)."""
    for user in (alice, bob, carol):
        user.ok("people")
    return team


def told(app, text: str) -> bool:  # noqa: ANN001
    return any(text in n.message for n in app._notifications)


async def run_command(pilot, text: str) -> None:  # noqa: ANN001
    await type_text(pilot, text)
    await pilot.press("enter")


def group_names(user: User) -> list[str]:
    return [g["name"] for g in user.ok("groups", "--json").json()]


async def test_who_lists_the_people_and_who_is_here(alice: User, bob: User, carol: User,
                                                    published):
    app = make_app(alice, "team")
    async with app.run_test(size=(120, 30)) as pilot:
        await run_command(pilot, "/who")
        await wait_for(pilot, lambda: told(app, "team: 2 members, 1 here now"))
        [shown] = [n.message for n in app._notifications if "members," in n.message]
        prints = {user.name: fingerprint(Account(user.home, user.hub).user_id)
                  for user in (alice, bob, carol)}
        lines = shown.splitlines()
        # no relay on this hub: no hosts, only here now or away (as the roster: ● and ○)
        assert lines[1] == f"● alice ({prints['alice']})  owner  here now  you"
        assert lines[2] == f"○ bob ({prints['bob']})  writer  away"
        assert lines[3] == "1 more known in the federation (not members):"
        assert lines[4] == f"○ carol ({prints['carol']})  away"


async def test_invite_by_name_delivers_a_sealed_invitation(alice: User, carol: User, published):
    app = make_app(alice, "team")
    async with app.run_test(size=(120, 30)) as pilot:
        await run_command(pilot, "/invite @carol reader")
        await wait_for(pilot, lambda: told(app, "invited carol"))
    [offered] = carol.ok("invitations", "--json").json()
    assert offered["from"] == "alice" and offered["group"] == "team" and offered["valid"]
    assert offered["role"] == "reader"


async def test_dm_is_created_once_and_reused(alice: User, bob: User, published, hub: Path):
    files = len(list(hub.glob("*.db")))
    app = make_app(alice, "team")
    async with app.run_test(size=(120, 30)) as pilot:
        await run_command(pilot, "/dm @bob")
        await wait_for(pilot, lambda: app.chat.entry.name == "bob")
        first = app.chat.entry.id
        await wait_for(pilot, lambda: told(app, "started a direct conversation with bob"))
        await run_command(pilot, "/join team")
        await wait_for(pilot, lambda: app.chat.entry.name == "team")
        await run_command(pilot, "/dm bob")
        await wait_for(pilot, lambda: app.chat.entry.name == "bob")
        assert app.chat.entry.id == first
    assert group_names(alice).count("bob") == 1
    assert len(list(hub.glob("*.db"))) == files + 1  # one conversation, founded once


async def test_an_invitation_from_another_process_shows_live_and_is_accepted(
        alice: User, carol: User, published):
    app = make_app(carol, "personal")
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: app.is_idle)
        sent = alice.spawn("invite", "team", "--to", "carol")  # a real second process
        assert sent.code == 0, sent.err
        await wait_for(pilot, lambda: told(app, "alice invites you to team"))
        await run_command(pilot, "/invitations")
        await wait_for(pilot, lambda: isinstance(app.screen, InvitationsScreen))
        await wait_for(pilot, lambda: len(app.screen.offered) == 1)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen is app.chat and app.chat.entry.name == "team")
    assert "team" in group_names(carol)
    assert carol.ok("invitations", "--json").json() == []


async def test_an_invitation_declined_is_gone(alice: User, carol: User, published):
    app = make_app(carol, "personal")
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: app.is_idle)
        alice.ok("invite", "team", "--to", "carol")
        await wait_for(pilot, lambda: told(app, "alice invites you to team"))
        await run_command(pilot, "/invitations")
        await wait_for(pilot, lambda: isinstance(app.screen, InvitationsScreen)
                       and len(app.screen.offered) == 1)
        await pilot.press("d")
        await wait_for(pilot, lambda: told(app, "declined: alice invites you to team"))
        await wait_for(pilot, lambda: app.screen.offered == [])
    assert "team" not in group_names(carol)
    assert carol.ok("invitations", "--json").json() == []


async def test_a_forged_invitation_is_not_offered(alice: User, bob: User, carol: User,
                                                  published):
    """bob (a writer) passes on an invite alice made, signed as his own: refused."""
    code = parse_code(alice.ok("invite", "team").out.strip())
    mallory = Account(bob.home, bob.hub)
    app = make_app(carol, "personal")
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: app.is_idle)
        deliver(bob.hub, mallory.keypair, Account(carol.home, carol.hub).user_id, code, "team")
        alice.ok("invite", "team", "--to", "carol")  # a genuine one after it
        await wait_for(pilot, lambda: told(app, "alice invites you to team"))
        assert not told(app, "bob invites you")
        await run_command(pilot, "/invitations")
        await wait_for(pilot, lambda: isinstance(app.screen, InvitationsScreen)
                       and len(app.screen.offered) == 1)
        assert app.screen.offered[0].from_handle == "alice"


async def test_many_invitations_at_once_are_told_in_one_notice(carol: User, tmp_path: Path):
    """Another host may file up to 100 invitations in carol's inbox (signed by keys of its
    own: fifteenth attack pass); each was a notice of its own in her open app, for 30 s. More
    than a few new in one read are told in one notice."""
    from peers_tui.core.identity import Keypair
    from peers_tui.core.invitations import file_received, seal
    from peers_tui.core.invites import InviteCode
    from peers_tui.core.kinds import RecordKind
    from peers_tui.core.profiles import signed_file
    from peers_tui.core.records import sign

    carol_id = Account(carol.home, carol.hub).user_id
    texts = []
    for n in range(30):  # sealed to carol, for a group not here: offered ("elsewhere")
        signer, code = Keypair.generate(), InviteCode("g" * 26, Keypair.generate())
        sealed = seal(carol_id, {"code": str(code), "from": signer.public_id, "to": carol_id})
        texts.append(signed_file(sign(signer, RecordKind.INVITATION, None, {
            "to": carol_id, "group": code.group_id, "name": f"prize {n}",
            "invite": code.key.public_id, "sealed": sealed})))
    staging = tmp_path / "staging"  # filed here, then moved into the inbox at once
    staging.mkdir()
    names = [file_received(staging, text, {carol_id}, "C") for text in texts]
    carol.ok("people")  # the hub exists
    app = make_app(carol, "personal")
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: app.is_idle)
        inbox = carol.hub / ".invitations" / carol_id
        inbox.mkdir(parents=True, exist_ok=True)
        for name in names:
            assert name is not None
            (staging / ".invitations" / carol_id / name).rename(inbox / name)
        await wait_for(pilot, lambda: told(app, "new invitations: /invitations to see them"))
        await pilot.pause(0.5)
        one_by_one = [n for n in app._notifications if "invites you" in n.message]
        assert len(one_by_one) <= 3, [n.message for n in one_by_one]

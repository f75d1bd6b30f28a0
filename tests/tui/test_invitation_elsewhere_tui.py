"""An invitation to a group on another host, in the app (sixteenth acceptance pass): its role
is unknown until the group is fetched, and the app's notice and its /invitations dialog said
"fay invites you to deep (as None)", where `peers invitations` said "(a group on another
host: checked when you accept)" (fixed there in the fifteenth pass; one line for both now:
Invitation.line)."""

from __future__ import annotations

from pathlib import Path

from peers_tui.core.account import Account
from peers_tui.screens.invitations import InvitationsScreen
from tests.conftest import User
from tests.tui_helpers import make_app, type_text, wait_for

ELSEWHERE = "invites you to deep (a group on another host: checked when you accept)"


def _file_one_from_another_host(carol: User, tmp_path: Path) -> str:
    """Sealed to carol by someone for a group this hub lacks, as a relay files one: its name."""
    from peers_tui.core.identity import Keypair
    from peers_tui.core.invitations import file_received, seal
    from peers_tui.core.invites import InviteCode
    from peers_tui.core.kinds import RecordKind
    from peers_tui.core.profiles import signed_file
    from peers_tui.core.records import sign

    carol_id = Account(carol.home, carol.hub).user_id
    signer, code = Keypair.generate(), InviteCode("g" * 26, Keypair.generate())
    sealed = seal(carol_id, {"code": str(code), "from": signer.public_id, "to": carol_id})
    text = signed_file(sign(signer, RecordKind.INVITATION, None, {
        "to": carol_id, "group": code.group_id, "name": "deep",
        "invite": code.key.public_id, "sealed": sealed}))
    name = file_received(tmp_path, text, {carol_id}, "A")
    assert name is not None
    return name


async def test_an_invitation_from_another_host_names_no_role_of_none(carol: User,
                                                                    tmp_path: Path):
    carol.ok("people")  # the hub exists
    staging = tmp_path / "staging"
    staging.mkdir()
    name = _file_one_from_another_host(carol, staging)
    carol_id = Account(carol.home, carol.hub).user_id
    app = make_app(carol, "personal")
    async with app.run_test(size=(130, 30)) as pilot:
        await wait_for(pilot, lambda: app.is_idle)
        inbox = carol.hub / ".invitations" / carol_id
        inbox.mkdir(parents=True, exist_ok=True)
        (staging / ".invitations" / carol_id / name).rename(inbox / name)
        await wait_for(pilot, lambda: any("invites you" in n.message
                                          for n in app._notifications))
        notices = [n.message for n in app._notifications if "invites you" in n.message]
        await type_text(pilot, "/invitations")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, InvitationsScreen)
                       and len(app.screen.offered) == 1)
        from peers_tui.screens.invitations import invitation_line

        shown = invitation_line(app.screen.offered[0])
    assert "None" not in " ".join(notices) and "None" not in shown, (notices, shown)
    assert ELSEWHERE in notices[0] and shown.endswith(ELSEWHERE), (notices, shown)
    assert ELSEWHERE in carol.ok("invitations").out  # as `peers invitations` says it

"""/role and /remove name a member as the CLI does (core.typed_people, twentieth attack pass):
`alice~<fingerprint>`, typed as the log shows the real alice beside a look-alike, names her,
never eve, whose modified client signed that very text as her handle."""

from __future__ import annotations

from pathlib import Path

from tests.cli.test_member_names_before_prefixes import ident, label_worn, roles
from tests.tui_helpers import log_bodies, make_app, type_text, wait_for


async def test_role_by_label_names_the_labels_owner(make_user, hub: Path):
    owner, alice, eve, label = label_worn(make_user, hub)
    app = make_app(owner, "team")
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: "make me an admin please" in log_bodies(app))
        await type_text(pilot, f"/role {label} admin")
        await pilot.press("enter")
        await wait_for(pilot, lambda: roles(owner)[ident(alice)["id"]] == "admin")
    assert roles(owner)[ident(eve)["id"]] == "writer"

"""An invite code shown wrapped (the invites dialog folds it at 80 columns; a mail or chat
client may too) still joins when copied with the line break or spaces inside it: a code has
no whitespace of its own, so any inside what was pasted is the wrapping's."""

from __future__ import annotations

import pytest
from tests.conftest import User


def wrapped(code: str, sep: str) -> str:
    return code[:40] + sep + code[40:]


@pytest.mark.parametrize("sep", ["\n", "\r\n", " ", "\n  "])
def test_a_wrapped_code_joins_from_the_command_line(alice: User, carol: User, team: str, sep):
    code = alice.ok("invite", "team").out.strip()
    assert carol.ok("join", wrapped(code, sep)).out.startswith("joined team")


def test_a_wrapped_code_joins_from_standard_input(alice: User, carol: User, team: str):
    code = alice.ok("invite", "team").out.strip()
    assert carol.ok("join", "-", stdin=wrapped(code, "\n") + "\n").out.startswith("joined team")

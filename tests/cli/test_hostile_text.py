"""Hostile text written straight into a group file stays inert in every CLI output."""

from __future__ import annotations

import json
import re

from hypothesis import HealthCheck, given, settings, strategies as st

from peers_tui.core.text import first_unsafe, inert
from peers_tui.cli.format import format_message
from peers_tui.core.views import MessageView
from tests.conftest import User
from tests.core.test_forgery import forge_message

PAYLOADS = [
    "\x1b]0;owned\x07", "\x1b[2J\x1b[H", "\x1b]52;c;ZXZpbA==\x07", "\x1bP+q\x1b\\",
    "\x9b31m", "\x07\x08\x7f", "[bold red]x[/]", "\u202eevil", "\u2066iso\u2069",
    "e\u0301\u0301\u0301", "👩‍👩‍👧‍👦" * 50, "x" * 100_000, "\x1b]8;;http://evil\x1b\\link",
]
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def test_payloads_in_bodies_are_inert_in_plain_and_json_output(alice: User, bob: User, team):
    for payload in PAYLOADS:
        forge_message(bob, team, payload, member_seq=1, aseq=PAYLOADS.index(payload) + 1,
                      aprev="")
    plain = alice.ok("log", "team", "--limit", "100").out
    assert not CONTROL.search(plain)
    assert "␛]0;owned␇" in plain and "[bold red]x[/]" in plain
    raw = alice.ok("log", "team", "--limit", "100", "--json", "--no-events").out
    assert not CONTROL.search(raw)
    assert json.loads(raw.splitlines()[0])["body"] == PAYLOADS[0]  # data round-trips exactly


@settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text())
def test_formatted_messages_never_carry_control_characters(text):
    view = MessageView(id="x", author_id="a" * 52, author=text[:20], fingerprint="aaaa",
                       body=text, created_at=0, kind="text", verified=False, problem=text[:30])
    assert first_unsafe(inert(format_message(view)), multiline=True) is None

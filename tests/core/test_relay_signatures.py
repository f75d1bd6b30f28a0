"""A backfill page's signatures checked on a thread pool before the page is applied
(relay/signatures.py): the apply finds the good ones checked, refuses a forged one exactly as
before, and the pages come in order, the next one read before this one is handed on."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

from peers_tui.core import identity
from peers_tui.relay.apply import apply_records
from peers_tui.relay.envelope import Envelope
from peers_tui.relay.signatures import check_signatures, checked_ahead
from tests.conftest import User
from tests.core.test_relay_apply import local_envelopes
from tests.core.test_relay_backfill_apply import joining_host


def _forged(envelope: Envelope) -> Envelope:
    sig = bytearray(envelope.sig)
    sig[0] ^= 1
    return replace(envelope, sig=bytes(sig))


def test_a_page_checked_ahead_is_applied_as_before_and_a_forged_signature_is_still_refused(
        tmp_path: Path, alice: User, bob: User, team: str):
    for i in range(6):
        (alice if i % 2 else bob).ok("send", "team", f"message {i}")
    messages = [e for e in local_envelopes(alice, team) if e.table == "msg"]
    page = messages[:-1] + [_forged(messages[-1])]
    identity._VERIFIED.clear()
    assert check_signatures(page) == len(page) - 1
    for envelope in messages[:-1]:  # remembered for the apply's own check
        assert (envelope.text.split('"a":"')[1].split('"')[0], bytes(envelope.sig)) in identity._VERIFIED
    here, store, _ = joining_host(tmp_path, alice, team)
    outcome = apply_records(here, team, page, create=False, hub_order=True, store=store)
    assert outcome is not None
    assert [(e.text, reason) for e, reason in outcome.refused] == [(page[-1].text, "bad signature")]
    assert len(outcome.applied) == len(page) - 1
    store.close()


def test_pages_come_in_order_each_checked_with_the_next_one_already_read(
        alice: User, bob: User, team: str):
    for i in range(6):
        bob.ok("send", "team", f"message {i}")
    messages = [e for e in local_envelopes(alice, team) if e.table == "msg"]
    pages = [(30, messages[4:]), (20, messages[2:4]), (10, messages[:2])]
    read: list[int] = []

    async def newest_first():
        for low, page in pages:
            await asyncio.sleep(0)
            read.append(low)
            yield low, page

    async def walk() -> list[tuple[int, list[int], bool]]:
        seen = []
        identity._VERIFIED.clear()
        async for low, page in checked_ahead(newest_first()):
            checked = all((e.text.split('"a":"')[1].split('"')[0], bytes(e.sig))
                          in identity._VERIFIED for e in page)
            seen.append((low, list(read), checked))
        return seen

    assert asyncio.run(walk()) == [(30, [30, 20], True), (20, [30, 20, 10], True),
                                   (10, [30, 20, 10], True)]


def test_signatures_checked_last_are_still_remembered_when_the_cache_fills(
        alice: User, bob: User, team: str):
    """The pool checks the next page while the loop applies this one: filling the cache of
    verified signatures must drop the oldest entries, not those just checked."""
    alice.ok("send", "team", "checked last")
    bob.ok("send", "team", "checked after it")
    envelope, other = [e for e in local_envelopes(alice, team) if e.table == "msg"][-2:]
    author = envelope.text.split('"a":"')[1].split('"')[0]
    identity._VERIFIED.clear()
    for i in range(identity._VERIFIED_MAX - 1):  # older checks, as a long walk leaves them
        identity._VERIFIED[(author, i.to_bytes(64, "big"))] = b"x"
    assert check_signatures([envelope]) == 1  # the cache is full after it
    assert check_signatures([other]) == 1  # one more: room is made for it
    assert (author, bytes(envelope.sig)) in identity._VERIFIED
    assert (author, (0).to_bytes(64, "big")) not in identity._VERIFIED  # the oldest went
    assert len(identity._VERIFIED) < identity._VERIFIED_MAX

"""A copy of the user's own newest record in a group, kept in personal.db, put back into the
group file when the file lost it (docs/relay.md, "Ninth attack pass").

A write never signs at a place of the user's chain that their personal.db pins (README rule
9; chain_rules.build_on): when the file lost the pinned record (deleted, or altered in place),
the next record names it over the gap. That is right when the record went out before it was
lost: every other host holds it. When it was lost before its host's relay sent it, no host
has it, so the host's scan refused the next record ("an earlier record by this author is
missing") and every later one waited at the hub for good: one DELETE on a member's own host
silenced them on every other host. So every write keeps a copy of the record it leaves as the
user's head (the setting row `setting` makes, after the write, as the pins are moved:
Pins.after_write and the lean send's bookkeeping), and a write that would follow the pin over
a gap first puts the copy back (own_restore.restore, inside the writing transaction; the lean
send hands such a write over, importing none of it): the original, byte for byte,
verified as the user's own record at the pinned place with the pinned hash. The file is then
whole, its relay sends the record if no host has it (a known one is passed over), and the new
record follows it as any other. A copy that does not match the pin (damaged, or of an older
record) restores nothing: the write follows the pin over the gap, as before.
"""

from __future__ import annotations

import json

KEY = "own_record:"  # + group id: the setting keeping the copy
Copy = tuple[str, bytes]  # the record's text and signature


def setting(group_id: str, text: str, sig: bytes) -> tuple[str, str]:
    """The setting row (key, value) keeping this copy."""
    return KEY + group_id, json.dumps({"text": text, "sig": bytes(sig).hex()})


def parse(value: object) -> Copy | None:
    """The copy a setting's value holds; None for anything else (personal.db is the user's,
    but a damaged value must cost nothing but the copy)."""
    try:
        data = json.loads(value) if isinstance(value, str) else None
        if isinstance(data, dict) and isinstance(data.get("text"), str):
            return data["text"], bytes.fromhex(str(data.get("sig")))
    except (ValueError, RecursionError):
        pass
    return None


__all__ = ["KEY", "Copy", "parse", "setting"]

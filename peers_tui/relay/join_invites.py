"""The invite a join names, carried with the join's order request (ordering.py ->
order_service.py).

An invite made on a leaf reaches the hub with that leaf's next scan (half a second, or as
long as the link is slow or the relay busy); a join with it made on the same leaf right
away asked the hub's sequencer first, and the hub refused it: "join names an unknown
invite", for a code that was genuine. So a leaf's join request carries the invite records
its own file holds for that key: the hub applies them first, with the checks of any record
from another host (a forged one is refused and proves nothing), and orders the join against
them. A join naming an invite no host has is refused at once, as before.
"""

from __future__ import annotations

import base64
import json
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

from peers_tui.core.database.files import check_regular_file, refuse_planted_sql
from peers_tui.core.database.side_files import read_only
from peers_tui.core.errors import PeersError
from peers_tui.relay.envelope import Envelope

TYPE_CHECKING = False
if TYPE_CHECKING:
    from peers_tui.relay.apply import Outcome

UNKNOWN_INVITE = "join names an unknown invite"  # core.membership's words
HEADER = "Peers-Invites"
MOST = 4  # invite records claiming one key that a request carries (a second claim is rare)
# A stale answer carries the invites of its newest joins only: older ones have reached the
# leaf through the federation, and an answer must stay well within NATS's 1 MB payload.
NEWEST_JOINS = 64
OWN_FILE = "written into this host's file: "  # how a relay's scan of its own file begins a reason


def carried(path: Path, record_data: dict[str, Any]) -> dict[str, str]:
    """The header carrying the invites a join record names, from this host's file `path`
    (none for another change, or when the file holds none)."""
    found = invite_records(path, [record_data])
    return {HEADER: json.dumps(found, separators=(",", ":"))} if found else {}


def invite_records(path: Path, changes: list[dict[str, Any]]) -> list[dict[str, str]]:
    """The invite records ({"text", "sig"}, the signature in base64) that the joins among
    `changes` (membership records' data) name, from the group file `path`: what a leaf's join
    request carries to the hub (above), and what the hub's answer to a stale change carries
    back with its changes (order_service.py -> hub_head.catch_up). Without the second, a
    leaf catching up on a join made at the hub with a fresh invite could not write it (the
    invite still on its way through the federation: "join names an unknown invite"); its
    change, signed again, was stale again and failed (a handle change kept for the hub then
    waited until its author's next message)."""
    keys = [data.get("invite") for data in changes if data.get("action") == "join"][-NEWEST_JOINS:]
    found: list[dict[str, str]] = []
    try:
        check_regular_file(path)  # never a symlink to another file, a trigger or a view in it
        with closing(read_only(f"{path.as_uri()}?mode=ro", path, timeout=1)) as conn:
            refuse_planted_sql(conn)
            for key in dict.fromkeys(k for k in keys if isinstance(k, str)):
                rows = conn.execute("SELECT record, sig FROM invite WHERE key = ? AND kind ="
                                    " 'invite' LIMIT ?", (key, MOST)).fetchall()
                found += [{"text": text, "sig": base64.b64encode(bytes(sig)).decode()}
                          for text, sig in rows
                          if isinstance(text, str) and isinstance(sig, (bytes, bytearray))]
    except (sqlite3.Error, PeersError):
        return found
    return found


def invites_of(group_id: str, host: str, headers: dict[str, str] | None) -> list[Envelope]:
    """The invite envelopes a request carries (what is malformed in it is left out)."""
    try:
        items = json.loads((headers or {}).get(HEADER) or "[]")
    except ValueError:
        return []
    found = []
    for item in items[:MOST] if isinstance(items, list) else []:
        try:
            found.append(Envelope(group_id, "invite", str(item["text"]),
                                  base64.b64decode(item["sig"], validate=True), None, host))
        except (KeyError, TypeError, ValueError):
            continue
    return found


def refuse_unknown_invites(outcome: Outcome) -> None:
    """At the hub: a join from a leaf's inbound stream that names an invite the hub lacks is
    refused, not held. Every change a leaf writes was ordered here first, with the invite it
    names (above), so such a join was never ordered: its invite exists nowhere the hub can
    get it from, and it waited for good (bounded) where it is void."""
    waiting = []
    for envelope, reason in outcome.waiting:
        if envelope.table == "member" and reason.startswith(UNKNOWN_INVITE):
            outcome.refused.append((envelope, reason))
        else:
            waiting.append((envelope, reason))
    outcome.waiting = waiting


__all__ = ["HEADER", "carried", "invite_records", "invites_of", "refuse_unknown_invites"]


# core.invites' words for a code whose invite this host's file does not hold.
CODE_NOT_KNOWN = "this invite code is not known to the group"


def not_here_yet(hub: Path, error: Exception, code: str = "") -> Exception:
    """A join's "not known to the group" on a hub with a relay set up (`peers join` and the
    app's /join): the code may be genuine, made on another host a moment ago and queued there
    behind other records (a 20,000-message import took ~6 s to go out), so the words do not
    only blame the code; or this host's relay refused its invite (void: made beyond a cut of
    its maker, say), and then waiting does nothing: the refusal says why. Any other error,
    or a hub without a relay, as it was."""
    from peers_tui.core.errors import BadInvite
    from peers_tui.relay.config import relay_dir

    if not isinstance(error, BadInvite) or not str(error).startswith(CODE_NOT_KNOWN):
        return error
    if not relay_dir(hub).is_dir():  # (its config another Unix user's: set up all the same)
        return error
    refused = refused_here(hub, code)
    if refused is not None:
        return BadInvite(f"this invite is void: {refused} (refused by this host's relay: it "
                         "admits no one; ask for a new code)")
    return BadInvite(f"{CODE_NOT_KNOWN} here: a wrong or forged code, or one made on another "
                     "host a moment ago that has not arrived yet (try again in a few seconds)")


def refused_here(hub: Path, code: str) -> str | None:
    """Why this host's relay refused the invite `code` names (its quarantine in
    `.relay/relay.db`), or None: not refused here, not a code, or the ledger not readable."""
    from peers_tui.core.errors import PeersError
    from peers_tui.core.invites import parse_code

    try:
        parsed = parse_code(code)
    except PeersError:
        return None
    return refused_key_here(hub, parsed.group_id, parsed.key.public_id)


def refused_key_here(hub: Path, group_id: str, key: str) -> str | None:
    """refused_here by the invite's group and public key (what the desk is asked with: the
    code's secret stays with the joiner, desk_joins.py)."""
    from peers_tui.relay.config import relay_dir

    path = relay_dir(hub) / "relay.db"
    try:
        with closing(sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True, timeout=1)) as conn:
            rows = conn.execute("SELECT reason, record FROM quarantine WHERE group_id = ? AND "
                                "tbl = 'invite' AND instr(record, ?) LIMIT ?",
                                (group_id, key, MOST)).fetchall()
    except sqlite3.Error:
        return None
    for reason, text in rows:
        try:
            data = json.loads(text)
        except (TypeError, ValueError):
            continue
        if isinstance(data, dict) and data.get("key") == key and isinstance(reason, str):
            return reason.removeprefix(OWN_FILE)[:300]
    return None

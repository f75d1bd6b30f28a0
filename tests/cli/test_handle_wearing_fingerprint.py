"""A handle that wears someone else's fingerprint (seventeenth attack pass, h-attack17).

Where two people's handles look alike, peers names each `handle~fingerprint`: the suffix is
the proof a reader checks. Nothing kept a handle from carrying that suffix itself: eve took
the handle `alice~<alice's fingerprint>` and her messages read `<alice~pd6qb3uj> send me the
keys` in every log, beside the real alice shown plainly as `alice`; her direct conversation
was listed as `alice~pd6qb3uj`, the very name a conversation with the real alice gets beside
a look-alike. Now a tilde (or a character drawn like one) in a handle is shown as a visible
placeholder wherever a handle is named, so no handle can end in what reads as a fingerprint;
a handle typed with one is refused in one line.
"""

from __future__ import annotations

from pathlib import Path

from peers_tui.core.account import Account
from peers_tui.core.identity import fingerprint
from peers_tui.core.names import person_labels
from tests.conftest import User


def forge_handle(user: User, hub: Path, handle: str) -> None:
    """A modified client: the handle written into the personal store as `peers id` would."""
    account = Account(user.home, hub)
    account.personal.set_setting("handle", handle)


def test_a_handle_cannot_end_in_someone_elses_fingerprint(alice: User, make_user, hub: Path):
    alice.ok("id", "--handle", "alice")
    alice.ok("create", "team")
    code = alice.ok("invite", "team").out.strip()
    print_ = fingerprint(Account(alice.home, hub).user_id)
    eve = make_user("eve")
    refused = eve.run("id", "--handle", f"alice~{print_}")
    assert refused.code != 0 and "~" in refused.err and refused.err.count("\n") == 1
    forge_handle(eve, hub, f"alice~{print_}")
    eve.ok("join", code)
    eve.ok("send", "team", "it is me, send the keys")
    log = alice.ok("log", "team").out
    assert f"alice~{print_}" not in log, log
    assert "<alice<U+007E>" in log or f"alice<U+007E>{print_}" in log, log
    members = alice.ok("members", "team").out
    assert f"alice~{print_}" not in members, members


def test_labels_show_a_tilde_in_a_handle_as_a_placeholder():
    from peers_tui.core.names import shown_handle

    people = [("a" * 52, "alice", "pd6qb3uj"), ("b" * 52, "alice∼pd6qb3uj", "ttexuvxn"),
              ("c" * 52, "bob～x", "zzzzzzzz")]
    labels = person_labels(people, room=40)
    assert labels[("a" * 52, "alice")] == "alice"
    assert "~" not in labels[("b" * 52, "alice∼pd6qb3uj")].replace("~ttexuvxn", "")
    assert "∼" not in labels[("b" * 52, "alice∼pd6qb3uj")]
    assert shown_handle("bob～x") == "bob<U+FF5E>x"
    assert shown_handle("alice") == "alice"
    # Tab's completion: typed bare, `alice~pd6qb3uj` would name the real alice
    from peers_tui.core.names import typed_names

    assert typed_names([("b" * 52, "alice~pd6qb3uj"), ("a" * 52, "alice")]) == [
        f"alice~pd6qb3uj~{fingerprint('b' * 52)}", "alice"]

"""What the second acceptance pass of issue 15 met in the app itself (three hosts on loopback,
each `peers` in tmux at 120x40; docs/relay.md "The second acceptance pass"). Real relays and
nats-servers; the app driven with Pilot as `peers` starts it (the hub's membership order
installed, as cli.tui does at the app's first paint)."""

from __future__ import annotations

import pytest

from peers_tui.core import membership_order
from peers_tui.cli.relay import _order_on_leaf
from peers_tui.messages import JoinGroup
from tests.relay_helpers import federation, start_linked, stop_all, team_on_two_hosts
from tests.relay_helpers import wait_for as wait_until
from peers_tui.widgets import Composer
from tests.tui_helpers import log_bodies, make_app, wait_for


@pytest.fixture
def hub_order():
    membership_order.install(_order_on_leaf)  # what `peers` does at the app's first paint
    yield
    membership_order.install(None)


@pytest.mark.slow
async def test_join_with_a_code_in_the_app_fetches_a_group_from_another_host(tmp_path, hub_order):
    """`/join CODE` in the app on a host that lacks the group: it is fetched through the
    relay, as `peers join CODE` does. Before, the app said "group ... is not in your hub"."""
    hub, leaf = hosts = federation(tmp_path)
    try:
        alice, bob = hub.user("alice"), leaf.user("bob")
        alice.ok("create", "team")
        alice.ok("send", "team", "hello from A")
        code = alice.ok("invite", "team").out.strip()
        for host in hosts:
            host.start()
        wait_until(leaf.link_up, what="B's link")
        app = make_app(bob)
        async with app.run_test(size=(120, 40)) as pilot:
            # At once, while the app still starts: the new file's tables were made on the
            # database the app's thread had bound the models to ("connection not opened").
            app.post_message(JoinGroup(code))
            await wait_for(pilot, lambda: "hello from A" in log_bodies(app), timeout=30)
        members = {m["handle"] for m in alice.ok("members", "team", "--json").json()}
        assert members == {"alice", "bob"}
    finally:
        stop_all(hosts)


async def test_event_lines_tell_look_alike_names_apart_by_fingerprint(alice, make_user):
    """A member whose handle looks like another's (a Cyrillic а) joined: the `--` line said
    "аlice joined as writer", the same as alice's own, in the app's log and in `peers log`,
    while messages and the roster showed `аlice~fingerprint`. Events now name them so too."""
    from peers_tui.core.identity import fingerprint
    from tests.tui_helpers import screen_text

    alice.ok("create", "team")
    mallory = make_user("mallory")
    mallory.ok("id", "--handle", "\u0430lice")
    mallory.ok("join", alice.ok("invite", "team").out.strip())
    mine = fingerprint(alice.ok("id").out.split()[0])
    theirs = fingerprint(mallory.ok("id").out.split()[0])
    printed = alice.ok("log", "team").out
    assert f"-- \u0430lice~{theirs} joined as writer (invited by alice~{mine})" in printed, printed
    app = make_app(alice, "team")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: f"\u0430lice~{theirs} joined" in screen_text(app))


@pytest.mark.slow
async def test_a_role_change_in_the_app_that_loses_the_race_at_the_hub_is_done_again(
        tmp_path, hub_order):
    """bob's `/role kim reader` on leaf B, signed against a head the hub has moved past (a
    change on the hub host that B's relay had not brought yet): `peers role` applies the
    hub's changes and does it again; the app said "another membership change reached the
    hub first (membership fork ...)" and changed nothing."""
    import asyncio
    import signal

    from tests.relay_helpers import paused_between_writes
    from tests.tui_helpers import type_text

    hub, leaf = hosts = federation(tmp_path)
    try:
        alice, kim, bob = hub.user("alice"), hub.user("kim"), leaf.user("bob")
        group_id = alice.ok("create", "team").out.strip()
        kim.ok("join", alice.ok("invite", "team").out.strip())
        code = alice.ok("invite", "team", "--role", "admin").out.strip()
        for host in hosts:
            host.start()
        wait_until(leaf.link_up, what="B's link")
        await asyncio.to_thread(  # (the CLI in this process runs its own event loop)
            wait_until, lambda: bob.run("join", code).code == 0, what="bob's join")
        app = make_app(bob, "team")
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_for(pilot, lambda: app.screen.query(Composer), timeout=10)
            paused_between_writes(leaf, group_id)
            try:
                alice.ok("id", "--handle", "alicia")  # a change at the hub B does not have
                await type_text(pilot, "/role kim reader")
                await pilot.press("enter")
                await wait_for(pilot, lambda: any(
                    "reader" in str(n.message) or "first" in str(n.message)
                    for n in app._notifications), timeout=20)
            finally:
                leaf.process.send_signal(signal.SIGCONT)
            said = [str(n.message) for n in app._notifications]
        roles = {m["handle"]: m["role"] for m in alice.ok("members", "team", "--json").json()}
        assert roles["kim"] == "reader", (roles, said)
        assert any("done again" in line for line in said), said
    finally:
        stop_all(hosts)


async def test_an_open_log_names_an_author_by_the_handle_they_took_since(alice, bob, team):
    """alice becomes alicia (`peers id --handle`, here or on another host) while bob's log
    shows her messages: the roster said "alicia" at once, the messages on screen kept
    "alice" (and only those read afterwards said "alicia")."""
    from peers_tui.widgets import MessageLog
    from peers_tui.widgets.roster_panel import RosterPanel

    alice.ok("send", "team", "before the change")
    app = make_app(bob, "team")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: "before the change" in log_bodies(app))
        alice.ok("id", "--handle", "alicia")
        alice.ok("send", "team", "after the change")
        await wait_for(pilot, lambda: "after the change" in log_bodies(app))
        roster = app.screen.query_one(RosterPanel)
        await wait_for(pilot, lambda: ("alicia" in {h for _, h in roster.people}))
        await pilot.pause(0.2)
        authors = {v.body: v.author for v in app.screen.query_one(MessageLog).views}
        assert authors["before the change"] == "alicia", authors
        assert "alice │" not in "\n".join(s.text for s in app.screen.query_one(MessageLog).rendered_lines)


async def test_a_member_is_found_by_the_name_the_roster_shows_beside_a_look_alike(
        alice, make_user):
    """The roster and the log show `аlice~b2gnqu7m` beside `alice~ri4gmlyc`: typed as shown
    (`/role аlice~b2gnqu7m reader`, `peers remove team alice~ri4gmlyc`) it was "no member".
    """
    from peers_tui.core.identity import fingerprint
    from tests.tui_helpers import type_text

    alice.ok("create", "team")
    mallory = make_user("mallory")
    mallory.ok("id", "--handle", "\u0430lice")
    mallory.ok("join", alice.ok("invite", "team").out.strip())
    shown = f"\u0430lice~{fingerprint(mallory.ok('id').out.split()[0])}"
    app = make_app(alice, "team")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.screen.query(Composer))
        await type_text(pilot, f"/role {shown} reader")
        await pilot.press("enter")
        await wait_for(pilot, lambda: any("reader" in str(n.message) or "member" in str(n.message)
                                          for n in app._notifications))
    roles = {m["handle"]: m["role"] for m in alice.ok("members", "team", "--json").json()}
    assert roles == {"alice": "owner", "\u0430lice": "reader"}, roles
    assert alice.fails("role", "team", f"bob~{shown.split('~')[1]}", "writer").err.startswith(
        "peers: no member")


async def test_the_personal_groups_hint_says_other_hosts_join_through_the_relay(alice):
    """On a hub with a relay set up, the personal group said "(others can join your groups
    only through a shared PEERS_HUB)": users of other hosts join through the relay too."""
    from peers_tui.widgets import MessageLog

    def hint(app) -> str:  # noqa: ANN001
        return " ".join(app.screen.query_one(MessageLog).empty_hint)

    app = make_app(alice)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: "a code from /invite" in hint(app))  # a shared hub
    alice.ok("relay", "init", "--hub", "--name", "A", "--listen", "127.0.0.1:1")
    app = make_app(alice)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: "through its relay" in hint(app))
        assert "only through a shared PEERS_HUB" not in hint(app)


@pytest.mark.slow
@pytest.mark.serial
async def test_a_click_on_the_earlier_messages_note_goes_to_them(tmp_path):
    """"↑ 5 earlier messages arrived from A (PgUp)" with three screens of messages below
    them: PgUp went up one page, and nothing took the reader to them."""
    from peers_tui.widgets import MessageLog
    from tests.relay_helpers import bodies
    from tests.tui.test_link_indicator import earlier_note

    with team_on_two_hosts(tmp_path) as ((hub, leaf), alice, bob, code):
        wait_until(lambda: leaf.status().get("received"), what="the group at the hub")
        assert bob.spawn("join", code).code == 0
        alice.ok("send", "team", "hello from A")
        wait_until(lambda: "hello from A" in bodies(bob), what="A's message on B")
        app = make_app(bob, "team")
        async with app.run_test(size=(100, 24)) as pilot:
            log = app.screen.query_one(MessageLog)
            await wait_for(pilot, lambda: "hello from A" in log_bodies(app))
            hub.stop()
            wait_until(lambda: not leaf.link_up(), what="B to see the cut")
            for number in range(5):
                alice.ok("send", "team", f"late {number}")
            for number in range(60):
                bob.ok("send", "team", f"filler {number}")
            await wait_for(pilot, lambda: "filler 59" in log_bodies(app), timeout=10)
            hub.start()
            # The note settled (its host named too), so that the click lands on it where it
            # is drawn: a note still growing under load moved away from the click.
            await wait_for(pilot, lambda: "5 earlier messages arrived from A" in earlier_note(app),
                           timeout=30)
            await pilot.pause(0.1)

            def on_screen() -> str:
                top = int(log.scroll_y)
                return "\n".join(s.text for s in log.rendered_lines[top:top + log.size.height])

            assert "late 0" not in on_screen()
            await pilot.click("#earlier")
            await wait_for(pilot, lambda: "late 0" in on_screen(), timeout=10)
            await wait_for(pilot, lambda: earlier_note(app) == "", timeout=5)


async def test_a_long_handle_stays_on_its_line_in_the_roster(alice, make_user):
    """A 64-character handle (the limit) in the roster: cut at 24 characters after " ● ", it
    was wider than the panel's line and wrapped, the dot alone on a line and the name under
    it; a wide (fullwidth) one took twice its length in cells."""
    from rich.cells import cell_len

    from peers_tui.widgets.roster_panel import LINE, RosterPanel

    alice.ok("create", "team")
    for name, handle in (("zed", "Z" * 64), ("wade", "\uff57" * 30)):
        user = make_user(name)
        user.ok("id", "--handle", handle)
        user.ok("join", alice.ok("invite", "team").out.strip())
    app = make_app(alice, "team")
    async with app.run_test(size=(120, 40)) as pilot:
        roster = app.screen.query_one(RosterPanel)
        await wait_for(pilot, lambda: "Members (3)" in str(roster.query_one("#roster-body").render()))
        lines = str(roster.query_one("#roster-body").render()).splitlines()
        long_ones = [line for line in lines if "Z" in line or "\uff57" in line]
        assert len(long_ones) == 2 and all(line.startswith(" ○ ") or line.startswith(" ● ")
                                           for line in long_ones), lines
        assert all(cell_len(line) <= LINE for line in lines), lines


@pytest.mark.slow
async def test_a_leaf_whose_token_was_revoked_says_so_in_the_app_and_in_groups(tmp_path):
    """`peers relay revoke B` on the hub: B's app showed `⇅ offline 5s`, counting, like a cut
    that would end (only `peers relay status` named the refused token)."""
    from peers_tui.widgets.topic_bar import TopicBar

    hub, leaf = hosts = federation(tmp_path)
    try:
        bob = leaf.user("bob")
        bob.ok("create", "team")
        start_linked(hosts)
        app = make_app(bob, "team")
        async with app.run_test(size=(120, 40)) as pilot:
            def link() -> str:
                return app.screen.query_one(TopicBar).title_text().plain
            await wait_for(pilot, lambda: "⇅ hub ✓" in link(), timeout=10)
            hub.peers().ok("relay", "revoke", "B")
            await wait_for(pilot, lambda: "(token refused)" in link(), timeout=20)
            assert "⇅ offline " in link()
        listed = bob.ok("groups").out
        assert "(token refused)" in listed, listed
    finally:
        stop_all(hosts)


async def test_invite_with_the_clis_options_says_how_the_app_takes_them(alice):
    """`/invite --uses 5` (as `peers invite team --uses 5`) said "unknown role '--uses': use
    one of reader, writer, admin, owner" and no more."""
    from tests.tui_helpers import type_text

    alice.ok("create", "team")
    app = make_app(alice, "team")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.screen.query(Composer))
        await type_text(pilot, "/invite --uses 5")
        await pilot.press("enter")
        await wait_for(pilot, lambda: any("--uses" in str(n.message) for n in app._notifications))
        said = [str(n.message) for n in app._notifications if "--uses" in str(n.message)]
        assert "usage: /invite [@PERSON] [ROLE] [USES] [EXPIRES]" in said[0], said

"""Slash commands about people: /who (the group's members and the people known in the
federation, who is here now and where),
/dm (the direct conversation with someone) and /invitations (those sent to you by name)."""

from __future__ import annotations

from peers_tui.commands.slash import ChatContext, SlashCommand, in_background
from peers_tui.core.errors import PeersError
from peers_tui.core.names import shown_name
from peers_tui.messages import GroupAdded, OpenGroup, ShowInvitations


class Who(SlashCommand):
    name, usage, help = ("who", "/who",
                         "the members, here or away and on which host; others known")

    def run(self, chat: ChatContext, args: str) -> None:
        account, entry = chat.account, chat.entry

        def work() -> str:
            from peers_tui.core.who import who_lines  # profiles, hosts: loaded when first used

            return "\n".join(who_lines(account, entry))
        in_background(chat, work)


class Dm(SlashCommand):
    name, usage, takes_text = "dm", "/dm @PERSON", True
    help = "the direct conversation with someone: started (and offered to them) the first time"
    completes = "person"

    def run(self, chat: ChatContext, args: str) -> None:
        person = args.strip()
        if not person or " " in person:
            raise PeersError(f"usage: {self.usage}")
        account, app = chat.account, chat.app

        def work() -> str | None:
            from peers_tui.core import direct  # sealing and profiles: loaded when first used
            from peers_tui.relay.join_fetch import JoinFetch  # one offered from another host

            listed = {entry.id for entry in account.entries()}
            with JoinFetch(account.paths.hub) as fetched:
                entry, founded = direct.dm(account, person, fetched.fetch)
                fetched.keep_only(entry.id)
            # Joined or founded now: the app watches it and lists it; else it is opened.
            app.call_from_thread(chat.post_message, OpenGroup(entry.id) if entry.id in listed
                                 else GroupAdded(entry))
            if founded:
                other = direct.dm_partner(account, account.store(entry))
                note = direct.reach_note(account, other) if other else None
                return (f"started a direct conversation with {shown_name(entry.name)}; they "
                        "are invited" + (f" — {note}" if note else ""))
            return None
        in_background(chat, work)


class Invitations(SlashCommand):
    name, usage = "invitations", "/invitations"
    help = "the invitations sent to you by name: accept or decline them"

    def run(self, chat: ChatContext, args: str) -> None:
        chat.post_message(ShowInvitations())

"""Slash commands about people: /who (who published a profile in the hub, who is here now),
/dm (the direct conversation with someone) and /invitations (those sent to you by name)."""

from __future__ import annotations

from peers_tui.commands.slash import ChatContext, SlashCommand, in_background
from peers_tui.core.errors import PeersError
from peers_tui.core.names import look_alikes, shown_name
from peers_tui.core.presence import Presence
from peers_tui.messages import GroupAdded, OpenGroup, ShowInvitations


class Who(SlashCommand):
    name, usage, help = ("who", "/who",
                         "the people who published a profile in this hub, and who is here now")

    def run(self, chat: ChatContext, args: str) -> None:
        account = chat.account

        def work() -> str:
            from peers_tui.core.profiles import people  # loaded when first used

            hub = account.paths.hub
            found, problems = people(hub)
            if not found:
                return "nobody has published a profile in this hub yet"
            here = Presence(hub).present([person.user_id for person in found])
            alike = look_alikes((p.user_id, p.handle) for p in found)
            lines = [f"{len(found)} people in this hub, {len(here)} here now:"]
            for person in found:
                marks = [mark for mark, shown in (
                    ("you", person.user_id == account.user_id),
                    ("here now", person.user_id in here),
                    ("looks like another's handle", (person.user_id, person.handle) in alike))
                    if shown]
                lines.append(f"{shown_name(person.handle)} ({person.fingerprint})"
                             + (f"  {', '.join(marks)}" if marks else ""))
            if problems:
                lines.append(f"({len(problems)} profile file(s) not genuine: not listed)")
            return "\n".join(lines)
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

            listed = {entry.id for entry in account.entries()}
            entry, founded = direct.dm(account, person)
            # Joined or founded now: the app watches it and lists it; else it is opened.
            app.call_from_thread(chat.post_message, OpenGroup(entry.id) if entry.id in listed
                                 else GroupAdded(entry))
            if founded:
                return (f"started a direct conversation with {shown_name(entry.name)}; they "
                        "are invited")
            return None
        in_background(chat, work)


class Invitations(SlashCommand):
    name, usage = "invitations", "/invitations"
    help = "the invitations sent to you by name: accept or decline them"

    def run(self, chat: ChatContext, args: str) -> None:
        chat.post_message(ShowInvitations())

"""Slash commands about groups and their members: /create /join /invite /leave /nick /members
/role /remove /topic /mute."""

from __future__ import annotations

from textual.message import Message

from peers_tui.commands.slash import ChatContext, SlashCommand, Standing, confirm, in_background
from peers_tui.core.errors import NotFound, PeersError
from peers_tui.core.identity import fingerprint
from peers_tui.core.names import look_alikes, shown_handle, shown_name
from peers_tui.core.roles import Role
from peers_tui.messages import CreateGroup, JoinGroup, LeaveGroup, OpenGroup, SetNotify

# The user's standings in a group in which there is nothing left to leave.
GONE_STANDINGS: tuple[Standing, ...] = ("removed", "left")


class Create(SlashCommand):
    name, usage, help, takes_text = "create", "/create NAME", "create a group and open it", True

    def run(self, chat: ChatContext, args: str) -> None:
        if not args:
            raise PeersError("usage: /create NAME")
        chat.post_message(CreateGroup(args))


class Join(SlashCommand):
    name, usage, takes_text = "join", "/join CODE | /join GROUP", True
    help = "join a group with an invite code, or go to one of your groups by name"
    completes = "group"

    def run(self, chat: ChatContext, args: str) -> None:
        if not args:
            raise PeersError("usage: /join CODE")
        # core.invites (a dataclass, nacl's exceptions) when a command asks: not before the
        # first frame, which imports this module for the key registry (issue 16).
        from peers_tui.core.invites import PREFIX as CODE_PREFIX
        if args.startswith(f"{CODE_PREFIX}:"):
            chat.post_message(JoinGroup(args))
            return
        account = chat.account

        def work() -> None:  # one of ours by name (irssi's /join of a channel already joined)
            try:
                message: Message = OpenGroup(account.resolve(args).id)
            except NotFound:
                message = JoinGroup(args)  # not ours: a code after all, or told why not
            chat.app.call_from_thread(chat.post_message, message)
        in_background(chat, work)


class Invite(SlashCommand):
    name = "invite"
    usage = "/invite [@PERSON] [ROLE] [USES] [EXPIRES] | /invite list"
    help = ("make an invite code (a writer's, 1 use, 7 days unless given; shown and copied), "
            "deliver it sealed to @PERSON, or list the open invites to revoke one")
    completes = "person"

    def run(self, chat: ChatContext, args: str) -> None:
        from peers_tui.core.invites import describe_terms, parse_duration  # (as /join)
        from peers_tui.core.member_actions import DEFAULT_EXPIRES, DEFAULT_USES  # (the stores)
        account, entry, app = chat.account, chat.entry, chat.app
        if args.strip() == "list":  # the open invites, to look at or revoke
            chat.show_invites(entry)
            return
        role, uses, expires, person = Role.WRITER, DEFAULT_USES, DEFAULT_EXPIRES, None
        for word in args.split():
            if word.startswith("@") and person is None:
                person = word
            elif word.isdigit():
                uses = int(word)
                if uses < 1:
                    raise PeersError(f"an invite must allow at least 1 use, not {word}: "
                                     f"usage: {self.usage.partition(' | ')[0]}")
            elif word[:-1].isdigit() and word[-1:] in "smhdw":
                expires = parse_duration(word)
            else:  # `/invite --uses 5` (the CLI's words) said only "unknown role '--uses'"
                try:
                    role = Role.parse(word)
                except PeersError as exc:
                    raise PeersError(f"{exc}; usage: {self.usage.partition(' | ')[0]} "
                                     "(e.g. /invite admin 5 12h)") from exc

        def shown(code: str) -> None:  # on the UI thread
            app.copy_to_clipboard(code)
            terms = f"joins as {role.label}, {describe_terms(uses, expires)}"
            chat.show_invites(entry, code, terms)

        def work() -> None:
            code = str(account.invite(entry.id, role, uses, expires))
            app.call_from_thread(shown, code)

        def deliver() -> str:  # sealed to them, in their inbox: no code passed by hand
            # sealing: loaded when first used
            from peers_tui.core.direct import invite_to, reach_note

            profile, ident = invite_to(account, entry.id, str(person), role, uses, expires)
            note = reach_note(account, profile.user_id)  # one line: it waits for their host
            return (f"invited {shown_handle(profile.handle)} ({profile.fingerprint}) to "
                    f"{shown_name(entry.name)} as {role.label}: invitation {ident}"
                    + (f" — {note}" if note else ""))
        in_background(chat, work if person is None else deliver)


class Leave(SlashCommand):
    name, usage, help = "leave", "/leave", "leave this group"

    def run(self, chat: ChatContext, args: str) -> None:
        entry = chat.entry
        if chat.standing in GONE_STANDINGS:
            raise PeersError(f"you are no longer a member of {shown_name(entry.name)} "
                             f"({chat.standing}): there is nothing to leave; it stays in your "
                             "list to read")
        confirm(chat, f"Leave {shown_name(entry.name)}?",
                "you can come back only with a new invite",
                lambda: chat.post_message(LeaveGroup(entry.id)))


class Nick(SlashCommand):
    name, usage, help, takes_text = ("nick", "/nick NEWHANDLE",
                                     "change your handle, in every group at once", True)

    def follows(self, args: str) -> bool:
        return True

    def run(self, chat: ChatContext, args: str) -> None:
        handle, account = args.strip(), chat.account
        if not handle:
            raise PeersError("usage: /nick NEWHANDLE")

        def work() -> str:
            account.set_handle(handle)
            updated, failed = account.spread_handle()
            note = f" (not yet in {len(failed)} group(s): {failed[0]})" if failed else ""
            return f"you are now {shown_handle(account.handle)} in {len(updated)} group(s){note}"
        in_background(chat, work)


class Members(SlashCommand):
    name, usage, help = "members", "/members", "list this group's members"

    def run(self, chat: ChatContext, args: str) -> None:
        account, group_id = chat.account, chat.entry.id

        def work() -> str:
            everyone = account.members(group_id, include_former=True)
            ambiguous = look_alikes((m.user_id, m.handle) for m in everyone)
            return "\n".join(
                f"{shown_handle(m.handle)} ({m.fingerprint}) {m.role}"
                + ("  looks like another member's handle" if (m.user_id, m.handle) in ambiguous
                   else "")
                for m in everyone if m.state == "active")
        in_background(chat, work)


class SetRole(SlashCommand):
    name, usage, help, takes_text = "role", "/role MEMBER ROLE", "change a member's role", True

    def follows(self, args: str) -> bool:
        return True

    def run(self, chat: ChatContext, args: str) -> None:
        member, _, role = args.rpartition(" ")
        if not member or not role:
            raise PeersError("usage: /role MEMBER ROLE")
        parsed, account, group_id = Role.parse(role), chat.account, chat.entry.id
        in_background(chat, lambda: "{} is now {}".format(account.member_label(
            group_id, account.set_role(group_id, member, parsed).user_id), parsed.label))


class Remove(SlashCommand):
    name, usage, help, takes_text = ("remove", "/remove MEMBER", "remove a member from this group",
                                     True)

    def run(self, chat: ChatContext, args: str) -> None:
        if not args:
            raise PeersError("usage: /remove MEMBER")
        account, entry, app = chat.account, chat.entry, chat.app

        def ask(handle: str, user_id: str) -> None:  # on the UI thread
            confirm(chat, f"Remove {shown_handle(handle)} ({fingerprint(user_id)}) "
                    f"from {shown_name(entry.name)}?",
                    "their messages stay; what they sign from now on does not count",
                    lambda: in_background(chat, lambda: "removed " + account.member_label(
                        entry.id, account.remove(entry.id, user_id).user_id)))

        def find() -> None:  # who it is, before asking: a wrong name is told at once
            member = account.find_member(account.store(account.resolve(entry.id)), args)
            app.call_from_thread(ask, member.handle, member.user_id)
        in_background(chat, find)


class Topic(SlashCommand):
    name, usage, help, takes_text = "topic", "/topic [TEXT]", "show or set the topic", True

    def follows(self, args: str) -> bool:
        return bool(args.strip())  # a topic set, not shown

    def run(self, chat: ChatContext, args: str) -> None:
        account, group_id = chat.account, chat.entry.id
        if not args:
            in_background(chat, lambda: f"topic: {account.topic(group_id) or '(none)'}")
            return

        def work() -> None:
            account.set_topic(group_id, args)
        in_background(chat, work)


class Mute(SlashCommand):
    name = "mute"
    usage = "/mute [all|mentions|mute]"
    help = "set how this group notifies you (no argument: toggle mute)"

    def run(self, chat: ChatContext, args: str) -> None:
        entry = chat.entry
        level = args.strip().lower() or ("all" if entry.notify == "mute" else "mute")
        chat.post_message(SetNotify(entry.id, level))

"""What each slash command does in the app. Blocking work runs in thread workers; outcomes
come back as notifications or as calls on the UI thread."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from peers_tui.commands.slash import BY_NAME, only_offset, parse_command, split_offset
from peers_tui.core.account import DEFAULT_EXPIRES, DEFAULT_USES
from peers_tui.core.errors import AlreadyMember, PeersError
from peers_tui.core.identity import fingerprint
from peers_tui.core.invites import describe_terms, parse_duration
from peers_tui.core.names import look_alikes, shown_name
from peers_tui.screens.confirm import ConfirmScreen
from peers_tui.screens.invites import InvitesScreen
from peers_tui.core.roles import Role
from peers_tui.core.text import inert
from peers_tui.core.views import MessageView
from peers_tui.messages import GroupAdded, RecountGroups, SendMessage

if TYPE_CHECKING:
    from peers_tui.app import PeersApp
    from peers_tui.core.personal_store import GroupEntry
    from peers_tui.screens.chat import ChatScreen


class SlashActions:
    """Runs slash commands typed in the composer or chosen in the command palette."""

    def __init__(self, app: PeersApp) -> None:
        self.app = app

    @property
    def account(self):  # noqa: ANN201 - the app's Account
        return self.app.account

    # ----------------------------------------------------------------- plumbing
    def run(self, chat: ChatScreen, text: str) -> None:
        try:
            command, args = parse_command(text)
            getattr(self, f"do_{command.name}")(chat, args)
        except PeersError as exc:
            self.app.notify(inert(str(exc)), title="Command", severity="warning")

    def _background(self, chat: ChatScreen, work: Callable[[], str | None], *,
                    then: Callable[[], object] | None = None) -> None:
        """Run `work` in a thread; show what it returns, or the error; then refresh."""
        def job() -> None:
            try:
                message = work()
            except PeersError as exc:
                self.app.call_from_thread(self.app.notify, inert(str(exc)), severity="error")
                return
            if message:
                self.app.call_from_thread(self.app.notify, inert(message))
            self.app.call_from_thread(chat.refresh_roster)
            if then is not None:
                self.app.call_from_thread(then)
        self.app.run_worker(job, thread=True, group="slash", exit_on_error=False)

    def _nth(self, chat: ChatScreen, offset: int, mine: bool) -> MessageView:
        me = self.account.user_id
        candidates = [v for v in reversed(chat.log_views()) if not v.deleted
                      and v.kind in ("text", "action", "imported") and (v.author_id == me) == mine]
        if len(candidates) < offset:
            whose = "of yours" if mine else "by someone else"
            raise PeersError(f"there is no message {whose} that far back on screen")
        return candidates[offset - 1]

    # ----------------------------------------------------------------- commands
    def do_create(self, chat: ChatScreen, args: str) -> None:
        if not args:
            raise PeersError("usage: /create NAME")
        self._add_group(chat, lambda: self.account.create_group(args), "created")

    def do_join(self, chat: ChatScreen, args: str) -> None:
        if not args:
            raise PeersError("usage: /join CODE")
        self._add_group(chat, lambda: self.account.join(args), "joined")

    def _add_group(self, chat: ChatScreen, add: Callable[[], GroupEntry], done: str) -> None:
        """Create or join in the background; then watch the new group and open it."""
        added: list[GroupEntry] = []

        def work() -> str:
            try:
                added.append(add())
            except AlreadyMember as exc:  # nothing to join: open it all the same
                added.append(exc.entry)  # type: ignore[arg-type]
                return str(exc)
            return f"{done} {shown_name(added[0].name)}"
        self._background(chat, work, then=lambda: self.app.post_message(GroupAdded(added[0])))

    def do_invite(self, chat: ChatScreen, args: str) -> None:
        if args.strip() == "list":  # the open invites, to look at or revoke
            self.app.push_screen(InvitesScreen(self.account, chat.entry.id, chat.entry.name))
            return
        role, uses, expires = Role.WRITER, DEFAULT_USES, DEFAULT_EXPIRES
        for word in args.split():
            if word.isdigit():
                uses = int(word)
                if uses < 1:
                    raise PeersError(f"an invite must allow at least 1 use, not {word}: "
                                     "usage: /invite [reader|writer|admin] [USES] [EXPIRES]")
            elif word[:-1].isdigit() and word[-1:] in "smhdw":
                expires = parse_duration(word)
            else:
                role = Role.parse(word)

        def work() -> None:
            code = str(self.account.invite(chat.entry.id, role, uses, expires))
            self.app.call_from_thread(self.app.copy_to_clipboard, code)
            terms = f"joins as {role.label}, {describe_terms(uses, expires)}"
            self.app.call_from_thread(self.app.push_screen, InvitesScreen(
                self.account, chat.entry.id, chat.entry.name, code, terms))
        self._background(chat, work)



    def _confirm(self, question: str, detail: str, then: Callable[[], None]) -> None:
        """Ask before a destructive action; `then` runs only on a yes."""
        def answered(yes: bool | None) -> None:
            if yes:
                then()
        self.app.push_screen(ConfirmScreen(question, detail), answered)

    def do_leave(self, chat: ChatScreen, args: str) -> None:
        if chat.standing in ("removed", "left"):
            raise PeersError(f"you are no longer a member of {shown_name(chat.entry.name)} ({chat.standing}):"
                             " there is nothing to leave; it stays in your list to read")
        self._confirm(f"Leave {shown_name(chat.entry.name)}?", "you can come back only with a new invite",
                      lambda: self._background(
                          chat, lambda: f"you left {shown_name(self.account.leave(chat.entry.id).name)}",
                          then=lambda: self.app.post_message(RecountGroups())))

    def do_nick(self, chat: ChatScreen, args: str) -> None:
        if not args.strip():
            raise PeersError("usage: /nick NEWHANDLE")

        def work() -> str:
            self.account.set_handle(args.strip())
            updated, failed = self.account.spread_handle()
            note = f" (not yet in {len(failed)} group(s): {failed[0]})" if failed else ""
            return f"you are now {shown_name(self.account.handle)} in {len(updated)} group(s){note}"
        self._background(chat, work, then=chat.refresh_roster)

    def do_members(self, chat: ChatScreen, args: str) -> None:
        def work() -> str:
            everyone = self.account.members(chat.entry.id, include_former=True)
            ambiguous = look_alikes((m.user_id, m.handle) for m in everyone)
            return "\n".join(
                f"{shown_name(m.handle)} ({m.fingerprint}) {m.role}"
                + ("  looks like another member's handle" if (m.user_id, m.handle) in ambiguous else "")
                for m in everyone if m.state == "active")
        self._background(chat, work)

    def do_role(self, chat: ChatScreen, args: str) -> None:
        member, _, role = args.rpartition(" ")
        if not member or not role:
            raise PeersError("usage: /role MEMBER ROLE")
        parsed = Role.parse(role)
        self._background(chat, lambda: "{} is now {}".format(
            shown_name(self.account.set_role(chat.entry.id, member, parsed).handle), parsed.label))

    def do_remove(self, chat: ChatScreen, args: str) -> None:
        if not args:
            raise PeersError("usage: /remove MEMBER")
        def find() -> None:  # who it is, before asking: a wrong name is told at once
            store = self.account.store(self.account.resolve(chat.entry.id))
            member = self.account.find_member(store, args)
            self.app.call_from_thread(
                self._confirm, f"Remove {shown_name(member.handle)} ({fingerprint(member.user_id)}) "
                f"from {shown_name(chat.entry.name)}?",
                "their messages stay; what they sign from now on does not count",
                lambda: self._background(chat, lambda: "removed " + shown_name(self.account.remove(
                    chat.entry.id, member.user_id).handle)))
        self._background(chat, find)

    def do_topic(self, chat: ChatScreen, args: str) -> None:
        if not args:
            self._background(chat, lambda: f"topic: {self.account.topic(chat.entry.id) or '(none)'}")
            return
        self._background(chat, lambda: (self.account.set_topic(chat.entry.id, args), None)[1])

    def do_me(self, chat: ChatScreen, args: str) -> None:
        if not args:
            raise PeersError("usage: /me TEXT")
        self.app.post_message(SendMessage(chat.entry.id, args, "action"))

    def do_reply(self, chat: ChatScreen, args: str) -> None:
        offset, text = split_offset(args)
        if not text:
            raise PeersError("usage: /reply [-N] TEXT")
        target = self._nth(chat, offset, mine=False)
        self.app.post_message(SendMessage(chat.entry.id, text, "text", reply_to=target.id))

    def do_edit(self, chat: ChatScreen, args: str) -> None:
        offset, text = split_offset(args)
        if not text:
            raise PeersError("usage: /edit [-N] TEXT")
        target = self._nth(chat, offset, mine=True)
        self._background(chat, lambda: (self.account.edit(chat.entry.id, target.id, text), None)[1])

    def do_delete(self, chat: ChatScreen, args: str) -> None:
        offset = only_offset(args, BY_NAME["delete"].usage)
        target = self._nth(chat, offset, mine=True)
        preview = target.body if len(target.body) <= 60 else target.body[:59] + "…"
        self._confirm("Delete this message?", f"{target.author}: {preview}",
                      lambda: self._background(
                          chat, lambda: (self.account.delete(chat.entry.id, target.id), "deleted")[1]))

    def do_copy(self, chat: ChatScreen, args: str) -> None:
        offset = only_offset(args, BY_NAME["copy"].usage)
        views = [v for v in reversed(chat.log_views()) if not v.deleted]
        if len(views) < offset:
            raise PeersError("there is no message that far back on screen")
        view = views[offset - 1]
        self.app.copy_to_clipboard(view.body)
        if view.verified:
            self.app.notify("copied to the clipboard")
        else:
            self.app.notify(f"copied an UNVERIFIED message to the clipboard: "
                            f"{inert(str(view.problem), allow_newlines=False)}",
                            title="Not genuine", severity="warning")

    def do_search(self, chat: ChatScreen, args: str) -> None:
        chat.open_search(args)

    def do_mute(self, chat: ChatScreen, args: str) -> None:
        level = args.strip().lower() or ("all" if chat.entry.notify == "mute" else "mute")

        def work() -> str:
            chat.entry = self.account.set_notify(chat.entry.id, level)
            return f"{shown_name(chat.entry.name)}: notify {level}"
        self._background(chat, work, then=lambda: self.app.post_message(RecountGroups()))

    def do_groups(self, chat: ChatScreen, args: str) -> None:
        self.app.action_group_list()

    def do_theme(self, chat: ChatScreen, args: str) -> None:
        names = sorted(self.app.available_themes)
        if not args:
            self.app.notify("themes: " + ", ".join(names))
            return
        if args not in names:
            raise PeersError(f"unknown theme {args!r}; /theme lists them")
        self.app.theme = args

    def do_help(self, chat: ChatScreen, args: str) -> None:
        self.app.action_help()

    def do_quit(self, chat: ChatScreen, args: str) -> None:
        self.app.exit()

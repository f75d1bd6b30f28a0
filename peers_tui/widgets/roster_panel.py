"""RosterPanel: the group's verified members by role, and who is here now."""

from __future__ import annotations

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static
from textual.worker import Worker

from peers_tui.core.names import person_labels
from peers_tui.core.presence import Presence
from peers_tui.core.roles import Role
from peers_tui.core.views import MemberView
from peers_tui.widgets.message_render import author_colour
from peers_tui.worker_errors import pass_on_failure
from peers_tui.core.roster import MemberState

ROLE_ORDER = tuple(role.label for role in sorted(Role, reverse=True))  # owners first
PRESENCE_POLL = 5.0  # seconds between two looks at who is here


class RosterPanel(VerticalScroll, can_focus=False):
    """Members grouped by role; ● marks those running peers now. Former members are left out."""

    COMPONENT_CLASSES = {"roster--title", "roster--role", "roster--here", "roster--away"}

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        pass_on_failure(self, event)  # Worker.StateChanged does not bubble: tell the app

    def __init__(self, presence: Presence | None = None, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.presence = presence
        self.border_title = "Members"
        self._members: list[MemberView] = []
        self._present: set[str] = set()
        # (id, handle) of every member, former ones too: a handle that equals or looks like
        # another's is shown with the fingerprint (core.names.person_labels decides)
        self.people: frozenset[tuple[str, str]] = frozenset()

    def compose(self) -> ComposeResult:
        yield Static(id="roster-body")

    def on_mount(self) -> None:
        if self.presence is not None:
            self.set_interval(PRESENCE_POLL, self.poll_presence)

    def poll_presence(self) -> None:
        """Look again at who is here (on the UI thread: the worker gets its own copy)."""
        if self.presence is not None and self._members:
            self._look_for_presence(self.presence, list(self._members))

    @work(thread=True, exclusive=True, group="roster-presence", exit_on_error=False)
    def _look_for_presence(self, presence: Presence, members: list[MemberView]) -> None:
        """A lock test per member, no database reads."""
        present = presence.present([m.user_id for m in members])
        self.app.call_from_thread(self._presence_seen, members, present)

    def _presence_seen(self, members: list[MemberView], present: set[str]) -> None:
        if members == self._members and present != self._present:
            self.show(members, present)

    def show(self, members: list[MemberView], present: set[str]) -> None:
        self._members = [m for m in members if m.state == MemberState.ACTIVE]
        self._present = present
        self.border_title = f"Members ({len(self._members)})"
        style = self.get_component_rich_style
        labels = person_labels(((m.user_id, m.handle, m.fingerprint) for m in self._members),
                               self.people, room=24)
        text = Text(f"Members ({len(self._members)})\n", style=style("roster--title", partial=True))
        for role in ROLE_ORDER:
            group = [m for m in self._members if m.role == role]
            if not group:
                continue
            text.append(f"\n{role}s\n", style=style("roster--role", partial=True))
            for member in sorted(group, key=lambda m: m.handle.lower()):
                here = member.user_id in present
                label = labels[(member.user_id, member.handle)][:24]
                text.append(" ● " if here else " ○ ",
                            style=style("roster--here" if here else "roster--away", partial=True))
                text.append(label, style=author_colour(member.user_id))
                text.append("\n")
        self.query_one("#roster-body", Static).update(text)

    @property
    def handles(self) -> list[str]:
        return [m.handle for m in self._members]

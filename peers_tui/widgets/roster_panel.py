"""RosterPanel: the group's verified members by role, who is here now, and on which host.

Where a relay joins this hub to others (core.whereabouts), each member's host follows the
name: the host(s) they are present on, else their home (for a member no host heard of lately,
the home their profile kept here names); on a hub without one, only the dot.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from rich.cells import cell_len
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.geometry import Region
from textual.strip import Strip
from textual.widgets import Static
from textual.worker import Worker

from peers_tui.core.names import person_labels
from peers_tui.core.presence import Presence
from peers_tui.core.roles import Role
from peers_tui.core.views import MemberView
from peers_tui.widgets.alike_lines import alike_lines
from peers_tui.widgets.message_render import author_colour, clip
from peers_tui.worker_errors import pass_on_failure
from peers_tui.core.roster import MemberState

if TYPE_CHECKING:
    from peers_tui.core.whereabouts import Whereabouts

ROLE_ORDER = tuple(role.label for role in sorted(Role, reverse=True))  # owners first
PRESENCE_POLL = 5.0  # seconds between two looks at who is here
HOSTS_LOOK = 1.0  # seconds between two stats of the relay's hosts file (a look when it changed)
LINE = 23  # the panel's width (26) less its border and padding
NAME_ROOM = LINE - 3  # after " ● "
HOSTS_ROOM = 16  # at most this much of a member's host names


class RosterPanel(VerticalScroll, can_focus=False):
    """Members grouped by role; ● marks those running peers now. Former members are left out."""

    COMPONENT_CLASSES = {"roster--title", "roster--role", "roster--here", "roster--away",
                         "roster--host"}

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        pass_on_failure(self, event)  # Worker.StateChanged does not bubble: tell the app

    def __init__(self, presence: Presence | None = None, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.presence = presence
        self.border_title = "Members"
        self._members: list[MemberView] = []
        self._present: set[str] = set()
        self._hosts: dict[str, tuple[str, ...]] = {}
        self._hosts_token: tuple[int, int, int] | None = None  # the hosts file last looked at
        # (id, handle) of every member, former ones too: a handle that equals or looks like
        # another's is shown with the fingerprint (core.names.person_labels decides)
        self.people: frozenset[tuple[str, str]] = frozenset()

    def compose(self) -> ComposeResult:
        yield Static(id="roster-body")

    def render_lines(self, crop: Region) -> list[Strip]:
        # Its own lines are its left border and background: the text is its child's.
        return alike_lines(self.styles, crop, super().render_lines)

    def on_mount(self) -> None:
        if self.presence is not None:
            self.set_interval(PRESENCE_POLL, self.poll_presence)
            self.set_interval(HOSTS_LOOK, self._look_at_hosts_file)

    def _look_at_hosts_file(self) -> None:
        """Look again as soon as the relay rewrote its hosts file: it does within ~0.5 s of
        someone starting or quitting peers on another host, and a look every PRESENCE_POLL
        alone showed them there up to 5 s later (acceptance pass h-tuiacc). One stat."""
        from peers_tui.core.host_presence import HOSTS_FILE
        assert self.presence is not None
        try:
            info = os.stat(self.presence.directory.parent / HOSTS_FILE)
            token: tuple[int, int, int] | None = (info.st_ino, info.st_mtime_ns, info.st_size)
        except OSError:
            token = None
        if token != self._hosts_token:
            self._hosts_token = token
            self.poll_presence()

    def poll_presence(self) -> None:
        """Look again at who is here (on the UI thread: the worker gets its own copy)."""
        if self.presence is not None and self._members:
            self._look_for_presence(self.presence, list(self._members))

    @work(thread=True, exclusive=True, group="roster-presence", exit_on_error=False)
    def _look_for_presence(self, presence: Presence, members: list[MemberView]) -> None:
        """A lock test per member and the relay's hosts file, no database reads."""
        from peers_tui.core.whereabouts import locate  # off the start-up path: a worker's
        where = locate(presence, [m.user_id for m in members])
        self.app.call_from_thread(self._presence_seen, members, where)

    def _presence_seen(self, members: list[MemberView], where: Whereabouts) -> None:
        if members == self._members and (where.present, where.hosts) != (self._present,
                                                                         self._hosts):
            self.show(members, where.present, where.hosts)

    def show(self, members: list[MemberView], present: set[str],
             hosts: dict[str, tuple[str, ...]] | None = None) -> None:
        self._members = [m for m in members if m.state == MemberState.ACTIVE]
        self._present = present
        self._hosts = hosts or {}
        self.border_title = f"Members ({len(self._members)})"
        style = self.get_component_rich_style
        labels = person_labels(((m.user_id, m.handle, m.fingerprint) for m in self._members),
                               self.people, room=NAME_ROOM, shorten=clip)
        text = Text(f"Members ({len(self._members)})\n", style=style("roster--title", partial=True))
        for role in ROLE_ORDER:
            group = [m for m in self._members if m.role == role]
            if not group:
                continue
            text.append(f"\n{role}s\n", style=style("roster--role", partial=True))
            for member in sorted(group, key=lambda m: m.handle.lower()):
                here = member.user_id in present
                # Cut to the line (in cells: a wide name takes two a character): 24
                # characters after " ● " wrapped the name under its dot (a handle of 21+).
                label = clip(labels[(member.user_id, member.handle)], NAME_ROOM)
                text.append(" ● " if here else " ○ ",
                            style=style("roster--here" if here else "roster--away", partial=True))
                text.append(label, style=author_colour(member.user_id))
                self._append_hosts(text, cell_len(label), self._hosts.get(member.user_id, ()))
                text.append("\n")
        self.query_one("#roster-body", Static).update(text)

    def _append_hosts(self, text: Text, label_width: int, hosts: tuple[str, ...]) -> None:
        """`  hostB` after the name, or on a line of its own when the name leaves no room.
        Host names are checked plain ASCII (core.host_presence): nothing to escape."""
        if not hosts:
            return
        shown = ",".join(hosts)
        if len(shown) > HOSTS_ROOM:
            shown = shown[:HOSTS_ROOM - 1] + "…"
        style = self.get_component_rich_style("roster--host", partial=True)
        if 3 + label_width + 2 + len(shown) <= LINE:
            text.append(f"  {shown}", style=style)
        else:
            text.append(f"\n     {shown}", style=style)

    @property
    def handles(self) -> list[str]:
        return [m.handle for m in self._members]

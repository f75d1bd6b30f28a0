"""ComposerScreen: a screen whose composer is mounted after its first frame (issue 16).

The first frame draws the empty composer with a line (widgets.first_composer: TextArea's
import and the composer's mount were ~40-55 M instructions of a ~1,050 M start). Right after
that frame the composer is made, mounted in the line's place and focused where the line was,
and the keys the app held until then are handed on to it. `composer` is the composer itself
for every caller: made when first asked for (TextArea imported then), so that one asking
before the mount (a roster read back early) sets what the mounted composer shows; nothing
asks before the first frame. With a draft to show the composer is composed at once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import events

from peers_tui.key_order import STUCK, Work, after_keys
from peers_tui.screens.chat_frame import ComposerRule, tab_completions
from peers_tui.screens.mounted_styles import MountedStylesScreen
from peers_tui.widgets.first_composer import FirstComposer

if TYPE_CHECKING:
    from textual.content import Content

    from peers_tui.core.account import Account
    from peers_tui.screens.drafts import Drafts
    from peers_tui.widgets.composer import Composer

COMPOSERS = ("composer", "first-composer")  # the composer's id, and its line's


def first_line(drafts: Drafts, group_id: str) -> FirstComposer | None:
    """The line standing in for the empty composer in the first frame; None where there is a
    draft to show (the composer itself is composed then)."""
    return None if drafts.draft(group_id) else FirstComposer()


class ComposerScreen(MountedStylesScreen):
    """A screen with a composer, its line in the first frame (see the module)."""

    account: Account
    drafts: Drafts
    first_composer: FirstComposer | None  # the composer's line while it stands in, or None
    _composer: Composer | None = None

    @property
    def composer(self) -> Composer:
        """Made on first use (TextArea imported then): composed where there is a draft to
        show, else mounted after the first frame in its line's place (mount_composer)."""
        if self._composer is None:
            self._composer = self._made_composer(focused=not self.is_mounted)
        return self._composer

    def _made_composer(self, focused: bool) -> Composer:
        """The composer as its line left it (its placeholder); `focused`: composed focused
        (the screen focuses it as composed)."""
        from peers_tui.widgets.composer import Composer

        composer = Composer(id="composer")
        if focused:
            composer.set_reactive(Composer.has_focus, True)
        account = self.account
        composer.completions = lambda: tab_completions(account)  # on the first Tab
        composer.sent_history = self.drafts.input_history()
        if self.first_composer is not None:
            composer.set_cannot_post(None, self.first_composer.hint)
        return composer

    def open_composer(self, hint: Content, draft: str) -> None:
        """A group opened: the composer's placeholder and draft (the line's, while it stands
        in for an empty composer)."""
        if self.first_composer is not None and self._composer is None and not draft:
            self.first_composer.show(hint)
        else:
            self.composer.set_cannot_post(None, hint)
            self.composer.start_text(draft)

    async def mount_composer(self) -> None:
        """After the first frame: the composer in its line's place, focused where the line
        was, then the keys held until now handed on (widgets.first_composer): once its focus
        has reached this screen (_on_descendant_focus). Handed on at once, Alt+S typed at the
        first frame selected a message and the composer's focus, arriving after it, ended the
        selection (SelectionScreen): the key was lost."""
        app, line = self.app, self.first_composer
        focused = False
        try:
            if line is None or not line.is_attached:
                return
            composer = self.composer
            composer.display = False
            await self.mount(composer, before=line)
            if not line.is_attached:
                return
            with app.batch_update():
                composer.display = True
                self.query_one(ComposerRule).follow(composer)
                if self.focused is line:
                    self.set_focus(composer, scroll_visible=False)
                    focused = True
                self.first_composer = None
                await line.remove()
        finally:
            if focused:  # (and should its focus never come, after STUCK all the same)
                self.set_timer(STUCK, self._release_keys)
            else:
                self._release_keys()

    def after_keys(self, work: Work) -> None:
        """`work`, which waited for this screen's first paint, once the keys typed until the
        composer was in place are in too (key_order): the composer's mount is not behind it."""
        after_keys(self.app, work)

    def _on_descendant_focus(self, event: events.DescendantFocus) -> None:
        if event.widget is self._composer:
            self._release_keys()

    def _release_keys(self) -> None:
        self.app.typed_ahead.release(self.app)  # type: ignore[attr-defined]

    def _on_unmount(self) -> None:
        # Gone before its composer was mounted (the app ending early): no key waits for it.
        self._release_keys()

"""What the chat screen's first frame is built of, built to cost little (issue 16: a start is
measured against a bare Textual app painting one line).

- The screen and the row under the topic bar (the buffer list, the log and the roster) are
  covered by their children at every size: the log's `1fr` takes whatever the others leave.
  Textual draws every widget in full, front to back, the covered ones too, each line through
  its style cache (~1.8 ms of the first frame for these two); as BLANK widgets (Textual's own
  switch for a widget with no border and no content) each is one blank line repeated.
- The composer is focused as the screen is composed (ChatScreen.AUTO_FOCUS) and is styled as
  focused when it is mounted: focused after its mount, its new pseudo-class styled it (and its
  8 component classes) a second time before the first frame.
- The rule above the composer is a widget of its own, not the composer's border: a widget's
  refresh repaints its border, so every key repainted the rule too (360 bytes more through
  the terminal a key, ~0.5 ms of the echo in tmux against a bare TextArea, figure 12). Not a
  box around the composer with `:focus-within` either: a focus change restyles every widget
  inside a node with such a rule, the composer and its eight component classes included.
- What the composer's Tab completes (the /command words, where /dm's people and /join's
  groups come from) is asked for on its first Tab: it is made from the slash commands'
  classes, six modules the first frame has no use for (~2 ms of a start).
- The width class the first resize would set is set before the screen is mounted (set then,
  it restyled every widget once more before the first paint).
- Textual's `Footer` is a scrolling container of one `FooterKey` widget a key: six widgets
  mounted (each its own message pump), styled with two component classes each, laid out and
  drawn before the first frame, ~47 M instructions of a ~1,144 M start of `peers open` (the bare
  app's whole start is ~919 M). `FirstKeys` draws the same cells as one widget: each key's text
  and styles are those `FooterKey.render` makes, from FooterKeys styled as the footer's own
  (attached to this line, never mounted: one a kind of key, not one a key), laid out as the
  footer lays them out (side by side from the left; the palette's key docked right behind its
  `vkey` rule, `Footer.DEFAULT_CSS`). Once that frame is painted the real footer (KeysFooter) is
  mounted hidden, and shown in this line's place when its keys are composed: the same cells,
  then the footer's hover, clicks and recomposing. tests/tui/test_first_keys.py compares the
  line with the footer cell by cell (widths, themes).
"""

from __future__ import annotations

from itertools import groupby
from typing import TYPE_CHECKING

from rich.style import Style
from rich.text import Text
from textual.color import Color
from textual.containers import Horizontal
from textual.widget import Widget
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

from peers_tui.key_order import after_keys
from peers_tui.widgets.fitting_footer import KEPT_ACTION, FittingFooter, fitting

if TYPE_CHECKING:
    from textual.app import App, ComposeResult
    from textual.binding import ActiveBinding, Binding
    from textual.screen import Screen

    from peers_tui.core.account import Account
    from peers_tui.widgets.completion import ArgumentSource


class ChatBody(Horizontal):
    """The buffer list, the log and the roster, side by side; never seen itself."""

    BLANK = True


class ComposerRule(Widget):
    """The rule above the composer (its top border), accented while the composer (or the
    line standing in for it until it is mounted) has the focus, as its own border was."""

    def __init__(self, composer: Widget) -> None:
        super().__init__(id="composer-rule", classes="-lit")  # focused as composed, above
        self.composer = composer

    def on_mount(self) -> None:
        self.follow(self.composer)

    def follow(self, composer: Widget) -> None:
        """Lit by `composer`'s focus from now on (the line's blur as the composer takes the
        focus from it is not shown)."""
        self.composer = composer
        self.watch(composer, "has_focus", lambda focused: self._light(composer, focused),
                   init=False)

    def _light(self, composer: Widget, focused: bool) -> None:
        if composer is self.composer:
            self.set_class(focused, "-lit")


def tab_completions(account: Account) -> tuple[list[str], dict[str, ArgumentSource]]:
    """The composer's `completions`: loads the slash commands on its first Tab."""
    from peers_tui.commands.completion_sources import completion_sources
    from peers_tui.commands.registry import command_words

    return command_words(), completion_sources(account)


def width_class(breakpoints: list[tuple[int, str]], width: int) -> str:
    """The class Textual's HORIZONTAL_BREAKPOINTS give a screen `width` columns wide."""
    return next((name for least, name in reversed(breakpoints) if width >= least),
                breakpoints[0][1])


class KeysFooter(FittingFooter):
    """Textual's Footer with its keys in the first frame: the stock one composes nothing until
    the screen's bindings are first published (after the focus is set, after the first frame)
    and then recomposes on the next refresh, so the keys came a frame or more later (the
    outside check of issue 16). Composed at once from the screen's bindings as they stand
    (the composer already focused: focused_composer); it recomposes as the stock one does."""

    def __init__(self) -> None:
        super().__init__()
        self.set_reactive(Footer._bindings_ready, True)
        self._composed_keys: tuple[tuple[str, ...], ...] | None = None

    def bindings_changed(self, screen: Screen) -> None:
        # Textual recomposes the footer (a widget a key, mounted again) at every publish of
        # the screen's bindings, and a focus change publishes several: 9 composes at a start,
        # 6 at each Alt+S or Esc, all but one drawing the same keys. Only a change recomposes
        # (the compose, when it comes, reads the keys as they stand then).
        if self._composed_keys is None or shown_keys(screen) != self._composed_keys:
            super().bindings_changed(screen)

    def compose(self) -> ComposeResult:
        self._composed_keys = shown_keys(self.screen)
        for widget in super().compose():
            if isinstance(widget, FooterKey):  # its `compact` as it will be, before it is
                # styled: set on mount, its watcher restyled every key once more before the
                # frame (the palette's key is not bound to the footer's: compact, the default)
                compact = widget.has_class("-command-palette") or self.compact
                widget.set_reactive(FooterKey.compact, compact)
                widget.set_class(compact, "-compact", update=False)
            yield widget


def shown_keys(screen: Screen) -> tuple[tuple[str, ...], ...]:
    """What a footer draws of the screen's bindings: each key, its action, label, display and
    whether it is enabled."""
    return tuple((key, binding.action, binding.description, binding.key_display or "",
                  str(enabled)) for key, (_, binding, enabled, _tooltip)
                 in screen.active_bindings.items() if binding.show)


# Footer.DEFAULT_CSS: `FooterKey.-command-palette { border-left: vkey $foreground 20% }`.
RULE, RULE_ALPHA = "▏", 0.2


def footer_keys(bindings: dict[str, ActiveBinding]) -> list[tuple[Binding, bool]]:
    """The keys `Footer.compose` shows, in its order: the first binding of each action shown;
    none where it would show a group of keys under one label (a KeyGroup: not drawn here, the
    footer itself comes a frame later)."""
    actions: dict[str, tuple[Binding, bool]] = {}
    for _, binding, enabled, _tooltip in bindings.values():
        if binding.show:
            actions.setdefault(binding.action, (binding, enabled))
    keys = list(actions.values())
    for group, same in groupby(keys, lambda key: key[0].group):
        if group is not None and len(list(same)) > 1:
            return []
    return keys


class FirstKeys(Widget):
    """One line with the footer's keys, until the footer itself is mounted."""

    DEFAULT_CSS = """
    FirstKeys {
        dock: bottom;
        height: 1;
        color: $footer-foreground;
        background: $footer-background;
    }
    """

    def __init__(self) -> None:
        super().__init__()
        self._kinds: dict[str, FooterKey] = {}  # by classes: the styled stand-ins

    def _post_register(self, app: App[object]) -> None:
        """FooterKey's rules are added to the sheet with this line's own, as Textual adds a
        widget's when it is registered: with the screen's, in its one parse (added when the
        line is drawn, the sheet was parsed and mapped again before the first frame)."""
        super()._post_register(app)
        for read_from, css, tie_breaker, scope in FooterKey._get_default_css(self._stand_in):
            app.stylesheet.add_source(css, read_from=read_from, is_default_css=True,
                                      tie_breaker=tie_breaker, scope=scope)

    def on_mount(self) -> None:
        after_keys(self.app, self._mount_footer)  # drawn by this line until then

    async def _mount_footer(self) -> None:
        if not self.is_attached:
            return
        footer = KeysFooter()
        footer.display = False
        await self.screen.mount(footer, before=self)
        if self.is_attached:
            with self.app.batch_update():
                footer.display = True
                await self.remove()

    @property
    def _stand_in(self) -> FooterKey:
        if "" not in self._kinds:
            self._kinds[""] = FooterKey("", "", "", "")
        return self._kinds[""]

    def _key(self, classes: str, binding: Binding) -> FooterKey:
        key = self._kinds.get(classes)
        if key is None or not key.is_attached:
            key = self._kinds[classes] = key or FooterKey("", "", "", "", classes=classes)
            key.set_reactive(FooterKey.compact, "-compact" in classes)
            key._attach(self)  # styled as the footer's keys are: by FooterKey's own rules
            self.app.stylesheet.apply(key, animate=False)
        key.key_display = self.app.get_key_display(binding)
        key.description = binding.description
        return key

    def render(self) -> Text:
        bindings = self.screen.active_bindings
        keys = [(binding, self._key("" if enabled else "-disabled", binding).render())
                for binding, enabled in footer_keys(bindings)]
        right = Text(no_wrap=True, end="")
        palette = bindings.get(self.app.COMMAND_PALETTE_BINDING)
        if palette is not None and self.app.ENABLE_COMMAND_PALETTE:
            _, binding, enabled, _tooltip = palette
            key = self._key("-command-palette -compact" + ("" if enabled else " -disabled"),
                            binding)
            base = self.background_colors[1]
            key_style = key.rich_style
            rule = base + Color.parse(self.app.stylesheet._variables["foreground"]
                                      ).multiply_alpha(RULE_ALPHA)
            right.append(RULE, Style(color=rule.rich_color, bgcolor=key_style.bgcolor))
            right.append_text(key.render())
            right.append(" ", Style(bgcolor=key_style.bgcolor))  # its padding-right: 1
        width = self.size.width
        shown = fitting([text.cell_len for _, text in keys],
                        [binding.action == KEPT_ACTION for binding, _ in keys], width - right.cell_len)
        left = Text(no_wrap=True, end="")
        for (_, text), show in zip(keys, shown):
            if show:
                left.append_text(text)
        left.truncate(max(0, width - right.cell_len))
        gap = width - left.cell_len - right.cell_len
        line = left
        if gap > 0:
            line.append(" " * gap, Style(bgcolor=self.rich_style.bgcolor))
        line.append_text(right)
        line.truncate(width)
        return line

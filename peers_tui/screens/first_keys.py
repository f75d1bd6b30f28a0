"""The footer's keys in the chat screen's first frame, drawn as one line (issue 16: a start is
measured against a bare Textual app painting one line).

Textual's `Footer` is a scrolling container of one `FooterKey` widget a key: six widgets
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

from typing import TYPE_CHECKING

from rich.style import Style
from rich.text import Text
from textual.color import Color
from textual.widget import Widget
from textual.widgets._footer import FooterKey

from peers_tui.screens.chat_frame import KeysFooter

if TYPE_CHECKING:
    from textual.app import App
    from textual.binding import Binding

# Footer.DEFAULT_CSS: `FooterKey.-command-palette { border-left: vkey $foreground 20% }`.
RULE, RULE_ALPHA = "▏", 0.2


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
        self.call_after_refresh(self._mount_footer)

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
        screen = self.screen
        bindings = screen.active_bindings
        shown: dict[str, tuple[Binding, bool]] = {}
        for _, binding, enabled, _tooltip in bindings.values():
            if binding.show and binding.group is None:
                shown.setdefault(binding.action, (binding, enabled))  # Footer: one an action
        left = Text(no_wrap=True, end="")
        for binding, enabled in shown.values():
            key = self._key("" if enabled else "-disabled", binding)
            left.append_text(key.render())
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
        left.truncate(max(0, width - right.cell_len))
        gap = width - left.cell_len - right.cell_len
        line = left
        if gap > 0:
            line.append(" " * gap, Style(bgcolor=self.rich_style.bgcolor))
        line.append_text(right)
        line.truncate(width)
        return line

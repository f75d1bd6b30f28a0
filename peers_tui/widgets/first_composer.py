"""The empty composer of the first frame, drawn by a line standing in for it (issue 16).

The composer is a TextArea: its module, its document and its eight component classes, and
the widget mounted and styled, were ~40-55 M instructions of a ~1,050 M start of `peers
open` (the bare Textual app painting one line: ~925 M). The first frame shows it empty: the
placeholder on the composer's background, no cursor yet (the composer's blink starts after
it). `FirstComposer` draws those cells (TextArea's own rules for them, copied below;
tests/tui/test_first_composer.py compares them with the composer's, sizes and themes);
right after the frame the composer is made (TextArea imported then), mounted in this line's
place and focused where the line was (screens.chat_frame.mount_composer).

Keys typed before that (already in the terminal when the app starts, or typed before the
composer is mounted) are held by the app as they come and handed on, in order, once the
composer has the focus (peers_tui.key_order).
"""

from __future__ import annotations

from textual.content import Content
from textual.strip import Strip
from textual.widget import Widget


def fitting_placeholder(placeholder: Content, width: int) -> Content:
    """`placeholder`, or its first part where the whole does not fit `width` cells: at 50
    columns "Message team  (Enter sends, Alt+Enter or Ctrl+J:" was cut mid-hint
    (h-newuser); F1 says the rest."""
    if not width or placeholder.cell_length < width:
        return placeholder
    return Content(placeholder.plain.split("  (", 1)[0].split(" · ", 1)[0])


class FirstComposer(Widget, can_focus=True):
    """The empty composer's cells, until the composer itself is mounted in their place."""

    # TextArea.DEFAULT_CSS: its colours, and its placeholder's (`text-area--placeholder`);
    # its size and padding are the composer's (styles/app.tcss, with Composer's).
    DEFAULT_CSS = """
    FirstComposer {
        width: 1fr;
        color: $foreground;
        background: $surface;
        pointer: text;
        & .first-composer--placeholder {
            color: $text 40%;
        }
    }
    """
    COMPONENT_CLASSES = {"first-composer--placeholder"}

    def __init__(self) -> None:
        super().__init__(id="first-composer")
        self.set_reactive(Widget.has_focus, True)  # the screen focuses it as composed
        self.hint = Content("")

    def show(self, hint: Content) -> None:
        """The placeholder the composer would show (its `set_cannot_post`), fitted as it is."""
        self.hint = hint
        self.refresh(layout=True)

    @property
    def placeholder(self) -> Content:
        return fitting_placeholder(self.hint, self.scrollable_content_region.width)

    def get_content_height(self, container: object, viewport: object, width: int) -> int:
        return max(1, len(self.placeholder.wrap(width)))

    def render_line(self, y: int) -> Strip:
        """As TextArea.render_line draws an empty text area's placeholder, cursor not shown."""
        lines = self.placeholder.wrap(self.content_size.width)
        if y >= len(lines):
            return Strip.blank(self.content_size.width, self.rich_style)
        content = lines[y].stylize(self.get_visual_style("first-composer--placeholder"))
        return Strip(content.render_segments(self.visual_style), content.cell_length)

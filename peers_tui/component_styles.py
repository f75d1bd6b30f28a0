"""A widget's component classes (`COMPONENT_CLASSES`: the log's `message-log--time`, the
composer's `text-area--cursor`...) styled when first asked for, not each time the widget is.

Textual styles every component class of a node whenever it styles the node: a virtual node
per class, put through the whole sheet as a widget is. Before the first frame of `peers open`
that was 25 of them (the composer's 8, the log's 9, the roster's 5...; the bare Textual app
has 1), of which the frame draws with 15: the roster's come with its members after the
frame, the log's `selected` and `highlight` with a selection or a search. The 10 others
were ~48 M instructions of a ~1,077 M start (issue 16, figures 2 and 3).

Each is styled as Textual would (the same virtual node, the same rules, at the node's
current state) when `get_component_styles` first asks for it. A node styled again (a class,
a focus, a theme) has the classes already asked for styled again at once and compared, as
Textual does, so that a widget drawn with one that changed is refreshed; the others stay
unstyled until asked for: nothing was drawn with them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.css.stylesheet import Stylesheet
from textual.dom import DOMNode

from peers_tui.style_rules import KeptRulesStylesheet

if TYPE_CHECKING:
    from textual.css.styles import RenderStyles


def styled_component(sheet: Stylesheet, node: DOMNode, name: str) -> RenderStyles:
    """The styles of `node`'s component class `name`, as Textual's stylesheet makes them."""
    virtual_node = DOMNode(classes=name)
    virtual_node._attach(node)
    sheet.apply(virtual_node, animate=False)
    return virtual_node.styles


class LazyComponentStyles(dict[str, "RenderStyles"]):
    """A node's `_component_styles`: every one of `names` is in it; each styled on first use."""

    def __init__(self, sheet: Stylesheet, node: DOMNode, names: frozenset[str]) -> None:
        super().__init__()
        self._sheet, self._node, self._names = sheet, node, names

    def __contains__(self, name: object) -> bool:
        return name in self._names

    def __missing__(self, name: str) -> RenderStyles:
        if name not in self._names:
            raise KeyError(name)
        styles = self[name] = styled_component(self._sheet, self._node, name)
        return styles

    def get(self, name: str, default: RenderStyles | None = None  # type: ignore[override]
            ) -> RenderStyles | None:
        return self[name] if name in self._names else default

    def clear(self) -> None:
        """A node removed from the DOM (Textual clears its component styles then)."""
        super().clear()
        self._names = frozenset()


def process_component_classes(sheet: Stylesheet, node: DOMNode) -> None:
    """Stylesheet._process_component_classes, styling only the classes already asked for."""
    names = node._get_component_classes()
    if not names:
        return
    asked = dict.copy(node._component_styles)  # the plain dict of those styled so far
    node._component_styles = LazyComponentStyles(sheet, node, names)
    refresh_node = False
    for name in sorted(asked.keys() & names):
        styles = node._component_styles[name]
        refresh_node = refresh_node or asked[name] != styles
    if refresh_node:
        node.refresh()


class AppStylesheet(KeptRulesStylesheet):
    """The app's sheet: the rules kept from the last start (style_rules), and component
    classes styled on first use."""

    def _process_component_classes(self, node: DOMNode) -> None:
        process_component_classes(self, node)

"""A text field's own key bindings run when the key arrives, in the order typed.

Textual runs a binding once its key has bubbled from the focused widget up to the app, turns
of the message loop later, while a printable key is inserted at once by the widget itself: a
burst of keys (a fast typist; keys arriving together over SSH or tmux) was applied out of
order. "hellp", Backspace, "o", Enter sent "hellpo" from the composer and left "hellp" in it;
the search field showed "hellpo" for the same keys. Used by the composer and `TextField`.
"""

from __future__ import annotations

from textual import events
from textual.dom import DOMNode
from textual.widget import Widget


async def run_own_binding(widget: Widget, event: events.Key) -> bool:
    """Run `widget`'s own (not priority) binding for this key now; whether one ran (the key
    then goes no further, so it is not run again once it reached the app)."""
    return await _run_binding_of(widget, widget, event)


async def run_field_binding(widget: Widget, event: events.Key) -> bool:
    """Run the binding for this key of `widget` or of a node around it up to its screen, now
    (`TextField`): a picker's Up and Down are its screen's. Down, Down, Down, Enter typed in
    one burst in the reaction picker reacted with the first emoji, not the fourth: the
    field's Enter picked before the Downs had bubbled up to the app."""
    from textual.screen import Screen

    for node in widget.ancestors_with_self:
        if await _run_binding_of(widget, node, event):
            return True
        if isinstance(node, Screen):
            break
    return False


async def _run_binding_of(widget: Widget, node: DOMNode, event: events.Key) -> bool:
    """Run `node`'s own (not priority) binding for the key `widget` received, if it has one."""
    for binding in node._bindings.key_to_bindings.get(event.key, ()):
        if not binding.priority and await widget.app.run_action(binding.action, node):
            event.stop()
            event.prevent_default()
            return True
    return False

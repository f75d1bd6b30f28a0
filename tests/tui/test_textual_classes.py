"""Textual's bookkeeping for a new DOMNode class, taken base by base (peers_tui.textual_classes):
the same attributes as Textual's own `DOMNode.__init_subclass__` gives, for every class
(reactives, compute_ methods, CSS names, inherit flags, key bindings)."""

from __future__ import annotations

from typing import Any

import textual.widgets
from textual.dom import DOMNode
from textual.reactive import Reactive, reactive, var

import peers_tui.factory  # noqa: F401  (the app's classes, made as a start makes them)
from peers_tui import textual_classes
from peers_tui.widgets import MessageLog


def _every_class() -> list[type[DOMNode]]:
    for name in textual.widgets.__all__:  # Textual's widgets are loaded on first use
        getattr(textual.widgets, name)
    found: list[type[DOMNode]] = []
    todo: list[type[DOMNode]] = [DOMNode]
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo.extend(cls.__subclasses__())
    return found


def _textual_reactives(cls: type) -> dict[str, Reactive[Any]]:
    # DOMNode.__init_subclass__ of Textual 8.2.8, as written there.
    reactives: dict[str, Reactive[Any]] = {}
    for base in reversed(cls.__mro__):
        reactives.update({name: value for name, value in base.__dict__.items()
                          if isinstance(value, Reactive)})
    return reactives


def _textual_computes(cls: type) -> frozenset[str]:
    return frozenset([name.lstrip("_")[8:] for name in dir(cls)
                      if name.startswith(("_compute_", "compute_"))])


def test_the_app_s_classes_are_made_by_the_shortcut() -> None:
    assert textual.__version__ == "8.2.8"  # the release the shortcut was checked against
    hook = DOMNode.__dict__["__init_subclass__"]
    assert isinstance(hook, classmethod)
    assert hook.__func__ is textual_classes._init_subclass


def test_every_class_has_the_reactives_and_computes_textual_would_give_it() -> None:
    classes = _every_class()
    assert len(classes) > 100
    assert MessageLog in classes
    for cls in classes:
        if cls is DOMNode:
            continue
        assert cls._reactives == _textual_reactives(cls), cls
        assert cls._computes == _textual_computes(cls), cls
        assert textual_classes.reactives_and_computes(cls) == (cls._reactives, cls._computes)
        merged = cls._merged_bindings
        assert merged is not None
        assert merged.key_to_bindings == cls._merge_bindings().key_to_bindings, cls


def test_no_two_classes_share_a_list_of_bindings() -> None:
    """A list Textual's bindings map holds for a key is the class's own (as Textual makes it):
    a class's instances copy the map, not the lists."""
    seen: dict[int, type] = {}
    for cls in _every_class():
        if cls._merged_bindings is None:
            continue
        for bindings in cls._merged_bindings.key_to_bindings.values():
            assert seen.setdefault(id(bindings), cls) is cls


def _make_classes() -> list[type[DOMNode]]:
    class Panel(MessageLog):
        count = reactive(0)
        _hidden = var("x")
        BINDINGS = [("ctrl+z", "nothing", "Nothing")]

        def compute_count(self) -> int:
            return 1

        def _compute_total(self) -> int:
            return 2

    class Narrow(Panel, can_focus=False, inherit_bindings=False, inherit_css=False):
        count = reactive(5)

    return [Panel, Narrow]


def _attributes(cls: type[DOMNode]) -> dict[str, object]:
    # The Reactive objects differ (each class made its own): their names and defaults agree.
    return {"reactives": {name: value._default for name, value in cls._reactives.items()},
            "computes": cls._computes,
            "css_type_name": cls._css_type_name, "css_type_names": cls._css_type_names,
            "inherit": (cls._inherit_css, cls._inherit_bindings,
                        cls._inherit_component_classes),
            "can_focus": (cls.can_focus, cls.can_focus_children),
            "bindings": cls._merged_bindings.key_to_bindings}


def test_a_new_class_gets_the_same_attributes_either_way() -> None:
    shortcut = [_attributes(cls) for cls in _make_classes()]
    textual_classes.uninstall()
    try:
        textual_own = [_attributes(cls) for cls in _make_classes()]
    finally:
        assert textual_classes.install()
    assert shortcut == textual_own


def test_style_rules_hash_by_identity_without_a_python_call() -> None:
    """Stylesheet.apply looks each rule of the sheet up in a set for every node it styles
    (textual_classes.hash_rule_sets_by_identity): the same lookups, no Python call each."""
    import sys

    from textual.css.stylesheet import Stylesheet

    sheet = Stylesheet()
    sheet.add_source("Label { color: red; }\nLabel { color: red; }", read_from=("t", ""))
    sheet.parse()
    first, second = sheet.rules
    assert first == second  # a dataclass: equal fields; still two rules to the sheet's sets
    calls: list[str] = []

    def profile(frame: Any, event: str, arg: object) -> None:
        if event == "call":
            calls.append(frame.f_code.co_name)
    sys.setprofile(profile)
    try:
        rules = {first}
        found = (first in rules, second in rules, len({first, second}))
    finally:
        sys.setprofile(None)
    assert found == (True, False, 2)
    assert "__hash__" not in calls

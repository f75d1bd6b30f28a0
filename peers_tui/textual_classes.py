"""Textual's bookkeeping for a new widget, screen or app class, done with what its bases
already know (issue 16: a start is measured against a bare Textual app painting one line).

Every subclass of Textual's DOMNode runs `DOMNode.__init_subclass__`, which gathers the
class's reactives from the `__dict__` of every class in its MRO and its `compute_` methods
from `dir()` of the class, and builds its key bindings again from every base's BINDINGS:
~0.15-0.3 ms a class. A start makes ~65 before its first frame (installed before
`textual.app` is imported, Textual's own go this way too): 11.8 ms of CPU, 2.6 ms this way.
The reactives and the compute_ names are unions over the MRO of what each class itself
defines, and the bindings a merge of each base's: a base's share is the same for every
subclass, so it is taken once per base here, and the new class's own share fresh (each
class still gets binding lists of its own). The rest (the CSS names, the inherit flags) is
Textual's own code. `install()` replaces the hook only where it is the one this was checked
against (Textual 8.2.8's, told by the names its code uses: asking Textual for its version
reads the installed packages' metadata, ~14 ms); tests/tui/test_textual_classes.py compares
every class's attributes with what Textual's own hook gives. Elsewhere Textual's hook stays.
"""

from __future__ import annotations

from typing import Any

from textual.binding import Binding, BindingsMap
from textual.dom import DOMNode
from textual.reactive import Reactive

# The names the checked hook's code uses (Textual 8.2.8's DOMNode.__init_subclass__).
CHECKED_NAMES = (
    "super", "__init_subclass__", "_reactives", "reversed", "__mro__", "update", "__dict__",
    "items", "_inherit_css", "_inherit_bindings", "_inherit_component_classes", "set",
    "_css_bases", "__name__", "_css_type_name", "add", "_merge_bindings", "_merged_bindings",
    "frozenset", "_css_type_names", "dir", "_computes")
_COMPUTE_PREFIXES = ("_compute_", "compute_")

_own_reactives: dict[type, dict[str, Reactive[Any]]] = {}
_own_computes: dict[type, frozenset[str]] = {}
_own_bindings: dict[type, dict[str, list[Binding]]] = {}
_textual_hook = DOMNode.__dict__["__init_subclass__"]


def _reactives_of(base: type, fresh: bool) -> dict[str, Reactive[Any]]:
    found = None if fresh else _own_reactives.get(base)
    if found is None:
        found = {name: value for name, value in base.__dict__.items()
                 if isinstance(value, Reactive)}
        if not fresh:
            _own_reactives[base] = found
    return found


def _computes_of(base: type, fresh: bool) -> frozenset[str]:
    found = None if fresh else _own_computes.get(base)
    if found is None:
        # dir() of a class is the union of its MRO's __dict__ keys: so is this, base by base.
        found = frozenset(name.lstrip("_")[8:] for name in base.__dict__
                          if name.startswith(_COMPUTE_PREFIXES))
        if not fresh:
            _own_computes[base] = found
    return found


def reactives_and_computes(cls: type) -> tuple[dict[str, Reactive[Any]], frozenset[str]]:
    """What `DOMNode.__init_subclass__` sets as `_reactives` and `_computes` for `cls`."""
    reactives: dict[str, Reactive[Any]] = {}
    computes: set[str] = set()
    for base in reversed(cls.__mro__):
        fresh = base is cls
        reactives.update(_reactives_of(base, fresh))
        computes.update(_computes_of(base, fresh))
    return reactives, frozenset(computes)


def _bindings_of(base: type, fresh: bool) -> dict[str, list[Binding]]:
    found = None if fresh else _own_bindings.get(base)
    if found is None:
        found = BindingsMap(base.__dict__.get("BINDINGS", [])).key_to_bindings
        if not fresh:
            _own_bindings[base] = found
    return found


def merged_bindings(cls: type[DOMNode]) -> BindingsMap:
    """`DOMNode._merge_bindings` for `cls`, each base's bindings made once. The bindings are
    frozen; each class gets lists of its own, as Textual's gives it."""
    layers: list[dict[str, list[Binding]]] = []
    for base in reversed(cls.__mro__):
        if issubclass(base, DOMNode):
            if not base._inherit_bindings:
                layers.clear()
            layers.append(_bindings_of(base, base is cls))
    keys: dict[str, list[Binding]] = {}
    for layer in layers:
        for key, bindings in layer.items():
            keys[key] = list(bindings)
    return BindingsMap.from_keys(keys)


def _init_subclass(cls: type[DOMNode], inherit_css: bool = True,
                   inherit_bindings: bool = True,
                   inherit_component_classes: bool = True) -> None:
    # DOMNode.__init_subclass__ of Textual 8.2.8, the unions above taken base by base.
    cls._reactives, computes = reactives_and_computes(cls)
    cls._inherit_css = inherit_css
    cls._inherit_bindings = inherit_bindings
    cls._inherit_component_classes = inherit_component_classes
    bases = cls._css_bases(cls)
    cls._css_type_name = bases[0].__name__
    cls._merged_bindings = merged_bindings(cls)
    cls._css_type_names = frozenset(base.__name__ for base in bases)
    cls._computes = computes


def install() -> bool:
    """Use the shortcut for classes made from now on (where Textual's hook is the checked one)."""
    code = getattr(getattr(_textual_hook, "__func__", None), "__code__", None)
    if code is None or code.co_names != CHECKED_NAMES:
        return False
    setattr(DOMNode, "__init_subclass__", classmethod(_init_subclass))
    return True


def hash_rule_sets_by_identity() -> bool:
    """Textual's style rules (`RuleSet`, a dataclass) hash by identity in Python,
    `return id(self)`: `Stylesheet.apply` puts each rule of the sheet through a set lookup for
    every node it styles, ~3,700 Python calls before `peers open`'s first frame (36 nodes and
    component classes; the bare app's 8 nodes make ~300). `object.__hash__` hashes by
    identity too, in C: the same sets and lookups (equal rules stay apart). Only where the
    hash is that one-liner (Textual 8.2.8's)."""
    from textual.css.model import RuleSet

    code = getattr(RuleSet.__dict__.get("__hash__"), "__code__", None)
    if code is None or code.co_names != ("id",) or code.co_argcount != 1:
        return False
    RuleSet.__hash__ = object.__hash__  # type: ignore[method-assign]
    return True


def uninstall() -> None:
    """Textual's own hook again (for tests that compare the two)."""
    setattr(DOMNode, "__init_subclass__", _textual_hook)

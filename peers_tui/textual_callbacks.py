"""How many parameters a handler takes, counted from its code (issue 16: a start is measured
against a bare Textual app painting one line).

Textual calls every handler, action, timer and `call_later` callback with as many of its
arguments as the callable takes, and counts them (`textual._callback.count_parameters`) the
first time it meets each function with `inspect.signature` (kept on the function after). A
`peers open` calls some 46 functions for the first time before its first frame (the floor
app 14): ~1.2 ms of CPU in `inspect.signature`. For a plain Python function the signature's
parameters are exactly those its code object names: the positional ones (positional-only
included), the keyword-only ones, and one each for `*args` and `**kwargs`. A function that
says otherwise (`__wrapped__` from functools.wraps, which `inspect` follows; `__signature__`,
`__text_signature__`; a partialmethod's `_partialmethod`) and anything that is not a plain
function (a partial, a builtin, a callable object) is still counted by `inspect`, as before.

`install()` replaces Textual's counter only where it is the one this was checked against
(Textual 8.2.8's, told by the names its code uses); tests/tui/test_textual_callbacks.py
checks the count against `inspect.signature` for every function of the app's and Textual's
classes.
"""

from __future__ import annotations

from collections.abc import Callable
from inspect import CO_VARARGS, CO_VARKEYWORDS
from types import FunctionType
from typing import Any

from textual import _callback

# The names the checked counter's code uses (Textual 8.2.8's `_count_parameters`).
CHECKED_NAMES = ("len", "signature", "parameters")
# Attributes by which a function tells `inspect.signature` another signature than its code's.
_OTHER_SIGNATURE = ("__wrapped__", "__signature__", "__text_signature__", "_partialmethod")

_textual_count = _callback._count_parameters


def count_parameters(func: Callable[..., Any]) -> int:
    """len(inspect.signature(func).parameters), from the code object where that is the same."""
    if type(func) is FunctionType and not any(name in func.__dict__ for name in _OTHER_SIGNATURE):
        code = func.__code__
        flags = code.co_flags
        return (code.co_argcount + code.co_kwonlyargcount + (1 if flags & CO_VARARGS else 0)
                + (1 if flags & CO_VARKEYWORDS else 0))
    return _textual_count(func)


def install() -> bool:
    """Count from the code from now on (where Textual's counter is the checked one)."""
    code = getattr(_textual_count, "__code__", None)
    if code is None or code.co_names != CHECKED_NAMES:
        return False
    _callback._count_parameters = count_parameters
    return True


def uninstall() -> None:
    """Textual's own counter again (for tests that compare the two)."""
    _callback._count_parameters = _textual_count

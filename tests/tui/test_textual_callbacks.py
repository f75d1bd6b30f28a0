"""Handlers' parameters counted from their code (peers_tui.textual_callbacks): the same count
as `inspect.signature` gives (what Textual's own counter uses), for every function of every
Textual and peers class and module, and for the kinds of function that tell `inspect` another
signature; and a start reaches its first frame without asking `inspect` about a plain
function (issue 16: ~1.2 ms of CPU of a start measured against a bare Textual app)."""

from __future__ import annotations

import functools
import inspect
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from types import FunctionType
from typing import Any

import textual.widgets
from textual import _callback
from textual.dom import DOMNode
from textual.message import Message

import peers_tui.factory  # noqa: F401  (the app's classes and the install, as a start makes them)
from peers_tui import textual_callbacks
from peers_tui.app import PeersApp
from tests.conftest import User


def _subclasses(root: type) -> list[type]:
    found, todo = [], [root]
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo.extend(cls.__subclasses__())
    return found


def _functions() -> Iterator[Callable[..., Any]]:
    for name in textual.widgets.__all__:  # Textual's widgets are loaded on first use
        getattr(textual.widgets, name)
    for cls in _subclasses(DOMNode) + _subclasses(Message):
        for value in vars(cls).values():
            value = getattr(value, "__func__", value)  # staticmethod, classmethod
            if isinstance(value, property):
                value = value.fget
            if callable(value):
                yield value
    for name, module in list(sys.modules.items()):
        if name.startswith(("peers_tui", "textual")):
            yield from (value for value in vars(module).values() if isinstance(value, FunctionType))


def _signature_count(func: Callable[..., Any]) -> int:
    return len(inspect.signature(func).parameters)


def test_the_app_counts_with_the_shortcut() -> None:
    assert textual.__version__ == "8.2.8"  # the release the shortcut was checked against
    assert _callback._count_parameters is textual_callbacks.count_parameters


def test_every_function_of_textual_and_peers_counts_as_its_signature() -> None:
    checked = 0
    for func in _functions():
        try:
            expected = _signature_count(func)
        except (TypeError, ValueError):  # no signature: Textual could not count it either
            continue
        assert textual_callbacks.count_parameters(func) == expected, func
        checked += 1
    assert checked > 3000
    handler = vars(PeersApp)["on_open_group"]
    assert textual_callbacks.count_parameters(handler) == 2


def test_functions_that_tell_inspect_another_signature_are_asked_of_inspect() -> None:
    def plain(a, b=1, /, c=2, *args, d, e=3, **kwargs):
        pass

    def no_parameters() -> None:
        pass

    @functools.wraps(plain)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        pass

    def signed(a: int, b: int) -> None:
        pass

    signed.__signature__ = inspect.Signature()  # type: ignore[attr-defined]

    def texted(a: int, b: int) -> None:
        pass

    texted.__text_signature__ = "(a)"  # type: ignore[attr-defined]

    class Holder:
        def method(self, a: int, b: int, c: int) -> None:
            pass

        part = functools.partialmethod(method, 1)

    cases = [plain, no_parameters, wrapper, signed, texted, lambda x, *y: None,
             functools.partial(plain, 1), Holder().method, Holder().part, Holder.part,
             Holder, print, len]
    for func in cases:
        assert textual_callbacks.count_parameters(func) == _signature_count(func), func
    assert [textual_callbacks.count_parameters(f) for f in (plain, wrapper, signed, texted)] \
        == [7, 7, 0, 1]


def test_the_first_frame_asks_inspect_about_no_plain_function(
        alice: User, bob: User, team: str) -> None:
    """In a fresh process (the counts are kept on each function once made): the app started
    on a group, until the frame that shows its messages."""
    bob.ok("send", "team", "hello from bob")
    script = textwrap.dedent(f"""
        import asyncio
        from pathlib import Path
        from types import FunctionType
        from textual import _callback
        from peers_tui.core.account import Account
        from peers_tui.factory import build_app
        from tests.tui_helpers import at_first_frame_with_messages

        asked, at_frame = [], []
        signature = _callback.signature

        def recording(func, *args, **kwargs):
            if type(func) is FunctionType and not any(
                    name in func.__dict__ for name in ("__wrapped__", "__signature__",
                                                       "__text_signature__", "_partialmethod")):
                asked.append(func.__qualname__)
            return signature(func, *args, **kwargs)

        _callback.signature = recording
        app = build_app(Account(Path({str(alice.home)!r}), Path({str(alice.hub)!r})), "team")
        at_first_frame_with_messages(app, lambda screen: at_frame.append(list(asked)))

        async def main():
            async with app.run_test(size=(120, 40)) as pilot:
                for _ in range(500):
                    if at_frame:
                        break
                    await pilot.pause(0.01)

        asyncio.run(main())
        print(at_frame[0] if at_frame else "no frame with messages")
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"

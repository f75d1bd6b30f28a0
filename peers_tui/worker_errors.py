"""Failed workers reach the app's one error handler, wherever they ran.

Textual posts `Worker.StateChanged` only to the node that started the worker (it does not
bubble), so a screen's or widget's worker started with `exit_on_error=False` would fail without
a word. Each such node hands the failure on as `WorkerFailed`, which bubbles to the app; the app
turns it (and its own workers' failures) into one notification.
"""

from __future__ import annotations

from textual.dom import DOMNode
from textual.message import Message
from textual.worker import Worker, WorkerState


class WorkerFailed(Message):
    """A background job failed unexpectedly; `line` is the first line of its error."""

    # A plain class: a dataclass compiles its methods at import, which every start paid.
    def __init__(self, name: str, line: str) -> None:
        super().__init__()
        self.name = name
        self.line = line


def failure_of(event: Worker.StateChanged) -> WorkerFailed | None:
    """The failure a state change reports, or None when the worker did not fail."""
    error = event.worker.error
    if event.state != WorkerState.ERROR or error is None:
        return None
    line = next(iter(str(error).splitlines()), "") or type(error).__name__
    return WorkerFailed(event.worker.name or "background work", line)


def pass_on_failure(node: DOMNode, event: Worker.StateChanged) -> None:
    """For a screen's or widget's `on_worker_state_changed`: send a failure up to the app."""
    failure = failure_of(event)
    if failure is not None:
        node.post_message(failure)

"""Entry point of the benchmark's child processes: `python -m benchmarks.workers MODULE:FUNC JSON`.

FUNC (in benchmarks.figures.MODULE) takes the decoded JSON arguments and returns a dict (or
is a coroutine function returning one), which is printed as the process's last stdout line.
"""

from __future__ import annotations

import asyncio
import importlib
import inspect
import json
import os
import sys
from typing import Any


def main() -> None:
    task, raw = sys.argv[1], sys.argv[2]
    module_name, func_name = task.split(":")
    func = getattr(importlib.import_module(f"benchmarks.figures.{module_name}"), func_name)
    args = json.loads(raw)
    result = asyncio.run(func(args)) if inspect.iscoroutinefunction(func) else func(args)
    emit_and_exit(result)


def emit_and_exit(result: dict[str, Any]) -> None:
    """Print the result and leave at once: a Textual app torn down with thousands of widgets,
    or a thread blocked in a notifier, can take a while to exit, and the result is out."""
    print(json.dumps(result), flush=True)
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    main()

"""The message log: a virtual, scrolling view of one group's history.

- `window`: LogWindow, the pure model (which messages are loaded, following, unseen, read).
- `layout`: LineLayout, those messages as terminal lines (author labels, widths, the cache).
- `scrolling`: LogScrolling, following the bottom and paging over a window still fetched.
- `drawing`: LogLines, the window's lines drawn; `selecting`: LogSelecting, selection mode.
- `fetching`: LogFetching, the windows read in thread workers as the view moves.
- `widget`: MessageLog, the widget the chat screen shows (the group, live messages, keys).
"""

from peers_tui.widgets.message_log.widget import MessageLog
from peers_tui.widgets.message_log.window import (
    MAX_BUFFER, WINDOW, FetchMode, HistorySource, LogWindow,
)

__all__ = ["MAX_BUFFER", "WINDOW", "FetchMode", "HistorySource", "LogWindow", "MessageLog"]

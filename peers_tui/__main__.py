"""Allow `python -m peers_tui`."""

from peers_tui.cli import main

raise SystemExit(main())

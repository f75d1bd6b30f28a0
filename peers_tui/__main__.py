"""Allow `python -m peers_tui`."""

from peers_tui.launch import main

raise SystemExit(main())

"""The core of peers: identity, signed records, stores and rules.

Nothing in this package imports Textual; the CLI and the TUI both stand on it.
"""

"""Commands: every key and slash command (registry), what each slash command does
(*_commands.py, on the base in slash.py), and the command palette's provider (palette.py)."""

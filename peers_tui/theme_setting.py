"""The user's theme: restored from the config file at start, saved there when it changes."""

from __future__ import annotations

from pathlib import Path

from textual.app import App
from textual.theme import Theme

from peers_tui.config import load_config, save_config


def keep_theme(app: App[None], config_file: Path | None) -> None:
    """Apply the saved theme (if Textual still has it) and save every change from now on."""
    config = load_config(config_file)
    if config.theme in app.available_themes:
        app.theme = config.theme

    def changed(theme: Theme) -> None:
        config = load_config(config_file)
        config.theme = app.theme
        try:
            save_config(config, config_file)
        except OSError as exc:
            app.notify(f"theme not saved: {exc}", severity="warning")
    app.theme_changed_signal.subscribe(app, changed)

"""peers: a keyboard-driven group chat for the terminal."""

__version__ = "0.1.0"

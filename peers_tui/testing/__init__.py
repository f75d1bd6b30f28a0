"""Helpers for testing peers from outside: forging records as an attacker would (forge.py),
and waiting until the app is idle (settle.py)."""

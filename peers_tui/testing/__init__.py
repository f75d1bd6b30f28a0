"""Helpers for testing peers from outside: forging records as an attacker would (forge.py)."""

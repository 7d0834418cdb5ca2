"""Reflex states: the favorite color, loaded only after server-side token verification."""

"""Fixtures for the sync tests: the app with the local Clerk emulator, served over real HTTP."""

from __future__ import annotations

from tests.helpers.emulator import emulator

__all__ = ["emulator"]

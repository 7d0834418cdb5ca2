"""Fixtures for the emulator's tests: the app with the emulator mounted, served over real HTTP."""

from __future__ import annotations

from tests.helpers.emulator import emulator

__all__ = ["emulator"]

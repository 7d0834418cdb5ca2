"""Fixtures for the sync tests: the stand-in served over real HTTP."""

from __future__ import annotations

from tests.helpers.stand_in import stand_in

__all__ = ["stand_in"]

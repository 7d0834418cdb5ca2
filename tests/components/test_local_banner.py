"""The local-mode banner: shown only in local mode, and it names the emulator's one email code."""

from __future__ import annotations

from pathlib import Path

import pytest
import reflex as rx

from clerk_fullstack.components.local_banner import EMAIL_CODE, LOCAL_BANNER_TEXT, local_mode_banner
from clerk_fullstack.local_clerk.instance import TEST_CODE
from tests.helpers.local_clerk import use_local_mode

pytestmark = pytest.mark.unit


def test_the_banner_names_the_code_the_emulator_accepts() -> None:
    assert EMAIL_CODE == TEST_CODE
    assert TEST_CODE in LOCAL_BANNER_TEXT


def test_local_mode_shows_the_banner(env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    use_local_mode(env, tmp_path)
    rendered = str(local_mode_banner().render())
    assert "local-clerk-banner" in rendered
    assert TEST_CODE in rendered


def test_clerk_mode_shows_nothing() -> None:
    banner = local_mode_banner()
    assert isinstance(banner, rx.Fragment)
    assert "local-clerk-banner" not in str(banner.render())

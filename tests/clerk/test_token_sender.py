"""The page's token sender: a real `.js` asset beside its wrapper, bound to the state's events."""

from __future__ import annotations

from pathlib import Path

import pytest
from reflex.event import EventChain, EventSpec

from clerk_fullstack.clerk import token_sender
from clerk_fullstack.clerk.token_sender import TOKEN_SENDER_JS, TOKEN_TIMEOUT_MS
from clerk_fullstack.core.clerk_sdk import CLERK_REACT
from clerk_fullstack.pages.favorite_color import _signed_in_content
from clerk_fullstack.state.favorite_color import FavoriteColorState

pytestmark = pytest.mark.unit

SOURCE = Path(token_sender.__file__).with_suffix(".js")


def the_pages_sender() -> token_sender.ClerkTokenSender:
    (sender,) = [
        child
        for child in _signed_in_content().children
        if isinstance(child, token_sender.ClerkTokenSender)
    ]
    return sender


def handler_of(sender: token_sender.ClerkTokenSender, trigger: str) -> str:
    chain = sender.event_triggers[trigger]
    assert isinstance(chain, EventChain)
    (spec,) = chain.events
    assert isinstance(spec, EventSpec)
    return str(spec.handler.fn.__qualname__)


def test_the_component_is_imported_from_the_asset_beside_its_wrapper() -> None:
    assert SOURCE.is_file()
    assert TOKEN_SENDER_JS.importable_path.startswith("$/public/external/")
    assert TOKEN_SENDER_JS.importable_path.endswith("/token_sender.js")
    imports = token_sender.clerk_token_sender()._get_imports()
    (tag,) = imports[TOKEN_SENDER_JS.importable_path]
    assert tag.tag == "ClerkTokenSender"
    assert CLERK_REACT in imports  # installed at the pinned version


def test_the_asset_asks_clerk_for_tokens_without_a_global_or_polling() -> None:
    code = SOURCE.read_text()
    assert 'import { useAuth } from "@clerk/react";' in code
    assert "export function ClerkTokenSender(" in code
    assert "window" not in code and "setInterval" not in code


def test_the_page_loads_and_rechecks_through_the_state() -> None:
    sender = the_pages_sender()
    assert handler_of(sender, "on_load") == "FavoriteColorState.load"
    assert handler_of(sender, "on_recheck") == "FavoriteColorState.recheck"
    state = FavoriteColorState.get_name()
    for prop, var in (
        ("load_request", "load_request"),
        ("request", "token_request"),
        ("skip_cache", "token_skip_cache"),
    ):
        assert str(getattr(sender, prop)).endswith(f"{state}.{var}_rx_state_")
    assert "rx_router_session" in str(sender.socket)
    assert sender.render()["props"].count(f"timeoutMs:{TOKEN_TIMEOUT_MS}") == 1

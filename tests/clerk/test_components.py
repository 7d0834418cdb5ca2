"""The Clerk wrappers: their props, where they import from, and the token script."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, cast

import pytest
import reflex as rx
from reflex.event import EventChain, EventSpec
from reflex_base.components.component import MemoizationLeaf

from clerk_fullstack.clerk import library
from clerk_fullstack.clerk.base import ClerkComponent
from clerk_fullstack.clerk.buttons import SignInButton, SignOutButton, SignUpButton
from clerk_fullstack.clerk.control import (
    ClerkDegraded,
    ClerkFailed,
    ClerkLoaded,
    ClerkLoading,
    Show,
    show,
    signed_in,
    signed_out,
)
from clerk_fullstack.clerk.provider import ClerkProvider, clerk_provider
from clerk_fullstack.clerk.token_bridge import (
    BRIDGE_WAIT_MS,
    GET_TOKEN_FUNCTION,
    ask_bridge,
    clerk_token_bridge,
    clerk_token_request,
)
from clerk_fullstack.clerk.ui import SignIn, SignUp, UserButton, sign_in, user_button
from clerk_fullstack.clerk_instance import get_clerk_instance
from clerk_fullstack.local_clerk import browser
from clerk_fullstack.settings import decode_publishable_key
from clerk_fullstack.state.favorite_color import FavoriteColorState, read_token_result
from tests.helpers.tokens import TEST_HOST

pytestmark = pytest.mark.unit


def prop(component: rx.Component, name: str) -> object:
    """The Python value a component was given for the prop `name`."""
    return getattr(component, name)._var_value


WRAPPERS: dict[str, type[ClerkComponent]] = {
    "ClerkProvider": ClerkProvider,
    "Show": Show,
    "SignInButton": SignInButton,
    "SignUpButton": SignUpButton,
    "SignOutButton": SignOutButton,
    "UserButton": UserButton,
    "SignIn": SignIn,
    "SignUp": SignUp,
    "ClerkLoading": ClerkLoading,
    "ClerkLoaded": ClerkLoaded,
    "ClerkFailed": ClerkFailed,
    "ClerkDegraded": ClerkDegraded,
}


def test_clerk_mode_imports_the_pinned_core_3_sdk() -> None:
    assert library.CLERK_REACT == "@clerk/react@6.17.2"
    assert library.clerk_library() == "@clerk/react@6.17.2"


@pytest.mark.parametrize("tag", WRAPPERS)
def test_each_wrapper_imports_its_tag_from_the_chosen_library(tag: str) -> None:
    component = WRAPPERS[tag].create()
    imports = component._get_imports()
    # (ClerkProvider also lists the package itself, tag-less, as a dependency in every mode.)
    assert [var.tag for var in imports["@clerk/react@6.17.2"] if var.tag] == [tag]
    assert component.tag == tag


def test_no_wrapper_uses_the_legacy_sdk() -> None:
    package = Path(library.__file__).parent
    for module in package.glob("*.py"):
        assert "@clerk/clerk-react" not in module.read_text(), module.name


def test_local_mode_imports_the_stand_in(
    env: pytest.MonkeyPatch, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env.setenv("CLERK_MODE", "local")
    env.setenv("DATA_DIR", str(tmp_path))
    monkeypatch.setattr(library, "LOCAL_CLERK_MODULE", "$/public/stand_in.jsx")
    assert library.clerk_library() == "$/public/stand_in.jsx"
    component = user_button()
    assert "$/public/stand_in.jsx" in component._get_imports()


def test_the_stand_in_is_a_shared_asset_exporting_every_wrapper() -> None:
    assert library.LOCAL_CLERK_MODULE == browser.STAND_IN_MODULE
    prefix = "$/public/external/clerk_fullstack/local_clerk/browser/"
    assert f"{prefix}{browser.ENTRY_MODULE}" == browser.STAND_IN_MODULE
    # Every module is linked beside the entry, so their relative imports resolve in `.web/`.
    source = Path(browser.__file__).parent
    linked = Path.cwd() / "assets" / prefix.removeprefix("$/public/")
    assert {"index.js", "provider.jsx", "session.js", "forms.jsx", "buttons.jsx"} <= set(
        browser.BROWSER_MODULES
    )
    for name in browser.BROWSER_MODULES:
        assert (linked / name).resolve() == (source / name).resolve(), name
    entry = (source / browser.ENTRY_MODULE).read_text()
    exported = set(re.findall(r"\w+", " ".join(re.findall(r"export \{([^}]*)\}", entry))))
    assert {*WRAPPERS, "useAuth"} <= exported


def test_local_mode_without_a_stand_in_falls_back_to_clerk(
    env: pytest.MonkeyPatch, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env.setenv("CLERK_MODE", "local")
    env.setenv("DATA_DIR", str(tmp_path))
    monkeypatch.setattr(library, "LOCAL_CLERK_MODULE", None)
    assert library.clerk_library() == library.CLERK_REACT


def test_provider_takes_the_key_from_settings_and_our_own_pages() -> None:
    provider = clerk_provider(sign_in_url="/sign-in", sign_up_url="/sign-up")
    key = get_clerk_instance().publishable_key
    assert decode_publishable_key(key) == TEST_HOST
    assert prop(provider, "publishable_key") == key
    assert prop(provider, "sign_in_url") == "/sign-in"
    assert prop(provider, "sign_up_url") == "/sign-up"
    assert prop(provider, "after_sign_out_url") == "/"
    # Clerk navigates with React Router, so moving between pages keeps the Reflex socket.
    assert "clerkNavigate(to)" in str(provider.router_push)


def test_provider_never_renders_a_secret() -> None:
    instance = get_clerk_instance()
    rendered = str(clerk_provider(sign_in_url="/a", sign_up_url="/b"))
    for secret in (instance.secret_key, instance.webhook_secret):
        assert secret is not None and secret not in rendered


def test_signed_in_and_signed_out_are_show_with_when() -> None:
    inside = rx.text("hello")
    for component, when in ((signed_in(inside), "signed-in"), (signed_out(inside), "signed-out")):
        assert (component.tag, prop(component, "when")) == ("Show", when)
        assert component.children == [inside]


def test_show_takes_authorization_checks_and_a_fallback() -> None:
    fallback = rx.text("no")
    component = show(when={"role": "admin"}, fallback=fallback)
    assert prop(component, "when") == {"role": "admin"}
    assert cast(Any, component.fallback)._var_value is fallback


def test_props_are_camel_cased() -> None:
    rendered = sign_in(routing="path", path="/sign-in", sign_up_url="/sign-up").render()
    assert sorted(rendered["props"]) == [
        'path:"/sign-in"',
        'routing:"path"',
        'signUpUrl:"/sign-up"',
    ]
    assert (
        'afterSwitchSessionUrl:"/"' in user_button(after_switch_session_url="/").render()["props"]
    )


@pytest.mark.parametrize("button", [SignInButton, SignUpButton, SignOutButton])
def test_buttons_keep_their_child_unmemoized(button: type[ClerkComponent]) -> None:
    # Clerk clones the one child to add onClick; a memo wrapper in between would swallow it.
    assert issubclass(button, MemoizationLeaf)


def test_token_bridge_uses_use_auth_and_never_rejects() -> None:
    bridge = clerk_token_bridge()
    assert [var.tag for var in bridge._get_imports()["@clerk/react@6.17.2"]] == ["useAuth"]
    (code,) = bridge.add_custom_code()
    assert "useAuth()" in code
    assert f"{GET_TOKEN_FUNCTION} = fetchToken" in code
    assert "catch (error)" in code


def test_token_request_answers_new_ids_through_the_handler() -> None:
    requester = clerk_token_request(
        request=FavoriteColorState.token_request,
        skip_cache=FavoriteColorState.token_skip_cache,
        on_token=FavoriteColorState.receive_token,
    )
    assert str(requester.request).endswith("favorite_color_state.token_request_rx_state_")
    assert str(requester.skip_cache).endswith("favorite_color_state.token_skip_cache_rx_state_")
    chain = requester.event_triggers["on_token"]
    assert isinstance(chain, EventChain)
    (on_token,) = chain.events
    assert isinstance(on_token, EventSpec)
    assert on_token.handler.fn.__qualname__ == "FavoriteColorState.receive_token"
    assert [var.tag for var in requester._get_imports()["react"]] == ["useEffect", "useRef"]
    (code,) = requester.add_custom_code()
    # Asks the bridge, waiting for it to register; answers only an id it has not seen.
    assert ask_bridge("Boolean(skipCache)") in code
    assert f"{GET_TOKEN_FUNCTION}({{ skipCache: Boolean(skipCache) }})" in code
    assert f"waited < {BRIDGE_WAIT_MS}" in code
    assert "request === answered.current" in code


@pytest.mark.parametrize(
    ("result", "expected"),
    [
        ({"token": "abc", "error": None}, ("abc", None)),
        ({"token": None, "error": None}, (None, None)),
        ({"token": "", "error": None}, (None, None)),
        ({"token": None, "error": "offline"}, (None, "offline")),
        ({"token": 42}, (None, None)),
        (None, (None, "The browser sent no token result")),
        ("abc", (None, "The browser sent no token result")),
    ],
)
def test_read_token_result(result: object, expected: tuple[str | None, str | None]) -> None:
    assert read_token_result(result) == expected


def test_the_app_is_wrapped_in_clerk_provider_with_the_token_bridge() -> None:
    from clerk_fullstack.clerk_fullstack import CLERK_WRAP, app, clerk_wrap

    assert app.extra_app_wraps[CLERK_WRAP] is clerk_wrap
    provider = clerk_wrap(False)
    assert isinstance(provider, ClerkProvider)
    assert prop(provider, "publishable_key") == get_clerk_instance().publishable_key
    assert (prop(provider, "sign_in_url"), prop(provider, "sign_up_url")) == (
        "/sign-in",
        "/sign-up",
    )
    assert [child.tag for child in provider.children] == ["ClerkTokenBridge"]

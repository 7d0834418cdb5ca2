"""The Clerk wrappers: their props, where they import from, and the app-wide provider."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, cast

import pytest
import reflex as rx
from reflex_base.components.component import MemoizationLeaf

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
from clerk_fullstack.clerk.token_sender import clerk_token_sender
from clerk_fullstack.clerk.ui import SignIn, SignUp, UserButton, sign_in, user_button
from clerk_fullstack.core import clerk_sdk as library
from clerk_fullstack.core.clerk_instance import get_clerk_instance
from clerk_fullstack.core.settings import decode_publishable_key
from tests.helpers.local_clerk import use_local_mode
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


def test_every_mode_imports_the_pinned_core_3_sdk() -> None:
    assert library.CLERK_REACT == "@clerk/react@6.17.2"
    assert (library.CLERK_JS_MAJOR, library.CLERK_UI_MAJOR) == ("6", "1")


@pytest.mark.parametrize("tag", WRAPPERS)
def test_each_wrapper_imports_its_tag_from_clerk_react(tag: str) -> None:
    component = WRAPPERS[tag].create()
    imports = component._get_imports()
    # (ClerkProvider also lists the package itself, tag-less, as a dependency.)
    assert [var.tag for var in imports["@clerk/react@6.17.2"] if var.tag] == [tag]
    assert component.tag == tag


def test_the_frontend_lockfile_pins_clerk_react_exactly() -> None:
    # Reflex runs `npm add @clerk/react@6.17.2`; npm saves "^6.17.2" unless told save-exact.
    root = Path(library.__file__).parents[2]
    assert "save-exact=true" in (root / ".npmrc").read_text().splitlines()
    package = json.loads((root / "reflex.lock" / "package.json").read_text())
    assert package["dependencies"]["@clerk/react"] == library.CLERK_REACT_VERSION
    lock = json.loads((root / "reflex.lock" / "package-lock.json").read_text())
    assert lock["packages"][""]["dependencies"]["@clerk/react"] == library.CLERK_REACT_VERSION
    assert lock["packages"]["node_modules/@clerk/react"]["version"] == library.CLERK_REACT_VERSION


def test_no_wrapper_uses_the_legacy_sdk() -> None:
    package = Path(library.__file__).parent
    for module in package.glob("*.py"):
        assert "@clerk/clerk-react" not in module.read_text(), module.name


def test_local_mode_imports_clerk_react_too(env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    use_local_mode(env, tmp_path)
    assert get_clerk_instance().local
    for component in (user_button(), clerk_provider(sign_in_url="/a", sign_up_url="/b")):
        imports = component._get_all_imports()
        assert "@clerk/react@6.17.2" in imports
        assert not [module for module in imports if "local_clerk" in module]
    assert "@clerk/react@6.17.2" in clerk_token_sender()._get_imports()


def test_script_urls_follow_clerks_proxy_layout() -> None:
    assert library.script_urls("https://example.com/__clerk//") == (
        "https://example.com/__clerk/npm/@clerk/clerk-js@6/dist/clerk.browser.js",
        "https://example.com/__clerk/npm/@clerk/ui@1/dist/ui.browser.js",
    )


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


def rendered_props(component: rx.Component) -> str:
    """The component's props as the compiled page passes them: `{a:…,b:…,...(…)}`."""
    return "{" + ",".join(component.render()["props"]) + "}"


def provider_for_settings() -> ClerkProvider:
    return clerk_provider(sign_in_url="/sign-in", sign_up_url="/sign-up")


def test_local_mode_reaches_the_emulator_at_the_backend_origin(
    env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    use_local_mode(env, tmp_path)
    provider = provider_for_settings()
    props = rendered_props(provider)
    # Computed in the browser: the backend is another origin than the page in dev.
    origin = "getBackendURL(env.PING).origin"
    assert f'proxyUrl:({origin} + "/local-clerk")' in props
    assert (
        f'__internal_clerkJSUrl: ({origin} + "/local-clerk/npm/@clerk/clerk-js@6/dist/'
        'clerk.browser.js")'
    ) in props
    assert (
        f'__internal_clerkUIUrl: ({origin} + "/local-clerk/npm/@clerk/ui@1/dist/ui.browser.js")'
    ) in props
    assert props.endswith("})}")  # spread into the props object, not a mangled prop name
    assert "telemetry:false" in props
    assert "domain:" not in props and "isSatellite:" not in props
    imports = provider._get_all_imports()
    assert [var.tag for var in imports["$/utils/state"]] == ["getBackendURL"]
    assert [(var.tag, var.is_default) for var in imports["$/env.json"]] == [("env", True)]
    assert prop(provider, "publishable_key") == get_clerk_instance().publishable_key


def test_clerk_mode_passes_no_proxy_by_default(env: pytest.MonkeyPatch) -> None:
    provider = provider_for_settings()
    props = rendered_props(provider)
    for absent in ("proxyUrl", "__internal_", "telemetry", "domain", "isSatellite", "getBackend"):
        assert absent not in props
    assert "$/utils/state" not in provider._get_all_imports()


def test_clerk_mode_passes_an_https_proxy_alone(env: pytest.MonkeyPatch) -> None:
    env.setenv("CLERK_PROXY_URL", "https://app.example.com/__clerk/")
    props = rendered_props(provider_for_settings())
    assert 'proxyUrl:"https://app.example.com/__clerk"' in props
    assert "__internal_" not in props  # Clerk's SDK builds the script URLs itself
    assert "telemetry" not in props


def test_clerk_mode_gives_an_http_proxy_its_script_urls(env: pytest.MonkeyPatch) -> None:
    env.setenv("CLERK_PROXY_URL", "http://127.0.0.1:9000/clerk")
    props = rendered_props(provider_for_settings())
    assert 'proxyUrl:"http://127.0.0.1:9000/clerk"' in props
    assert (
        '...({__internal_clerkJSUrl: "http://127.0.0.1:9000/clerk/npm/@clerk/clerk-js@6/dist/'
        'clerk.browser.js", __internal_clerkUIUrl: "http://127.0.0.1:9000/clerk/npm/@clerk/ui@1/'
        'dist/ui.browser.js"})'
    ) in props


def test_clerk_mode_passes_configured_script_urls(env: pytest.MonkeyPatch) -> None:
    env.setenv("CLERK_JS_URL", "https://cdn.example.com/clerk.browser.js")
    props = rendered_props(provider_for_settings())
    assert '...({__internal_clerkJSUrl: "https://cdn.example.com/clerk.browser.js"})' in props
    assert "__internal_clerkUIUrl" not in props


def test_clerk_mode_passes_a_satellite_domain(env: pytest.MonkeyPatch) -> None:
    env.setenv("CLERK_DOMAIN", "satellite.example.com")
    env.setenv("CLERK_IS_SATELLITE", "true")
    props = rendered_props(provider_for_settings())
    assert 'domain:"satellite.example.com"' in props
    assert "isSatellite:true" in props
    assert "proxyUrl" not in props


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

"""The Clerk instance resolved at start: when the emulator applies, what it sets, and no bypass."""

from __future__ import annotations

from pathlib import Path

import pytest

from clerk_fullstack.auth.key_sources import JWKSKeySource
from clerk_fullstack.auth.session import SessionVerifier
from clerk_fullstack.core.clerk_instance import ClerkInstance, resolve_clerk_instance
from clerk_fullstack.core.local_instance import LOCAL_FRONTEND_API_HOST
from clerk_fullstack.core.settings import (
    ConfigError,
    decode_publishable_key,
    get_settings,
    load_settings,
)
from tests.helpers.local_clerk import use_local_mode
from tests.helpers.tokens import TEST_HOST
from tests.helpers.webhooks import TEST_WEBHOOK_SECRET

pytestmark = pytest.mark.unit

LOCAL_ISSUER = f"https://{LOCAL_FRONTEND_API_HOST}"


def resolve() -> ClerkInstance:
    return resolve_clerk_instance(load_settings())


def test_no_clerk_keys_means_local_mode(env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    use_local_mode(env, tmp_path, backend_port=8123)
    assert load_settings().use_local_clerk
    instance = resolve()
    assert instance.local
    assert decode_publishable_key(instance.publishable_key) == LOCAL_FRONTEND_API_HOST
    assert instance.issuer == LOCAL_ISSUER
    assert instance.jwks_url == "http://127.0.0.1:8123/local-clerk/v1/jwks"
    assert (instance.secret_key or "").startswith("sk_test_")
    assert (instance.webhook_secret or "").startswith("whsec_")


def test_local_mode_serves_the_frontend_api_from_the_backend(
    env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    use_local_mode(env, tmp_path)
    # Clerk's deployment settings are for Clerk mode; local mode ignores them.
    env.setenv("CLERK_PROXY_URL", "https://app.example.com/__clerk")
    env.setenv("CLERK_DOMAIN", "satellite.example.com")
    env.setenv("CLERK_IS_SATELLITE", "true")
    env.setenv("CLERK_JS_URL", "https://cdn.example.com/clerk.browser.js")
    env.setenv("CLERK_UI_URL", "https://cdn.example.com/ui.browser.js")
    instance = resolve()
    assert instance.local
    assert instance.backend_proxy_path == "/local-clerk"
    assert (instance.proxy_url, instance.domain, instance.is_satellite) == (None, None, False)
    assert (instance.clerk_js_url, instance.clerk_ui_url) == (None, None)


def test_reading_settings_creates_no_files(env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    use_local_mode(env, tmp_path)
    assert load_settings().use_local_clerk
    assert list(tmp_path.iterdir()) == []
    resolve()
    assert (tmp_path / "local_clerk" / "secret_key").exists()


def test_generated_secrets_are_kept_in_the_data_folder(
    env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    use_local_mode(env, tmp_path)
    first, second = resolve(), resolve()
    assert first.secret_key == second.secret_key
    assert first.webhook_secret == second.webhook_secret
    assert (tmp_path / "local_clerk" / "secret_key").read_text() == first.secret_key


def test_a_configured_webhook_secret_is_used(env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    use_local_mode(env, tmp_path)
    env.setenv("CLERK_WEBHOOK_SECRET", TEST_WEBHOOK_SECRET)
    assert resolve().webhook_secret == TEST_WEBHOOK_SECRET


def test_explicit_local_mode_replaces_configured_clerk_keys(
    env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # The test environment carries Clerk keys, including CLERK_JWT_KEY; CLERK_MODE=local wins.
    env.setenv("CLERK_MODE", "local")
    env.setenv("DATA_DIR", str(tmp_path))
    instance = resolve()
    assert instance.local
    assert instance.jwt_key is None
    assert instance.issuer == LOCAL_ISSUER
    assert instance.api_url.endswith("/local-clerk")


def test_the_verifier_trusts_the_emulator_only_through_its_jwks(
    env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    use_local_mode(env, tmp_path, backend_port=8124)
    verifier = SessionVerifier.for_instance(resolve(), load_settings())
    assert isinstance(verifier.key_source, JWKSKeySource)
    assert verifier.key_source.url == "http://127.0.0.1:8124/local-clerk/v1/jwks"
    assert verifier.issuer == LOCAL_ISSUER


def test_the_backend_reaches_itself_on_its_bind_address(
    env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    use_local_mode(env, tmp_path, backend_port=8125)
    env.setenv("REFLEX_BACKEND_HOST", "::1")
    assert resolve().api_url == "http://[::1]:8125/local-clerk"
    env.setenv("REFLEX_BACKEND_HOST", "0.0.0.0")
    assert resolve().api_url == "http://127.0.0.1:8125/local-clerk"


def test_clerk_mode_is_left_alone(env: pytest.MonkeyPatch) -> None:
    instance = resolve()
    assert not instance.local
    assert instance.issuer == f"https://{TEST_HOST}"
    assert instance.jwks_url == "https://api.clerk.com/v1/jwks"
    assert instance.backend_proxy_path is None
    assert (instance.proxy_url, instance.domain, instance.is_satellite) == (None, None, False)
    assert (instance.clerk_js_url, instance.clerk_ui_url) == (None, None)


def test_clerk_mode_takes_the_deployment_settings(env: pytest.MonkeyPatch) -> None:
    env.setenv("CLERK_PROXY_URL", "https://app.example.com/__clerk/")
    env.setenv("CLERK_DOMAIN", "satellite.example.com")
    env.setenv("CLERK_IS_SATELLITE", "1")
    instance = resolve()
    assert instance.proxy_url == "https://app.example.com/__clerk"
    assert (instance.domain, instance.is_satellite) == ("satellite.example.com", True)
    # Clerk's SDK builds script URLs itself from an https:// (or relative) proxy.
    assert (instance.clerk_js_url, instance.clerk_ui_url) == (None, None)
    env.setenv("CLERK_PROXY_URL", "/__clerk")
    assert (resolve().clerk_js_url, resolve().clerk_ui_url) == (None, None)


def test_an_http_proxy_gets_explicit_script_urls(env: pytest.MonkeyPatch) -> None:
    # Clerk's SDK would turn an absolute proxy's script URLs into https:// ones.
    env.setenv("CLERK_PROXY_URL", "http://127.0.0.1:9000/emulator")
    instance = resolve()
    assert instance.clerk_js_url == (
        "http://127.0.0.1:9000/emulator/npm/@clerk/clerk-js@6/dist/clerk.browser.js"
    )
    assert (
        instance.clerk_ui_url == "http://127.0.0.1:9000/emulator/npm/@clerk/ui@1/dist/ui.browser.js"
    )
    env.setenv("CLERK_JS_URL", "http://127.0.0.1:9001/clerk.browser.js")
    instance = resolve()
    assert instance.clerk_js_url == "http://127.0.0.1:9001/clerk.browser.js"
    assert (instance.clerk_ui_url or "").endswith("/emulator/npm/@clerk/ui@1/dist/ui.browser.js")


def test_configured_script_urls_pass_through(env: pytest.MonkeyPatch) -> None:
    env.setenv("CLERK_JS_URL", "https://cdn.example.com/clerk.browser.js")
    env.setenv("CLERK_UI_URL", "https://cdn.example.com/ui.browser.js")
    instance = resolve()
    assert instance.clerk_js_url == "https://cdn.example.com/clerk.browser.js"
    assert instance.clerk_ui_url == "https://cdn.example.com/ui.browser.js"
    assert instance.proxy_url is None


@pytest.mark.parametrize("mode", ["local", "auto"])
def test_prod_refuses_the_emulator(env: pytest.MonkeyPatch, tmp_path: Path, mode: str) -> None:
    use_local_mode(env, tmp_path)
    env.setenv("CLERK_MODE", mode)
    env.setenv("REFLEX_ENV_MODE", "prod")
    env.setenv("ALLOW_EMBEDDED_MONGO", "1")
    with pytest.raises(ConfigError) as caught:
        get_settings()
    assert "CLERK_MODE: the local Clerk emulator is for development only" in str(caught.value)
    assert "CLERK_PUBLISHABLE_KEY" in str(caught.value)
    assert not (tmp_path / "local_clerk").exists()


def test_an_export_in_clerk_mode_needs_no_webhook_secret(env: pytest.MonkeyPatch) -> None:
    env.delenv("CLERK_WEBHOOK_SECRET")
    env.setenv("ALLOW_EMBEDDED_MONGO", "1")
    env.setenv("REFLEX_ENV_MODE", "prod")
    env.setenv("__REFLEX_COMPILE_CONTEXT", "export")
    instance = resolve_clerk_instance(get_settings())
    assert not instance.local
    assert instance.webhook_secret is None
    env.delenv("__REFLEX_COMPILE_CONTEXT")
    get_settings.cache_clear()
    with pytest.raises(ConfigError, match="CLERK_WEBHOOK_SECRET"):
        get_settings()

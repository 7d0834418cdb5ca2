"""Settings: malformed values fail at start with a message naming the variable and the fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from clerk_fullstack.core.clerk_instance import resolve_clerk_instance
from clerk_fullstack.core.settings import (
    ConfigError,
    check_for_serving,
    decode_publishable_key,
    encode_publishable_key,
    get_settings,
    load_settings,
)
from tests.helpers.local_clerk import use_local_mode
from tests.helpers.tokens import TEST_FRONTEND, TEST_HOST, TEST_ISSUER

pytestmark = pytest.mark.unit


def test_publishable_key_round_trip() -> None:
    assert (
        decode_publishable_key(encode_publishable_key("clerk.example.com")) == "clerk.example.com"
    )


def test_test_settings_derive_issuer_and_parties(env: pytest.MonkeyPatch) -> None:
    settings = load_settings()
    instance = resolve_clerk_instance(settings)
    assert instance.issuer == TEST_ISSUER
    assert settings.authorized_parties == [TEST_FRONTEND]
    assert instance.jwks_url == "https://api.clerk.com/v1/jwks"
    assert decode_publishable_key(settings.clerk_publishable_key or "") == TEST_HOST


def test_authorized_parties_are_comma_separated(env: pytest.MonkeyPatch) -> None:
    env.setenv("CLERK_AUTHORIZED_PARTIES", "https://a.example, https://b.example/")
    assert load_settings().authorized_parties == ["https://a.example", "https://b.example"]


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        (
            "CLERK_PUBLISHABLE_KEY",
            "pk_test_bm90LWEtaG9zdA==",
            "CLERK_PUBLISHABLE_KEY does not decode",
        ),
        ("CLERK_PUBLISHABLE_KEY", "sk_test_abc", "CLERK_PUBLISHABLE_KEY must start with pk_test_"),
        ("CLERK_PUBLISHABLE_KEY", "pk_test_%%%", "CLERK_PUBLISHABLE_KEY the part after"),
        ("CLERK_SECRET_KEY", "pk_test_abc", "CLERK_SECRET_KEY must start with sk_test_"),
        ("CLERK_WEBHOOK_SECRET", "abc", "CLERK_WEBHOOK_SECRET must start with whsec_"),
        ("CLERK_WEBHOOK_SECRET", "whsec_%%", "CLERK_WEBHOOK_SECRET the part after whsec_"),
        ("CLERK_JWT_KEY", "not a pem", "CLERK_JWT_KEY is not a PEM public key"),
        ("FRONTEND", "localhost:3000", "FRONTEND must start with http"),
        ("MONGO_URI", "postgres://x", "MONGO_URI must start with mongodb://"),
        ("CLERK_PROXY_URL", "example.com/__clerk", "CLERK_PROXY_URL must start with https://"),
        ("CLERK_PROXY_URL", "//example.com/__clerk", "CLERK_PROXY_URL must be a path below"),
        ("CLERK_PROXY_URL", "/", "CLERK_PROXY_URL must be a path below the root"),
        ("CLERK_PROXY_URL", "https:///__clerk", "CLERK_PROXY_URL has no host"),
        ("CLERK_DOMAIN", "https://satellite.example.com", "CLERK_DOMAIN must be a host alone"),
        ("CLERK_DOMAIN", "satellite.example.com/app", "CLERK_DOMAIN must be a host alone"),
        ("CLERK_IS_SATELLITE", "perhaps", "CLERK_IS_SATELLITE Input should be a valid boolean"),
        ("CLERK_JS_URL", "cdn.example.com/clerk.js", "CLERK_JS_URL must start with http"),
        ("CLERK_JS_URL", "https://", "CLERK_JS_URL has no host"),
        ("CLERK_UI_URL", "ftp://cdn.example.com/ui.js", "CLERK_UI_URL must start with http"),
        ("WEB_HEADER_TIMEOUT_SECONDS", "0", "WEB_HEADER_TIMEOUT_SECONDS Input should be greater"),
        ("WEB_MAX_HEADER_BYTES", "100", "WEB_MAX_HEADER_BYTES Input should be greater"),
    ],
)
def test_malformed_values_fail_with_a_named_fix(
    env: pytest.MonkeyPatch, variable: str, value: str, expected: str
) -> None:
    env.setenv(variable, value)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert expected in str(caught.value)
    assert "(" in str(caught.value)  # says how to fix it


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("https://example.com/__clerk/", "https://example.com/__clerk"),
        ("http://127.0.0.1:9000", "http://127.0.0.1:9000"),
        ("/__clerk/", "/__clerk"),
        ("", None),
    ],
)
def test_proxy_url_may_be_absolute_or_a_path(
    env: pytest.MonkeyPatch, value: str, expected: str | None
) -> None:
    env.setenv("CLERK_PROXY_URL", value)
    assert load_settings().clerk_proxy_url == expected


def test_deployment_settings_are_unset_by_default(env: pytest.MonkeyPatch) -> None:
    settings = load_settings()
    assert (settings.clerk_proxy_url, settings.clerk_domain, settings.clerk_is_satellite) == (
        None,
        None,
        False,
    )
    assert (settings.clerk_js_url, settings.clerk_ui_url) == (None, None)


def test_a_satellite_needs_a_domain_or_a_proxy(env: pytest.MonkeyPatch) -> None:
    env.setenv("CLERK_IS_SATELLITE", "true")
    with pytest.raises(ConfigError) as caught:
        load_settings()
    message = str(caught.value)
    assert "CLERK_IS_SATELLITE: a satellite needs CLERK_DOMAIN or CLERK_PROXY_URL" in message
    assert "Missing domain and proxyUrl" in message  # what Clerk's SDK would say
    env.setenv("CLERK_DOMAIN", "satellite.example.com")
    assert load_settings().clerk_domain == "satellite.example.com"
    env.delenv("CLERK_DOMAIN")
    env.setenv("CLERK_PROXY_URL", "/__clerk")
    assert load_settings().clerk_is_satellite


def test_jwt_key_accepts_escaped_newlines(env: pytest.MonkeyPatch) -> None:
    import os

    env.setenv("CLERK_JWT_KEY", os.environ["CLERK_JWT_KEY"].replace("\n", "\\n"))
    assert load_settings().clerk_jwt_key


@pytest.mark.parametrize("mode", ["prod", "preview", None])
def test_outside_dev_without_mongo_uri_refuses_unless_opted_in(
    env: pytest.MonkeyPatch, mode: str | None
) -> None:
    env.delenv("MONGO_URI", raising=False)
    if mode is None:
        env.delenv("REFLEX_ENV_MODE")
    else:
        env.setenv("REFLEX_ENV_MODE", mode)
    with pytest.raises(ConfigError, match=r"MONGO_URI: outside dev mode .* needs a real MongoDB"):
        get_settings()
    env.setenv("ALLOW_EMBEDDED_MONGO", "1")
    assert not get_settings().is_dev


def clear_clerk_keys(env: pytest.MonkeyPatch) -> None:
    for variable in ("CLERK_MODE", "CLERK_PUBLISHABLE_KEY", "CLERK_SECRET_KEY", "CLERK_JWT_KEY"):
        env.delenv(variable)


@pytest.mark.parametrize("mode", ["preview", None])
def test_outside_dev_the_emulator_needs_clerk_mode_local(
    env: pytest.MonkeyPatch, mode: str | None
) -> None:
    clear_clerk_keys(env)
    env.setenv("ALLOW_EMBEDDED_MONGO", "1")
    if mode is None:
        env.delenv("REFLEX_ENV_MODE")
    else:
        env.setenv("REFLEX_ENV_MODE", mode)
    with pytest.raises(ConfigError) as caught:
        get_settings()
    assert "CLERK_PUBLISHABLE_KEY is not set" in str(caught.value)
    assert "CLERK_MODE=local" in str(caught.value)
    env.setenv("CLERK_MODE", "local")
    assert get_settings().use_local_clerk


def test_dev_picks_the_stand_in_with_nothing_configured(env: pytest.MonkeyPatch) -> None:
    clear_clerk_keys(env)
    env.delenv("MONGO_URI", raising=False)
    settings = get_settings()
    assert settings.is_dev and settings.use_local_clerk and settings.mongo_uri is None


def test_only_a_secret_key_names_the_missing_publishable_key(env: pytest.MonkeyPatch) -> None:
    clear_clerk_keys(env)
    env.setenv("CLERK_SECRET_KEY", "sk_test_only_the_secret")
    with pytest.raises(ConfigError, match="CLERK_PUBLISHABLE_KEY: needed whenever"):
        load_settings()


def test_export_needs_only_the_publishable_key(env: pytest.MonkeyPatch) -> None:
    env.delenv("MONGO_URI", raising=False)
    env.delenv("CLERK_SECRET_KEY")
    env.delenv("CLERK_JWT_KEY")
    env.setenv("REFLEX_ENV_MODE", "prod")
    with pytest.raises(ConfigError, match="MONGO_URI"):
        get_settings()
    env.setenv("__REFLEX_COMPILE_CONTEXT", "export")
    assert get_settings().is_export


def test_clerk_mode_needs_a_way_to_get_keys(env: pytest.MonkeyPatch) -> None:
    env.delenv("CLERK_JWT_KEY")
    env.delenv("CLERK_SECRET_KEY")
    with pytest.raises(ConfigError, match="CLERK_SECRET_KEY"):
        get_settings()


def test_clerk_mode_needs_the_webhook_secret(env: pytest.MonkeyPatch) -> None:
    env.delenv("CLERK_WEBHOOK_SECRET")
    with pytest.raises(ConfigError) as caught:
        get_settings()
    message = str(caught.value)
    assert "CLERK_WEBHOOK_SECRET" in message
    assert "Clerk Dashboard → Webhooks" in message


def test_the_local_stand_in_needs_no_webhook_secret(
    env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    use_local_mode(env, tmp_path)
    instance = resolve_clerk_instance(load_settings())
    assert (instance.webhook_secret or "").startswith("whsec_")


def test_several_workers_need_redis(env: pytest.MonkeyPatch) -> None:
    env.setenv("WEB_CONCURRENCY", "2")
    with pytest.raises(ConfigError, match=r"WEB_CONCURRENCY=2: more than one worker needs REFLEX"):
        get_settings()
    env.setenv("REFLEX_REDIS_URL", "redis://127.0.0.1:6379/0")
    assert get_settings().web_concurrency == 2


@pytest.mark.parametrize("seconds", ["29", "3601", "a minute"])
def test_the_emulators_token_lifetime_is_bounded(env: pytest.MonkeyPatch, seconds: str) -> None:
    env.setenv("LOCAL_CLERK_TOKEN_SECONDS", seconds)
    with pytest.raises(ConfigError, match=r"LOCAL_CLERK_TOKEN_SECONDS.*from 30 to 3600"):
        load_settings()


def test_worker_count_must_be_a_whole_number(env: pytest.MonkeyPatch) -> None:
    env.setenv("WEB_CONCURRENCY", "0")
    with pytest.raises(ConfigError, match=r"WEB_CONCURRENCY .*whole number of worker processes"):
        load_settings()


@pytest.mark.parametrize("mode", ["prod", "preview", None])
def test_outside_dev_the_clerk_api_url_must_be_https_unless_loopback(
    env: pytest.MonkeyPatch, mode: str | None
) -> None:
    """The secret key travels to CLERK_API_URL: plain http:// only stays on this machine."""
    env.setenv("ALLOW_EMBEDDED_MONGO", "1")
    if mode is None:
        env.delenv("REFLEX_ENV_MODE")
    else:
        env.setenv("REFLEX_ENV_MODE", mode)
    for refused in ("http://api.clerk.example", "http://10.0.0.5:8080"):
        env.setenv("CLERK_API_URL", refused)
        with pytest.raises(ConfigError) as caught:
            check_for_serving(load_settings())
        assert f"CLERK_API_URL={refused}: outside dev mode" in str(caught.value)
        assert "use https://" in str(caught.value)
    for allowed in ("https://api.clerk.com", "http://127.0.0.1:8123", "http://localhost:8123"):
        env.setenv("CLERK_API_URL", allowed)
        check_for_serving(load_settings())


def test_dev_and_local_mode_may_use_a_plain_http_clerk_api_url(
    env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    env.setenv("CLERK_API_URL", "http://api.clerk.example")
    assert load_settings().is_dev
    check_for_serving(load_settings())
    use_local_mode(env, tmp_path)
    env.setenv("CLERK_MODE", "local")
    env.setenv("CLERK_API_URL", "http://api.clerk.example")
    env.setenv("REFLEX_ENV_MODE", "preview")
    env.setenv("ALLOW_EMBEDDED_MONGO", "1")
    settings = load_settings()
    assert settings.use_local_clerk and not settings.is_dev
    check_for_serving(settings)

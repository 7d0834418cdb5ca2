"""Local mode's effective settings: when it applies, what it sets, and that it adds no bypass."""

from __future__ import annotations

from pathlib import Path

import pytest

from clerk_fullstack.auth.keys import JWKSKeySource
from clerk_fullstack.auth.session import SessionVerifier
from clerk_fullstack.local_clerk.config import LOCAL_FRONTEND_API_HOST
from clerk_fullstack.settings import ConfigError, decode_publishable_key, load_settings
from tests.helpers.local_clerk import use_local_mode
from tests.helpers.tokens import TEST_HOST
from tests.helpers.webhooks import TEST_WEBHOOK_SECRET


def test_no_clerk_keys_means_local_mode(env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    use_local_mode(env, tmp_path, backend_port=8123)
    settings = load_settings()
    assert settings.use_local_clerk
    assert settings.clerk_mode == "local"
    assert decode_publishable_key(settings.clerk_publishable_key or "") == LOCAL_FRONTEND_API_HOST
    assert settings.clerk_issuer == "https://clerk.local.invalid"
    assert settings.jwks_url == "http://127.0.0.1:8123/local-clerk/v1/jwks"
    assert (settings.clerk_secret_key or "").startswith("sk_test_")
    assert (settings.clerk_webhook_secret or "").startswith("whsec_")


def test_generated_secrets_are_kept_in_the_data_folder(
    env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    use_local_mode(env, tmp_path)
    first, second = load_settings(), load_settings()
    assert first.clerk_secret_key == second.clerk_secret_key
    assert first.clerk_webhook_secret == second.clerk_webhook_secret
    assert (tmp_path / "local_clerk" / "secret_key").read_text() == first.clerk_secret_key


def test_a_configured_webhook_secret_is_used(env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    use_local_mode(env, tmp_path)
    env.setenv("CLERK_WEBHOOK_SECRET", TEST_WEBHOOK_SECRET)
    assert load_settings().clerk_webhook_secret == TEST_WEBHOOK_SECRET


def test_explicit_local_mode_replaces_configured_clerk_keys(
    env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # The test environment carries Clerk keys, including CLERK_JWT_KEY; CLERK_MODE=local wins.
    env.setenv("CLERK_MODE", "local")
    env.setenv("DATA_DIR", str(tmp_path))
    settings = load_settings()
    assert settings.use_local_clerk
    assert settings.clerk_jwt_key is None
    assert settings.clerk_issuer == "https://clerk.local.invalid"
    assert settings.clerk_api_url.endswith("/local-clerk")


def test_the_verifier_trusts_the_stand_in_only_through_its_jwks(
    env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    use_local_mode(env, tmp_path, backend_port=8124)
    settings = load_settings()
    verifier = SessionVerifier.from_settings(settings)
    assert isinstance(verifier.key_source, JWKSKeySource)
    assert verifier.key_source.url == "http://127.0.0.1:8124/local-clerk/v1/jwks"
    assert verifier.issuer == "https://clerk.local.invalid"


def test_the_backend_reaches_itself_on_its_bind_address(
    env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    use_local_mode(env, tmp_path, backend_port=8125)
    env.setenv("REFLEX_BACKEND_HOST", "::1")
    assert load_settings().clerk_api_url == "http://[::1]:8125/local-clerk"
    env.setenv("REFLEX_BACKEND_HOST", "0.0.0.0")
    assert load_settings().clerk_api_url == "http://127.0.0.1:8125/local-clerk"


def test_clerk_mode_is_left_alone(env: pytest.MonkeyPatch) -> None:
    settings = load_settings()
    assert not settings.use_local_clerk
    assert settings.clerk_issuer == f"https://{TEST_HOST}"
    assert settings.jwks_url == "https://api.clerk.com/v1/jwks"


@pytest.mark.parametrize("mode", ["local", "auto"])
def test_prod_refuses_the_stand_in(env: pytest.MonkeyPatch, tmp_path: Path, mode: str) -> None:
    use_local_mode(env, tmp_path)
    env.setenv("CLERK_MODE", mode)
    env.setenv("REFLEX_ENV_MODE", "prod")
    env.setenv("ALLOW_EMBEDDED_MONGO", "1")
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert "CLERK_MODE: the local Clerk stand-in is for development only" in str(caught.value)
    assert "CLERK_PUBLISHABLE_KEY" in str(caught.value)
    assert not (tmp_path / "local_clerk").exists()

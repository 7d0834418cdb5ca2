"""The emulator's key and secrets: generated once, kept private, published as Clerk's JWKS is."""

from __future__ import annotations

import base64
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest
from svix.webhooks import Webhook

from clerk_fullstack.auth.jwks import parse_jwks
from clerk_fullstack.core.files import read_or_create_secret
from clerk_fullstack.core.local_instance import new_secret_key, new_webhook_secret
from clerk_fullstack.local_clerk.signing_key import (
    SIGNING_KEY_FILE,
    load_signing_key,
    parsed_signing_key,
)

pytestmark = pytest.mark.unit


def test_the_key_is_generated_once_and_reused(tmp_path: Path) -> None:
    first = load_signing_key(tmp_path)
    second = load_signing_key(tmp_path)
    assert first.kid == second.kid
    assert first.private_pem == second.private_pem
    assert (tmp_path / SIGNING_KEY_FILE).exists()


def test_a_key_file_read_again_is_not_parsed_again(tmp_path: Path) -> None:
    # Parsing checks the RSA key (about 50 ms of CPU): each emulator made reads the file again.
    parsed_signing_key.cache_clear()
    first = load_signing_key(tmp_path)
    assert load_signing_key(tmp_path) is first
    assert parsed_signing_key.cache_info().hits == 1
    assert load_signing_key(tmp_path / "other").kid != first.kid


def test_key_files_are_readable_by_the_owner_only(tmp_path: Path) -> None:
    load_signing_key(tmp_path)
    read_or_create_secret(tmp_path / "secret_key", new_secret_key)
    for name in (SIGNING_KEY_FILE, "secret_key"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o600


def test_each_data_folder_gets_its_own_key(tmp_path: Path) -> None:
    assert load_signing_key(tmp_path / "a").kid != load_signing_key(tmp_path / "b").kid


def test_jwks_is_what_the_backend_parses_from_clerk(tmp_path: Path) -> None:
    key = load_signing_key(tmp_path)
    document = key.jwks()
    assert [jwk["kid"] for jwk in document["keys"]] == [key.kid]
    assert document["keys"][0] | {"n": "", "e": ""} == {
        "use": "sig",
        "kty": "RSA",
        "kid": key.kid,
        "alg": "RS256",
        "n": "",
        "e": "",
    }
    parsed = parse_jwks(document)
    assert parsed[key.kid].public_numbers() == key.private_key.public_key().public_numbers()


def test_kid_is_shaped_like_a_clerk_instance_id(tmp_path: Path) -> None:
    kid = load_signing_key(tmp_path).kid
    assert kid.startswith("ins_")
    assert len(kid) == len("ins_") + 27


def test_secrets_are_stable_across_reads(tmp_path: Path) -> None:
    first = read_or_create_secret(tmp_path / "webhook_secret", new_webhook_secret)
    assert read_or_create_secret(tmp_path / "webhook_secret", new_webhook_secret) == first


def test_generated_webhook_secret_is_a_valid_svix_secret() -> None:
    secret = new_webhook_secret()
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"), validate=True)) == 24
    signature = Webhook(secret).sign("msg_1", datetime.now(UTC), "{}")
    assert signature.startswith("v1,")


def test_generated_secret_key_looks_like_clerks() -> None:
    assert new_secret_key().startswith("sk_test_")
    assert new_secret_key() != new_secret_key()

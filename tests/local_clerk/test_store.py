"""The stand-in's user store: users, sessions, and the rules Clerk applies to them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from clerk_fullstack.local_clerk.errors import (
    IdentifierExistsError,
    InvalidFormError,
    NotSignedInError,
)
from clerk_fullstack.local_clerk.store import UserStore, clean_email, clean_name

pytestmark = pytest.mark.unit


@pytest.fixture
def store(tmp_path: Path) -> UserStore:
    return UserStore(tmp_path)


def test_created_users_get_clerk_style_ids(store: UserStore) -> None:
    user = store.create_user(email_address="ada@example.org", first_name="Ada", last_name=None)
    assert user.id.startswith("user_") and len(user.id) == len("user_") + 27
    assert user.email_address_id.startswith("idn_")
    assert user.updated_at == user.created_at


def test_an_email_address_belongs_to_one_user(store: UserStore) -> None:
    store.create_user(email_address="ada@example.org", first_name=None, last_name=None)
    with pytest.raises(IdentifierExistsError):
        store.create_user(email_address="ada@example.org", first_name=None, last_name=None)


def test_records_survive_a_new_store_on_the_same_folder(tmp_path: Path) -> None:
    user = UserStore(tmp_path).create_user(
        email_address="ada@example.org", first_name="Ada", last_name="L"
    )
    again = UserStore(tmp_path)
    assert again.get_user(user.id) == user
    assert again.find_by_email("ada@example.org") == user


def test_client_tokens_are_stored_only_as_hashes(store: UserStore) -> None:
    user = store.create_user(email_address="ada@example.org", first_name=None, last_name=None)
    _, client_token = store.create_session(user.id)
    assert client_token not in store.path.read_text()
    assert json.loads(store.path.read_text())["sessions"]


def test_a_client_token_authenticates_its_session(store: UserStore) -> None:
    user = store.create_user(email_address="ada@example.org", first_name=None, last_name=None)
    session, client_token = store.create_session(user.id)
    assert store.authenticate(client_token) == (session, store.get_user(user.id))
    with pytest.raises(NotSignedInError):
        store.authenticate("client_made_up")
    with pytest.raises(NotSignedInError):
        store.authenticate(None)


def test_updates_move_updated_at_strictly_forward(store: UserStore) -> None:
    user = store.create_user(email_address="ada@example.org", first_name="A", last_name=None)
    stamps = [user.updated_at]
    for name in ("B", "C", "D"):
        stamps.append(store.update_names(user.id, first_name=name, last_name="X").updated_at)
    assert stamps == sorted(set(stamps))
    assert store.get_user(user.id).first_name == "D"  # type: ignore[union-attr]


def test_signing_out_ends_only_that_session(store: UserStore) -> None:
    user = store.create_user(email_address="ada@example.org", first_name=None, last_name=None)
    first, first_token = store.create_session(user.id)
    _, second_token = store.create_session(user.id)
    store.end_session(first.id)
    with pytest.raises(NotSignedInError):
        store.authenticate(first_token)
    assert store.authenticate(second_token)[1].id == user.id


def test_deleting_a_user_revokes_every_session(store: UserStore) -> None:
    user = store.create_user(email_address="ada@example.org", first_name=None, last_name=None)
    _, token = store.create_session(user.id)
    store.delete_user(user.id)
    assert store.get_user(user.id) is None
    with pytest.raises(NotSignedInError):
        store.authenticate(token)
    with pytest.raises(NotSignedInError):
        store.create_session(user.id)


def test_form_values_are_cleaned() -> None:
    assert clean_email("  Ada@Example.ORG ") == "ada@example.org"
    assert clean_name("  Ada ", "first_name") == "Ada"
    assert clean_name("   ", "first_name") is None
    assert clean_name(None, "first_name") is None


@pytest.mark.parametrize("value", ["", "ada", "ada@", "@example.org", "a b@example.org", 42, None])
def test_malformed_email_addresses_are_refused(value: object) -> None:
    with pytest.raises(InvalidFormError, match="email_address"):
        clean_email(value)


def test_overlong_names_are_refused() -> None:
    with pytest.raises(InvalidFormError, match="last_name"):
        clean_name("x" * 300, "last_name")

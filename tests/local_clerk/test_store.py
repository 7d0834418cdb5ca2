"""The emulator's records: users, browsers (clients) and sessions in one private file."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from clerk_fullstack.local_clerk.errors import InvalidFormError
from clerk_fullstack.local_clerk.instance import (
    Caller,
    LocalClerk,
    clean_email,
    clean_name,
    clean_password,
)
from clerk_fullstack.local_clerk.store import (
    LocalClient,
    LocalUser,
    UserStore,
    new_id,
    now_ms,
    secret_hash,
)
from tests.helpers.local_clerk import standalone_clerk

pytestmark = pytest.mark.unit


@pytest.fixture
def store(tmp_path: Path) -> UserStore:
    return UserStore(tmp_path)


def a_user(email: str = "ada@example.org") -> LocalUser:
    now = now_ms()
    return LocalUser(new_id("user"), email, new_id("idn"), "Ada", None, now, now)


def a_client() -> LocalClient:
    now = now_ms()
    return LocalClient(new_id("client"), secret_hash(new_id("dvb")), now, now)


def active(client: LocalClient) -> str | None:
    """The client's active session (read afresh after each change)."""
    return client.last_active_session_id


def test_ids_are_shaped_like_clerks() -> None:
    user_id = new_id("user")
    assert user_id.startswith("user_") and len(user_id) == len("user_") + 27
    assert user_id[5:].isalnum()
    assert new_id("user") != user_id


def test_records_survive_a_new_store_on_the_same_folder(tmp_path: Path) -> None:
    user, client = a_user(), a_client()
    with UserStore(tmp_path).transaction(write=True) as records:
        records.users[user.id] = user
        records.clients[client.id] = client
        session = records.start_session(client, user, 1_800_000_000.0)
    again = UserStore(tmp_path)
    with again.transaction() as records:
        assert records.users == {user.id: user}
        assert records.clients[client.id].last_active_session_id == session.id
        assert records.sessions == {session.id: session}
    assert again.get_user(user.id) == user
    assert again.all_users() == [user]


def test_the_file_is_readable_by_the_owner_only(store: UserStore) -> None:
    with store.transaction(write=True) as records:
        user = a_user()
        records.users[user.id] = user
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600


def test_reads_do_not_rewrite_the_file(store: UserStore) -> None:
    with store.transaction(write=True) as records:
        user = a_user()
        records.users[user.id] = user
    before = store.path.stat().st_mtime_ns
    for _ in range(5):
        store.all_users()
        with store.transaction() as records:
            records.users[user.id].first_name = "Not saved"
    assert store.path.stat().st_mtime_ns == before
    assert store.get_user(user.id) == user


def test_a_failed_transaction_keeps_only_what_it_marked_changed(store: UserStore) -> None:
    first, second = a_user("first@example.org"), a_user("second@example.org")
    with pytest.raises(RuntimeError), store.transaction(write=True) as records:
        records.users[first.id] = first
        raise RuntimeError("refused before anything was marked")
    assert store.all_users() == []
    with pytest.raises(RuntimeError), store.transaction(write=True) as records:
        records.users[second.id] = second
        records.changed = True  # a failed attempt counted, say
        raise RuntimeError("refused after a change that must stick")
    assert store.all_users() == [second]


def test_browser_ids_are_kept_only_as_hashes(tmp_path: Path) -> None:
    clerk = standalone_clerk(tmp_path)
    browser_id = clerk.new_browser()
    assert browser_id not in clerk.store.path.read_text()
    with clerk.store.transaction() as records:
        client = records.client_by_browser(browser_id)
        assert client is not None and client.browser_hash == secret_hash(browser_id)
        assert records.client_by_browser(browser_id + "x") is None
        assert records.client_by_browser(new_id("dvb")) is None


def test_passwords_are_kept_only_as_hashes(tmp_path: Path) -> None:
    clerk = standalone_clerk(tmp_path)
    caller = Caller(clerk.new_browser())
    created = clerk.create_sign_up(
        caller, {"email_address": "ada@example.org", "password": "correct horse battery"}
    )
    sign_up_id = created["response"]["id"]
    clerk.prepare_sign_up(caller, sign_up_id, {"strategy": "email_code"})
    raw = clerk.store.path.read_text()  # the attempt in progress is stored, too
    assert "correct horse battery" not in raw and "scrypt$" in raw
    clerk.attempt_sign_up(caller, sign_up_id, {"code": "424242"})
    assert "correct horse battery" not in clerk.store.path.read_text()


def test_email_addresses_are_looked_up_lower_cased(store: UserStore) -> None:
    user = a_user("ada@example.org")
    with store.transaction(write=True) as records:
        records.users[user.id] = user
        assert records.user_by_email("ada@example.org") == user
        assert records.user_by_email("bob@example.org") is None


def test_ending_the_active_session_makes_the_newest_other_one_active(store: UserStore) -> None:
    user, client = a_user(), a_client()
    with store.transaction(write=True) as records:
        records.users[user.id] = user
        records.clients[client.id] = client
        older = records.start_session(client, user, 1_800_000_000.0)
        newer = records.start_session(client, user, 1_800_000_060.0)
        assert [s.id for s in records.sessions_of(client)] == [older.id, newer.id]
        assert active(client) == newer.id
        records.end_session(newer.id)
        assert active(client) == older.id
        records.end_session(older.id)
        assert active(client) is None
        records.end_session("sess_unknown")  # nothing to do


def test_deleting_a_user_ends_every_session_of_theirs_only(store: UserStore) -> None:
    ada, bob, client = a_user("ada@example.org"), a_user("bob@example.org"), a_client()
    with store.transaction(write=True) as records:
        records.users |= {ada.id: ada, bob.id: bob}
        records.clients[client.id] = client
        records.start_session(client, ada, 1_800_000_000.0)
        kept = records.start_session(client, bob, 1_800_000_001.0)
        records.start_session(client, ada, 1_800_000_002.0)
        assert records.delete_user(ada.id) == ada
        assert list(records.sessions) == [kept.id]
        assert client.last_active_session_id == kept.id
    assert store.get_user(ada.id) is None


def test_sessions_from_the_old_stand_in_format_are_dropped(store: UserStore) -> None:
    user = a_user()
    old = {
        "users": {user.id: {"id": user.id, "email_address": user.email_address,
                            "email_address_id": user.email_address_id, "first_name": None,
                            "last_name": None, "created_at": 1, "updated_at": 1}},
        "sessions": {"sess_old": {"id": "sess_old", "user_id": user.id, "created_at": 1,
                                  "token_hash": "x"}},
    }  # fmt: skip
    store.path.write_text(json.dumps(old))
    with store.transaction() as records:
        assert records.sessions == {}
        assert records.users[user.id].password_hash is None


def test_form_values_are_cleaned() -> None:
    assert clean_email("  Ada@Example.ORG ") == "ada@example.org"
    assert clean_name("  Ada ", "first_name") == "Ada"
    assert clean_name("   ", "first_name") is None
    assert clean_name(None, "first_name") is None
    assert clean_password("12345678") == "12345678"


@pytest.mark.parametrize("value", ["", "ada", "ada@", "@example.org", "a b@example.org", None])
def test_malformed_email_addresses_are_refused(value: str | None) -> None:
    with pytest.raises(InvalidFormError) as caught:
        clean_email(value)
    assert caught.value.param_name == "email_address"


@pytest.mark.parametrize("value", [None, "", "1234567", "x" * 73])
def test_passwords_outside_clerks_length_limits_are_refused(value: str | None) -> None:
    with pytest.raises(InvalidFormError) as caught:
        clean_password(value)
    assert caught.value.param_name == "password"


def test_overlong_names_are_refused() -> None:
    with pytest.raises(InvalidFormError) as caught:
        clean_name("x" * 300, "last_name")
    assert caught.value.param_name == "last_name"


def test_a_new_emulator_on_a_folder_keeps_its_users(tmp_path: Path) -> None:
    first: LocalClerk = standalone_clerk(tmp_path)
    caller = Caller(first.new_browser())
    sign_up_id = first.create_sign_up(
        caller, {"email_address": "ada@example.org", "password": "correct horse battery"}
    )["response"]["id"]
    done = first.attempt_sign_up(caller, sign_up_id, {"code": "424242"})
    restarted = standalone_clerk(tmp_path)
    assert restarted.instance_id == first.instance_id
    token = restarted.session_token(caller, done["response"]["created_session_id"])
    assert token["object"] == "token"

"""Reflex's state folder without Redis: this user's, outside the project, private."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from clerk_fullstack.core.settings import ConfigError, load_settings, project_states_dir
from clerk_fullstack.server.state_dir import (
    STATES_WORKDIR_VARIABLE,
    create_states_dir,
    use_states_dir,
)
from tests.helpers.project import ROOT

pytestmark = pytest.mark.unit


def test_the_default_folder_is_in_the_users_state_home(
    env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    env.delenv("REFLEX_STATES_WORKDIR", raising=False)
    env.setenv("XDG_STATE_HOME", str(tmp_path))
    assert load_settings().states_dir == project_states_dir(tmp_path, Path.cwd())
    assert load_settings().states_dir.parent.parent == tmp_path / "clerk_fullstack"

    env.setenv("HOME", str(tmp_path / "home"))
    for unset in ("", "relative/state"):  # the XDG spec: empty or relative means unset
        env.setenv("XDG_STATE_HOME", unset)
        expected = project_states_dir(tmp_path / "home" / ".local" / "state", Path.cwd())
        assert load_settings().states_dir == expected
    assert not load_settings().states_dir.is_relative_to(ROOT)


def test_reflex_states_workdir_wins_and_is_made_absolute(env: pytest.MonkeyPatch) -> None:
    env.setenv("REFLEX_STATES_WORKDIR", "somewhere/states")
    assert load_settings().states_dir == Path.cwd() / "somewhere" / "states"


def test_reflex_is_pointed_at_the_folder_unless_redis_holds_the_state(
    env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    env.setenv("REFLEX_STATES_WORKDIR", str(tmp_path / "states"))
    environ: dict[str, str] = {}
    assert use_states_dir(load_settings(), environ) == tmp_path / "states"
    assert environ == {STATES_WORKDIR_VARIABLE: str(tmp_path / "states")}

    env.setenv("REFLEX_REDIS_URL", "redis://127.0.0.1:6379")
    environ.clear()
    assert use_states_dir(load_settings(), environ) is None
    assert create_states_dir(load_settings()) is None
    assert environ == {}


def test_the_folder_is_created_private_and_narrowed_if_it_exists(
    env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    folder = tmp_path / "app" / "states"
    env.setenv("REFLEX_STATES_WORKDIR", str(folder))
    assert create_states_dir(load_settings()) == folder
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE(folder.parent.stat().st_mode) == 0o700

    folder.chmod(0o755)
    create_states_dir(load_settings())
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700


def test_a_folder_that_cannot_be_created_names_the_variable(
    env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "file").write_text("not a folder")
    env.setenv("REFLEX_STATES_WORKDIR", str(tmp_path / "file" / "states"))
    with pytest.raises(ConfigError, match=f"{STATES_WORKDIR_VARIABLE}: cannot create"):
        create_states_dir(load_settings())


def test_the_state_lifetime_is_short_by_default_and_checked(env: pytest.MonkeyPatch) -> None:
    env.delenv("REFLEX_REDIS_TOKEN_EXPIRATION", raising=False)
    assert load_settings().reflex_redis_token_expiration == 120
    env.setenv("REFLEX_REDIS_TOKEN_EXPIRATION", "3")
    with pytest.raises(ConfigError, match="REFLEX_REDIS_TOKEN_EXPIRATION"):
        load_settings()


def test_each_project_folder_has_its_own(tmp_path: Path) -> None:
    """`reflex run` empties the folder at start: another checkout's tabs must not be in it."""
    one = project_states_dir(tmp_path, tmp_path / "a" / "clerk_fullstack")
    other = project_states_dir(tmp_path, tmp_path / "b" / "clerk_fullstack")
    assert one != other
    assert one.name == other.name == "states"
    assert one.parent.name.startswith("clerk_fullstack-")

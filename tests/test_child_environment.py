"""The children the tests start inherit no app, Reflex or server setting from the test process."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from clerk_fullstack.core.settings import Settings
from tests.helpers.environment import app_environment, setting_variables

pytestmark = pytest.mark.unit


def test_every_setting_is_named_with_its_variable() -> None:
    names = setting_variables()
    assert len(names) == len(Settings.model_fields)
    assert {"MONGO_URI", "CLERK_SECRET_KEY", "WEB_MAX_HEADER_BYTES"} <= names
    assert "__REFLEX_COMPILE_CONTEXT" in names  # an alias, not the field's name


def test_no_setting_reaches_a_child_in_any_case(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in setting_variables():
        monkeypatch.setenv(name, "from the test process")
    monkeypatch.setenv("mongo_uri", "mongodb://lower-case.example")  # Settings ignores case
    assert not setting_variables().intersection(name.upper() for name in app_environment({}))


@pytest.mark.parametrize(
    "name",
    [
        "REFLEX_REDIS_URL",
        "REFLEX_SOME_FUTURE_OPTION",  # an `rx.Config` field, read as REFLEX_<FIELD>
        "__REFLEX_SKIP_COMPILE",
        "VITE_HMR",  # declared by Reflex without its prefix
        "GUNICORN_CMD_ARGS",
        "GRANIAN_WORKERS",
        "FORWARDED_ALLOW_IPS",
        "PYTEST_CURRENT_TEST",
    ],
)
def test_reflex_and_server_variables_stay_behind(
    monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    monkeypatch.setenv(name, "1")
    assert name not in app_environment({})


def test_the_machine_and_the_emulators_cache_are_inherited(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLERK_EMULATOR_CACHE", "/tmp/cache")
    monkeypatch.setenv("NPM_CONFIG_REGISTRY", "https://registry.example")
    env = app_environment({})
    assert env["CLERK_EMULATOR_CACHE"] == "/tmp/cache"
    assert env["NPM_CONFIG_REGISTRY"] == "https://registry.example"


def test_what_the_test_passes_wins_and_node_comes_from_the_venv() -> None:
    env = app_environment({"MONGO_URI": "mongodb://child.example", "REFLEX_USE_NPM": "0"})
    assert env["MONGO_URI"] == "mongodb://child.example"
    assert env["REFLEX_USE_NPM"] == "0"
    assert env["PATH"].split(":")[0] == str(Path(sys.executable).parent)
    assert app_environment({})["REFLEX_USE_NPM"] == "1"

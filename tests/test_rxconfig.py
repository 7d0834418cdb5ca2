"""rxconfig.py, as `reflex` loads it: what it sets for Reflex's own command line."""

from __future__ import annotations

import pytest

from tests.conftest import TEST_ENV
from tests.helpers.processes import run_python

pytestmark = pytest.mark.integration

READ_THE_CHECK = (
    "import rxconfig\n"
    "from reflex_base.environment import environment\n"
    "print(environment.REFLEX_CHECK_LATEST_VERSION.get())\n"
)


def version_check_after_loading_rxconfig(extra: dict[str, str]) -> str:
    """Whether Reflex would check PyPI for a newer Reflex, in a process that loaded rxconfig."""
    result = run_python(["-c", READ_THE_CHECK], timeout=60, settings={**TEST_ENV, **extra})
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout.strip().splitlines()[-1]


def test_reflex_does_not_check_pypi_for_a_newer_reflex_by_default() -> None:
    assert version_check_after_loading_rxconfig({}) == "False"


def test_the_version_check_can_be_turned_back_on() -> None:
    assert version_check_after_loading_rxconfig({"REFLEX_CHECK_LATEST_VERSION": "true"}) == "True"

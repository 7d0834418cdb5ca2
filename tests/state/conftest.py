"""Fixtures shared by the state tests that drive the real backend over its socket."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import TEST_ENV
from tests.helpers.app_process import AppProcess, prod_backend
from tests.helpers.mongo import ChildServer


@pytest.fixture(scope="module")
def backend(
    child_database: ChildServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[AppProcess]:
    """`reflex run --env prod --backend-only` with the test keys, as in production."""
    with prod_backend(TEST_ENV, child_database.port, tmp_path_factory.mktemp("logs")) as process:
        yield process

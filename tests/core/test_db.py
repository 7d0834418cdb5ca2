"""The database connector's back-off (the outage behaviour is in tests/deploy/)."""

from __future__ import annotations

import itertools

import pytest

from clerk_fullstack.core.db import retry_delays

pytestmark = pytest.mark.unit


def test_the_back_off_doubles_up_to_its_cap() -> None:
    assert list(itertools.islice(retry_delays(0.5, 10.0), 8)) == [
        0.5,
        1.0,
        2.0,
        4.0,
        8.0,
        10.0,
        10.0,
        10.0,
    ]

"""Reading the browser's token answer: any payload a client sends yields a sane, bounded result."""

from __future__ import annotations

import pytest

from clerk_fullstack.auth.tokens import MAX_TOKEN_CHARS
from clerk_fullstack.state.token_answer import (
    MALFORMED_ERROR,
    MAX_ERROR_CHARS,
    NO_RESULT,
    read_token_result,
)

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("result", "expected"),
    [
        ({"token": "abc", "error": None}, ("abc", None)),
        ({"token": None, "error": None}, (None, None)),
        ({"token": "", "error": None}, (None, None)),
        ({"token": None, "error": "offline"}, (None, "offline")),
        ({"token": 42}, (None, None)),
        (None, (None, NO_RESULT)),
        ("abc", (None, NO_RESULT)),
        ({"token": "t" * MAX_TOKEN_CHARS}, ("t" * MAX_TOKEN_CHARS, None)),
        ({"token": "t" * (MAX_TOKEN_CHARS + 1)}, (None, None)),
        ({"token": {"nested": [[["x"]] * 100]}}, (None, None)),
        ({"token": None, "error": "e" * 10_000}, (None, "e" * MAX_ERROR_CHARS)),
        ({"token": None, "error": {"deep": [[[1]] * 100]}}, (None, MALFORMED_ERROR)),
        ({"token": None, "error": 0}, (None, None)),
        ([{"token": "abc"}], (None, NO_RESULT)),
        ("x" * 1_000_000, (None, NO_RESULT)),
        (12, (None, NO_RESULT)),
    ],
)
def test_any_payload_reads_as_a_bounded_result(
    result: object, expected: tuple[str | None, str | None]
) -> None:
    assert read_token_result(result) == expected

"""Log records as one escaped line of bounded length, whoever wrote the text in them."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest

from clerk_fullstack.core.safe_logs import (
    MAX_LOGGED_CHARS,
    EscapedLogRecord,
    install,
    one_line,
    render_exception,
)

pytestmark = pytest.mark.unit

FORGED = "INFO:clerk_fullstack.api.webhooks:Webhook msg_1 for user_admin: deleted"


@pytest.fixture
def log_output() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    """A logger writing plain lines to a buffer, with the records `install()` makes."""
    factory = logging.getLogRecordFactory()
    install()
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    logger = logging.getLogger("tests.safe_logs")
    logger.addHandler(handler)
    logger.propagate = False
    yield logger, buffer
    logger.removeHandler(handler)
    logging.setLogRecordFactory(factory)


def starts_a_line(text: str, forged: str = FORGED) -> bool:
    return any(line.lstrip().startswith(forged) for line in text.splitlines())


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("plain text, [brackets] and ünïcödé", "plain text, [brackets] and ünïcödé"),
        ("a\nb\r\nc\td", "a\\nb\\r\\nc\\td"),
        ("\x1b[31mred\x1b[0m", "\\x1b[31mred\\x1b[0m"),
        ("line\u2028sep\u2029para\x85next", "line\\u2028sep\\u2029para\\x85next"),
        ("admin\u202etxt.exe", "admin\\u202etxt.exe"),
    ],
)
def test_one_line_escapes_what_could_start_or_hide_a_line(text: str, expected: str) -> None:
    assert one_line(text) == expected


def test_one_line_cuts_long_text_and_says_how_much() -> None:
    assert one_line("x" * 1_000) == "x" * MAX_LOGGED_CHARS + "… (500 more characters)"
    # Escaping cannot make the text longer than the limit either.
    escaped = one_line("\n" * 1_000)
    assert escaped.startswith("\\n" * (MAX_LOGGED_CHARS // 2) + "…")
    assert len(escaped) < MAX_LOGGED_CHARS + 30


def raise_chained(name: str) -> None:
    def handler() -> None:
        pass

    try:
        handler(**{name: 1})
    except TypeError as exc:
        raise KeyError(f"No handler for {name}") from exc


def test_a_traceback_keeps_its_frames_and_escapes_its_messages() -> None:
    name = f"x\n{FORGED}\n" + "y" * 10_000
    with pytest.raises(KeyError) as caught:
        raise_chained(name)
    text = render_exception(caught.value)

    assert text.count("Traceback (most recent call last):") == 2
    assert "direct cause of the following exception" in text
    assert f'File "{__file__}"' in text
    assert "handler(**{name: 1})" in text  # the source line, as Python prints it
    assert "TypeError: " in text and "KeyError: " in text
    assert not starts_a_line(text)
    assert max(len(line) for line in text.splitlines()) < MAX_LOGGED_CHARS + 40


def test_records_are_escaped_whatever_the_handler(
    log_output: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, buffer = log_output
    logger.warning("event data: %s", f"{{'x': '\n{FORGED}'}}" + "z" * 100_000)
    try:
        raise_chained(f"bad\n{FORGED}")
    except KeyError:
        logger.exception("failed for %s", f"\n{FORGED}")

    text = buffer.getvalue()
    assert not starts_a_line(text)
    assert text.count(FORGED) == 4  # logged, inside lines
    assert len(text) < 6 * MAX_LOGGED_CHARS + 2_000
    assert text.count("Traceback (most recent call last):") == 2  # printed once, escaped


def test_a_record_keeps_reflex_console_on_one_line(
    log_output: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, _ = log_output
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    handler = Keep()
    logger.addHandler(handler)
    try:
        logger.warning("plain")
        # Reflex's deprecation warnings pass their own rich arguments through `extra`.
        logger.warning("deprecated", extra={"rich_kwargs": {"markup": True}})
    finally:
        logger.removeHandler(handler)

    assert [type(record) for record in records] == [EscapedLogRecord, EscapedLogRecord]
    assert getattr(records[0], "rich_kwargs", None) == {"soft_wrap": True}
    assert getattr(records[1], "rich_kwargs", None) == {"markup": True}

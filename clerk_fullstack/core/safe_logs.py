"""Log records a client cannot flood or forge: each message is one escaped line of bounded length.

Reflex logs what a socket client sends, whole: an event from a socket without a token, a handler
name, an argument name in a `TypeError`, a frontend error report. A client could then write
megabytes per event, or put a newline followed by a line of its own making in the log.

`install()` makes every record this process creates an `EscapedLogRecord` (the standard library's
record factory hook), so Reflex's loggers, uvicorn's, gunicorn's and the app's own all get the
same treatment, whatever handler writes them:

- the message's control characters are escaped (a newline becomes the two characters `\\n`), and
  it is cut to `MAX_LOGGED_CHARS`;
- a traceback keeps its frames (the server's own code and files) but each exception's message
  is escaped and cut the same way.

One Reflex detail is used here, on purpose and nowhere else: Reflex's console sink prints through
rich, which wraps long lines at 80 columns, and a wrap can start a line with a client's text.
Reflex passes a record's `rich_kwargs` attribute to rich's `print`; every record carries
`soft_wrap=True` there, so a record stays on one line.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, ClassVar

MAX_LOGGED_CHARS = 500
"""How much of a message (or of one exception's text) is written; the rest is counted."""

_CAUSE = "\nThe above exception was the direct cause of the following exception:\n\n"
_CONTEXT = "\nDuring handling of the above exception, another exception occurred:\n\n"
_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape_char(char: str) -> str:
    if char.isprintable():
        return char
    if escaped := _ESCAPES.get(char):
        return escaped
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def one_line(text: str, limit: int = MAX_LOGGED_CHARS) -> str:
    """`text` as one printable line of at most `limit` characters (plus a note of what was cut).

    Control characters, line and paragraph separators and invisible format characters (such as
    bidirectional overrides) are escaped, so the text cannot start a line or hide what it says.
    """
    cut = len(text) - limit
    head = text[:limit] if cut > 0 else text
    if not head.isprintable():
        head = "".join(_escape_char(char) for char in head)
        if len(head) > limit:
            cut += len(head) - limit  # counted in escaped characters from here on
            head = head[:limit]
    return f"{head}… ({cut} more characters)" if cut > 0 else head


def render_exception(exc: BaseException) -> str:
    """A traceback whose frames are kept as they are, and whose exception messages are escaped.

    Frames name the server's files and lines of its source; a message may hold a client's text
    (an unknown argument's name, a handler name), so each becomes one bounded line.
    """
    parts: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        block = []
        if current.__traceback__ is not None:
            block.append("Traceback (most recent call last):\n")
            block.extend(traceback.format_tb(current.__traceback__))
        block.append(one_line(_describe(current)) + "\n")
        notes = getattr(current, "__notes__", None)
        if isinstance(notes, list):
            block.extend(one_line(str(note)) + "\n" for note in notes)
        parts[:0] = block
        if current.__cause__ is not None:
            parts.insert(0, _CAUSE)
            current = current.__cause__
        elif current.__context__ is not None and not current.__suppress_context__:
            parts.insert(0, _CONTEXT)
            current = current.__context__
        else:
            current = None
    return "".join(parts).rstrip("\n")


def _describe(exc: BaseException) -> str:
    name = type(exc).__qualname__
    try:
        message = str(exc)
    except Exception:  # noqa: BLE001 - a broken __str__ must not lose the record
        message = "<the exception's message could not be read>"
    return f"{name}: {message}" if message else name


class EscapedLogRecord(logging.LogRecord):
    """A log record whose message is `one_line` and whose traceback is `render_exception`'s.

    The exception is taken out of `exc_info` (so no handler formats it again unescaped) and
    appended to the message when the message is first read.
    """

    rich_kwargs: ClassVar[Mapping[str, Any]] = MappingProxyType({"soft_wrap": True})
    """Read by Reflex's console sink (see the module docstring): never wrap a record's line."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._exception: BaseException | None = None
        self._rendered: str | None = None
        if self.exc_info and self.exc_info[1] is not None:
            self._exception = self.exc_info[1]
            self.exc_info = None
            self.exc_text = None

    def getMessage(self) -> str:
        """The escaped message, then the escaped traceback if the record carried one."""
        if self._rendered is None:
            message = one_line(super().getMessage())
            if self._exception is not None:
                message = f"{message}\n{render_exception(self._exception)}"
                self._exception = None  # rendered once; drop the frames it references
            self._rendered = message
        return self._rendered


def install() -> None:
    """Create every later log record of this process as an `EscapedLogRecord`."""
    logging.setLogRecordFactory(EscapedLogRecord)

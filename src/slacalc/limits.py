"""Bounded reading: the size limits of every entry point that reads files or text.

A file is read only when it is a regular file (after following symlinks: a device, a
pipe or a socket is refused before anything is read, and a FIFO is never opened), and at
most ``limit + 1`` bytes are ever read from it, so a file whose size the system misreports
(``/proc``) or that grows while read cannot run past the cap either. Text is UTF-8 (a BOM
is allowed); anything else is refused with the line and column of the first bad byte.

Every problem is raised through the caller's ``fail(message, line=..., column=...)``, so
each reader keeps its own error type and way of naming the file. The limits themselves are
listed in ``docs/semantics.md`` ("Limits").
"""

from __future__ import annotations

import codecs
import io
import os
import stat
from typing import BinaryIO, Protocol

from .errors import SlacalcError

__all__ = [
    "MAX_POLICY_BYTES",
    "MAX_TABLE_BYTES",
    "Fail",
    "check_size",
    "decode_utf8",
    "not_utf8",
    "open_regular",
    "read_capped",
]

MAX_POLICY_BYTES = 5_000_000
"""Largest policy or calendar YAML, in bytes of a file or characters of text."""
MAX_TABLE_BYTES = 500_000_000
"""Largest ticket table (CSV, JSON, JSON lines) the command line reads, in bytes."""


class Fail(Protocol):
    """Builds the caller's error for a message and an optional position."""

    def __call__(
        self, message: str, *, line: int | None = None, column: int | None = None
    ) -> SlacalcError: ...


def check_size(size: int | None, limit: int, fail: Fail, unit: str = "bytes") -> None:
    """Refuse ``size`` above ``limit`` (``None``: known only to be above it)."""
    if size is None:
        raise fail(f"is more than {limit:,} {unit}, the limit")
    if size > limit:
        raise fail(f"is {size:,} {unit}; the limit is {limit:,} {unit}")


def open_regular(path: str | os.PathLike[str], limit: int, fail: Fail) -> BinaryIO:
    """Open a regular file of at most ``limit`` bytes for reading (reads stop at ``limit + 1``).

    Symlinks are followed; a folder, device, pipe or socket is refused without opening it
    (a FIFO never blocks).
    """
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise fail("no such file") from None
    except OSError as e:
        raise fail(f"cannot read: {e.strerror or e}") from None
    _check_kind(st.st_mode, fail)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as e:
        raise fail(f"cannot read: {e.strerror or e}") from None
    try:
        st = os.fstat(fd)  # the file actually opened, in case the path changed meanwhile
        _check_kind(st.st_mode, fail)
        check_size(st.st_size, limit, fail)
        os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    raw = _Capped(io.FileIO(fd, "rb", closefd=True), limit, fail)
    return io.BufferedReader(raw)


def read_capped(path: str | os.PathLike[str], limit: int, fail: Fail) -> bytes:
    """All bytes of a regular file of at most ``limit`` bytes (see ``open_regular``)."""
    with open_regular(path, limit, fail) as f:
        try:
            return f.read()
        except OSError as e:
            raise fail(f"cannot read: {e.strerror or e}") from None


def decode_utf8(raw: bytes, fail: Fail) -> str:
    """UTF-8 text (a BOM is allowed); anything else fails at the first bad byte's position."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        bom = len(codecs.BOM_UTF8) if raw.startswith(codecs.BOM_UTF8) else 0
        raise not_utf8(raw, e.start + bom, fail) from None  # e.start counts after a BOM


def not_utf8(raw: bytes, at: int, fail: Fail, lines_before: int = 0) -> SlacalcError:
    """The error for ``raw[at]``, a byte that is not UTF-8, at its line and column
    (``lines_before`` line breaks precede ``raw``)."""
    line = lines_before + raw[:at].count(b"\n") + 1
    col = at - (raw.rfind(b"\n", 0, at) + 1) + 1
    return fail(
        f"not UTF-8 text (byte 0x{raw[at]:02x}); save the file as UTF-8", line=line, column=col
    )


def _check_kind(mode: int, fail: Fail) -> None:
    if stat.S_ISDIR(mode):
        raise fail("is a folder, not a file")
    if not stat.S_ISREG(mode):
        raise fail("is not a regular file (a device, pipe or socket); give a file")


class _Capped(io.RawIOBase):
    """A raw reader that fails once more than ``limit`` bytes have been read."""

    def __init__(self, inner: io.FileIO, limit: int, fail: Fail) -> None:
        self._inner = inner
        self._left = limit + 1
        self._limit = limit
        self._fail = fail

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        if self._left <= 0:
            check_size(None, self._limit, self._fail)
        view = memoryview(buffer).cast("B")[: self._left]
        n = self._inner.readinto(view)
        if n:
            self._left -= n
            if self._left <= 0:
                check_size(None, self._limit, self._fail)
        return n or 0

    def close(self) -> None:
        self._inner.close()
        super().close()

"""ISO 8601 text to integer microseconds, for whole columns at once (extra ``slacalc[pandas]``).

``parse(values)`` reads ``YYYY-MM-DD[T ]HH:MM[:SS[.fff...]]`` followed by ``Z``, ``±HH:MM``,
``±HHMM``, ``±HH`` or nothing, with numpy over the characters of all rows at once (no Python
code per row). Anything else that ``datetime.fromisoformat`` reads (a date alone, a week
date, ``24:00``...) is read by it, once per distinct value. Rows with an offset give their
instant; rows without one give their wall time as if it were UTC, flagged ``offset=False``,
so the caller decides which zone they are in (``slacalc.frame`` localises them by the
policy-wide rule). Unreadable and missing rows give ``NAT``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import numpy as np

from .instants import to_us

if TYPE_CHECKING:
    from numpy.typing import NDArray

__all__ = ["NAT", "Parsed", "parse", "parse_one"]

NAT = np.iinfo(np.int64).min
"""The value of a missing or unreadable row (numpy's ``NaT`` as int64)."""

_US_SEC = 1_000_000
_US_DAY = 86_400 * _US_SEC
_DIGITS = (0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15)
_MONTH_DAYS = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)
_WIDTH = 40
_POW10 = np.array([10**k for k in range(7)], dtype=np.int64)


@dataclass(frozen=True)
class Parsed:
    """Per row: microseconds, whether the text carried an offset, whether it was read."""

    us: NDArray[np.int64]
    offset: NDArray[np.bool_]
    ok: NDArray[np.bool_]


def parse_one(text: str) -> tuple[int, bool] | None:
    """One value by ``datetime.fromisoformat``: (microseconds, has offset), or None."""
    try:
        t = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    if t.tzinfo is None or t.utcoffset() is None:
        return to_us(t.replace(tzinfo=UTC)), False
    return to_us(t), True


def parse(values: Any) -> Parsed:
    """Parse a column of ISO 8601 strings (a sequence, numpy array or pandas Series).

    Missing values (``None``, ``NaN``, ``pd.NA``, empty text) give ``NAT``, ``ok=False``.
    """
    chars, lengths, is_str, obj = _bytes(values)
    n = len(lengths)
    us = np.full(n, NAT, dtype=np.int64)
    offset = np.zeros(n, dtype=bool)
    ok = np.zeros(n, dtype=bool)
    if n == 0:
        return Parsed(us, offset, ok)
    fast = _fast(chars, lengths, us, offset) & is_str
    ok |= fast
    slow = np.flatnonzero(is_str & ~fast)
    if len(slow):
        if obj is None:
            obj = np.asarray(values, dtype=object)
        _fallback(obj, slow, us, offset, ok)
    return Parsed(us, offset, ok)


def _bytes(
    values: Any,
) -> tuple[NDArray[np.uint8], NDArray[np.int64], NDArray[np.bool_], NDArray[np.object_] | None]:
    """Rows as a zero-padded byte matrix (width ``_WIDTH + 1``), their lengths, which are text.

    Arrow-backed text (pandas' ``str`` dtype) is read from its buffers without making Python
    strings; other input goes through a numpy unicode array (code points above 255 become
    0xFF, which no rule accepts). Rows longer than ``_WIDTH`` are left to the fallback.
    """
    arrow = _arrow_text(values)
    if arrow is not None:
        offsets, data, valid = arrow
        lengths = (offsets[1:] - offsets[:-1]).astype(np.int64)
        is_str = valid & (lengths > 0)
        n = len(lengths)
        longest = int(lengths.max()) if n else 0
        width = max(min(longest, _WIDTH), 19) + 1
        first = int(offsets[0]) if n else 0
        filled = lengths > 0
        k = int(filled.sum())
        if k and longest <= _WIDTH and (lengths[filled] == longest).all():
            # One length for every non-empty row (the usual export): their bytes lie back
            # to back, so they are the matrix.
            chars = np.zeros((n, width), dtype=np.uint8)
            chars[filled, :longest] = data[first : first + k * longest].reshape(k, longest)
        else:
            take = np.minimum(lengths, width - 1)
            cols = np.arange(width, dtype=np.int64)
            idx = offsets[:-1, None] + np.minimum(cols, np.maximum(take - 1, 0)[:, None])
            padded = np.append(data, np.uint8(0))
            picked = padded[np.minimum(idx, len(padded) - 1)]
            chars = np.where(cols < take[:, None], picked, np.uint8(0)).astype(np.uint8)
        return chars, np.where(lengths > _WIDTH, -1, lengths), is_str, None
    obj = np.asarray(values, dtype=object)
    n = len(obj)
    is_str = np.fromiter((isinstance(v, str) and v != "" for v in obj), dtype=bool, count=n)
    text = np.where(is_str, obj, "").astype(f"U{_WIDTH + 1}")
    code = text.view(np.uint32).reshape(n, _WIDTH + 1)
    chars = np.minimum(code, 255).astype(np.uint8)
    lengths = (code != 0).sum(axis=1).astype(np.int64)
    too_long = np.fromiter(
        (len(v) > _WIDTH if isinstance(v, str) else False for v in obj), dtype=bool, count=n
    )
    chars[:, _WIDTH] = 0
    return chars, np.where(too_long, -1, lengths), is_str, obj


def _arrow_text(values: Any) -> tuple[Any, Any, Any] | None:
    """(offsets, data bytes, validity) of an arrow-backed pandas text column, else None."""
    dtype = getattr(values, "dtype", None)
    if getattr(dtype, "storage", None) not in ("pyarrow", "pyarrow_numpy"):
        return None
    try:
        import pyarrow as pa  # type: ignore[import-untyped,unused-ignore]
    except ImportError:  # pragma: no cover - the dtype implies pyarrow
        return None
    arr = pa.array(values)
    if isinstance(arr, pa.ChunkedArray):  # pragma: no cover - pa.array combines
        arr = arr.combine_chunks()
    if pa.types.is_string(arr.type):
        arr = arr.cast(pa.large_string())
    if not pa.types.is_large_string(arr.type):
        return None
    n = len(arr)
    validity, offs, data = arr.buffers()
    offsets = np.frombuffer(offs, dtype=np.int64, count=n + 1, offset=arr.offset * 8)
    raw = np.frombuffer(data, dtype=np.uint8) if data is not None else np.zeros(0, np.uint8)
    valid = ~np.asarray(arr.is_null(), dtype=bool) if validity is not None else np.ones(n, bool)
    return offsets, raw, valid


def _fast(
    chars: NDArray[np.uint8],
    lengths: NDArray[np.int64],
    us: NDArray[np.int64],
    offset: NDArray[np.bool_],
) -> Any:
    """Fill the rows in the common layout; returns which rows it read."""
    n, width = chars.shape
    flat = chars.ravel()
    base = np.arange(n, dtype=np.int64) * width

    def at(p: NDArray[np.int64] | int) -> NDArray[np.int64]:
        got: NDArray[np.int64] = flat[base + np.minimum(p, width - 1)].astype(np.int64)
        return got

    fixed = chars[:, :19]
    val = fixed - np.uint8(48)  # wraps: anything but a digit is > 9
    good = (lengths >= 16) & (val[:, list(_DIGITS)] <= 9).all(1)
    good &= (fixed[:, 4] == 45) & (fixed[:, 7] == 45) & (fixed[:, 13] == 58)
    sep = fixed[:, 10]
    good &= (sep == 84) | (sep == 32) | (sep == 116)

    def num(a: int, b: int) -> NDArray[np.int64]:
        out = val[:, a].astype(np.int64)
        for k in range(a + 1, b):
            out = out * 10 + val[:, k]
        return out

    # Seconds are optional (HH:MM), then an optional fraction of 1 to 9 digits.
    has_sec = (fixed[:, 16] == 58) & _isdigit(fixed[:, 17]) & _isdigit(fixed[:, 18])
    pos = np.where(has_sec, 19, 16)
    frac = np.zeros(n, dtype=np.int64)
    c0 = at(pos)
    has_frac = has_sec & ((c0 == 46) | (c0 == 44))
    flen = np.zeros(n, dtype=np.int64)
    if has_frac.any():
        going = has_frac.copy()
        for _ in range(9):
            c = at(pos + 1 + flen)
            d = going & _isdigit(c)
            frac = np.where(d & (flen < 6), frac * 10 + (c - 48), frac)
            flen = flen + d
            going = d
        good &= ~has_frac | (flen > 0)
        frac = frac * _POW10[np.clip(6 - flen, 0, 6)]
        pos = np.where(has_frac, pos + 1 + flen, pos)
        c0 = at(pos)
    # The offset: Z, +HH:MM, +HHMM, +HH, or the end of the text (no offset).
    end0 = pos == lengths
    zulu = ((c0 == 90) | (c0 == 122)) & (lengths == pos + 1)
    sign = np.where(c0 == 43, 1, np.where(c0 == 45, -1, 0))
    h1, h2, c3 = at(pos + 1), at(pos + 2), at(pos + 3)
    oh = (h1 - 48) * 10 + (h2 - 48)
    oh_ok = (sign != 0) & _isdigit(h1) & _isdigit(h2)
    colon = c3 == 58
    mpos = np.where(colon, pos + 4, pos + 3)
    m1, m2 = at(mpos), at(mpos + 1)
    om_ok = _isdigit(m1) & _isdigit(m2)
    om = np.where(om_ok, (m1 - 48) * 10 + (m2 - 48), 0)
    signed = oh_ok & ((lengths == pos + 3) | (om_ok & (lengths == mpos + 2)))
    good &= end0 | zulu | signed
    good &= ((oh < 24) & (om < 60)) | ~signed
    off_us = np.where(signed, sign * (oh * 3600 + om * 60) * _US_SEC, 0)
    wall = _wall_seconds(chars, good, has_sec)
    if wall is None:  # an impossible date among the rows: check each field
        year, month, day = num(0, 4), num(5, 7), num(8, 10)
        hour, minute = num(11, 13), num(14, 16)
        second = np.where(has_sec, num(17, 19), 0)
        leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
        mdays = _MONTH_DAYS[np.clip(month, 0, 12)] + ((month == 2) & leap)
        good &= (month >= 1) & (month <= 12) & (day >= 1) & (day <= mdays)
        good &= (hour < 24) & (minute < 60) & (second < 60) & (year >= 1)
        wall = _days_from_civil(year, month, day) * 86_400 + (hour * 60 + minute) * 60 + second
    wall = wall * _US_SEC + frac
    us[good] = (wall - off_us)[good]
    offset[good] = (zulu | signed)[good]
    return good


def _wall_seconds(
    chars: NDArray[np.uint8], good: NDArray[np.bool_], has_sec: NDArray[np.bool_]
) -> NDArray[np.int64] | None:
    """Seconds since the epoch of each good row's wall time, by numpy's own ISO parser.

    None when a row names an impossible date or time (numpy then refuses the whole array).
    """
    n = len(chars)
    text = np.empty((n, 19), dtype=np.uint8)
    text[:] = np.frombuffer(b"1970-01-01T00:00:00", dtype=np.uint8)
    text[good, :19] = chars[good, :19]
    text[:, 10] = 84
    short = good & ~has_sec
    text[short, 16:19] = np.frombuffer(b":00", dtype=np.uint8)
    try:
        stamps = text.view("S19").ravel().astype("M8[s]")
    except ValueError:
        return None
    return stamps.view(np.int64)


def _isdigit(c: NDArray[Any]) -> NDArray[np.bool_]:
    got: NDArray[np.bool_] = (c >= 48) & (c <= 57)
    return got


def _days_from_civil(
    y: NDArray[np.int64], m: NDArray[np.int64], d: NDArray[np.int64]
) -> NDArray[np.int64]:
    """Days since 1970-01-01 of proleptic Gregorian dates (H. Hinnant's algorithm)."""
    y = y - (m <= 2)
    era = np.floor_divide(y, 400)
    yoe = y - era * 400
    mp = np.where(m > 2, m - 3, m + 9)
    doy = (153 * mp + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    days: NDArray[np.int64] = era * 146097 + doe - 719468
    return days


def _fallback(
    obj: NDArray[np.object_],
    rows: NDArray[np.intp],
    us: NDArray[np.int64],
    offset: NDArray[np.bool_],
    ok: NDArray[np.bool_],
) -> None:
    seen: dict[str, tuple[int, bool] | None] = {}
    for i in rows.tolist():
        value = obj[i]
        if value not in seen:
            seen[value] = parse_one(value) if value.strip() else None
        got = seen[value]
        if got is not None:
            us[i], offset[i] = got
            ok[i] = True

"""Calendar questions over arrays: a Series or a datetime64 array in, the same kind out.

``Calendar.add``, ``elapsed``, ``is_open`` and ``next_open`` hand an array argument here;
the answers come from the ``Timeline``'s array forms (``add_array``, ``elapsed_array``,
``next_open_array``, ``is_open_array``), the same index the scalar calls use. This module
only moves values between the caller's kind and integer microseconds. It is imported only
when an array is passed, so the core never loads numpy or pandas.

The conventions:

* a Series must hold aware datetimes (dtype ``datetime64[..., zone]``); a naive Series is
  wall time in an unknown zone, a ``NaiveDatetimeError`` (``s.dt.tz_localize(zone)``);
* a numpy ``datetime64`` array holds instants counted from the UTC epoch (numpy has no
  zone-aware dtype; it is what ``s.dt.tz_convert("UTC").to_numpy()`` gives);
* a duration (``timedelta``, ``Duration``, text) applies to every element; a
  ``timedelta64`` array or a Series of timedeltas applies element by element;
* answers come back as the kind given: a Series on the same index in the input's zone, or
  a ``datetime64[us]`` / ``timedelta64[us]`` / ``bool`` array; ``NaT`` stays ``NaT``
  (``is_open`` of ``NaT`` is ``<NA>`` in a Series, refused in a numpy array);
* precision is the microsecond, as for single datetimes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import numpy as np

from .durations import Duration
from .errors import CalendarError, InstantError, NaiveDatetimeError
from .instants import to_us

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from .timeline import Timeline

    I64 = NDArray[np.int64]

__all__ = ["add", "elapsed", "is_open", "next_open"]

_NAT = np.iinfo(np.int64).min
_US = timedelta(microseconds=1)


def _single(value: object) -> bool:
    """A single instant or duration (the scalar forms); anything else is read as an array."""
    return isinstance(value, datetime | timedelta | str | Duration)


@dataclass(frozen=True)
class _Kind:
    """How to hand answers back: a Series (its index, name and zone) or a numpy array."""

    series: bool
    index: Any = None
    name: Any = None
    tz: Any = "UTC"

    def instants(self, us: I64) -> Any:
        if not self.series:
            return us.view("M8[us]")
        import pandas as pd

        s = pd.Series(us.view("M8[us]"), index=self.index, name=self.name)
        return s.dt.tz_localize("UTC").dt.tz_convert(self.tz)

    def durations(self, us: I64) -> Any:
        if not self.series:
            return us.view("m8[us]")
        import pandas as pd

        return pd.Series(us.view("m8[us]"), index=self.index, name=self.name)

    def flags(self, values: NDArray[np.bool_], missing: NDArray[np.bool_]) -> Any:
        if not self.series:
            return values
        import pandas as pd

        s = pd.Series(values, index=self.index, name=self.name, dtype="boolean")
        s[missing] = pd.NA
        return s


def _is_series(value: object) -> bool:
    if _single(value) or type(value).__module__.partition(".")[0] != "pandas":
        return False
    import pandas as pd

    return isinstance(value, pd.Series)


def _series_kind(s: Any) -> _Kind:
    return _Kind(True, s.index, s.name, getattr(s.dtype, "tz", "UTC"))


def _instants(t: Any, what: str) -> tuple[I64, _Kind]:
    """Microseconds since the epoch of each element (``NaT`` as int64 min) and its kind."""
    if isinstance(t, np.ndarray):
        if t.dtype.kind != "M":
            raise InstantError(
                f"{what}: a numpy array must have a datetime64 dtype (UTC instants), not "
                f"{t.dtype}; pass the Series itself, or s.dt.tz_convert('UTC')"
                ".dt.tz_localize(None).to_numpy()"
            )
        return np.ascontiguousarray(t.astype("M8[us]").view(np.int64)).ravel(), _Kind(False)
    import pandas as pd

    if isinstance(t, pd.Series):
        dtype = t.dtype
        if isinstance(dtype, pd.DatetimeTZDtype):
            utc = t.dt.tz_convert("UTC").dt.as_unit("us").dt.tz_localize(None)
            return np.asarray(utc.to_numpy().view(np.int64)), _series_kind(t)
        if pd.api.types.is_datetime64_dtype(dtype):
            raise NaiveDatetimeError(
                f"{what} holds naive datetimes (no time zone); localise them first, "
                "e.g. s.dt.tz_localize('Europe/London') (the zone they were recorded in)"
            )
        raise InstantError(
            f"{what}: a Series must hold aware datetimes (dtype datetime64[ns, zone]), not "
            f"{dtype}; convert it with pd.to_datetime(s, utc=True) or s.dt.tz_localize(zone)"
        )
    raise InstantError(
        f"{what}: expected a pandas Series or a numpy datetime64 array, not {type(t).__name__}"
    )


def _durations(d: Any) -> I64:
    """Microseconds of each element of a timedelta64 array or a Series of timedeltas."""
    if isinstance(d, np.ndarray):
        if d.dtype.kind != "m":
            raise CalendarError(f"durations: a numpy array must be timedelta64, not {d.dtype}")
        return np.ascontiguousarray(d.astype("m8[us]").view(np.int64)).ravel()
    import pandas as pd

    if isinstance(d, pd.Series) and pd.api.types.is_timedelta64_dtype(d.dtype):
        return np.asarray(d.dt.as_unit("us").to_numpy().view(np.int64))
    raise CalendarError(
        f"durations: expected a Series of timedeltas or a timedelta64 array, not "
        f"{getattr(d, 'dtype', type(d).__name__)}"
    )


def _kind_of(*values: Any) -> _Kind:
    """The kind of the first array argument (a Series wins: it carries an index)."""
    for v in values:
        if _is_series(v):
            import pandas as pd

            return (
                _series_kind(v)
                if isinstance(v.dtype, pd.DatetimeTZDtype)
                else _Kind(True, v.index, v.name)
            )
    return _Kind(False)


def _same_length(*arrays: I64) -> int:
    lengths = {len(a) for a in arrays}
    if len(lengths) != 1:
        raise CalendarError(f"array arguments differ in length: {sorted(lengths)}")
    return lengths.pop()


def _check_index(*values: Any) -> None:
    """Two Series must share one index: slacalc pairs elements by position, not by label."""
    indexes = [v.index for v in values if _is_series(v)]
    if len(indexes) == 2 and not indexes[0].equals(indexes[1]):
        raise CalendarError(
            "the two Series have different indexes; align them first (a.align(b)) so "
            "elements pair up"
        )


def _scalar_us(t: datetime, n: int) -> I64:
    return np.full(n, to_us(t), dtype=np.int64)


def add(
    timeline: Timeline,
    t: Any,
    d: Any,
    instant: Callable[[object, str], datetime],
    to_timedelta: Callable[[Any], timedelta],
) -> Any:
    """``Calendar.add`` element by element (see the module docstring for the conventions)."""
    _check_index(t, d)
    if not _single(t):
        x, kind = _instants(t, "t")
    else:
        start = instant(t, "t")
        n = len(d)
        x = _scalar_us(start, n)
        kind = _kind_of(d)
        kind = _Kind(kind.series, kind.index, kind.name, start.tzinfo)
    if not _single(d):
        dus = _durations(d)
    else:
        dus = np.full(len(x), to_timedelta(d) // _US, dtype=np.int64)
    _same_length(x, dus)
    out = np.full(len(x), _NAT, dtype=np.int64)
    ok = (x != _NAT) & (dus != _NAT)
    forward = np.flatnonzero(ok & (dus >= 0))
    backward = np.flatnonzero(ok & (dus < 0))
    try:
        if len(forward):
            out[forward] = _or_each(
                lambda: timeline.add_array(x[forward], dus[forward]),
                lambda i: timeline.add(int(x[forward[i]]), int(dus[forward[i]])),
                len(forward),
            )
        for i in backward.tolist():
            out[i] = timeline.add(int(x[i]), int(dus[i]))
    except OverflowError:
        raise _out_of_range() from None
    return kind.instants(out)


def elapsed(
    timeline: Timeline, start: Any, end: Any, instant: Callable[[object, str], datetime]
) -> Any:
    """``Calendar.elapsed`` element by element; either end may be a single instant."""
    _check_index(start, end)
    kind = _kind_of(start, end)
    if not _single(start):
        a, _ = _instants(start, "start")
    if not _single(end):
        b, _ = _instants(end, "end")
    if _single(start):
        a = _scalar_us(instant(start, "start"), len(b))
    if _single(end):
        b = _scalar_us(instant(end, "end"), len(a))
    _same_length(a, b)
    out = np.full(len(a), _NAT, dtype=np.int64)
    ok = np.flatnonzero((a != _NAT) & (b != _NAT))
    try:
        if len(ok):
            out[ok] = _or_each(
                lambda: timeline.elapsed_array(a[ok], b[ok]),
                lambda i: timeline.elapsed(int(a[ok[i]]), int(b[ok[i]])),
                len(ok),
            )
    except OverflowError:
        raise _out_of_range() from None
    return kind.durations(out)


def is_open(timeline: Timeline, t: Any) -> Any:
    """``Calendar.is_open`` element by element (``<NA>`` for ``NaT`` in a Series)."""
    x, kind = _instants(t, "t")
    missing = x == _NAT
    if missing.any() and not kind.series:
        raise InstantError(f"t holds NaT at position {int(np.flatnonzero(missing)[0])}")
    out = np.zeros(len(x), dtype=bool)
    ok = np.flatnonzero(~missing)
    try:
        if len(ok):
            out[ok] = _or_each(
                lambda: timeline.is_open_array(x[ok]),
                lambda i: timeline.is_open(int(x[ok[i]])),
                len(ok),
            )
    except OverflowError:
        raise _out_of_range() from None
    return kind.flags(out, missing)


def next_open(timeline: Timeline, t: Any) -> Any:
    """``Calendar.next_open`` element by element (``NaT`` stays ``NaT``)."""
    x, kind = _instants(t, "t")
    out = np.full(len(x), _NAT, dtype=np.int64)
    ok = np.flatnonzero(x != _NAT)
    try:
        if len(ok):
            out[ok] = _or_each(
                lambda: timeline.next_open_array(x[ok]),
                lambda i: timeline.next_open(int(x[ok[i]])),
                len(ok),
            )
    except OverflowError:
        raise _out_of_range() from None
    return kind.instants(out)


def _or_each(whole: Callable[[], Any], one: Callable[[int], Any], n: int) -> Any:
    """The array form's answer; when the elements span more than one index may hold
    (``CalendarError``), each element is asked on its own, so an array answers exactly
    what the single calls answer, errors included."""
    try:
        return whole()
    except CalendarError:
        return np.array([one(i) for i in range(n)])


def _out_of_range() -> CalendarError:
    return CalendarError("an answer lies outside years 1-9999; ask about instants closer to now")

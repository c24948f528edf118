"""The index behind every calendar question: open intervals as exact instants.

A ``Timeline`` turns a calendar's day-by-day rules into one sorted, merged list of open
intervals (integer microseconds since the epoch) and the cumulative open time before each,
for a range of whole local years that grows on demand. Every question is then a bisection:

* ``cum(x)``: open time from the start of the index to ``x``;
* ``elapsed(a, b) = cum(b) - cum(a)``;
* ``add(x, d)``, ``d >= 0``: the earliest ``u >= x`` with ``cum(u) = cum(x) + d``. When the
  target is reached exactly at a closing time, the answer is that closing time, never the
  next opening (the rule "a due time at closing stays at closing" lives here);
* ``add(x, d)``, ``d < 0``: the latest ``u <= x`` with ``cum(u) = cum(x) + d``.

The index is immutable once published and replaced as a whole when it grows, so readers on
other threads always see a consistent snapshot; building is serialised by a lock.
"""

from __future__ import annotations

import threading
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator, Sequence
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, NamedTuple, NoReturn
from zoneinfo import ZoneInfo

from .errors import CalendarError
from .hours import DayIntervals
from .instants import from_us, to_us

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    I64 = NDArray[np.int64]

__all__ = [
    "HORIZON_US",
    "HORIZON_YEARS",
    "Timeline",
    "add_on_index",
    "cum_on_index",
    "local_to_us",
    "next_open_on_index",
    "wall_to_us",
    "wall_to_us_array",
]

HORIZON_YEARS = 200
"""The longest span, in years, one question may cover (and the most the index holds)."""

_US_PER_DAY = 86_400_000_000
HORIZON_US = HORIZON_YEARS * 366 * _US_PER_DAY
"""``HORIZON_YEARS`` in microseconds (of 366 days): the longest span a clock may run."""
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_MIN_YEAR = 2
_MAX_YEAR = 9998
_MIN_US = (date(1, 1, 1).toordinal() - _EPOCH_ORDINAL) * _US_PER_DAY
_MAX_US = (date(9999, 12, 31).toordinal() - _EPOCH_ORDINAL) * _US_PER_DAY
_LO_US = (date(_MIN_YEAR, 1, 2).toordinal() - _EPOCH_ORDINAL) * _US_PER_DAY
_HI_US = (date(_MAX_YEAR, 12, 31).toordinal() - _EPOCH_ORDINAL) * _US_PER_DAY
# Two instants closer than this lie at most HORIZON_YEARS local years apart.
_SURELY_WITHIN_US = (HORIZON_YEARS - 1) * 365 * _US_PER_DAY


class _Index(NamedTuple):
    lo: int  # first instant the index answers for (inclusive)
    hi: int  # last instant it answers for (inclusive)
    bounds: list[int]  # [start0, end0, start1, end1, ...] merged, sorted
    cum: list[int]  # cum[k] = open time before interval k; cum[n] = total
    first_year: int
    last_year: int


def _offset_us(zone: ZoneInfo, d: date, hour: int = 12) -> int:
    off = datetime(d.year, d.month, d.day, hour, tzinfo=zone).utcoffset()
    assert off is not None
    return off // timedelta(microseconds=1)


def local_to_us(zone: ZoneInfo, d: date, minute: int) -> int:
    """The instant of local wall time ``d + minute`` in ``zone`` (see ``wall_to_us``)."""
    return wall_to_us(zone, datetime(d.year, d.month, d.day) + timedelta(minutes=minute))


def wall_to_us(zone: ZoneInfo, wall: datetime) -> int:
    """The instant of the naive local wall time ``wall`` in ``zone``: the one gap/fold rule.

    A wall time in a spring-forward gap maps to the first instant after the gap; an
    ambiguous (fall-back) one takes its first occurrence.
    """
    first = wall.replace(tzinfo=zone, fold=0)
    us = _to_us(first)
    if _from_us(us).astimezone(zone).replace(tzinfo=None) == wall:
        return us
    # In a gap: fold=1 uses the offset after the transition and lands before it; the
    # transition instant lies in (later_us, us]. Find it to the second.
    lo = _to_us(wall.replace(tzinfo=zone, fold=1)) // 1_000_000
    hi = us // 1_000_000
    after = first.replace(fold=1).utcoffset()
    while lo + 1 < hi:
        mid = (lo + hi) // 2
        if _from_us(mid * 1_000_000).astimezone(zone).utcoffset() == after:
            hi = mid
        else:
            lo = mid
    return hi * 1_000_000


def wall_to_us_array(zone: ZoneInfo, wall: I64) -> I64:
    """``wall_to_us`` for an array of naive wall times (microseconds since 1970-01-01 00:00).

    A local day whose neighbours (local noon the day before, of, and after) share one UTC
    offset has no transition: its wall times shift by that offset at once. The few wall
    times on a day near a transition are answered by ``wall_to_us`` itself, one by one.
    """
    import numpy as np

    out = np.empty(len(wall), dtype=np.int64)
    if not len(wall):
        return out
    day = wall // _US_PER_DAY
    days, inverse = np.unique(day, return_inverse=True)
    noon: dict[int, int] = {}

    def offset(ordinal_from_epoch: int) -> int:
        got = noon.get(ordinal_from_epoch)
        if got is None:
            d = date.fromordinal(ordinal_from_epoch + _EPOCH_ORDINAL)
            got = noon[ordinal_from_epoch] = _offset_us(zone, d)
        return got

    shift = np.empty(len(days), dtype=np.int64)
    plain = np.ones(len(days), dtype=bool)
    for k, d in enumerate(days.tolist()):
        here = offset(d)
        shift[k] = here
        plain[k] = offset(d - 1) == here == offset(d + 1)
    out[:] = wall - shift[inverse]
    for i in np.flatnonzero(~plain[inverse]).tolist():
        out[i] = wall_to_us(zone, from_us(int(wall[i])).replace(tzinfo=None))
    return out


def _to_us(t: datetime) -> int:
    return to_us(t)


def _from_us(us: int) -> datetime:
    return from_us(us)


def _local_year(zone: ZoneInfo | None, us: int) -> tuple[int, date]:
    t = _from_us(us)
    if zone is not None:
        t = t.astimezone(zone)
    return t.year, t.date()


class Timeline:
    """Open intervals of one calendar as a cached, growable index (see module docstring).

    ``day_intervals(d)`` gives the local intervals (minutes from the local midnight of ``d``,
    ends past 1440 run into the next day) of the intervals that start on local date ``d``.
    ``always`` marks a calendar open at every instant: no index is needed. ``open_years``,
    when given, is the first and last local year that can hold open time (a calendar open
    only on its override dates); no search reaches past them.
    """

    def __init__(
        self,
        zone: ZoneInfo,
        day_intervals: Callable[[date], DayIntervals],
        *,
        always: bool = False,
        open_years: tuple[int, int] | None = None,
        prepare_years: Callable[[int, int], None] | None = None,
    ) -> None:
        self.zone = zone
        self.always = always
        self._open_years = open_years
        self._day_intervals = day_intervals
        self._prepare = prepare_years
        self._lock = threading.Lock()
        self._index: _Index | None = None
        self._arrays: tuple[_Index, I64, I64] | None = None

    # pickling: drop the cache and the lock, rebuild on demand
    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_lock"] = None
        state["_index"] = None
        state["_arrays"] = None
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()

    # ---- the index -----------------------------------------------------------------
    def index_for(self, lo: int, hi: int) -> _Index:
        """An index answering for every instant in ``[lo, hi]`` (built or grown if needed)."""
        idx = self._index
        if idx is not None and idx.lo <= lo and hi <= idx.hi:
            return idx
        with self._lock:
            idx = self._index
            if idx is not None and idx.lo <= lo and hi <= idx.hi:
                return idx
            y0, d0 = _local_year(self.zone, lo)
            if d0.month == 1 and d0.day == 1:
                y0 -= 1  # the index is only exact from January 2nd of its first year
            y1, _ = _local_year(self.zone, hi)
            if y0 < _MIN_YEAR or y1 > _MAX_YEAR or y1 - y0 > HORIZON_YEARS + 1:
                raise _range_error(
                    f"the question spans {_from_us(lo):%Y-%m-%d} to {_from_us(hi):%Y-%m-%d}"
                )
            if idx is not None:
                span = idx.last_year - idx.first_year + 1
                lo_y, hi_y = min(y0, idx.first_year), max(y1, idx.last_year)
                # grow by at least the current span, so repeated growth stays cheap
                if y1 > idx.last_year:
                    hi_y = max(hi_y, idx.last_year + span)
                if y0 < idx.first_year:
                    lo_y = min(lo_y, idx.first_year - span)
                if hi_y - lo_y + 1 > 2 * HORIZON_YEARS:
                    lo_y, hi_y = y0, max(y1, y0 + 2)
            else:
                lo_y, hi_y = y0, max(y1, y0 + 2)
            lo_y, hi_y = max(lo_y, _MIN_YEAR), min(hi_y, _MAX_YEAR)
            idx = self._build(lo_y, hi_y)
            self._index = idx
            return idx

    def _build(self, first_year: int, last_year: int) -> _Index:
        if self._prepare is not None:
            self._prepare(first_year, last_year)
        zone = self.zone
        day_intervals = self._day_intervals
        raw: list[tuple[int, int]] = []
        d = date(first_year, 1, 1)
        end_ord = date(last_year, 12, 31).toordinal()
        one = timedelta(days=1)
        # Offsets at local noon; a day whose neighbourhood has one offset needs no zone look-up.
        prev_off = _offset_us(zone, d - one)
        off = _offset_us(zone, d)
        nxt = _offset_us(zone, d + one)
        while True:
            ordinal = d.toordinal()
            nxt2 = _offset_us(zone, d + 2 * one)
            intervals = day_intervals(d)
            if intervals:
                if prev_off == off == nxt == nxt2:
                    base = (ordinal - _EPOCH_ORDINAL) * _US_PER_DAY - off
                    for s, e in intervals:
                        raw.append((base + s * 60_000_000, base + e * 60_000_000))
                else:
                    for s, e in intervals:
                        a = local_to_us(zone, d, s)
                        b = local_to_us(zone, d, e)
                        if b > a:
                            raw.append((a, b))
            if ordinal >= end_ord:
                break
            d += one
            prev_off, off, nxt = off, nxt, nxt2
        raw.sort()
        bounds: list[int] = []
        cum: list[int] = [0]
        for s, e in raw:
            if bounds and s <= bounds[-1]:
                if e > bounds[-1]:
                    cum[-1] += e - bounds[-1]
                    bounds[-1] = e
                continue
            bounds.append(s)
            bounds.append(e)
            cum.append(cum[-1] + e - s)
        lo = local_to_us(zone, date(first_year, 1, 2), 0)
        hi = local_to_us(zone, date(last_year + 1, 1, 1), 0)
        return _Index(lo, hi, bounds, cum, first_year, last_year)

    # ---- questions (microseconds in, microseconds out) ------------------------------
    def elapsed(self, a: int, b: int) -> int:
        """Open microseconds in ``[a, b)``; negative when ``b < a``."""
        if self.always:
            return b - a
        idx = self._index
        if idx is None or not (idx.lo <= a <= idx.hi and idx.lo <= b <= idx.hi):
            idx = self.index_for(min(a, b), max(a, b))
        bounds = idx.bounds
        cum = idx.cum
        i = bisect_right(bounds, a)
        ca = cum[i >> 1] + a - bounds[i - 1] if i & 1 else cum[i >> 1]
        i = bisect_right(bounds, b)
        cb = cum[i >> 1] + b - bounds[i - 1] if i & 1 else cum[i >> 1]
        return cb - ca

    def add(self, x: int, d: int) -> int:
        """``d >= 0``: earliest ``u >= x`` with ``d`` open in ``[x, u)``; else latest ``u <= x``."""
        if self.always or d == 0:
            if not _LO_US <= x + d <= _HI_US:
                self._out_of_range(x + d)
            return x + d
        idx = self._index
        if idx is None or not idx.lo <= x <= idx.hi:
            idx = self.index_for(x, x)
        while True:
            bounds = idx.bounds
            cum = idx.cum
            i = bisect_right(bounds, x)
            target = (cum[i >> 1] + x - bounds[i - 1] if i & 1 else cum[i >> 1]) + d
            n = len(cum) - 1
            if d > 0:
                if target <= cum[n]:
                    k = bisect_left(cum, target, 1) - 1
                    u = bounds[2 * k] + target - cum[k]
                    if u <= idx.hi:
                        return self._checked(x, u)
                idx = self._grow(idx, x, target - cum[n], forward=True)
            else:
                if target >= 0 and n:
                    k = bisect_right(cum, target, 0, n) - 1
                    u = bounds[2 * k] + target - cum[k]
                    if u >= idx.lo:
                        return self._checked(x, u)
                idx = self._grow(idx, x, -target, forward=False)

    def _grow(self, idx: _Index, x: int, missing: int, *, forward: bool) -> _Index:
        """An index reaching further from ``x`` (``missing`` open time short), or ``_beyond``.

        The estimate of how far to reach uses the open time per year seen so far; years with
        no open time give no estimate, and the index at least doubles (``index_for``), so a
        calendar open a few days in a decade is searched in a few builds. The search stops
        at ``HORIZON_YEARS`` from ``x``'s year, wherever earlier questions left the index.
        """
        start_year, _ = _local_year(self.zone, x)
        years = idx.last_year - idx.first_year + 1
        total = idx.cum[-1]
        need = years if total <= 0 else -(-max(missing, 1) * years // total) + 1
        if forward:
            limit = min(start_year + HORIZON_YEARS, _MAX_YEAR)
            if self._open_years is not None:
                limit = min(limit, self._open_years[1] + 1)
            if idx.last_year >= limit:
                self._beyond(x, forward)
            target_year = min(idx.last_year + need, limit)
            return self.index_for(x, _year_start(self.zone, target_year))
        # the index is exact from January 2nd of its first year: reach one year further
        limit = max(start_year - HORIZON_YEARS - 1, _MIN_YEAR)
        if self._open_years is not None:
            limit = max(limit, self._open_years[0] - 1)
        if idx.first_year <= limit:
            self._beyond(x, forward)
        target_year = max(idx.first_year - need, limit)
        return self.index_for(_year_start(self.zone, target_year + 1), x)

    def _checked(self, x: int, u: int) -> int:
        """``u``, an answer found from ``x``, unless it lies beyond ``HORIZON_YEARS`` years."""
        if abs(u - x) >= _SURELY_WITHIN_US:
            year_x, _ = _local_year(self.zone, x)
            year_u, _ = _local_year(self.zone, u)
            if abs(year_u - year_x) > HORIZON_YEARS:
                self._beyond(x, u > x)
        return u

    def _out_of_range(self, u: int) -> NoReturn:
        if u > _MAX_US:
            shown = "after the year 9999"
        elif u < _MIN_US:
            shown = "before the year 1"
        else:
            shown = f"on {_from_us(u):%Y-%m-%d}"
        raise _range_error(f"the answer falls {shown}")

    def _beyond(self, x: int, forward: bool) -> NoReturn:
        way = "after" if forward else "before"
        raise CalendarError(
            f"no answer within {HORIZON_YEARS} years {way} {_from_us(x).isoformat()}: "
            "the calendar has too little open time (check its hours, holidays and overrides)"
        )

    def is_open(self, x: int) -> bool:
        if self.always:
            return True
        # x + 1: an interval that starts exactly at the index's end is not in the index
        idx = self.index_for(x, x + 1)
        return bool(bisect_right(idx.bounds, x) & 1)

    def next_open(self, x: int) -> int:
        """``x`` when open, else the start of the next open interval."""
        if self.always:
            return x
        idx = self.index_for(x, x)
        while True:
            i = bisect_right(idx.bounds, x)
            if i & 1:
                return x
            if i < len(idx.bounds) and idx.bounds[i] <= idx.hi:
                return self._checked(x, idx.bounds[i])
            idx = self._grow(idx, x, 1, forward=True)

    def next_close(self, x: int) -> int:
        """The end of the open stretch holding ``x``, or of the next one when ``x`` is closed."""
        if self.always:
            self._beyond(x, True)
        idx = self.index_for(x, x)
        while True:
            bounds = idx.bounds
            i = bisect_right(bounds, x)
            j = i if i & 1 else i + 1  # the end of the interval holding x, or of the next one
            # An end at the index's edge may run on into an interval the index does not hold.
            if j < len(bounds) and bounds[j] < idx.hi:
                return bounds[j]
            idx = self._grow(idx, x, 1, forward=True)

    def intervals(self, a: int, b: int) -> Iterator[tuple[int, int]]:
        """Open intervals clipped to ``[a, b)``, in order."""
        if b <= a:
            return
        if self.always:
            yield a, b
            return
        idx = self.index_for(a, b)
        bounds = idx.bounds
        i = bisect_right(bounds, a)
        k = (i - 1) >> 1 if i & 1 else i >> 1
        while 2 * k < len(bounds):
            s, e = bounds[2 * k], bounds[2 * k + 1]
            if s >= b:
                return
            yield max(s, a), min(e, b)
            k += 1

    def snapshot(self, lo: int, hi: int) -> tuple[Sequence[int], Sequence[int]]:
        """(bounds, cum) of an index covering ``[lo, hi]``, for vectorised callers."""
        idx = self.index_for(lo, hi)
        return idx.bounds, idx.cum

    # ---- the same questions for numpy arrays (searchsorted beside bisect) --------------
    def arrays(self, lo: int, hi: int) -> tuple[int, int, I64, I64]:
        """``(lo, hi, bounds, cum)`` of an index covering ``[lo, hi]``, as numpy arrays."""
        import numpy as np

        idx = self.index_for(lo, hi)
        cached = self._arrays
        if cached is None or cached[0] is not idx:
            cached = (
                idx,
                np.asarray(idx.bounds, dtype=np.int64),
                np.asarray(idx.cum, dtype=np.int64),
            )
            self._arrays = cached
        return idx.lo, idx.hi, cached[1], cached[2]

    def elapsed_array(self, a: I64, b: I64) -> I64:
        """``elapsed`` element-wise."""
        if self.always or not len(a):
            return b - a
        _, _, bounds, cum = self.arrays(int(min(a.min(), b.min())), int(max(a.max(), b.max())))
        return cum_on_index(bounds, cum, b) - cum_on_index(bounds, cum, a)

    def add_array(self, x: I64, d: I64) -> I64:
        """``add`` element-wise, for ``d >= 0``.

        The index is asked for the span the answers need, widened a few times; an answer
        still beyond it is asked of ``add`` itself (which grows the index its own way).
        """
        import numpy as np

        if self.always or not len(x):
            return x + d
        out = x.copy()
        todo = np.flatnonzero(d > 0)
        if not len(todo):
            return out
        lo, hi = int(x[todo].min()), int((x[todo] + d[todo]).max()) + 14 * _US_PER_DAY
        for _ in range(4):
            ilo, ihi, bounds, cum = self.arrays(lo, hi)
            u, ok = add_on_index(bounds, cum, x[todo], d[todo])
            ok &= u <= ihi
            out[todo[ok]] = u[ok]
            todo = todo[~ok]
            if not len(todo):
                return out
            hi = ihi + max(ihi - ilo, 366 * _US_PER_DAY)
        for i in todo.tolist():
            out[i] = self.add(int(x[i]), int(d[i]))
        return out

    def next_open_array(self, x: I64) -> I64:
        """``next_open`` element-wise."""
        import numpy as np

        if self.always or not len(x):
            return x.copy()
        _, ihi, bounds, _ = self.arrays(int(x.min()), int(x.max()) + 14 * _US_PER_DAY)
        out, ok = next_open_on_index(bounds, x)
        ok &= out <= ihi
        for i in np.flatnonzero(~ok).tolist():
            out[i] = self.next_open(int(x[i]))
        return out

    def is_open_array(self, x: I64) -> NDArray[np.bool_]:
        """``is_open`` element-wise."""
        import numpy as np

        if self.always or not len(x):
            return np.ones(len(x), dtype=bool)
        _, _, bounds, _ = self.arrays(int(x.min()), int(x.max()) + 1)
        return (np.searchsorted(bounds, x, side="right") & 1).astype(bool)


def cum_on_index(bounds: I64, cum: I64, x: I64) -> I64:
    """Open time from the start of an index to each ``x``: ``Timeline``'s ``cum`` rule.

    ``bounds`` is ``[start0, end0, start1, ...]`` and ``cum[k]`` the open time before
    interval ``k`` (``bisect_right`` there, ``searchsorted(side="right")`` here).
    """
    import numpy as np

    i = np.searchsorted(bounds, x, side="right")
    inside = (i & 1).astype(bool)
    before = bounds[np.maximum(i - 1, 0)] if len(bounds) else np.zeros_like(x)
    result: I64 = cum[i >> 1] + np.where(inside, x - before, 0)
    return result


def add_on_index(bounds: I64, cum: I64, x: I64, d: I64) -> tuple[I64, NDArray[np.bool_]]:
    """``Timeline.add`` for ``d > 0`` on one index: ``(u, ok)``, ``ok`` where it answers.

    With ``t = cum(x) + d`` and ``k`` the first interval whose cumulative end reaches
    ``t``, ``u = start_k + t - cum_k``: a target reached exactly at a closing time answers
    that closing time, never the next opening.
    """
    import numpy as np

    target = cum_on_index(bounds, cum, x) + d
    k = np.searchsorted(cum[1:], target, side="left")
    ok = target <= cum[-1]
    kk = np.where(ok, k, 0)
    u = bounds[2 * kk] + target - cum[kk] if len(bounds) else x.copy()
    return u, ok & (len(bounds) > 0)


def next_open_on_index(bounds: I64, x: I64) -> tuple[I64, NDArray[np.bool_]]:
    """``Timeline.next_open`` on one index: ``(u, ok)``, ``ok`` where the index answers."""
    import numpy as np

    i = np.searchsorted(bounds, x, side="right")
    inside = (i & 1).astype(bool)
    nxt = bounds[np.minimum(i, len(bounds) - 1)] if len(bounds) else x
    ok = inside | (i < len(bounds))
    return np.where(inside, x, nxt), ok


def _range_error(what: str) -> CalendarError:
    return CalendarError(
        f"{what}; slacalc answers for years {_MIN_YEAR}-{_MAX_YEAR} and spans of at most "
        f"{HORIZON_YEARS} years"
    )


def _year_start(zone: ZoneInfo, year: int) -> int:
    return local_to_us(zone, date(year, 1, 1), 0)

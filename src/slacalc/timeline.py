"""The index behind every calendar question: open time as exact instants, in two levels.

A ``Timeline`` answers from the open time of a calendar's local years. The top level, the
``_Index``, holds for a range of years only each year's first instant (local midnight of
January 1st) and the cumulative open time before it; a year's open time is summed day by
day without listing its intervals. The second level, a ``_Block``, holds one year's open
intervals (integer microseconds since the epoch, merged, clipped to the year) and the
cumulative open time before each; blocks are built for the years a question lands in and
kept in a cache of bounded size. With ``cum(x)`` the open time from the start of the index
to ``x`` (the year's total before it, plus a bisection in its block):

* ``elapsed(a, b) = cum(b) - cum(a)``;
* ``add(x, d)``, ``d >= 0``: the earliest ``u >= x`` with ``cum(u) = cum(x) + d``. When the
  target is reached exactly at a closing time, the answer is that closing time, never the
  next opening (the rule "a due time at closing stays at closing" lives here);
* ``add(x, d)``, ``d < 0``: the latest ``u <= x`` with ``cum(u) = cum(x) + d``.

Both are a bisection among the years and one in a block, so a question spanning 200 years
costs the day-by-day sums of those years and two blocks, never a list of every interval.
The *window*, the blocks of the years recent questions fell in joined as one (at most
``_WINDOW_YEARS`` years and ``_WINDOW_INTERVALS`` intervals), answers most questions alone
with a bisection or two.

The index, the blocks and the window are immutable once published and replaced as a whole,
so readers on other threads always see a consistent snapshot; building is serialised by a
lock.
"""

from __future__ import annotations

import threading
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator, Sequence
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, NamedTuple, NoReturn
from zoneinfo import ZoneInfo

from .errors import CalendarError
from .hours import DayIntervals, merge
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
_ONE_US = timedelta(microseconds=1)
_ONE_DAY = timedelta(days=1)
_CACHED_INTERVALS = 1 << 18
"""The most intervals the blocks of one timeline keep cached (about 30 MB as lists)."""
_CACHED_DAY_PAIRS = 1024  # days' open minutes kept, by their pair of interval tuples
_WINDOW_INTERVALS = 1 << 16
_WINDOW_YEARS = 32
"""The window joins the blocks of at most this many years and intervals."""


class _Index(NamedTuple):
    """The top level: each year's first instant and the open time before it."""

    lo: int  # the first instant of first_year (inclusive)
    hi: int  # the first instant of last_year + 1 (the index answers cum(x) up to it)
    first_year: int
    last_year: int
    starts: list[int]  # starts[j] = first instant of first_year + j; starts[-1] = hi
    cum: list[int]  # cum[j] = open time in [lo, starts[j]); cum[-1] = total


class _Block(NamedTuple):
    """The second level: the open intervals of consecutive local years, clipped to them.

    A cached block holds one year, an interval running over the year's end cut there (``cum``
    is the same either side of the cut); the window (``Timeline._hot``) joins a few years'
    blocks and their cut intervals.
    """

    lo: int  # the first year's first instant (inclusive)
    hi: int  # the first instant after the last year (exclusive)
    bounds: list[int]  # [start0, end0, start1, end1, ...] sorted, within [lo, hi]
    cum: list[int]  # cum[k] = open time in [lo, start k); cum[n] = the block's open time
    first_year: int
    last_year: int


_NO_BLOCK = _Block(0, -1, [], [0], 0, -1)  # holds no instant: the hot paths need no None test


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


def _day_minutes(before: DayIntervals, own: DayIntervals) -> int:
    """Open minutes of one local day whose wall clock keeps one offset all day long.

    ``own`` are the day's intervals, ``before`` the day before's: their ends past 1440 run
    into this day. Overlaps count once.
    """
    pieces = [(0, e - 1440) for _, e in before if e > 1440]
    pieces += [(s, min(e, 1440)) for s, e in own]
    return sum(e - s for s, e in merge(pieces))


def _day_open_us(zone: ZoneInfo, d: date, before: DayIntervals, own: DayIntervals) -> int:
    """Open microseconds of local day ``d``, its wall times placed one by one (``wall_to_us``).

    For a day near an offset change; ``before`` and ``own`` as in ``_day_minutes``.
    """
    start = local_to_us(zone, d, 0)
    end = local_to_us(zone, d, 1440)
    pieces = []
    for _, e in before:
        if e > 1440:
            pieces.append((start, min(local_to_us(zone, d, e - 1440), end)))
    for s, e in own:
        pieces.append((local_to_us(zone, d, s), min(local_to_us(zone, d, e), end)))
    return sum(e - s for s, e in merge(p for p in pieces if p[1] > p[0]))


def _joined(blocks: list[_Block]) -> _Block:
    """The blocks of consecutive years as one; an interval cut at a year's end is whole."""
    if len(blocks) == 1:
        return blocks[0]
    bounds: list[int] = []
    cum = [0]
    for blk in blocks:
        base = cum[-1]
        more, ends = blk.bounds, blk.cum[1:]
        if bounds and more and bounds[-1] == more[0]:
            bounds[-1] = more[1]
            cum[-1] = base + ends[0]
            more, ends = more[2:], ends[1:]
        bounds += more
        cum += [base + c for c in ends]
    return _Block(
        blocks[0].lo, blocks[-1].hi, bounds, cum, blocks[0].first_year, blocks[-1].last_year
    )


def _groups(slots: I64) -> Iterator[tuple[int, Any]]:
    """``(slot, positions)`` for each distinct value of ``slots`` (a slice when only one)."""
    import numpy as np

    first = int(slots.min())
    if first == int(slots.max()):
        yield first, slice(None)
        return
    order = np.argsort(slots, kind="stable")
    ordered = slots[order]
    for part in np.split(order, np.flatnonzero(ordered[1:] != ordered[:-1]) + 1):
        yield int(slots[part[0]]), part


class Timeline:
    """Open intervals of one calendar as a cached, growable index (see module docstring).

    ``day_intervals(d)`` gives the local intervals (minutes from the local midnight of ``d``,
    ends past 1440 run into the next day and end by its midnight) of the intervals that
    start on local date ``d``. ``always`` marks a calendar open at every instant: no index
    is needed. ``open_years``, when given, is the first and last local year that can hold
    open time (a calendar open only on its override dates); no search reaches past them.
    ``prepare_years(first, last)`` is called before the days of those years are asked for.
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
        self._lock = threading.RLock()
        self._reset()

    def _reset(self) -> None:
        self._index: _Index | None = None
        self._hot = _NO_BLOCK  # the window: the years of recent questions, joined
        self._blocks: dict[int, _Block] = {}
        self._cached = 0  # intervals held by self._blocks
        self._block_arrays: dict[int, tuple[I64, I64]] = {}
        self._index_np: tuple[_Index, I64, I64] | None = None
        self._window_np: tuple[_Block, I64, I64] | None = None
        self._totals: dict[int, int] = {}  # open time of each year summed so far
        self._starts: dict[int, int] = {}  # first instant of each year
        self._day_pairs: dict[tuple[int, int], tuple[DayIntervals, DayIntervals, int]] = {}

    # pickling: drop the caches and the lock, rebuild on demand
    def __getstate__(self) -> dict[str, Any]:
        keep = ("zone", "always", "_open_years", "_day_intervals", "_prepare")
        return {k: self.__dict__[k] for k in keep}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.RLock()
        self._reset()

    # ---- the top level: open time per year ---------------------------------------------
    def index_for(self, lo: int, hi: int) -> _Index:
        """An index answering ``cum(x)`` for every instant in ``[lo, hi]`` (grown if needed)."""
        idx = self._index
        if idx is not None and idx.lo <= lo and hi <= idx.hi:
            return idx
        y0, d0 = _local_year(self.zone, lo)
        y1, _ = _local_year(self.zone, hi)
        first = y0 - 1 if d0.month == 1 and d0.day == 1 else y0
        if first < _MIN_YEAR or y1 > _MAX_YEAR or y1 - first > HORIZON_YEARS + 1:
            raise _range_error(
                f"the question spans {_from_us(lo):%Y-%m-%d} to {_from_us(hi):%Y-%m-%d}"
            )
        idx = self._cover(y0, y1)
        if not (idx.lo <= lo and hi <= idx.hi):
            # a zone whose clocks change at midnight on January 1st: its local year and the
            # year between two midnights differ near the change
            idx = self._cover(max(y0 - 1, _MIN_YEAR), min(y1 + 1, _MAX_YEAR))
        return idx

    def _cover(self, y0: int, y1: int) -> _Index:
        """An index holding years ``y0..y1``: the current one, or one grown to hold them."""
        with self._lock:
            idx = self._index
            if idx is not None and idx.first_year <= y0 and y1 <= idx.last_year:
                return idx
            # Each year's open time is summed once and kept, so growing costs the new years
            # only: the index grows to what is asked, no further.
            if idx is not None:
                lo_y, hi_y = min(y0, idx.first_year), max(y1, idx.last_year)
                if hi_y - lo_y + 1 > 2 * HORIZON_YEARS:
                    lo_y, hi_y = y0, max(y1, y0 + 2)
            else:
                lo_y, hi_y = y0, max(y1, y0 + 2)
            lo_y, hi_y = max(lo_y, _MIN_YEAR), min(hi_y, _MAX_YEAR)
            years = range(lo_y, hi_y + 1)
            todo = [y for y in years if y not in self._totals]
            if todo and self._prepare is not None:
                self._prepare(todo[0], todo[-1])
            for y in todo:
                self._totals[y] = self._open_in_year(y)
            starts = [self._year_start(y) for y in range(lo_y, hi_y + 2)]
            cum = [0]
            for y in years:
                cum.append(cum[-1] + self._totals[y])
            idx = _Index(starts[0], starts[-1], lo_y, hi_y, starts, cum)
            self._index = idx
            return idx

    def _year_start(self, year: int) -> int:
        got = self._starts.get(year)
        if got is None:
            got = self._starts[year] = _year_start(self.zone, year)
        return got

    def _open_in_year(self, year: int) -> int:
        """Open microseconds between the first instants of ``year`` and ``year + 1``.

        The sum over the year's local days of each day's open time (its own intervals and
        the day before's running into it). A day whose neighbours (local noon the day
        before, of, and after) share one offset is counted in wall minutes, cached by its
        pair of interval tuples; a day near a change places its wall times one by one.
        """
        zone = self.zone
        day_intervals = self._day_intervals
        pairs = self._day_pairs
        one = _ONE_DAY
        d = date(year, 1, 1)
        noon = datetime(year, 1, 1, 12, tzinfo=zone)
        before_off, off = (noon - one).utcoffset(), noon.utcoffset()
        before = day_intervals(d - one)
        minutes = 0
        exact = 0
        while d.year == year:
            tomorrow = noon + one
            after_off = tomorrow.utcoffset()
            own = day_intervals(d)
            if before or own:
                if before_off == off == after_off:
                    key = (id(before), id(own))
                    hit = pairs.get(key)
                    if hit is None or hit[0] is not before or hit[1] is not own:
                        if len(pairs) >= _CACHED_DAY_PAIRS:
                            pairs.clear()
                        hit = pairs[key] = (before, own, _day_minutes(before, own))
                    minutes += hit[2]
                else:
                    exact += _day_open_us(zone, d, before, own)
            before = own
            before_off, off = off, after_off
            noon = tomorrow
            d += one
        return minutes * 60_000_000 + exact

    # ---- the second level: one year's intervals ----------------------------------------
    def _block(self, year: int) -> _Block:
        """The block of ``year``, from the cache or built (and cached)."""
        blk = self._blocks.get(year)
        if blk is not None:
            return blk
        with self._lock:
            blk = self._blocks.get(year)
            if blk is not None:
                return blk
            blk = self._materialise(year)
            self._totals.setdefault(year, blk.cum[-1])
            self._blocks[year] = blk
            self._cached += len(blk.cum) - 1
            while self._cached > _CACHED_INTERVALS and len(self._blocks) > 1:
                oldest = next(iter(self._blocks))  # the block just built is the newest
                self._cached -= len(self._blocks.pop(oldest).cum) - 1
                self._block_arrays.pop(oldest, None)
            return blk

    def _materialise(self, year: int) -> _Block:
        """The open intervals of ``year``: those starting on its days and on the day before.

        A day whose neighbourhood (local noon from the day before to two days after) has
        one offset shifts its wall times at once; others are placed one by one.
        """
        if self._prepare is not None:
            self._prepare(year, year)
        zone = self.zone
        day_intervals = self._day_intervals
        lo, hi = self._year_start(year), self._year_start(year + 1)
        one = _ONE_DAY
        d = date(year - 1, 12, 31)
        noon = datetime(year - 1, 12, 31, 12, tzinfo=zone)
        prev_off, off, nxt = (noon - one).utcoffset(), noon.utcoffset(), (noon + one).utcoffset()
        raw: list[tuple[int, int]] = []
        while d.year <= year:
            nxt2 = (noon + 2 * one).utcoffset()
            intervals = day_intervals(d)
            if intervals:
                if prev_off == off == nxt == nxt2:
                    assert off is not None
                    base = (d.toordinal() - _EPOCH_ORDINAL) * _US_PER_DAY - off // _ONE_US
                    for s, e in intervals:
                        raw.append((base + s * 60_000_000, base + e * 60_000_000))
                else:
                    for s, e in intervals:
                        a = local_to_us(zone, d, s)
                        b = local_to_us(zone, d, e)
                        if b > a:
                            raw.append((a, b))
            prev_off, off, nxt = off, nxt, nxt2
            noon += one
            d += one
        bounds: list[int] = []
        cum = [0]
        total = 0
        for s, e in merge(raw):
            s, e = max(s, lo), min(e, hi)
            if e > s:
                bounds.append(s)
                bounds.append(e)
                total += e - s
                cum.append(total)
        return _Block(lo, hi, bounds, cum, year, year)

    def _slot(self, idx: _Index, x: int) -> int:
        """The year of ``idx`` holding ``x`` (its last year for ``x == idx.hi``)."""
        return bisect_right(idx.starts, x, 0, len(idx.starts) - 1) - 1

    def _cum(self, idx: _Index, j: int, x: int) -> int:
        """Open time in ``[idx.lo, x)``, ``x`` in year ``j`` of ``idx`` (``_slot``)."""
        blk = self._block(idx.first_year + j)
        bounds = blk.bounds
        i = bisect_right(bounds, x)
        return idx.cum[j] + (blk.cum[i >> 1] + x - bounds[i - 1] if i & 1 else blk.cum[i >> 1])

    def _block_at(self, x: int) -> _Block:
        """The block holding instant ``x``."""
        blk = self._hot
        if blk.lo <= x < blk.hi:
            return blk
        idx = self.index_for(x, x + 1)
        year = idx.first_year + self._slot(idx, x)
        self._focus(year, year)
        return self._block(year)

    def _focus(self, y0: int, y1: int) -> None:
        """Point the window at years ``y0..y1``, joined to the years it holds when the
        whole stays within ``_WINDOW_YEARS`` and ``_WINDOW_INTERVALS``; else at ``y1``."""
        hot = self._hot
        if hot.first_year <= y0 and y1 <= hot.last_year:
            return
        spans = [(y0, y1)]
        if hot.last_year >= hot.first_year:
            spans.insert(0, (min(y0, hot.first_year), max(y1, hot.last_year)))
        for lo_y, hi_y in spans:
            if hi_y - lo_y >= _WINDOW_YEARS:
                continue
            blocks = []
            size = 0
            for y in range(lo_y, hi_y + 1):
                blocks.append(self._block(y))
                size += len(blocks[-1].cum) - 1
                if size > _WINDOW_INTERVALS:
                    break
            else:
                self._hot = _joined(blocks)
                return
        self._hot = self._block(y1)

    # ---- questions (microseconds in, microseconds out) ------------------------------
    def elapsed(self, a: int, b: int) -> int:
        """Open microseconds in ``[a, b)``; negative when ``b < a``."""
        if self.always:
            return b - a
        blk = self._hot
        if blk.lo <= a <= blk.hi and blk.lo <= b <= blk.hi:
            bounds = blk.bounds
            cum = blk.cum
            i = bisect_right(bounds, a)
            ca = cum[i >> 1] + a - bounds[i - 1] if i & 1 else cum[i >> 1]
            i = bisect_right(bounds, b)
            cb = cum[i >> 1] + b - bounds[i - 1] if i & 1 else cum[i >> 1]
            return cb - ca
        idx = self.index_for(min(a, b), max(a, b))
        ja, jb = self._slot(idx, a), self._slot(idx, b)
        got = self._cum(idx, jb, b) - self._cum(idx, ja, a)
        self._focus(idx.first_year + min(ja, jb), idx.first_year + max(ja, jb))
        return got

    def add(self, x: int, d: int) -> int:
        """``d >= 0``: earliest ``u >= x`` with ``d`` open in ``[x, u)``; else latest ``u <= x``."""
        if self.always or d == 0:
            if not _LO_US <= x + d <= _HI_US:
                self._out_of_range(x + d)
            return x + d
        blk = self._hot
        if blk.lo <= x < blk.hi:
            bounds = blk.bounds
            cum = blk.cum
            i = bisect_right(bounds, x)
            target = (cum[i >> 1] + x - bounds[i - 1] if i & 1 else cum[i >> 1]) + d
            n = len(cum) - 1
            if d > 0:
                if target <= cum[n]:
                    k = bisect_left(cum, target, 1) - 1
                    return bounds[2 * k] + target - cum[k]
            elif target >= 0 and n:
                k = bisect_right(cum, target, 0, n) - 1
                return bounds[2 * k] + target - cum[k]
        return self._add_far(x, d)

    def _add_far(self, x: int, d: int) -> int:
        """``add`` through the years: the year the target lies in, then its block."""
        idx = self.index_for(x, x)
        while True:
            jx = self._slot(idx, x)
            target = self._cum(idx, jx, x) + d
            cum = idx.cum
            n = len(cum) - 1
            if d > 0:
                if target <= cum[n]:
                    j = bisect_left(cum, target, 1) - 1
                    blk = self._block(idx.first_year + j)
                    t = target - cum[j]
                    k = bisect_left(blk.cum, t, 1) - 1
                    u = self._checked(x, blk.bounds[2 * k] + t - blk.cum[k])
                    self._focus(idx.first_year + jx, idx.first_year + j)
                    return u
                idx = self._grow(idx, x, target - cum[n], forward=True)
            else:
                if target >= 0 and n:
                    j = bisect_right(cum, target, 0, n) - 1
                    blk = self._block(idx.first_year + j)
                    t = target - cum[j]
                    k = bisect_right(blk.cum, t, 0, len(blk.cum) - 1) - 1
                    u = self._checked(x, blk.bounds[2 * k] + t - blk.cum[k])
                    self._focus(idx.first_year + j, idx.first_year + jx)
                    return u
                idx = self._grow(idx, x, -target, forward=False)

    def _grow(self, idx: _Index, x: int, missing: int, *, forward: bool) -> _Index:
        """An index reaching further from ``x`` (``missing`` open time short), or ``_beyond``.

        The estimate of how far to reach uses the open time per year seen so far; years with
        no open time give no estimate, and the index then doubles, so a calendar open a few
        days in a decade is searched in a few steps. The search stops
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
            return self._cover(start_year, min(idx.last_year + need, limit))
        limit = max(start_year - HORIZON_YEARS - 1, _MIN_YEAR)
        if self._open_years is not None:
            limit = max(limit, self._open_years[0] - 1)
        if idx.first_year <= limit:
            self._beyond(x, forward)
        return self._cover(max(idx.first_year - need, limit), start_year)

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
        return bool(bisect_right(self._block_at(x).bounds, x) & 1)

    def next_open(self, x: int) -> int:
        """``x`` when open, else the start of the next open interval."""
        if self.always:
            return x
        bounds = self._block_at(x).bounds
        i = bisect_right(bounds, x)
        if i & 1:
            return x
        if i < len(bounds):
            return bounds[i]
        # the first later year with open time, found among the years' totals
        idx = self.index_for(x, x + 1)
        while True:
            cum = idx.cum
            j = bisect_right(cum, cum[self._slot(idx, x) + 1]) - 1
            if j < len(cum) - 1:
                return self._checked(x, self._block(idx.first_year + j).bounds[0])
            idx = self._grow(idx, x, 1, forward=True)

    def next_close(self, x: int) -> int:
        """The end of the open stretch holding ``x``, or of the next one when ``x`` is closed."""
        if self.always:
            self._beyond(x, True)
        end = self.next_open(x)
        limit = min(_local_year(self.zone, x)[0] + HORIZON_YEARS, _MAX_YEAR)
        while True:
            # the end of the interval holding ``end``; one cut at a block's end goes on
            blk = self._block_at(end)
            i = bisect_right(blk.bounds, end)
            if not i & 1:
                return end
            end = blk.bounds[i]
            if end < blk.hi:
                return end
            if _local_year(self.zone, end)[0] > limit:
                self._beyond(x, True)

    def intervals(self, a: int, b: int) -> Iterator[tuple[int, int]]:
        """Open intervals clipped to ``[a, b)``, in order."""
        if b <= a:
            return
        if self.always:
            yield a, b
            return
        idx = self.index_for(a, b)
        held: tuple[int, int] | None = None  # an interval that may go on in the next block
        j = self._slot(idx, a)
        while j < len(idx.starts) - 1 and idx.starts[j] < b:
            bounds = self._block(idx.first_year + j).bounds
            i = bisect_right(bounds, a)
            k = (i - 1) >> 1 if i & 1 else i >> 1
            while 2 * k < len(bounds) and bounds[2 * k] < b:
                s, e = max(bounds[2 * k], a), min(bounds[2 * k + 1], b)
                if held is not None:
                    if held[1] == s:
                        s = held[0]
                    else:
                        yield held
                held = (s, e)
                k += 1
            j += 1
        if held is not None:
            yield held

    def snapshot(self, lo: int, hi: int) -> tuple[Sequence[int], Sequence[int]]:
        """(bounds, cum) of the open intervals of the years holding ``[lo, hi]``."""
        idx = self.index_for(lo, hi)
        bounds: list[int] = []
        cum = [0]
        for s, e in self.intervals(idx.lo, idx.hi):
            bounds += (s, e)
            cum.append(cum[-1] + e - s)
        return bounds, cum

    # ---- the same questions for numpy arrays (searchsorted beside bisect) --------------
    def _arrays(self, year: int) -> tuple[I64, I64]:
        """``(bounds, cum)`` of the block of ``year`` as numpy arrays."""
        import numpy as np

        got = self._block_arrays.get(year)
        if got is None:
            blk = self._block(year)
            got = (np.asarray(blk.bounds, dtype=np.int64), np.asarray(blk.cum, dtype=np.int64))
            with self._lock:
                if year in self._blocks:
                    self._block_arrays[year] = got
        return got

    def _index_arrays(self, idx: _Index) -> tuple[I64, I64]:
        """``(starts, cum)`` of ``idx`` as numpy arrays."""
        import numpy as np

        cached = self._index_np
        if cached is None or cached[0] is not idx:
            starts = np.asarray(idx.starts, dtype=np.int64)
            cached = self._index_np = (idx, starts, np.asarray(idx.cum, dtype=np.int64))
        return cached[1], cached[2]

    def _slots(self, idx: _Index, x: I64) -> I64:
        """``_slot`` element-wise."""
        import numpy as np

        starts, _ = self._index_arrays(idx)
        slots: I64 = np.searchsorted(starts[:-1], x, side="right") - 1
        return slots

    def _window_arrays(self, idx: _Index, lo: int, hi: int) -> tuple[_Block, I64, I64] | None:
        """The window, pointed at the years of ``[lo, hi]``, with its ``bounds`` and ``cum``
        as numpy arrays; ``None`` when those years are too many to join (``_focus``)."""
        import numpy as np

        self._focus(idx.first_year + self._slot(idx, lo), idx.first_year + self._slot(idx, hi))
        w = self._hot
        if not (w.lo <= lo and hi <= w.hi):
            return None
        cached = self._window_np
        if cached is None or cached[0] is not w:
            bounds = np.asarray(w.bounds, dtype=np.int64)
            cached = self._window_np = (w, bounds, np.asarray(w.cum, dtype=np.int64))
        return cached

    def _cum_array(self, idx: _Index, x: I64) -> I64:
        """``_cum`` element-wise: ``cum_on_index`` in each year's block."""
        import numpy as np

        out = np.empty(len(x), dtype=np.int64)
        for j, at in _groups(self._slots(idx, x)):
            bounds, cum = self._arrays(idx.first_year + j)
            out[at] = idx.cum[j] + cum_on_index(bounds, cum, x[at])
        return out

    def elapsed_array(self, a: I64, b: I64) -> I64:
        """``elapsed`` element-wise."""
        if self.always or not len(a):
            return b - a
        lo, hi = int(min(a.min(), b.min())), int(max(a.max(), b.max()))
        idx = self.index_for(lo, hi)
        window = self._window_arrays(idx, lo, hi)
        if window is not None:
            _, bounds, cum = window
            return cum_on_index(bounds, cum, b) - cum_on_index(bounds, cum, a)
        return self._cum_array(idx, b) - self._cum_array(idx, a)

    def add_array(self, x: I64, d: I64) -> I64:
        """``add`` element-wise, for ``d >= 0``.

        The window (or, for years too many to join, each year's block) is asked for the
        span the answers need; an answer beyond it, or far enough from its ``x`` to need
        the horizon check, is asked of ``add`` itself.
        """
        import numpy as np

        if self.always or not len(x):
            return x + d
        out = x.copy()
        todo = np.flatnonzero(d > 0)
        if not len(todo):
            return out
        xs, ds = x[todo], d[todo]
        lo, hi = int(xs.min()), int((xs + ds).max()) + 14 * _US_PER_DAY
        idx = self.index_for(lo, hi)
        window = self._window_arrays(idx, lo, hi)
        if window is not None:
            u, ok = add_on_index(window[1], window[2], xs, ds)
            ok &= u <= window[0].hi
        else:
            target = self._cum_array(idx, xs) + ds
            n = len(idx.cum) - 1
            ok = target <= idx.cum[n]
            u = xs.copy()
            _, cums = self._index_arrays(idx)
            years = np.minimum(np.searchsorted(cums[1:], target), n - 1)
            for j, at in _groups(years):
                bounds, cum = self._arrays(idx.first_year + j)
                t = target[at]
                start = np.full(len(t), idx.starts[j])
                u[at], fine = add_on_index(bounds, cum, start, t - idx.cum[j])
                ok[at] &= fine
            ok &= np.abs(u - xs) < _SURELY_WITHIN_US
        out[todo[ok]] = u[ok]
        for i in todo[~ok].tolist():
            out[i] = self.add(int(x[i]), int(d[i]))
        return out

    def next_open_array(self, x: I64) -> I64:
        """``next_open`` element-wise."""
        import numpy as np

        if self.always or not len(x):
            return x.copy()
        lo, hi = int(x.min()), int(x.max()) + 14 * _US_PER_DAY
        idx = self.index_for(lo, hi)
        window = self._window_arrays(idx, lo, hi)
        if window is not None:
            out, ok = next_open_on_index(window[1], x)
        else:
            out = x.copy()
            ok = np.zeros(len(x), dtype=bool)
            for j, at in _groups(self._slots(idx, x)):
                bounds, _ = self._arrays(idx.first_year + j)
                out[at], ok[at] = next_open_on_index(bounds, x[at])
        for i in np.flatnonzero(~ok).tolist():
            out[i] = self.next_open(int(x[i]))
        return out

    def is_open_array(self, x: I64) -> NDArray[np.bool_]:
        """``is_open`` element-wise."""
        import numpy as np

        if self.always or not len(x):
            return np.ones(len(x), dtype=bool)
        lo, hi = int(x.min()), int(x.max()) + 1
        idx = self.index_for(lo, hi)
        window = self._window_arrays(idx, lo, hi)
        if window is not None:
            return (np.searchsorted(window[1], x, side="right") & 1).astype(bool)
        out = np.zeros(len(x), dtype=bool)
        for j, at in _groups(self._slots(idx, x)):
            bounds, _ = self._arrays(idx.first_year + j)
            out[at] = (np.searchsorted(bounds, x[at], side="right") & 1).astype(bool)
        return out


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

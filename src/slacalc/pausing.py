"""Pause windows and pause-aware clocks, in exact integer microseconds.

A pause window is a half-open interval ``[start, end)`` of instants during which a pausable
metric's clock does not count. Windows come from ``paused``/``resumed`` events, from explicit
windows (fixed ``start``/``end``) and from recurring windows written as RFC 5545 RRULEs
(expanded lazily with ``dateutil.rrule``). They are merged into one sorted stream of
disjoint windows, which a ``Walk`` reads window by window, never minute by minute: each
window costs one ``elapsed`` on the clock's timeline (itself sub-linear in the span it
covers), once, and every question after that is a bisection.

Counted time on a clock between ``a`` and ``b`` is the clock's open time in ``[a, b)`` minus
its open time inside the pause windows. The due time for a target ``T`` started at ``s`` is
the earliest instant where counted time since ``s`` reaches ``T``.
"""

from __future__ import annotations

import functools
import heapq
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from dateutil.rrule import DAILY, HOURLY, MINUTELY, MONTHLY, SECONDLY, WEEKLY, YEARLY, weekday
from dateutil.rrule import rrule as Recurrence

from .errors import TicketError
from .instants import from_us, to_us
from .terms import PauseWindowSpec, parse_rrule
from .timeline import HORIZON_US, Timeline

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    I64 = NDArray[np.int64]
    B8 = NDArray[np.bool_]

__all__ = [
    "MAX_COALESCED",
    "ArrayClock",
    "Ragged",
    "Walk",
    "Window",
    "counted",
    "counted_array",
    "due",
    "due_array",
    "expand",
    "merge",
    "paused_inside",
    "subtract",
]

Window = tuple[int, int]
"""A pause window ``[start, end)`` in microseconds since the epoch."""

MAX_COALESCED = 50_000
"""Pause windows merged into one before giving up (a rule that pauses the clock for ever)."""
_HORIZON_US = HORIZON_US
_HORIZON_WORDS = "pause windows push the due time beyond 200 years"


def expand(spec: PauseWindowSpec, lo: int) -> Iterator[Window]:
    """The windows of one spec that end after ``lo``, in order (lazy for RRULEs).

    A recurring rule is walked from a whole period of its own (same FREQ and INTERVAL
    phase as ``dtstart``) shortly before ``lo``, not from ``dtstart``, so the cost follows
    the ticket's span; the windows are exactly those of the rule walked from ``dtstart``.
    """
    if spec.rrule is None:
        assert spec.start is not None and spec.end is not None
        s, e = to_us(spec.start), to_us(spec.end)
        if e > lo:
            yield s, e
        return
    assert spec.dtstart is not None and spec.duration is not None
    length = spec.duration.to_timedelta() // timedelta(microseconds=1)
    if length <= 0:
        raise TicketError(f"pause window rule {spec.rrule!r}: duration must be positive")
    try:
        rule = _bounded(spec.rrule, spec.dtstart)
    except ValueError as e:
        raise TicketError(f"pause window rule: {e}") from None
    # Occurrences are local wall-clock times in dtstart's zone (so "every Sunday 02:00
    # Europe/London" follows summer time); each lasts ``duration`` of real time.
    first = from_us(lo - length, UTC).astimezone(spec.dtstart.tzinfo)
    horizon = lo + _HORIZON_US
    try:
        occurrences: Iterable[object] = _near(rule, first).xafter(first, inc=True)
        for occ in occurrences:
            s = to_us(occ)  # type: ignore[arg-type]
            if s > horizon:
                return
            end = s + length
            if end > lo:
                yield s, end
    except (ValueError, TypeError, OverflowError) as err:
        raise TicketError(f"pause window rule {spec.rrule!r} cannot be expanded: {err}") from None


@functools.lru_cache(maxsize=256)
def _bounded(text: str, dtstart: datetime) -> Recurrence:
    """The rule of ``text`` from ``dtstart``, a COUNT written as the UNTIL it amounts to.

    A COUNT rule counts its occurrences from ``dtstart``, so it cannot be walked from a
    later period; its last occurrence (found once per rule: a COUNT is at most
    ``RULE_MAX_COUNT``) turns it into the same rule bounded by UNTIL, which can.
    """
    rule = parse_rrule(text, dtstart)
    if getattr(rule, "_count", None) is None:
        return rule
    last = None
    for last in rule:  # noqa: B007 - the walk's last value is the answer
        pass
    if last is None:
        raise ValueError(f"{text!r} never occurs after dtstart")
    return rule.replace(count=None, until=last)


#: Wall-clock slack before ``first`` when re-anchoring a rule: more than any two UTC
#: offsets differ by, so an occurrence before the new anchor is before ``first`` in time.
_SLACK = timedelta(days=2)


def _near(rule: Recurrence, first: datetime) -> Recurrence:
    """``rule`` walked from the start of its last whole period at least ``_SLACK`` before
    ``first`` (wall clock): the same occurrences from there on.

    dateutil fills a rule's missing BY parts from ``dtstart`` and walks periods of FREQ,
    INTERVAL apart, from ``dtstart``'s period; every period after the first is whole and
    depends only on its own position. So the rule re-anchored at a later period's start,
    with the BY parts it filled in written out, yields the same occurrences from there.
    A COUNT rule counts from ``dtstart`` and is walked from it (``expand`` writes it as
    an UNTIL rule first).
    """
    r: Any = rule
    if r._count is not None:
        return rule
    d: datetime = r._dtstart
    tz = d.tzinfo
    try:
        t = first.astimezone(tz).replace(tzinfo=None) - _SLACK
    except (OverflowError, ValueError):
        return rule
    n = d.replace(tzinfo=None)
    if t <= n:
        return rule
    freq, step = r._freq, r._interval
    if freq == YEARLY:
        k = (t.year - n.year) // step
        anchor = datetime(n.year + k * step, 1, 1)
    elif freq == MONTHLY:
        k = ((t.year - n.year) * 12 + t.month - n.month) // step
        months = n.year * 12 + n.month - 1 + k * step
        anchor = datetime(months // 12, months % 12 + 1, 1)
    elif freq == WEEKLY:
        week = datetime(n.year, n.month, n.day) - timedelta(days=(n.weekday() - r._wkst) % 7)
        k = (t - week).days // 7 // step
        anchor = week + timedelta(weeks=k * step)
    else:
        unit = {DAILY: 86_400, HOURLY: 3_600, MINUTELY: 60, SECONDLY: 1}[freq]
        base = datetime(n.year, n.month, n.day) + timedelta(
            seconds=(n.hour * 3600 + n.minute * 60 + n.second) // unit * unit
        )
        k = int((t - base).total_seconds()) // unit // step
        anchor = base + timedelta(seconds=k * step * unit)
    if k <= 0:
        return rule
    parts: dict[str, Any] = {
        "bymonth": r._bymonth,
        "byyearday": r._byyearday,
        "byeaster": r._byeaster,
        "byweekno": r._byweekno,
        "bysetpos": r._bysetpos,
        "byhour": r._byhour,
        "byminute": r._byminute,
        "bysecond": r._bysecond,
        "bymonthday": (*r._bymonthday, *r._bynmonthday) or None,
        "byweekday": [*(r._byweekday or ()), *(weekday(w, m) for w, m in r._bynweekday or ())]
        or None,
    }
    return rule.replace(dtstart=anchor.replace(tzinfo=tz), **parts)


def merge(streams: Iterable[Iterable[Window]]) -> Iterator[Window]:
    """Merge sorted streams of windows into disjoint, sorted windows (touching ones joined)."""
    merged = heapq.merge(*streams)
    cur: Window | None = None
    joined = 0
    for s, e in merged:
        if e <= s:
            continue
        if cur is None:
            cur, joined = (s, e), 1
        elif s <= cur[1]:
            if e > cur[1]:
                cur = (cur[0], e)
            joined += 1
            if joined > MAX_COALESCED:
                raise TicketError(
                    f"pause windows from {from_us(cur[0]).isoformat()} never end "
                    f"({MAX_COALESCED} windows overlap in a row); check the pause rules"
                )
        else:
            yield cur
            cur, joined = (s, e), 1
    if cur is not None:
        yield cur


def counted(tl: Timeline, start: int, end: int, windows: Iterable[Window]) -> tuple[int, int]:
    """``(counted, paused)``: clock time in ``[start, end)`` outside and inside the windows."""
    return Walk(tl, start, windows).counted(start, end)


def due(
    tl: Timeline,
    start: int,
    need: int,
    windows: Iterable[Window],
    on_pause: Callable[[Window, int], None] | None = None,
) -> int:
    """The earliest instant where counted time since ``start`` reaches ``need``.

    ``windows`` are disjoint and sorted. ``on_pause(window, paused)`` is called for each
    window that moved the due time, with the clock time it held (for the audit trail).
    """
    walk = Walk(tl, start, windows)
    at, first, moved = walk.due(start, need)
    if on_pause is not None:
        for w, held in walk.held(start, first, moved):
            on_pause(w, held)
    return at


class Walk:
    """Counted time on one clock past sorted, disjoint pause windows, from ``origin`` on.

    The windows that end after ``origin`` are kept as the questions reach them (each
    clipped to start no earlier than ``origin``), with ``before[i]``: the clock time
    counted outside the windows from the start of window 0 to the start of window ``i``.
    Counted time stands still across a window, so from any start the due time is one
    bisection of ``before`` and one ``add``, and counted time between two instants takes
    at most three ``elapsed``. Every start on one clock (each cycle of a cadence, each
    re-target) shares the walk, and each window costs one ``elapsed``, once.

    ``more(lo)``, when given, yields the windows that end after ``lo`` afresh: recurring
    windows are expanded up to 200 years past where their stream began, so an answer from
    a later start that lies beyond that continues with a stream begun at the start.
    """

    __slots__ = ("_it", "_lo", "_more", "before", "ends", "origin", "starts", "tl")

    def __init__(
        self,
        tl: Timeline,
        origin: int,
        windows: Iterable[Window],
        more: Callable[[int], Iterable[Window]] | None = None,
    ) -> None:
        self.tl, self.origin = tl, origin
        self._it: Iterator[Window] | None = iter(windows)
        self._lo = origin  # where the current stream began
        self._more = more
        self.starts: list[int] = []
        self.ends: list[int] = []
        self.before: list[int] = []

    def _keep(self, watch: list[int], limit: int, beyond: int | None = None) -> bool:
        """Keep windows until ``watch[-1] >= limit`` (``watch`` is ``starts``, ``ends`` or
        ``before``) or one ends past ``beyond``; False when the windows run out first."""
        if watch and watch[-1] >= limit:
            return True
        it = self._it
        if it is None:
            return False
        starts, ends, before = self.starts, self.ends, self.before
        elapsed = self.tl.elapsed
        cur = ends[-1] if ends else self.origin
        for s, e in it:
            if e <= cur:
                continue
            ws = s if s > cur else cur
            before.append(before[-1] + elapsed(cur, ws) if ends else 0)
            starts.append(ws)
            ends.append(e)
            cur = e
            if watch[-1] >= limit or (beyond is not None and e > beyond):
                return True
        self._it = None
        return False

    def _after(self, x: int) -> int:
        """The index of the first window that ends after ``x`` (walking on to it)."""
        self._keep(self.ends, x + 1)
        return bisect_right(self.ends, x)

    def _again(self, start: int, reach: int) -> bool:
        """Whether the windows up to ``reach`` may lack some (then the stream is begun
        afresh from ``start``, or the last window kept when later)."""
        if self._it is not None or self._more is None or reach <= self._lo + _HORIZON_US:
            return False
        lo = max(start, self.ends[-1]) if self.ends else start
        if lo <= self._lo:
            return False
        self._lo = lo
        self._it = iter(self._more(lo))
        return True

    def due(self, start: int, need: int) -> tuple[int, int, int]:
        """``(due, first, moved)``: the due time for ``need`` of counted time from ``start``;
        windows ``first`` to ``moved - 1`` moved it."""
        while True:
            found = self._due(start, need)
            if not self._again(start, found[0]):
                return found

    def _due(self, start: int, need: int) -> tuple[int, int, int]:
        i = self._after(start)
        starts, ends, before = self.starts, self.ends, self.before
        if i == len(ends):
            return self.tl.add(start, need), i, i
        base = before[i] if starts[i] <= start else before[i] - self.tl.elapsed(start, starts[i])
        target = base + need
        k = bisect_left(before, target, i)
        while k == len(before):
            if ends[-1] - start > _HORIZON_US:
                raise TicketError(_HORIZON_WORDS)
            more = self._keep(before, target, start + _HORIZON_US)
            k = bisect_left(before, target, k)
            if not more:
                break
        if k == i:
            return self.tl.add(start, need), i, i
        cur = ends[k - 1]
        if cur - start > _HORIZON_US:
            raise TicketError(_HORIZON_WORDS)
        return self.tl.add(cur, target - before[k - 1]), i, k

    def counted(self, start: int, end: int) -> tuple[int, int]:
        """``(counted, paused)``: clock time in ``[start, end)`` outside and inside the windows."""
        if end <= start:
            return 0, 0
        while True:
            found = self._counted(start, end)
            if not self._again(start, end):
                return found

    def _counted(self, start: int, end: int) -> tuple[int, int]:
        tl = self.tl
        total = tl.elapsed(start, end)
        i = self._after(start)
        starts, ends, before = self.starts, self.ends, self.before
        if i == len(ends) or starts[i] >= end:
            return total, 0
        self._keep(starts, end)
        j = bisect_left(starts, end, i) - 1  # the last window that starts before ``end``
        got = before[j] - before[i]
        if starts[i] > start:
            got += tl.elapsed(start, starts[i])
        if ends[j] < end:
            got += tl.elapsed(ends[j], end)
        return got, total - got

    def held(self, start: int, first: int, moved: int) -> Iterator[tuple[Window, int]]:
        """Windows ``first`` to ``moved - 1`` from ``start`` on, with the clock time each
        held where it is not zero."""
        for i in range(first, moved):
            ws, e = max(self.starts[i], start), self.ends[i]
            h = self.tl.elapsed(ws, e)
            if h:
                yield (ws, e), h


def paused_inside(x: int, windows: Iterable[Window]) -> bool:
    """True when instant ``x`` lies inside one of the (sorted) windows."""
    for s, e in windows:
        if s > x:
            return False
        if s <= x < e:
            return True
    return False


def subtract(opens: Iterable[Window], windows: Iterator[Window]) -> list[Window]:
    """Sorted open intervals minus sorted, disjoint windows."""
    out: list[Window] = []
    w = next(windows, None)
    for s, e in opens:
        cur = s
        while w is not None and w[1] <= cur:
            w = next(windows, None)
        while w is not None and w[0] < e:
            if w[0] > cur:
                out.append((cur, w[0]))
            cur = max(cur, w[1])
            if w[1] >= e:
                break  # the window runs on into later intervals: keep it
            w = next(windows, None)
        if cur < e:
            out.append((cur, e))
    return out


# ---- the same rules over numpy arrays: one pass per window index ---------------------------


class ArrayClock(Protocol):
    """What the array forms need of a clock: ``Timeline``'s array questions."""

    def elapsed_array(self, a: I64, b: I64) -> I64: ...

    def add_array(self, x: I64, d: I64) -> I64: ...


class Ragged:
    """Per-row windows as one flat pair of arrays.

    Row ``i``'s windows are ``start[begin[i]:begin[i] + count[i]]`` (and ``end``), sorted by
    start; they may overlap or touch (the array forms merge them as they walk). Built from
    CSR ``offsets``; ``take`` gives other rows' views of the same flat arrays, not copies.
    """

    __slots__ = ("_reach", "begin", "count", "end", "start")

    def __init__(self, start: I64, end: I64, offsets: I64) -> None:
        self.start, self.end = start, end
        self.begin = offsets[:-1]
        self.count = offsets[1:] - offsets[:-1]
        self._reach: I64 | None = None

    def take(self, rows: I64, after: I64 | None = None) -> Ragged:
        """The windows of ``rows``, in that order, sharing this one's arrays.

        With ``after``, row ``i`` leaves out its leading windows that all end at or before
        ``after[i]``: no clock from ``after[i]`` on can meet them.
        """
        begin, count = self.begin[rows], self.count[rows]
        if after is not None:
            skip = self._ended(begin, count, after)
            begin, count = begin + skip, count - skip
        view = Ragged.__new__(Ragged)
        view.start, view.end, view.begin, view.count = self.start, self.end, begin, count
        view._reach = self.reach()  # a view's rows are not laid out row after row
        return view

    def reach(self) -> I64:
        """For each flat window, the latest end of its row's windows up to it (one pass per
        doubling: a scan within each row)."""
        if self._reach is None:
            import numpy as np

            # only a Ragged built from offsets gets here (a view is given its base's), so
            # the flat windows are its rows' windows, row after row
            reach = self.end.copy()
            row = np.repeat(np.arange(len(self.count), dtype=np.int64), self.count)
            step = 1
            while step < len(reach):
                same = row[step:] == row[:-step]
                if not same.any():
                    break
                reach[step:] = np.where(same, np.maximum(reach[step:], reach[:-step]), reach[step:])
                step *= 2
            self._reach = reach
        return self._reach

    def _ended(self, begin: I64, count: I64, after: I64) -> I64:
        """How many leading windows of each row end at or before ``after`` (a bisection of
        the row's running latest end, all rows at once)."""
        import numpy as np

        reach = self.reach()
        lo = np.zeros(len(begin), dtype=np.int64)
        hi = count.copy()
        while True:
            open_ = np.flatnonzero(lo < hi)
            if not len(open_):
                return lo
            mid = (lo[open_] + hi[open_]) // 2
            ended = reach[begin[open_] + mid] <= after[open_]
            lo[open_[ended]] = mid[ended] + 1
            hi[open_[~ended]] = mid[~ended]


def due_array(clock: ArrayClock, start: I64, need: I64, windows: Ragged) -> tuple[I64, B8]:
    """``due`` for each row: ``(due, beyond)``; ``beyond`` marks rows past the horizon.

    Pass ``j`` takes every row's ``j``-th window, so ``k`` windows cost ``k`` array passes.
    """
    import numpy as np

    cur = start.copy()
    left = need.copy()
    beyond = np.zeros(len(start), dtype=bool)
    active = np.flatnonzero(windows.count > 0)
    j = 0
    while len(active):
        k = windows.begin[active] + j
        s, e = windows.start[k], windows.end[k]
        c = cur[active]
        live = e > c
        ws = np.maximum(s, c)
        avail = clock.elapsed_array(c, ws)
        done = live & (avail >= left[active])
        move = live & ~done
        rows = active[move]
        left[rows] -= avail[move]
        cur[rows] = e[move]
        beyond[rows] |= cur[rows] - start[rows] > _HORIZON_US
        j += 1
        active = active[~done & (windows.count[active] > j) & ~beyond[active]]
    return clock.add_array(cur, np.where(beyond, 0, left)), beyond


def counted_array(clock: ArrayClock, start: I64, end: I64, windows: Ragged) -> tuple[I64, I64]:
    """``counted`` for each row: ``(counted, paused)`` clock time in ``[start, end)``."""
    import numpy as np

    live = end > start
    total = np.where(live, clock.elapsed_array(start, np.maximum(start, end)), 0)
    paused = np.zeros(len(start), dtype=np.int64)
    reach = start.copy()
    active = np.flatnonzero(live & (windows.count > 0))
    j = 0
    while len(active):
        k = windows.begin[active] + j
        s, e = windows.start[k], windows.end[k]
        lo = np.maximum(s, reach[active])
        hi = np.minimum(e, end[active])
        got = hi > lo
        rows = active[got]
        paused[rows] += clock.elapsed_array(lo[got], hi[got])
        reach[active] = np.maximum(reach[active], e)
        j += 1
        active = active[windows.count[active] > j]
    return total - paused, paused

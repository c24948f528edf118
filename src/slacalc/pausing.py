"""Pause windows and pause-aware clocks, in exact integer microseconds.

A pause window is a half-open interval ``[start, end)`` of instants during which a pausable
metric's clock does not count. Windows come from ``paused``/``resumed`` events, from explicit
windows (fixed ``start``/``end``) and from recurring windows written as RFC 5545 RRULEs
(expanded lazily with ``dateutil.rrule``). They are merged into one sorted stream of
disjoint windows, and the clock questions below walk that stream window by window, never
minute by minute: each step is one ``elapsed`` or ``add`` on the clock's timeline, which is
itself sub-linear in the span it covers.

Counted time on a clock between ``a`` and ``b`` is the clock's open time in ``[a, b)`` minus
its open time inside the pause windows. The due time for a target ``T`` started at ``s`` is
the earliest instant where counted time since ``s`` reaches ``T``.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, timedelta
from typing import TYPE_CHECKING, Protocol

from dateutil.rrule import rrulestr

from .errors import TicketError
from .instants import from_us, to_us
from .terms import PauseWindowSpec
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
    """The windows of one spec that end after ``lo``, in order (lazy for RRULEs)."""
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
        rule = rrulestr(spec.rrule, dtstart=spec.dtstart)
    except (ValueError, TypeError) as e:
        raise TicketError(
            f"pause window rule {spec.rrule!r} is not a valid RFC 5545 RRULE: {e}"
        ) from None
    # Occurrences are local wall-clock times in dtstart's zone (so "every Sunday 02:00
    # Europe/London" follows summer time); each lasts ``duration`` of real time.
    first = from_us(lo - length, UTC).astimezone(spec.dtstart.tzinfo)
    horizon = lo + _HORIZON_US
    try:
        occurrences: Iterable[object] = rule.xafter(first, inc=True)
        for occ in occurrences:
            s = to_us(occ)  # type: ignore[arg-type]
            if s > horizon:
                return
            end = s + length
            if end > lo:
                yield s, end
    except (ValueError, TypeError) as err:
        raise TicketError(f"pause window rule {spec.rrule!r} cannot be expanded: {err}") from None


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
    if end <= start:
        return 0, 0
    total = tl.elapsed(start, end)
    paused = 0
    for s, e in windows:
        if s >= end:
            break
        if e <= start:
            continue
        paused += tl.elapsed(max(s, start), min(e, end))
    return total - paused, paused


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
    cur = start
    left = need
    for s, e in windows:
        if e <= cur:
            continue
        ws = max(s, cur)
        avail = tl.elapsed(cur, ws)
        if avail >= left:
            break
        left -= avail
        held = tl.elapsed(ws, e)
        if on_pause is not None and held:
            on_pause((ws, e), held)
        cur = e
        if cur - start > _HORIZON_US:
            raise TicketError(_HORIZON_WORDS)
    return tl.add(cur, left)


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
    """Per-row windows as one flat, CSR-shaped pair of arrays.

    Row ``i``'s windows are ``start[offsets[i]:offsets[i + 1]]`` (and ``end``), sorted by
    start; they may overlap or touch (the array forms merge them as they walk).
    """

    __slots__ = ("count", "end", "offsets", "start")

    def __init__(self, start: I64, end: I64, offsets: I64) -> None:
        self.start, self.end, self.offsets = start, end, offsets
        self.count = offsets[1:] - offsets[:-1]

    def take(self, rows: I64) -> Ragged:
        """The windows of ``rows`` only, in that order."""
        import numpy as np

        count = self.count[rows]
        offsets = np.zeros(len(rows) + 1, dtype=np.int64)
        np.cumsum(count, out=offsets[1:])
        idx = np.repeat(self.offsets[:-1][rows] - offsets[:-1], count) + np.arange(
            int(offsets[-1]), dtype=np.int64
        )
        return Ragged(self.start[idx], self.end[idx], offsets)


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
        k = windows.offsets[active] + j
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
        k = windows.offsets[active] + j
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

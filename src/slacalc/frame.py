"""Whole tables of tickets at once: ``evaluate_frame`` with numpy over the timeline index.

The scalar ``Policy.evaluate`` answers one ticket with bisections over a calendar's index
(``slacalc.timeline``). Here the same questions are asked for whole columns: rows are grouped
by (plan, severity) once per metric, which fixes each row's target, clock and start rule;
then every clock answers ``next_open``, ``add`` and ``elapsed`` for all its rows with
``numpy.searchsorted`` over the same flat index (``Timeline.snapshot``: interval bounds and
cumulative open time, integer microseconds since the epoch). No Python code runs per row.

The rules reproduced from ``timeline`` (``cum(x)`` is open time from the start of the index):

* ``elapsed(a, b) = cum(b) - cum(a)``;
* ``add(x, d)``, ``d > 0``: with ``t = cum(x) + d`` and ``k`` the first interval whose
  cumulative end reaches ``t``, ``u = start_k + t - cum_k`` -- so a target reached exactly
  at a closing time answers that closing time, never the next opening;
* ``next_open(x)``: ``x`` when inside an open interval, else the next interval's start.

An answer is trusted only when it lies inside the span the index was asked to cover; rows
whose answer falls beyond it are asked again over a wider span (the index grows by whole
years and refuses spans beyond its horizon with a ``CalendarError``, so nothing loops).

This module (with ``report`` and ``plot``) is the only place pandas is imported; the core
never needs it.
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from . import pausing
from .errors import NaiveDatetimeError, TicketError, UnknownNameError
from .instants import ensure_aware, to_us, zone_named

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from .calendar import Calendar
    from .policy import Policy
    from .terms import PauseWindowSpec
    from .timeline import Timeline

    I64 = NDArray[np.int64]
    B8 = NDArray[np.bool_]

__all__ = [
    "OUTPUT_SUFFIXES",
    "STATES",
    "STATE_DTYPE",
    "FrameError",
    "evaluate_frame",
    "frame_meta",
    "output_columns",
]

STATES: tuple[str, ...] = (
    "invalid",
    "not_applicable",
    "no_deadline",
    "met",
    "missed",
    "breached",
    "paused",
    "at_risk",
    "running",
)
"""Every state a metric column can hold; ``invalid`` only with ``errors="mark"``."""

OUTPUT_SUFFIXES: tuple[str, ...] = (
    "due_at",
    "state",
    "breached",
    "elapsed",
    "remaining",
    "escalate",
)
"""Columns added per metric, as ``{metric}_{suffix}``."""

STATE_DTYPE = pd.CategoricalDtype(list(STATES))
"""The dtype of every ``{metric}_state`` column."""

REQUIRED = ("plan", "severity", "opened_at")
_NAT = np.iinfo(np.int64).min
_US_PER_DAY = 86_400_000_000
_HORIZON_US = 200 * 366 * _US_PER_DAY
_NONE, _COMMITMENT, _DURATION = 0, 1, 2
_STATE_CODE = {s: i for i, s in enumerate(STATES)}
# An ISO 8601 instant that carries an offset: a time of day followed by Z or +hh[:mm].
_HAS_OFFSET = re.compile(
    r"\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*(?:[Zz]|[+-]\d{2}(?::?\d{2}(?::?\d{2})?)?)\s*$"
)
_SHOWN = 10


class FrameError(TicketError):
    """Rows of a frame that cannot be evaluated; ``problems`` lists ``(row label, problem)``."""

    def __init__(self, problems: Sequence[tuple[Hashable, str]]) -> None:
        self.problems = list(problems)
        shown = "; ".join(f"row {label!r}: {msg}" for label, msg in self.problems[:_SHOWN])
        more = len(self.problems) - _SHOWN
        tail = f"; and {more} more" if more > 0 else ""
        n = len({label for label, _ in self.problems})
        super().__init__(
            f"{n} row{'s' if n != 1 else ''} cannot be evaluated: {shown}{tail} "
            "(pass errors='mark' to evaluate the rest and mark these 'invalid')"
        )


# ---- public entry points ------------------------------------------------------------------


def evaluate_frame(
    policy: Policy,
    df: pd.DataFrame,
    events: pd.DataFrame | None = None,
    at: datetime | str | None = None,
    errors: Literal["raise", "mark"] = "raise",
    tz: str | None = None,
) -> pd.DataFrame:
    """Evaluate every row of ``df`` (one ticket per row) at the instant ``at``.

    ``df`` has columns ``plan``, ``severity``, ``opened_at`` and optionally
    ``responded_at``, ``resolved_at`` (any ``{event}_at`` column serves a metric whose stop
    event is ``event``) and ``ticket_id``. Timestamps are timezone-aware datetime columns or
    ISO 8601 strings with an offset; naive ones are an error unless ``tz`` names the zone
    they are in. ``at`` defaults to now.

    Returns a copy of ``df`` with, for each metric ``m`` of the policy, the columns
    ``m_due_at``, ``m_state``, ``m_breached``, ``m_elapsed``, ``m_remaining`` and
    ``m_escalate``; each row equals ``policy.evaluate`` of the same ticket (rows carry no
    pause events; the policy's own pause windows apply to its pausable metrics). Rows with an
    unknown plan or severity, or a missing or unreadable time, raise ``FrameError`` naming
    the row labels; with ``errors="mark"`` they get state ``invalid`` (reason in the
    ``problem`` column) and the other rows are evaluated.
    """
    if errors not in ("raise", "mark"):
        raise ValueError(f"errors must be 'raise' or 'mark', not {errors!r}")
    zone = _zone(tz)
    missing_cols = [c for c in REQUIRED if c not in df.columns]
    if missing_cols:
        raise TicketError(
            f"the frame lacks column{'s' if len(missing_cols) > 1 else ''} "
            f"{', '.join(map(repr, missing_cols))}; it needs plan, severity and opened_at "
            "(optionally responded_at, resolved_at, ticket_id)"
        )
    at_us = _at_us(at, zone)
    n = len(df)
    problems = _Problems(n)

    plan_code, plan_ids = _resolve(df["plan"], policy.plan_id, "plan", problems)
    sev_code, sev_ids = _resolve(df["severity"], policy.severity_id, "severity", problems)
    opened = _instants(df["opened_at"], "opened_at", zone, problems, required=True)
    stops: dict[str, I64] = {}  # event times by column: responded_at, resolved_at, ...
    wanted = ["responded_at", "resolved_at", "updated_at"]
    wanted += [f"{policy.stop_event(m)}_at" for m in policy.metrics]
    for col in dict.fromkeys(wanted):
        if col in df.columns:
            stops[col] = _instants(df[col], col, zone, problems, required=False)

    # The scalar rules: a ticket cannot be evaluated before it was opened, and no event
    # (even one after ``at``) may come before the opening.
    known = opened != _NAT
    problems.add(known & (opened > at_us), f"opened_at is after at ({_iso_us(at_us)})")
    for col, t in stops.items():
        problems.add(known & (t != _NAT) & (t < opened), f"{col} is before opened_at")

    invalid = problems.mask
    if errors == "raise" and invalid.any():
        raise FrameError(problems.listing(df.index))

    out = df.copy(deep=False)  # new columns only: the caller's frame is left as it was
    out_tz = _output_zone(df["opened_at"], zone)
    # Times come back as aware datetimes (strings parsed), in the opened_at column's zone.
    for col, t in (("opened_at", opened), *stops.items()):
        if not isinstance(df[col].dtype, pd.DatetimeTZDtype):  # aware columns stay as given
            out[col] = _datetimes(t, out.index, out_tz)
    if errors == "mark":
        out["problem"] = problems.reasons()

    # One code per (plan, severity) pair; invalid rows get -1.
    # (Codes are small, so a bincount finds the pairs present; the last slot is "invalid".)
    nsev = max(len(sev_ids), 1)
    total = len(plan_ids) * nsev
    pair_row = np.where(invalid, total, plan_code * nsev + sev_code)
    present = np.bincount(pair_row, minlength=total + 1)[:total] > 0
    pairs = np.append(np.where(present, np.arange(total), -1), -1)
    clocks = _Clocks(policy)
    for metric in policy.metrics:
        res = _evaluate_metric(
            policy,
            metric,
            pairs,
            pair_row,
            plan_ids,
            sev_ids,
            nsev,
            opened,
            stops,
            at_us,
            invalid,
            clocks,
        )
        _write(out, metric, res, out_tz)
    return out


def output_columns(policy: Policy) -> list[str]:
    """The columns ``evaluate_frame`` adds, in order."""
    return [f"{m}_{s}" for m in policy.metrics for s in OUTPUT_SUFFIXES]


def frame_meta(
    policy: Policy,
    df: pd.DataFrame,
    errors: Literal["raise", "mark"] = "raise",
    tz: str | None = None,
) -> pd.DataFrame:
    """The empty output frame (schema) ``evaluate_frame`` gives for input like ``df``.

    Pass it as ``meta=`` to ``dask.dataframe.DataFrame.map_partitions``.
    """
    return evaluate_frame(
        policy, df.iloc[:0], at=datetime(2000, 1, 1, tzinfo=UTC), errors=errors, tz=tz
    )


# ---- input: names and instants ----------------------------------------------------------


class _Problems:
    """Per-row problems found while reading the frame, in column order."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.mask: B8 = np.zeros(n, dtype=bool)
        self._found: list[tuple[B8, Any]] = []  # (rows, message or per-row messages)

    def add(self, rows: B8, message: str | Callable[[int], str]) -> None:
        if rows.any():
            self.mask |= rows
            self._found.append((rows, message))

    def _each(self) -> list[tuple[int, str]]:
        got: list[tuple[int, str]] = []
        for rows, message in self._found:
            for i in np.flatnonzero(rows).tolist():
                got.append((i, message if isinstance(message, str) else message(i)))
        got.sort(key=lambda p: p[0])
        return got

    def listing(self, index: pd.Index) -> list[tuple[Hashable, str]]:
        return [(index[i], msg) for i, msg in self._each()]

    def reasons(self) -> NDArray[np.object_]:
        col: NDArray[np.object_] = np.full(self.n, None, dtype=object)
        for i, msg in self._each():
            col[i] = msg if col[i] is None else f"{col[i]}; {msg}"
        return col


def _zone(tz: str | None) -> ZoneInfo | None:
    if tz is None:
        return None
    return zone_named(tz)


def _at_us(at: datetime | str | None, zone: ZoneInfo | None) -> int:
    if at is None:
        return to_us(datetime.now(UTC))
    if isinstance(at, str):
        from .instants import parse_instant

        if zone is not None and not _HAS_OFFSET.search(at.strip()):
            return to_us(
                pd.Timestamp(at).tz_localize(zone, nonexistent="shift_forward").to_pydatetime()
            )
        return to_us(parse_instant(at, "at"))
    if isinstance(at, datetime) and at.tzinfo is None and zone is not None:
        ts = pd.Timestamp(at).tz_localize(zone, ambiguous=True, nonexistent="shift_forward")
        return to_us(ts.to_pydatetime())
    return to_us(ensure_aware(at, "at"))


def _resolve(
    col: pd.Series, resolve: Callable[[str], str], kind: str, problems: _Problems
) -> tuple[I64, list[str]]:
    """Codes into a list of ids, resolving each distinct value once (ids, names, aliases)."""
    codes, uniques = pd.factorize(col, use_na_sentinel=True)
    ids: list[str] = []
    to_id = np.full(len(uniques) + 1, -1, dtype=np.int64)  # last slot: NA
    bad_values: dict[int, str] = {}
    for j, value in enumerate(uniques):
        try:
            key = resolve(value if isinstance(value, str) else str(value))
        except UnknownNameError as e:
            bad_values[j] = e.message
            continue
        if key not in ids:
            ids.append(key)
        to_id[j] = ids.index(key)
    codes = np.asarray(codes, dtype=np.int64)
    row_id = to_id[codes]  # NA (-1) reads the last slot, also -1
    problems.add(codes < 0, f"{kind} is missing")
    if bad_values:
        unknown = (row_id < 0) & (codes >= 0)
        problems.add(unknown, lambda i: bad_values[int(codes[i])])
    return np.where(row_id < 0, 0, row_id), ids


def _instants(
    col: pd.Series, name: str, zone: ZoneInfo | None, problems: _Problems, *, required: bool
) -> I64:
    """Microseconds since the epoch (``_NAT`` where missing)."""
    dtype = col.dtype
    if isinstance(dtype, pd.DatetimeTZDtype):
        ts = col
    elif pd.api.types.is_datetime64_dtype(dtype):
        if zone is None and not col.notna().any():  # an empty column has no zone to lack
            ts = col.dt.tz_localize("UTC")
        elif zone is None:
            raise NaiveDatetimeError(
                f"column {name!r} holds naive datetimes (no time zone); convert it with "
                f"df[{name!r}].dt.tz_localize('Europe/London'), or pass tz='Europe/London' "
                "(the zone the times were recorded in)"
            )
        else:
            ts = _localize(col, zone)
    else:
        ts = _parse_text(col, name, zone, problems)
    values = ts.dt.tz_convert("UTC").dt.as_unit("us").dt.tz_localize(None).to_numpy()
    us: I64 = values.view(np.int64)
    if required:
        problems.add(np.asarray(col.isna()), f"{name} is missing")
    return us


def _localize(col: pd.Series, zone: ZoneInfo) -> pd.Series:
    # semantics.md: a wall time in a gap moves to the first instant after it; an ambiguous
    # one takes its first occurrence.
    ambiguous = np.ones(len(col), dtype=bool)
    local: pd.Series = col.dt.tz_localize(zone, ambiguous=ambiguous, nonexistent="shift_forward")
    return local


def _parse_text(col: pd.Series, name: str, zone: ZoneInfo | None, problems: _Problems) -> pd.Series:
    present = np.asarray(col.notna())
    if _all_str(col):
        s = col.astype("string")
    else:  # datetimes in an object column (rare): their ISO form carries the offset if any
        s = col.map(_iso, na_action="ignore").astype("string")
    has_off = np.asarray(s.str.contains(_HAS_OFFSET, na=False), dtype=bool)
    aware = pd.to_datetime(s.where(has_off), format="ISO8601", utc=True, errors="coerce")
    naive_rows = present & ~has_off
    if naive_rows.any():
        if zone is None:
            problems.add(
                naive_rows,
                lambda i: (
                    f"{name} {s.iloc[i]!r} has no time zone; write an offset such as "
                    "2026-11-20T16:30:00Z, or pass tz= naming the zone the times were recorded in"
                ),
            )
        else:
            naive = pd.to_datetime(s.where(naive_rows), format="ISO8601", errors="coerce")
            local = _localize(naive, zone).dt.tz_convert("UTC")
            aware = aware.where(~naive_rows, local)
    unreadable = present & np.asarray(aware.isna()) & (has_off | (zone is not None))
    problems.add(
        unreadable,
        lambda i: f"{name} {s.iloc[i]!r} is not an ISO 8601 instant (e.g. 2026-11-20T16:30:00Z)",
    )
    return aware


def _iso(v: object) -> str:
    return v.isoformat() if isinstance(v, datetime) else str(v)


def _all_str(col: pd.Series) -> bool:
    if pd.api.types.is_string_dtype(col.dtype) and not pd.api.types.is_object_dtype(col.dtype):
        return True
    values = col.dropna()
    return bool(len(values) == 0 or pd.api.types.infer_dtype(values, skipna=True) == "string")


def _output_zone(col: pd.Series, zone: ZoneInfo | None) -> Any:
    if isinstance(col.dtype, pd.DatetimeTZDtype):
        return col.dtype.tz
    return zone if zone is not None else "UTC"


# ---- clocks over numpy --------------------------------------------------------------------


_ARRAYS: weakref.WeakKeyDictionary[Timeline, tuple[Sequence[int], I64, I64]] = (
    weakref.WeakKeyDictionary()
)
"""Each timeline's current index as numpy arrays (replaced when the index grows)."""


class _Clock:
    """One calendar's index as numpy arrays, asked for whole columns at once."""

    def __init__(self, cal: Calendar) -> None:
        self.timeline = cal.timeline
        self.always = cal.is_always
        self.lo = 0
        self.hi = -1
        self.bounds: I64 = np.zeros(0, dtype=np.int64)
        self.cums: I64 = np.zeros(1, dtype=np.int64)

    def cover(self, lo: int, hi: int) -> None:
        if self.always or (self.lo <= lo and hi <= self.hi):
            return
        if self.hi >= self.lo:  # widen what we had rather than shrink it
            lo, hi = min(lo, self.lo), max(hi, self.hi)
        bounds, cums = self.timeline.snapshot(lo, hi)
        cached = _ARRAYS.get(self.timeline)
        if cached is None or cached[0] is not bounds:  # a new (grown) index: convert once
            cached = (bounds, np.asarray(bounds, dtype=np.int64), np.asarray(cums, dtype=np.int64))
            _ARRAYS[self.timeline] = cached
        self.bounds, self.cums = cached[1], cached[2]
        self.lo, self.hi = lo, hi

    def cum(self, x: I64) -> I64:
        if self.always:
            return x
        b = self.bounds
        i = np.searchsorted(b, x, side="right")
        inside = (i & 1).astype(bool)
        before = b[np.maximum(i - 1, 0)] if len(b) else np.zeros_like(x)
        result: I64 = self.cums[i >> 1] + np.where(inside, x - before, 0)
        return result

    def elapsed(self, a: I64, b: I64) -> I64:
        if self.always:
            return b - a
        self.cover(int(min(a.min(), b.min())), int(max(a.max(), b.max())))
        return self.cum(b) - self.cum(a)

    def add(self, x: I64, d: I64) -> I64:
        """``d >= 0`` only (targets are never negative)."""
        if self.always or len(x) == 0:
            return x + d
        out = x.copy()
        todo = np.flatnonzero(d > 0)
        lo = int(x.min())
        hi = int(x.max()) + int(d.max()) + 14 * _US_PER_DAY
        while len(todo):
            self.cover(lo, hi)
            xs, ds = x[todo], d[todo]
            target = self.cum(xs) + ds
            cums = self.cums
            k = np.searchsorted(cums[1:], target, side="left")
            ok = target <= cums[-1]
            kk = np.where(ok, k, 0)
            u = self.bounds[2 * kk] + target - cums[kk] if len(self.bounds) else xs
            ok &= u <= self.hi
            out[todo[ok]] = u[ok]
            todo = todo[~ok]
            hi = self.hi + max(self.hi - self.lo, 366 * _US_PER_DAY)
        return out

    def next_open(self, x: I64) -> I64:
        if self.always or len(x) == 0:
            return x
        out = x.copy()
        todo = np.arange(len(x))
        lo, hi = int(x.min()), int(x.max()) + 14 * _US_PER_DAY
        while len(todo):
            self.cover(lo, hi)
            b = self.bounds
            xs = x[todo]
            i = np.searchsorted(b, xs, side="right")
            inside = (i & 1).astype(bool)
            nxt = b[np.minimum(i, len(b) - 1)] if len(b) else xs
            ok = inside | ((i < len(b)) & (nxt <= self.hi))
            out[todo[ok]] = np.where(inside, xs, nxt)[ok]
            todo = todo[~ok]
            hi = self.hi + max(self.hi - self.lo, 366 * _US_PER_DAY)
        return out


class _PausedClock(_Clock):
    """A clock with the policy's own pause windows cut out of its open intervals.

    Counted time on it is the clock's open time minus its open time inside the windows, so
    ``add`` and ``elapsed`` on it are exactly the scalar pause-aware questions. The derived
    index is built for the span the rows need (a loop over intervals, not over rows).
    """

    def __init__(self, cal: Calendar, specs: Sequence[PauseWindowSpec]) -> None:
        super().__init__(cal)
        self.always = False
        self.specs = tuple(specs)

    def cover(self, lo: int, hi: int) -> None:
        if self.lo <= lo and hi <= self.hi:
            return
        if self.hi >= self.lo:
            lo, hi = min(lo, self.lo), max(hi, self.hi)
        if hi - lo > _HORIZON_US:
            raise TicketError("pause windows push the due time beyond 200 years")
        windows = pausing.merge(pausing.expand(spec, lo) for spec in self.specs)
        kept = _subtract(self.timeline.intervals(lo, hi), windows)
        starts = np.fromiter((a for a, _ in kept), dtype=np.int64, count=len(kept))
        ends = np.fromiter((b for _, b in kept), dtype=np.int64, count=len(kept))
        bounds = np.empty(2 * len(kept), dtype=np.int64)
        bounds[0::2], bounds[1::2] = starts, ends
        self.bounds = bounds
        self.cums = np.concatenate(([0], np.cumsum(ends - starts))).astype(np.int64)
        self.lo, self.hi = lo, hi


def _subtract(
    opens: Iterable[tuple[int, int]], windows: Iterator[tuple[int, int]]
) -> list[tuple[int, int]]:
    """Sorted open intervals minus sorted, disjoint windows."""
    out: list[tuple[int, int]] = []
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


@dataclass
class _Clocks:
    policy: Policy
    _by_name: dict[tuple[str, bool], _Clock] = field(default_factory=dict)

    def get(self, name: str, paused: bool = False) -> _Clock:
        """The clock ``name``; with ``paused``, less the policy's own pause windows."""
        key = (name, paused and bool(self.policy.pause_windows))
        if key not in self._by_name:
            cal = self.policy.clock(name)
            self._by_name[key] = (
                _PausedClock(cal, self.policy.pause_windows) if key[1] else _Clock(cal)
            )
        return self._by_name[key]

    def __getitem__(self, name: str) -> _Clock:
        return self.get(name)


# ---- one metric -------------------------------------------------------------------------


@dataclass
class _Result:
    due: I64
    state: NDArray[np.int8]
    elapsed: I64
    remaining: I64
    breached: B8
    escalate: B8


def _evaluate_metric(
    policy: Policy,
    metric: str,
    pairs: I64,
    pair_row: I64,
    plan_ids: list[str],
    sev_ids: list[str],
    nsev: int,
    opened: I64,
    times: dict[str, I64],
    at_us: int,
    invalid: B8,
    clocks: _Clocks,
) -> _Result:
    from .targets import NextOpen, TargetKind

    n = len(opened)
    spec = policy.metrics[metric]
    fraction = spec.warning_fraction or policy.warning_fraction
    # Per (plan, severity) pair: the target's kind, length, clock, start rule and escalation;
    # then spread to rows by the pair code.
    npairs = len(pairs)
    kind = np.full(npairs, -1, dtype=np.int8)
    within = np.zeros(npairs, dtype=np.int64)
    clock_of = np.full(npairs, -1, dtype=np.int64)
    start_of = np.full(npairs, -1, dtype=np.int64)
    eligible = np.zeros(npairs, dtype=bool)
    clock_names: list[str] = []
    start_names: list[str] = []
    for j, code in enumerate(pairs.tolist()):
        if code < 0:
            continue
        plan, sev = plan_ids[code // nsev], sev_ids[code % nsev]
        target = policy.target(plan, sev, metric)
        eligible[j] = policy.escalation_eligible(metric, plan, sev)
        if target.kind is TargetKind.NONE:
            kind[j] = _NONE
        elif target.kind is TargetKind.COMMITMENT:
            kind[j] = _COMMITMENT
        else:
            kind[j] = _DURATION
            within[j] = policy.within(target) // timedelta(microseconds=1)
            if target.clock not in clock_names:
                clock_names.append(target.clock)
            clock_of[j] = clock_names.index(target.clock)
            if isinstance(target.start, NextOpen):
                if target.start.next_open not in start_names:
                    start_names.append(target.start.next_open)
                start_of[j] = start_names.index(target.start.next_open)

    row_kind = kind[pair_row]
    row_within = within[pair_row]
    row_clock = clock_of.astype(np.int8)[pair_row]
    row_start_rule = start_of.astype(np.int8)[pair_row]
    timed = row_kind == _DURATION

    def starts(anchor: I64) -> I64:
        start = anchor.copy()
        for k, name in enumerate(start_names):
            rows = np.flatnonzero(timed & (row_start_rule == k))
            if len(rows):
                start[rows] = clocks[name].next_open(anchor[rows])
        return start

    pausable = spec.pausable

    def dues(start: I64) -> I64:
        due = np.full(n, _NAT, dtype=np.int64)
        for c, name in enumerate(clock_names):
            rows = np.flatnonzero(timed & (row_clock == c))
            if len(rows):
                due[rows] = clocks.get(name, pausable).add(start[rows], row_within[rows])
        return due

    def counted(start: I64, end: I64) -> I64:
        got = np.full(n, _NAT, dtype=np.int64)
        for c, name in enumerate(clock_names):
            rows = np.flatnonzero(timed & (row_clock == c))
            if len(rows):
                clock = clocks.get(name, pausable)
                got[rows] = np.maximum(clock.elapsed(start[rows], end[rows]), 0)
        return got

    def by(t: I64 | None, limit: I64 | int) -> B8:
        """Rows where the event happened, at or before ``limit``."""
        if t is None:
            return np.zeros(n, dtype=bool)
        happened: B8 = (t != _NAT) & (t <= limit)
        return happened

    never = np.full(n, _NAT, dtype=np.int64)
    stop_type = policy.stop_event(metric)
    late = np.zeros(n, dtype=bool)
    if not spec.cadence:
        # One clock from the opening to the stop event (events after ``at`` are ignored).
        stop = times.get(f"{stop_type}_at", never)
        stopped = by(stop, at_us)
        start = starts(opened)
    else:
        # A periodic target: each update (or response) starts the next cycle; a beat after
        # its cycle's due time makes the metric missed; the resolution stops the cadence.
        stop = times.get("resolved_at", never)
        stopped = by(stop, at_us)
        end = np.where(stopped, stop, at_us)
        names = ["responded_at", "updated_at", f"{stop_type}_at"]
        cols = [times[c] for c in dict.fromkeys(names) if c in times]
        far = np.iinfo(np.int64).max
        beats = np.zeros((n, 0), dtype=np.int64)
        if cols:
            beats = np.sort(np.stack([np.where(by(t, end), t, far) for t in cols], axis=1), axis=1)
        anchor = opened
        for j in range(beats.shape[1]):
            beat = beats[:, j]
            has = beat != far
            due_j = dues(starts(anchor))
            late |= timed & has & (beat > due_j)
            anchor = np.where(has, beat, anchor)
        start = starts(anchor)
    due = dues(start)
    end = np.where(stopped, stop, at_us)
    elapsed = counted(start, end)

    remaining = np.where(timed, row_within - elapsed, _NAT)
    over = due < end
    at_risk = elapsed >= (fraction * within.astype(np.float64))[pair_row]  # as state_for does
    # The policy's own pause windows pause every open ticket of a pausable metric at once.
    paused_at = (
        pausable
        and bool(policy.pause_windows)
        and pausing.paused_inside(
            at_us, pausing.merge(pausing.expand(w, at_us) for w in policy.pause_windows)
        )
    )
    order = (
        "invalid", "not_applicable", "no_deadline", "met", "missed", "breached", "paused",
        "at_risk",
    )
    codes = [np.int8(_STATE_CODE[s]) for s in order]
    conditions = [
        invalid,
        row_kind == _NONE,
        row_kind == _COMMITMENT,
        stopped & ~over & ~late,
        (stopped & over) | late,  # a late update is a miss for good
        ~stopped & (at_us > due),
        ~stopped & paused_at,
        at_risk,
    ]
    state = np.select(conditions, codes, default=np.int8(_STATE_CODE["running"]))
    breached = (state == _STATE_CODE["breached"]) | (state == _STATE_CODE["missed"])
    escalate = breached & eligible[pair_row]
    return _Result(due, state, elapsed, remaining, breached, escalate)


def _iso_us(us: int) -> str:
    return (datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=us)).isoformat()


def _datetimes(us: I64, index: pd.Index, tz: Any) -> pd.Series:
    return pd.Series(us.view("M8[us]"), index=index).dt.tz_localize("UTC").dt.tz_convert(tz)


def _write(out: pd.DataFrame, metric: str, res: _Result, tz: Any) -> None:
    index = out.index
    out[f"{metric}_due_at"] = _datetimes(res.due, index, tz)
    out[f"{metric}_state"] = pd.Categorical.from_codes(res.state, dtype=STATE_DTYPE)
    out[f"{metric}_breached"] = res.breached
    out[f"{metric}_elapsed"] = pd.Series(res.elapsed.view("m8[us]"), index=index)
    out[f"{metric}_remaining"] = pd.Series(res.remaining.view("m8[us]"), index=index)
    out[f"{metric}_escalate"] = res.escalate

"""Whole tables of tickets at once: ``evaluate_frame`` over a tickets table and its events.

A ticket table has one row per ticket (``plan``, ``severity``, ``opened_at``, optionally
``ticket_id`` and ``{event}_at`` columns such as ``responded_at``); an events table has one
row per event (``ticket_id``, ``type``, ``at``, ``severity`` for ``severity_changed``).
Both become one list of events per ticket, validated and ordered by the rules of the scalar
evaluation (``slacalc.evaluation``); then the rules run on columns: every per-ticket list
(pause windows, resolved -> reopened gaps, severity changes, cadence beats) is a ragged
array walked one position at a time, so a ticket with ``k`` pauses costs ``k`` array passes
and no Python code runs per row.

The rules come from the engine modules, each in its scalar and its array form side by side:
``timeline`` (``add``/``elapsed``/``next_open`` with ``searchsorted``, local wall time to
instant), ``pausing`` (due and counted time around pause windows), ``states`` (precedence)
and ``evaluation`` (stop events, reopen, cadence beats). The policy's own pause windows are
cut out of a clock's index once (``_PausedClock``).

This module (with ``report`` and ``plot``) is the only place pandas is imported; the core
never needs it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from . import alternation, isotext, pausing
from .errors import NaiveDatetimeError, TicketError, UnknownNameError
from .evaluation import cadence_beats, reopens
from .instants import ensure_aware, from_us, parse_instant, to_us, zone_named
from .pausing import Ragged
from .policy import resolve
from .states import STATE_ORDER, State, state_codes
from .targets import NextOpen, TargetKind
from .tickets import WIDE_EVENT_TYPES, EventType
from .timeline import (
    HORIZON_US,
    HORIZON_YEARS,
    add_on_index,
    cum_on_index,
    next_open_on_index,
    wall_to_us,
    wall_to_us_array,
)

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
    "parsed_instants",
]

STATES: tuple[str, ...] = ("invalid", *(s.value for s in STATE_ORDER))
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
EVENT_COLUMNS = ("ticket_id", "type", "at")
_NAT = np.iinfo(np.int64).min
_FAR = np.iinfo(np.int64).max
_US_PER_DAY = 86_400_000_000
_NONE, _COMMITMENT, _DURATION = 0, 1, 2
_MISSED = np.int8(STATES.index(State.MISSED))
_BREACHED = np.int8(STATES.index(State.BREACHED))
# An ISO 8601 instant that carries an offset: a time of day followed by Z or +hh[:mm].
_HAS_OFFSET = re.compile(
    r"\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*(?:[Zz]|[+-]\d{2}(?::?\d{2}(?::?\d{2})?)?)\s*$"
)
_SHOWN = 10


class FrameError(TicketError):
    """Rows that cannot be evaluated.

    ``problems`` lists ``(ticket row label, problem)``; ``event_problems`` lists
    ``(events row label, problem)`` for rows of the events table.
    """

    def __init__(
        self,
        problems: Sequence[tuple[Hashable, str]],
        event_problems: Sequence[tuple[Hashable, str]] = (),
    ) -> None:
        self.problems = list(problems)
        self.event_problems = list(event_problems)
        listed = [f"events row {label!r}: {msg}" for label, msg in self.event_problems]
        listed += [
            f"row {label!r}: {msg}"
            for label, msg in self.problems
            if not msg.startswith("events row ")
        ]
        shown = "; ".join(listed[:_SHOWN])
        more = len(listed) - _SHOWN
        tail = f"; and {more} more" if more > 0 else ""
        n = len({label for label, _ in self.problems})
        k = len({label for label, _ in self.event_problems})
        what = f"{n} row{'s' if n != 1 else ''}"
        if k:
            what += f" and {k} events row{'s' if k != 1 else ''}"
        super().__init__(
            f"{what} cannot be evaluated: {shown}{tail} "
            "(pass errors='mark' to evaluate the rest and mark these 'invalid')"
        )


# ---- public entry points ------------------------------------------------------------------


def evaluate_frame(
    policy: Policy,
    tickets: pd.DataFrame,
    events: pd.DataFrame | None = None,
    at: datetime | str | None = None,
    errors: Literal["raise", "mark"] = "raise",
    tz: str | None = None,
) -> pd.DataFrame:
    """Evaluate every ticket of ``tickets`` (one per row) at the instant ``at``.

    ``tickets`` has columns ``plan``, ``severity``, ``opened_at`` and optionally
    ``ticket_id`` and ``{type}_at`` columns (``responded_at``, ``resolved_at``,
    ``updated_at``, or an event type the policy declares): one event of that type each.
    ``events`` (optional) is a long table of the tickets' events, one per row: ``ticket_id``
    (naming a row of ``tickets``, which then needs that column), ``type`` (any event type
    of the policy), ``at``, and ``severity`` for ``severity_changed``. Times are aware
    datetime columns or ISO 8601 strings with an offset; naive ones are an error unless
    ``tz`` names the zone they are in (a wall time in a DST gap or fold is read by the rule
    of ``timeline.wall_to_us``). ``at`` is an aware datetime or an ISO string with an
    offset (default: now).

    Returns a copy of ``tickets`` with, for each metric ``m`` of the policy, the columns
    ``m_due_at``, ``m_state``, ``m_breached``, ``m_elapsed``, ``m_remaining`` and
    ``m_escalate``; each row equals ``policy.evaluate`` of the same ticket. A row that
    cannot be evaluated (unknown plan or severity, a missing or unreadable time, an event
    the scalar evaluation refuses, a span beyond the horizon), and every bad row of
    ``events`` (unknown ticket id or type, naive or unreadable time, resume without pause,
    event before opening, ...) raise ``FrameError`` naming the row labels; with
    ``errors="mark"`` the ticket rows get state ``invalid`` with the reason in a
    ``problem`` column, the rest are evaluated, and events whose ticket id is unknown are
    listed in ``out.attrs["event_problems"]``.
    """
    if errors not in ("raise", "mark"):
        raise ValueError(f"errors must be 'raise' or 'mark', not {errors!r}")
    df = tickets
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
    sev_ids: list[str] = []
    sev_code = _resolve_into(df["severity"], policy.severity_id, "severity", problems, sev_ids)
    opened = _instants(df["opened_at"], "opened_at", zone, problems, required=True)

    # A ticket cannot be evaluated before it was opened, nor over more than the horizon.
    known = opened != _NAT
    problems.add(known & (opened > at_us), f"opened_at is after at ({_iso_us(at_us)})")
    problems.add(
        known & (opened < at_us - HORIZON_US),
        f"opened_at is more than {HORIZON_YEARS} years before at ({_iso_us(at_us)})",
    )

    types = list(policy.event_types())
    wide: dict[str, I64] = {}
    wide_types = [t.value for t in WIDE_EVENT_TYPES] + list(policy.events)
    for typ in wide_types:
        col = f"{typ}_at"
        if col in df.columns:
            wide[col] = _instants(df[col], col, zone, problems, required=False)
    hist = _Histories.build(policy, df, events, wide, types, sev_ids, opened, at_us, zone, problems)

    invalid = problems.mask
    if errors == "raise" and (invalid.any() or hist.event_problems):
        raise FrameError(problems.listing(df.index), hist.event_problems)

    out = df.copy(deep=False)  # new columns only: the caller's frame is left as it was
    out_tz = _output_zone(df["opened_at"], zone)
    # Times come back as aware datetimes (strings parsed), in the opened_at column's zone.
    for col, t in (("opened_at", opened), *wide.items()):
        if not isinstance(df[col].dtype, pd.DatetimeTZDtype):  # aware columns stay as given
            out[col] = _datetimes(t, out.index, out_tz)

    ok = np.flatnonzero(~invalid)
    engine = _Engine(policy, plan_ids, sev_ids, plan_code[ok], sev_code[ok], opened[ok], at_us)
    sub = hist.subset(ok)
    results = {m: engine.metric(m, sub) for m in policy.metrics}
    beyond = np.zeros(n, dtype=bool)
    for res in results.values():
        beyond[ok[res.beyond]] = True
    if beyond.any():
        problems.add(beyond, "pause windows push the due time beyond 200 years")
        if errors == "raise":
            raise FrameError(problems.listing(df.index), hist.event_problems)
    invalid = problems.mask
    if errors == "mark":
        out["problem"] = problems.reasons()
        if hist.event_problems:
            out.attrs["event_problems"] = list(hist.event_problems)
    added: dict[str, Any] = {}
    for metric, res in results.items():
        added.update(_columns(metric, res.spread(n, ok, invalid), out.index, out_tz))
    columns = pd.DataFrame(added, index=out.index)
    joined = pd.concat([out, columns], axis=1)
    joined.attrs = dict(out.attrs)
    return joined


def output_columns(policy: Policy) -> list[str]:
    """The columns ``evaluate_frame`` adds, in order."""
    return [f"{m}_{s}" for m in policy.metrics for s in OUTPUT_SUFFIXES]


def frame_meta(
    policy: Policy,
    df: Any,
    errors: Literal["raise", "mark"] = "raise",
    tz: str | None = None,
) -> pd.DataFrame:
    """The empty output frame (schema) ``evaluate_frame`` gives for input like ``df``.

    ``df`` is a pandas frame, or any frame with ``dtypes`` (a dask frame). Pass the answer
    as ``meta=`` to ``dask.dataframe.DataFrame.map_partitions``.
    """
    if isinstance(df, pd.DataFrame):
        empty = df.iloc[:0]
    else:
        empty = pd.DataFrame({c: pd.Series(dtype=t) for c, t in df.dtypes.items()})
    return evaluate_frame(policy, empty, at=datetime(2000, 1, 1, tzinfo=UTC), errors=errors, tz=tz)


# ---- input: names and instants ----------------------------------------------------------


class _Problems:
    """Per-row problems found while reading a table, in column order."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.mask: B8 = np.zeros(n, dtype=bool)
        self._found: list[tuple[B8, Any]] = []  # (rows, message or per-row messages)

    def add(self, rows: B8, message: str | Callable[[int], str]) -> None:
        if rows.any():
            self.mask |= rows
            self._found.append((rows, message))

    def each(self) -> list[tuple[int, str]]:
        got: list[tuple[int, str]] = []
        for rows, message in self._found:
            for i in np.flatnonzero(rows).tolist():
                got.append((i, message if isinstance(message, str) else message(i)))
        got.sort(key=lambda p: p[0])
        return got

    def listing(self, index: pd.Index) -> list[tuple[Hashable, str]]:
        return [(index[i], msg) for i, msg in self.each()]

    def reasons(self) -> NDArray[np.object_]:
        col: NDArray[np.object_] = np.full(self.n, None, dtype=object)
        for i, msg in self.each():
            col[i] = msg if col[i] is None else f"{col[i]}; {msg}"
        return col


def _zone(tz: str | None) -> ZoneInfo | None:
    return None if tz is None else zone_named(tz)


def _at_us(at: datetime | str | None, zone: ZoneInfo | None) -> int:
    if at is None:
        return to_us(datetime.now(UTC))
    if isinstance(at, str):
        if zone is not None and not _HAS_OFFSET.search(at.strip()):
            try:
                wall = datetime.fromisoformat(at.strip())
            except ValueError:
                return to_us(parse_instant(at, "at"))  # raises, naming the expected form
            return wall_to_us(zone, wall)
        return to_us(parse_instant(at, "at"))
    if isinstance(at, datetime) and at.tzinfo is None and zone is not None:
        return wall_to_us(zone, at)
    return to_us(ensure_aware(at, "at"))


def _resolve(
    col: pd.Series, resolve: Callable[[str], str], kind: str, problems: _Problems
) -> tuple[I64, list[str]]:
    ids: list[str] = []
    return _resolve_into(col, resolve, kind, problems, ids), ids


def _resolve_into(
    col: pd.Series,
    resolve: Callable[[str], str],
    kind: str,
    problems: _Problems,
    ids: list[str],
    *,
    present: B8 | None = None,
) -> I64:
    """Codes into ``ids`` (extended), resolving each distinct value once (ids, names, aliases).

    Only rows in ``present`` (default: all) must hold a value.
    """
    codes, uniques = pd.factorize(col, use_na_sentinel=True)
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
    need = np.ones(len(codes), dtype=bool) if present is None else present
    problems.add(need & (codes < 0), f"{kind} is missing")
    if bad_values:
        unknown = need & (row_id < 0) & (codes >= 0)
        problems.add(unknown, lambda i: bad_values[int(codes[i])])
    return np.where(row_id < 0, -1 if present is not None else 0, row_id)


def _instants(
    col: pd.Series, name: str, zone: ZoneInfo | None, problems: _Problems, *, required: bool
) -> I64:
    """Microseconds since the epoch (``_NAT`` where missing or unreadable)."""
    dtype = col.dtype
    if isinstance(dtype, pd.DatetimeTZDtype):
        us = _aware_us(col)
    elif pd.api.types.is_datetime64_dtype(dtype):
        if zone is None and col.notna().any():
            raise NaiveDatetimeError(
                f"column {name!r} holds naive datetimes (no time zone); convert it with "
                f"df[{name!r}].dt.tz_localize('Europe/London'), or pass tz='Europe/London' "
                "(the zone the times were recorded in)"
            )
        us = _wall_us(col, zone)
    else:
        us = _parse_text(col, name, zone, problems)
    if required:
        problems.add(np.asarray(col.isna()), f"{name} is missing")
    return us


def _aware_us(col: pd.Series) -> I64:
    values = col.dt.tz_convert("UTC").dt.as_unit("us").dt.tz_localize(None).to_numpy()
    us: I64 = values.view(np.int64)
    return us


def _wall_us(naive: pd.Series, zone: ZoneInfo | None) -> I64:
    """Naive wall times in ``zone`` to instants (``_NAT`` where missing)."""
    wall = naive.dt.as_unit("us").to_numpy().view(np.int64)
    out = np.full(len(wall), _NAT, dtype=np.int64)
    have = wall != _NAT
    if zone is not None and have.any():
        out[have] = wall_to_us_array(zone, wall[have])
    return out


def _parse_text(col: pd.Series, name: str, zone: ZoneInfo | None, problems: _Problems) -> I64:
    present = np.asarray(col.notna())
    if _all_str(col):
        s = col.astype("string")
    else:  # datetimes in an object column (rare): their ISO form carries the offset if any
        s = col.map(_iso, na_action="ignore").astype("string")
    parsed = isotext.parse(s)
    has_off = parsed.offset
    us = np.where(has_off, parsed.us, _NAT)
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
            local = _wall_us(naive, zone)
            us = np.where(naive_rows, local, us)
    unreadable = present & (us == _NAT) & (has_off | (zone is not None))
    problems.add(
        unreadable,
        lambda i: f"{name} {s.iloc[i]!r} is not an ISO 8601 instant (e.g. 2026-11-20T16:30:00Z)",
    )
    return us


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


def parsed_instants(col: pd.Series, tz: str | None = None) -> pd.Series | None:
    """A text column of instants as the aware datetime column ``evaluate_frame`` returns
    for it (in the zone ``tz``, else UTC), or ``None`` unless every value is missing or
    an ISO 8601 instant with an offset.

    ``evaluate_frame`` reads the column it returns without parsing it again and answers
    as it would for the text, so a caller that needs the instants before evaluating
    (``tables.evaluate_tables`` selects rows by opening) parses them once.
    """
    if not _all_str(col) or not len(col):
        return None
    parsed = isotext.parse(col.astype("string"))
    if not (parsed.ok & parsed.offset | ~np.asarray(col.notna())).all():
        return None
    out = _datetimes(parsed.us, col.index, _output_zone(col, _zone(tz)))
    out.name = col.name
    return out


# ---- histories: every ticket's events as ragged arrays ------------------------------------


def _csr(row: I64, n: int) -> I64:
    """Offsets of each row's run in ``row`` (sorted ascending), ``n + 1`` of them."""
    offsets: I64 = np.zeros(n + 1, dtype=np.int64)
    if len(row):
        np.cumsum(np.bincount(row, minlength=n), out=offsets[1:])
    return offsets


def _first_in_run(row: I64) -> B8:
    first: B8 = np.ones(len(row), dtype=bool)
    if len(row):
        first[1:] = row[1:] != row[:-1]
    return first


@dataclass
class _Histories:
    """Every ticket's events, validated and sorted by (ticket, time, given order).

    ``row``, ``typ`` (index into the policy's event types), ``t`` and ``sev`` (severity
    code, ``-1`` for other types) hold the events at or before ``at`` of valid tickets.
    """

    types: list[str]
    row: I64
    typ: I64
    t: I64
    sev: I64
    n: int
    event_problems: list[tuple[Hashable, str]] = field(default_factory=list)
    _pairs: dict[tuple[str, str], tuple[Ragged, I64]] = field(default_factory=dict)
    _present: B8 | None = None
    _changes: tuple[I64, I64, I64] | None = None

    @staticmethod
    def _check(
        types: list[str],
        row: I64,
        typ: I64,
        src: Callable[[int], int],
        early: B8,
        ev_labels: pd.Index,
        n: int,
        problems: _Problems,
    ) -> list[tuple[Hashable, str]]:
        """Flag tickets whose sorted history does not make sense (the scalar rules).

        ``early`` marks events before their ticket's opening. Returns the problems of
        events table rows (``src(k) >= 0``: the events table row of sorted event ``k``;
        ``src(k) < 0``: the wide column of type ``-1 - src(k)``).
        """
        event_problems: list[tuple[Hashable, str]] = []
        bad_event: dict[int, str] = {}  # position in the sorted arrays -> problem

        def flag(where: B8, message: Callable[[int], str]) -> None:
            for k in np.flatnonzero(where).tolist():
                bad_event.setdefault(k, message(k))

        flag(early, lambda k: f"{types[typ[k]]} is before opened_at")
        fault = alternation.out_of_turn_array(row, typ, types)
        flag(fault >= 0, lambda k: alternation.message(int(fault[k])))
        # one problem per ticket: its first bad event, as the scalar evaluation stops there
        first_bad: dict[int, tuple[int, str]] = {}
        for k in sorted(bad_event):
            first_bad.setdefault(int(row[k]), (k, bad_event[k]))
        bad_rows = np.zeros(n, dtype=bool)
        texts: dict[int, str] = {}
        for r, (k, msg) in first_bad.items():
            bad_rows[r] = True
            origin = src(k)
            if origin >= 0:
                label = ev_labels[origin]
                event_problems.append((label, msg))
                texts[r] = f"events row {label!r}: {msg}"
            else:
                texts[r] = f"{types[-1 - origin]}_at {msg.split(' ', 1)[1]}"
        problems.add(bad_rows, lambda i: texts[i])

        return event_problems

    @classmethod
    def _build_wide(
        cls,
        wide: dict[str, I64],
        types: list[str],
        opened: I64,
        at_us: int,
        problems: _Problems,
    ) -> _Histories:
        """``build`` for a table without an events table: at most one event per column.

        The columns side by side are a (ticket, column) matrix, so ordering each ticket's
        events by time since opening is a short stable sort along each matrix row.
        """
        n = len(opened)
        codes = np.array([types.index(col[:-3]) for col in wide], dtype=np.int64)
        if not len(codes) or not n:
            empty = np.zeros(0, dtype=np.int64)
            return cls(types, empty, empty, empty, empty, n)
        k = len(codes)
        t_m = np.stack(list(wide.values()), axis=1)
        have = (t_m != _NAT) & (opened != _NAT)[:, None]
        since_m = np.where(have, t_m - opened[:, None], _FAR)
        # each event's place among its ticket's (stable: an earlier column first on a tie;
        # missing ones last): k * k comparisons, no sort
        slot = np.arange(0, n * k, k, dtype=np.int64)
        col_at = np.empty(n * k, dtype=np.int64)
        for c in range(k):
            place = slot.copy()
            for d in range(k):
                if d != c:
                    place += (
                        since_m[:, d] <= since_m[:, c] if d < c else since_m[:, d] < since_m[:, c]
                    )
            col_at[place] = c
        cell = slot.repeat(k) + col_at  # flat (ticket, column) cells in time order
        cell = cell[have.ravel()[cell]]
        row: I64 = cell // k
        col = cell - row * k
        t = t_m.ravel()[cell]
        since = since_m.ravel()[cell]
        typ = codes[col]
        sev = np.full(len(row), -1, dtype=np.int64)
        cls._check(
            types, row, typ, lambda k: -1 - int(typ[k]), since < 0, pd.RangeIndex(0), n, problems
        )
        return cls._upto(types, row, typ, t, sev, n, at_us)

    @classmethod
    def _upto(
        cls,
        types: list[str],
        row: I64,
        typ: I64,
        t: I64,
        sev: I64,
        n: int,
        at_us: int,
        event_problems: list[tuple[Hashable, str]] | None = None,
    ) -> _Histories:
        """The histories of the events at or before ``at``."""
        cut = t <= at_us
        if not cut.all():
            row, typ, t, sev = row[cut], typ[cut], t[cut], sev[cut]
        return cls(types, row, typ, t, sev, n, event_problems or [])

    @classmethod
    def build(
        cls,
        policy: Policy,
        df: pd.DataFrame,
        events: pd.DataFrame | None,
        wide: dict[str, I64],
        types: list[str],
        sev_ids: list[str],
        opened: I64,
        at_us: int,
        zone: ZoneInfo | None,
        problems: _Problems,
    ) -> _Histories:
        n = len(df)
        if events is None:
            return cls._build_wide(wide, types, opened, at_us, problems)
        parts_row, parts_typ, parts_t, parts_sev, parts_src = [], [], [], [], []
        for col, t in wide.items():
            have = np.flatnonzero(t != _NAT)
            parts_row.append(have)
            parts_typ.append(np.full(len(have), types.index(col[:-3]), dtype=np.int64))
            parts_t.append(t[have])
            parts_sev.append(np.full(len(have), -1, dtype=np.int64))
            parts_src.append(np.full(len(have), -1 - types.index(col[:-3]), dtype=np.int64))
        ev_labels = events.index
        ev_row, repeated, ids = _event_rows(df, events)
        row, typ, t, sev, ev_found = _read_events(policy, events, ev_row, types, sev_ids, zone)
        ev_msgs = ev_found.each()
        keep = np.flatnonzero(~ev_found.mask)
        parts_row.append(row[keep])
        parts_typ.append(typ[keep])
        parts_t.append(t[keep])
        parts_sev.append(sev[keep])
        parts_src.append(keep)
        row = np.concatenate(parts_row)
        typ = np.concatenate(parts_typ)
        t = np.concatenate(parts_t)
        sev = np.concatenate(parts_sev)
        src = np.concatenate(parts_src)
        # (wide columns first, then the events table: the order among equal times)
        # events of tickets whose own row is unreadable say nothing more
        at_open = opened[row]
        usable = at_open != _NAT
        if not usable.all():
            row, typ, t, sev, src, at_open = (a[usable] for a in (row, typ, t, sev, src, at_open))
        since = t - at_open
        order = _by_ticket_then_time(row, t, opened, since)
        early = since < 0
        early = early[order] if early.any() else np.zeros(len(order), dtype=bool)
        row, typ, t, sev = (a[order] for a in (row, typ, t, sev))
        event_problems = cls._check(
            types, row, typ, lambda k: int(src[order[k]]), early, ev_labels, n, problems
        )

        # rows of the events table that were themselves bad
        problems.add(
            repeated,
            lambda i: (
                f"ticket_id {_shown(ids.iloc[i])} is given to more than one row, so its "
                "events cannot be told apart"
            ),
        )
        per_ticket: dict[int, str] = {}
        for i, msg in ev_msgs:
            label = ev_labels[i]
            event_problems.append((label, msg))
            r = int(ev_row[i])
            if r >= 0 and r not in per_ticket:
                per_ticket[r] = f"events row {label!r}: {msg}"
        marks = np.zeros(n, dtype=bool)
        marks[list(per_ticket)] = True
        problems.add(marks, lambda i: per_ticket[i])
        event_problems.sort(key=lambda p: str(p[0]))

        return cls._upto(types, row, typ, t, sev, n, at_us, event_problems)

    def subset(self, rows: I64) -> _Histories:
        """The histories of ``rows`` only, renumbered ``0..len(rows)-1``."""
        if len(rows) == self.n:
            return self
        new = np.full(self.n, -1, dtype=np.int64)
        new[rows] = np.arange(len(rows))
        keep = new[self.row] >= 0 if len(self.row) else np.zeros(0, dtype=bool)
        return _Histories(
            self.types,
            new[self.row[keep]],
            self.typ[keep],
            self.t[keep],
            self.sev[keep],
            len(rows),
        )

    def codes(self, *names: str) -> list[int]:
        """The codes of these types that some event has."""
        if self._present is None:
            self._present = np.bincount(self.typ, minlength=len(self.types)) > 0
        present = self._present
        return [c for c in (self.types.index(x) for x in names if x in self.types) if present[c]]

    def of(self, *names: str) -> B8:
        """Which events are of one of these types."""
        codes = self.codes(*names)
        if not codes:
            return np.zeros(len(self.typ), dtype=bool)
        if len(codes) == 1:
            one: B8 = self.typ == codes[0]
            return one
        wanted = np.zeros(len(self.types) + 1, dtype=bool)
        wanted[codes] = True
        found: B8 = wanted[self.typ]
        return found

    def first(self, mask: B8) -> I64:
        """Per ticket, the time of its first event in ``mask`` (``_NAT`` if none)."""
        out = np.full(self.n, _NAT, dtype=np.int64)
        rows, t = self.row[mask], self.t[mask]
        first = _first_in_run(rows)
        out[rows[first]] = t[first]
        return out

    def pairs(self, open_code: str, close_code: str, at_us: int) -> tuple[Ragged, I64]:
        key = (open_code, close_code)
        got = self._pairs.get(key)
        if got is None:
            got = self._pairs[key] = self._pairs_of(open_code, close_code)
        return got

    def _pairs_of(self, open_code: str, close_code: str) -> tuple[Ragged, I64]:
        """Windows from alternating open/close events (validated), and each ticket's open one.

        ``(windows, still_open)``: closed windows ``[open, close)``, and the time of an
        open event with no close yet (``_NAT`` where none).
        """
        still = np.full(self.n, _NAT, dtype=np.int64)
        if not self.codes(open_code):  # no window opens: none to pair
            empty = np.zeros(0, dtype=np.int64)
            return Ragged(empty, empty, np.zeros(self.n + 1, dtype=np.int64)), still
        mask = self.of(open_code, close_code)
        rows, typ, t = self.row[mask], self.typ[mask], self.t[mask]
        opens = np.flatnonzero(typ == self.types.index(open_code))
        nxt = opens + 1
        closed = nxt < len(rows)
        closed[closed] &= rows[nxt[closed]] == rows[opens[closed]]
        still[rows[opens[~closed]]] = t[opens[~closed]]
        o = opens[closed]
        windows = Ragged(t[o], t[o + 1], _csr(rows[o], self.n))
        return windows, still

    def changes(self) -> tuple[I64, I64, I64]:
        """``ragged`` of the severity changes (shared by every metric)."""
        if self._changes is None:
            self._changes = self.ragged(self.of(EventType.SEVERITY_CHANGED))
        return self._changes

    def ragged(self, mask: B8) -> tuple[I64, I64, I64]:
        """``(times, severity codes, offsets)`` of the events in ``mask``, per ticket."""
        rows = self.row[mask]
        return self.t[mask], self.sev[mask], _csr(rows, self.n)


def _by_ticket_then_time(row: I64, t: I64, opened: I64, since: I64 | None = None) -> I64:
    """The order by (ticket row, time), equal keys in their given order (stable).

    Within a ticket, events are ordered by their time since the opening (``since``, worked
    out here unless given); (row, since) is folded into one integer key when it fits, so
    one stable sort orders them (else a lexsort).
    """
    if not len(row):
        return np.zeros(0, dtype=np.int64)
    if since is None:
        since = t - opened[row]
    lo, hi = int(since.min()), int(since.max())
    span = hi - lo + 1
    if span * (int(row.max()) + 1) < 2**62:
        key = row * span + (since - lo)
        found: I64 = np.argsort(key, kind="stable")
        return found
    return np.lexsort((since, row))


def _by_ticket_then_start(row: I64, start: I64, end: I64, opened: I64) -> I64:
    """Windows ordered by (ticket row, start, end)."""
    order = _by_ticket_then_time(row, end, opened)
    again = _by_ticket_then_time(row[order], start[order], opened)
    found: I64 = order[again]
    return found


def _event_rows(df: pd.DataFrame, events: pd.DataFrame) -> tuple[I64, B8, pd.Series]:
    """Each event's ticket row (``-1``: unknown id), which ticket rows repeat an id, the ids."""
    _check_event_columns(df, events)
    ids = df["ticket_id"]
    unique = pd.Index(ids)
    if unique.is_unique:  # the usual case: one hash table answers both questions
        row = unique.get_indexer(events["ticket_id"]).astype(np.int64, copy=False)
        return row, np.zeros(len(ids), dtype=bool), ids
    repeated = np.asarray(ids.duplicated(keep=False) & ids.notna(), dtype=bool)
    first = np.flatnonzero(np.asarray(~ids.duplicated(keep="first")))
    index = pd.Index(ids.iloc[first])
    found = index.get_indexer(events["ticket_id"])
    row = np.full(len(found), -1, dtype=np.int64)
    row[found >= 0] = first[found[found >= 0]]
    return row, repeated, ids


def _check_event_columns(df: pd.DataFrame, events: pd.DataFrame) -> None:
    lacking = [c for c in EVENT_COLUMNS if c not in events.columns]
    if lacking:
        raise TicketError(
            f"the events table lacks column{'s' if len(lacking) > 1 else ''} "
            f"{', '.join(map(repr, lacking))}; it needs ticket_id, type and at "
            "(and severity for severity_changed)"
        )
    if "ticket_id" not in df.columns:
        raise TicketError(
            "the tickets table needs a ticket_id column to match the events table's ticket_id"
        )


def _read_events(
    policy: Policy,
    events: pd.DataFrame,
    row: I64,
    types: list[str],
    sev_ids: list[str],
    zone: ZoneInfo | None,
) -> tuple[I64, I64, I64, I64, _Problems]:
    """The events table as arrays ``(ticket row, type code, time, severity code)``."""
    found = _Problems(len(events))
    tid = events["ticket_id"]
    found.add(
        np.asarray(tid.isna()) | (row < 0),
        lambda i: f"ticket_id {_shown(tid.iloc[i])} is not in the tickets table",
    )

    # codes into ``types`` (the policy's event types, in order)
    resolved = list(types)
    everywhere = np.ones(len(events), dtype=bool)
    typ = _resolve_into(
        events["type"], policy.event_type, "type", found, resolved, present=everywhere
    )
    assert resolved == types  # every valid name resolves to one of the policy's types
    t = _instants(events["at"], "at", zone, found, required=True)
    is_change = typ == types.index(EventType.SEVERITY_CHANGED)
    if "severity" in events.columns:
        sev = _resolve_into(
            events["severity"], policy.severity_id, "severity", found, sev_ids, present=is_change
        )
        found.add(
            ~is_change & (typ >= 0) & np.asarray(events["severity"].notna()),
            lambda i: f"{types[typ[i]]}: only severity_changed carries a severity",
        )
    else:
        sev = np.full(len(events), -1, dtype=np.int64)
        found.add(is_change, "severity_changed needs the new severity (a severity column)")
    return row, typ, t, sev, found


# ---- clocks over numpy --------------------------------------------------------------------


class _PausedClock:
    """A clock with the policy's own pause windows cut out of its open intervals.

    Counted time on it is the clock's open time minus its open time inside the windows, so
    ``add`` and ``elapsed`` on it are the scalar pause-aware questions. The derived index
    is built for the span the rows need (a loop over intervals, not over rows) and asked
    with the index rules of ``timeline``.
    """

    def __init__(self, cal: Calendar, specs: Sequence[PauseWindowSpec]) -> None:
        self.timeline: Timeline = cal.timeline
        self.specs = tuple(specs)
        self.lo = 0
        self.hi = -1
        self.bounds: I64 = np.zeros(0, dtype=np.int64)
        self.cums: I64 = np.zeros(1, dtype=np.int64)

    def cover(self, lo: int, hi: int) -> None:
        if self.lo <= lo and hi <= self.hi:
            return
        if self.hi >= self.lo:
            lo, hi = min(lo, self.lo), max(hi, self.hi)
        if hi - lo > HORIZON_US:
            raise TicketError("pause windows push the due time beyond 200 years")
        windows = pausing.merge(pausing.expand(spec, lo) for spec in self.specs)
        kept = pausing.subtract(self.timeline.intervals(lo, hi), windows)
        flat = np.fromiter((x for w in kept for x in w), dtype=np.int64, count=2 * len(kept))
        self.bounds = flat
        self.cums = np.concatenate(([0], np.cumsum(flat[1::2] - flat[0::2]))).astype(np.int64)
        self.lo, self.hi = lo, hi

    def elapsed_array(self, a: I64, b: I64) -> I64:
        if not len(a):
            return b - a
        self.cover(int(min(a.min(), b.min())), int(max(a.max(), b.max())))
        return cum_on_index(self.bounds, self.cums, b) - cum_on_index(self.bounds, self.cums, a)

    def add_array(self, x: I64, d: I64) -> I64:
        out = x.copy()
        todo = np.flatnonzero(d > 0)
        if not len(todo):
            return out
        lo = int(x[todo].min())
        hi = int((x[todo] + d[todo]).max()) + 14 * _US_PER_DAY
        while len(todo):
            self.cover(lo, hi)
            u, ok = add_on_index(self.bounds, self.cums, x[todo], d[todo])
            ok &= u <= self.hi
            out[todo[ok]] = u[ok]
            todo = todo[~ok]
            hi = self.hi + max(self.hi - self.lo, 366 * _US_PER_DAY)
        return out

    def next_open_array(self, x: I64) -> I64:
        out = x.copy()
        todo = np.arange(len(x))
        if not len(todo):
            return out
        lo, hi = int(x.min()), int(x.max()) + 14 * _US_PER_DAY
        while len(todo):
            self.cover(lo, hi)
            u, ok = next_open_on_index(self.bounds, x[todo])
            ok &= u <= self.hi
            out[todo[ok]] = u[ok]
            todo = todo[~ok]
            hi = self.hi + max(self.hi - self.lo, 366 * _US_PER_DAY)
        return out


_Clock = Any  # a Timeline or a _PausedClock: elapsed_array, add_array, next_open_array


@dataclass
class _Targets:
    """Each (plan, severity) pair's target for one metric, as arrays indexed by pair code."""

    policy: Policy
    metric: str
    plan_ids: list[str]
    sev_ids: list[str]
    clock_names: list[str] = field(default_factory=list)
    start_names: list[str] = field(default_factory=list)
    table: list[Any] | None = None
    filled: B8 | None = None

    def arrays(self, codes: I64) -> tuple[I64, I64, I64, I64, B8]:
        """``(kind, within_us, clock, start rule, escalation eligible)`` per code."""
        nsev = max(len(self.sev_ids), 1)
        size = len(self.plan_ids) * nsev
        if self.table is None or len(self.table[0]) < size:
            self.table = [np.zeros(size, dtype=np.int64) for _ in range(4)]
            self.table.append(np.zeros(size, dtype=bool))
            self.filled = np.zeros(size, dtype=bool)
        assert self.filled is not None
        present = np.bincount(codes, minlength=size) > 0 if len(codes) else self.filled
        for code in np.flatnonzero(present & ~self.filled).tolist():
            one = self._one(self.plan_ids[code // nsev], self.sev_ids[code % nsev])
            for column, value in zip(self.table, one, strict=True):
                column[code] = value
            self.filled[code] = True
        kind, within, clock, start, eligible = (column[codes] for column in self.table)
        return kind, within, clock, start, eligible

    def _one(self, plan: str, sev: str) -> tuple[int, int, int, int, bool]:
        policy = self.policy
        r = resolve(policy, plan, sev, self.metric)
        target = r.target
        eligible = policy.escalation_eligible(plan, sev, self.metric)
        if target.kind is TargetKind.NONE:
            return _NONE, 0, -1, -1, eligible
        if target.kind is TargetKind.COMMITMENT:
            return _COMMITMENT, 0, -1, -1, eligible
        if target.clock not in self.clock_names:
            self.clock_names.append(target.clock)
        start = -1
        if isinstance(target.start, NextOpen):
            if target.start.next_open not in self.start_names:
                self.start_names.append(target.start.next_open)
            start = self.start_names.index(target.start.next_open)
        return _DURATION, r.within_us, self.clock_names.index(target.clock), start, eligible


@dataclass
class _Cycle:
    """One target on its clock, for some rows: what ``evaluation._Clock`` holds."""

    sev: I64
    kind: I64
    need: I64
    clock: I64
    start: I64
    due: I64
    eligible: B8


@dataclass
class _Result:
    due: I64
    state: NDArray[np.int8]
    elapsed: I64
    remaining: I64
    breached: B8
    escalate: B8
    beyond: B8

    def spread(self, n: int, ok: I64, invalid: B8) -> _Result:
        """The result for all ``n`` rows (evaluated rows at ``ok``; others ``invalid``)."""
        if len(ok) == n and not invalid.any():  # every row evaluated, in order
            state = (self.state + 1).astype(np.int8)
            return _Result(
                self.due,
                state,
                self.elapsed,
                self.remaining,
                self.breached,
                self.escalate,
                invalid,
            )

        def put(values: Any, fill: Any, dtype: Any) -> Any:
            out = np.full(n, fill, dtype=dtype)
            out[ok] = values
            return out

        state = put(self.state + 1, 0, np.int8)
        state[invalid] = 0
        due = put(self.due, _NAT, np.int64)
        elapsed = put(self.elapsed, _NAT, np.int64)
        remaining = put(self.remaining, _NAT, np.int64)
        breached = put(self.breached, False, bool)
        escalate = put(self.escalate, False, bool)
        for a in (due, elapsed, remaining):
            a[invalid] = _NAT
        breached[invalid] = escalate[invalid] = False
        return _Result(due, state, elapsed, remaining, breached, escalate, invalid)


class _Engine:
    """The evaluation rules on columns, for the valid rows of one table."""

    def __init__(
        self,
        policy: Policy,
        plan_ids: list[str],
        sev_ids: list[str],
        plan: I64,
        sev0: I64,
        opened: I64,
        at_us: int,
    ) -> None:
        self.policy = policy
        self.plan_ids, self.sev_ids = plan_ids, sev_ids
        self.plan, self.sev0, self.opened, self.at = plan, sev0, opened, at_us
        self.n = len(opened)
        self._clocks: dict[tuple[str, bool], _Clock] = {}
        self._paused_at: bool | None = None

    def clock(self, name: str, pausable: bool) -> _Clock:
        """The clock ``name``; for a pausable metric, less the policy's own pause windows."""
        key = (name, pausable and bool(self.policy.pause_windows))
        got = self._clocks.get(key)
        if got is None:
            cal = self.policy.clock(name)
            got = _PausedClock(cal, self.policy.pause_windows) if key[1] else cal.timeline
            self._clocks[key] = got
        return got

    def policy_paused_at(self) -> bool:
        """Whether ``at`` lies inside one of the policy's own pause windows."""
        if self._paused_at is None:
            specs = self.policy.pause_windows
            self._paused_at = bool(specs) and pausing.paused_inside(
                self.at, pausing.merge(pausing.expand(w, self.at) for w in specs)
            )
        return self._paused_at

    # -- one target
    def cycle(
        self,
        targets: _Targets,
        rows: I64,
        sev: I64,
        anchor: I64,
        windows: Ragged | None,
        pausable: bool,
        beyond: B8,
    ) -> _Cycle:
        """``evaluation._Metric.clock_for`` for ``rows``: start, length and due time."""
        nsev = max(len(self.sev_ids), 1)
        kind, need, clock, rule, eligible = targets.arrays(self.plan[rows] * nsev + sev)
        start = anchor.copy()
        for k, name in enumerate(targets.start_names):
            m = np.flatnonzero(rule == k)
            if len(m):
                start[m] = self.policy.clock(name).timeline.next_open_array(anchor[m])
        due = np.full(len(rows), _NAT, dtype=np.int64)
        for c, name in enumerate(targets.clock_names):
            m = np.flatnonzero((kind == _DURATION) & (clock == c))
            if not len(m):
                continue
            clk = self.clock(name, pausable)
            if windows is not None:  # the window walk only over rows that have windows
                has = windows.count[rows[m]] > 0
                w, m = m[has], m[~has]
                if len(w):
                    got, over = pausing.due_array(
                        clk, start[w], need[w], windows.take(rows[w], after=start[w])
                    )
                    due[w] = got
                    beyond[rows[w[over]]] = True
            if len(m):
                due[m] = clk.add_array(start[m], need[m])
        return _Cycle(sev, kind, need, clock, start, due, eligible)

    def severity_at(self, rows: I64, anchor: I64, changes: tuple[I64, I64, I64]) -> I64:
        """Each row's severity at ``anchor``: the last change at or before it, else the first."""
        t, s, off = changes
        sev = self.sev0[rows]  # a copy (fancy indexing)
        if not len(t):
            return sev
        count = off[rows + 1] - off[rows]
        active = np.flatnonzero(count > 0)
        j = 0
        while len(active):
            k = off[rows[active]] + j
            hit = t[k] <= anchor[active]
            sev[active[hit]] = s[k[hit]]
            j += 1
            active = active[hit & (count[active] > j)]
        return sev

    def retarget(
        self,
        targets: _Targets,
        rows: I64,
        anchor: I64,
        until: I64,
        stop: I64,
        changes: tuple[I64, I64, I64],
        windows: Ragged | None,
        pausable: bool,
        beyond: B8,
    ) -> _Cycle:
        """``evaluation._Metric.retarget`` for ``rows``: one pass per severity change."""
        cur = self.cycle(
            targets,
            rows,
            self.severity_at(rows, anchor, changes),
            anchor,
            windows,
            pausable,
            beyond,
        )
        t, s, off = changes
        if not len(t):
            return cur
        count = off[rows + 1] - off[rows]
        active = np.flatnonzero(count > 0)
        j = 0
        while len(active):
            k = off[rows[active]] + j
            tc, new = t[k], s[k]
            a = active
            considered = (anchor[a] < tc) & (tc <= until[a]) & (new != cur.sev[a])
            considered &= (stop[a] == _NAT) | (stop[a] > tc)  # met or stopped: stays as it was
            timed = cur.kind[a] == _DURATION
            broke = considered & timed & (cur.due[a] < tc)  # a breach stays a breach
            again = np.flatnonzero(considered & ~broke)
            if len(again):
                ra = a[again]
                got = self.cycle(
                    targets, rows[ra], new[again], anchor[ra], windows, pausable, beyond
                )
                for name in ("sev", "kind", "need", "clock", "start", "due", "eligible"):
                    getattr(cur, name)[ra] = getattr(got, name)
            j += 1
            active = a[~broke & (count[a] > j)]
        return cur

    # -- one metric
    def metric(self, metric: str, hist: _Histories) -> _Result:
        policy = self.policy
        spec = policy.metrics[metric]
        stops = policy.stop_events(metric)
        reopenable = reopens(stops)
        pausable = spec.pausable
        fraction = spec.warning_fraction or policy.warning_fraction
        targets = _Targets(policy, metric, self.plan_ids, self.sev_ids)
        n, at = self.n, self.at
        rows = np.arange(n, dtype=np.int64)
        beyond = np.zeros(n, dtype=bool)

        pauses, open_pause = hist.pairs(EventType.PAUSED, EventType.RESUMED, at)
        gaps, final_resolution = hist.pairs(EventType.RESOLVED, EventType.REOPENED, at)
        parts = []
        if pausable:
            pauses = _close(pauses, open_pause, at, self.opened)
            parts.append(pauses)
        if reopenable:
            parts.append(gaps)
        windows = _union(parts, n, self.opened) if parts else None
        if windows is not None and not windows.count.any():
            windows = None
        changes = hist.changes()
        late = np.zeros(n, dtype=bool)

        if not spec.cadence:
            stop = final_resolution if reopenable else hist.first(hist.of(*stops))
            until = np.where(stop == _NAT, at, np.minimum(stop, at))
            cur = self.retarget(
                targets, rows, self.opened, until, stop, changes, windows, pausable, beyond
            )
        else:
            stop = final_resolution
            end = np.where(stop == _NAT, at, stop)
            mask = hist.of(*cadence_beats(stops))
            if len(hist.row):
                mask &= hist.t <= end[hist.row]
            bt, _, boff = hist.ragged(mask)
            cur, late = self.cadence(targets, bt, boff, end, changes, windows, pausable, beyond)
        return self.result(
            cur, stop, late, windows, pausable, open_pause, fraction, targets, beyond
        )

    def cadence(
        self,
        targets: _Targets,
        bt: I64,
        boff: I64,
        end: I64,
        changes: tuple[I64, I64, I64],
        windows: Ragged | None,
        pausable: bool,
        beyond: B8,
    ) -> tuple[_Cycle, B8]:
        """``evaluation._Metric._evaluate_cadence`` on columns: every cycle of every row in
        one pass. A row with ``k`` beats has ``k + 1`` cycles: from the opening to the first
        beat, from each beat to the next, and from the last beat to ``end``. Returns each
        row's last cycle and whether an earlier one ended after its due time."""
        n = self.n
        count = boff[1:] - boff[:-1]
        cycles = count + 1
        first = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(cycles, out=first[1:])
        row = np.repeat(np.arange(n, dtype=np.int64), cycles)
        pos = np.arange(len(row), dtype=np.int64) - first[:-1][row]
        beats = np.append(bt, _NAT)  # a sentinel, so every index below is in range
        ends_at_beat = pos < count[row]
        anchor = np.where(pos == 0, self.opened[row], beats[boff[row] + pos - 1])
        until = np.where(ends_at_beat, beats[np.minimum(boff[row] + pos, len(bt))], end[row])
        none = np.full(len(row), _NAT, dtype=np.int64)
        every = self.retarget(targets, row, anchor, until, none, changes, windows, pausable, beyond)
        missed = ends_at_beat & (every.kind == _DURATION) & (until > every.due)
        late = np.zeros(n, dtype=bool)
        late[row[missed]] = True
        last = first[1:] - 1
        cur = _Cycle(
            *(
                getattr(every, name)[last]
                for name in ("sev", "kind", "need", "clock", "start", "due", "eligible")
            )
        )
        return cur, late

    def result(
        self,
        cur: _Cycle,
        stop: I64,
        late: B8,
        windows: Ragged | None,
        pausable: bool,
        open_pause: I64,
        fraction: float,
        targets: _Targets,
        beyond: B8,
    ) -> _Result:
        """``evaluation._Metric._result`` on columns."""
        n, at = self.n, self.at
        timed = cur.kind == _DURATION
        stopped = stop != _NAT
        end = np.where(stopped, stop, at)
        elapsed = np.full(n, _NAT, dtype=np.int64)
        for c, name in enumerate(targets.clock_names):
            m = np.flatnonzero(timed & (cur.clock == c))
            if not len(m):
                continue
            clk = self.clock(name, pausable)
            if windows is not None:
                got, _ = pausing.counted_array(
                    clk, cur.start[m], end[m], windows.take(m, after=cur.start[m])
                )
            else:
                live = end[m] > cur.start[m]
                got = np.where(
                    live, clk.elapsed_array(cur.start[m], np.maximum(end[m], cur.start[m])), 0
                )
            elapsed[m] = got
        paused = pausable & ~stopped & ((open_pause != _NAT) | self.policy_paused_at())
        codes = state_codes(
            none=cur.kind == _NONE,
            commitment=cur.kind == _COMMITMENT,
            target_us=cur.need,
            elapsed_us=elapsed,
            due_us=cur.due,
            stopped=stopped,
            stop_us=stop,
            at_us=at,
            paused=paused,
            warning_fraction=fraction,
        )
        state = np.where(late, _MISSED - 1, codes).astype(np.int8)
        breached = (state == _MISSED - 1) | (state == _BREACHED - 1)
        escalate = breached & cur.eligible
        remaining = np.where(timed, cur.need - elapsed, _NAT)
        due = np.where(timed, cur.due, _NAT)
        return _Result(due, state, elapsed, remaining, breached, escalate, beyond)


def _close(windows: Ragged, still_open: I64, at_us: int, opened: I64) -> Ragged:
    """``windows`` plus each ticket's still-open window, run to ``at``."""
    rows = np.flatnonzero(still_open != _NAT)
    if not len(rows):
        return windows
    n = len(still_open)
    extra = Ragged(still_open[rows], np.full(len(rows), at_us, dtype=np.int64), _csr(rows, n))
    return _union([windows, extra], n, opened)


def _union(parts: list[Ragged], n: int, opened: I64) -> Ragged:
    """Several per-ticket window lists as one, each ticket's sorted by start."""
    parts = [p for p in parts if len(p.start)] or parts[:1]
    if len(parts) == 1:
        return parts[0]
    rows = np.concatenate([np.repeat(np.arange(n), p.count) for p in parts])
    start = np.concatenate([p.start for p in parts])
    end = np.concatenate([p.end for p in parts])
    order = _by_ticket_then_start(rows, start, end, opened)
    return Ragged(start[order], end[order], _csr(rows[order], n))


def _shown(value: Any) -> str:
    """A cell as the user wrote it: ``7``, ``'T-7'`` (numpy scalars as plain Python)."""
    return repr(value.item() if isinstance(value, np.generic) else value)


def _iso_us(us: int) -> str:
    return from_us(us).isoformat()


def _datetimes(us: I64, index: pd.Index, tz: Any) -> pd.Series:
    return pd.Series(us.view("M8[us]"), index=index).dt.tz_localize("UTC").dt.tz_convert(tz)


def _columns(metric: str, res: _Result, index: pd.Index, tz: Any) -> dict[str, Any]:
    return {
        f"{metric}_due_at": _datetimes(res.due, index, tz),
        f"{metric}_state": pd.Categorical.from_codes(res.state, dtype=STATE_DTYPE),
        f"{metric}_breached": res.breached,
        f"{metric}_elapsed": pd.Series(res.elapsed.view("m8[us]"), index=index),
        f"{metric}_remaining": pd.Series(res.remaining.view("m8[us]"), index=index),
        f"{metric}_escalate": res.escalate,
    }

"""Many policies in one table, as of an instant: ``evaluate_tables`` (extra ``slacalc[pandas]``).

``evaluate_tables(tickets, events)`` sends each row to the policy its ``policy`` column names
(a bundled id or a YAML path; or one ``policy=`` for every row) and calls
``evaluate_frame`` once per policy, in chunks, with that policy's rows and their events.
The answer keeps the input's rows and order; its columns are the union of the policies'
metric columns (a metric a row's policy lacks is empty), and ``policy`` holds each row's
canonical policy id.

Point in time: ``at`` is "as of": tickets opened after it are left out (events after it
are ignored by the engine); ``since``/``until`` keep tickets opened in ``[since, until)``.
What was left out is counted in ``result.attrs["left_out"]``; ``result.attrs["at"]``
is the instant used, in ISO 8601. With ``errors="mark"``, rows
that cannot be evaluated (an unknown policy among them) get state ``invalid`` and a
``problem``; the others are answered.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from . import isotext
from .errors import SlacalcError
from .facade import load_policy
from .frame import STATE_DTYPE, FrameError, evaluate_frame, parsed_instants
from .instants import from_us, parse_instant, to_us
from .timeline import local_to_us

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from .facade import Policy

__all__ = ["CHUNK", "LEFT_OUT", "evaluate_tables", "opened_instants", "policies_of"]

CHUNK = 50_000
"""Rows handed to ``evaluate_frame`` at a time (the progress callback runs after each)."""

LEFT_OUT = ("opened after at", "opened before since", "opened at or after until")
"""The keys of ``attrs["left_out"]``: why tickets were not evaluated."""

_NAT = isotext.NAT


def evaluate_tables(
    tickets: pd.DataFrame,
    events: pd.DataFrame | None = None,
    *,
    policy: Policy | str | None = None,
    at: datetime | str | None = None,
    errors: Literal["raise", "mark"] = "raise",
    tz: str | None = None,
    since: datetime | str | None = None,
    until: datetime | str | None = None,
    progress: Callable[[int], None] | None = None,
) -> pd.DataFrame:
    """Evaluate tickets of one or many policies, as of ``at`` (see the module docstring).

    ``policy`` (a ``Policy``, bundled id or path) applies to every row; without it the
    table needs a ``policy`` column. ``progress`` is called with the number of rows done.
    """
    if errors not in ("raise", "mark"):
        raise ValueError(f"errors must be 'raise' or 'mark', not {errors!r}")
    zone = ZoneInfo(tz) if tz else None
    at_dt = _instant(at, "at", zone) if at is not None else datetime.now(UTC)
    # opened_at text parsed once: for choosing rows, then handed to the engine as read
    opened = parsed_instants(tickets["opened_at"], tz) if "opened_at" in tickets else None
    keep, left_out = _select(tickets, at_dt, since, until, zone, opened)
    chosen = tickets[keep] if not keep.all() else tickets
    if opened is not None:
        opened = opened[keep] if not keep.all() else opened
    routes, bad = _routes(chosen, policy)
    if events is not None:
        events = _events_of(events, chosen)
    parts: list[pd.DataFrame] = []
    problems: list[tuple[Hashable, str]] = []
    done = 0
    for pol, rows in routes:
        sub = chosen.iloc[rows]
        for lo in range(0, len(sub), CHUNK):
            piece = sub.iloc[lo : lo + CHUNK]
            if opened is not None:
                piece = piece.assign(opened_at=opened.array[rows[lo : lo + CHUNK]])
            piece_events = _events_of(events, piece) if events is not None else None
            try:
                out = _evaluate(pol, piece, piece_events, at_dt, errors, tz)
            except FrameError as e:
                problems.extend(e.problems)
                continue
            out["policy"] = pol.id
            out["_row"] = rows[lo : lo + CHUNK]
            parts.append(out)
            done += len(piece)
            if progress is not None:
                progress(done)
    if len(bad):
        messages = chosen["policy"].iloc[bad].map(_policy_problem)
        if errors == "raise":
            problems.extend(zip(chosen.index[bad], messages, strict=True))
        else:
            marked = chosen.iloc[bad].copy()
            marked["problem"] = messages.to_numpy()
            marked["_row"] = bad
            parts.append(marked)
    if problems:
        order = {label: i for i, label in enumerate(chosen.index)}
        problems.sort(key=lambda p: order.get(p[0], len(order)))
        raise FrameError(problems)
    if not parts and len(routes) <= 1 and (routes or policy is not None):
        pol = routes[0][0] if routes else _policy(policy)
        empty = _evaluate(pol, chosen.iloc[:0], None, at_dt, errors, tz)
        parts.append(empty.assign(policy=pol.id, _row=np.zeros(0, dtype=np.intp)))
    result = _combine(parts, chosen)
    result.attrs["left_out"] = left_out
    result.attrs["at"] = at_dt.isoformat()
    return result


def policies_of(evaluated: pd.DataFrame) -> dict[str, Policy]:
    """The policies named in an evaluated table's ``policy`` column, by id."""
    if "policy" not in evaluated.columns:
        return {}
    out: dict[str, Policy] = {}
    for value in evaluated["policy"].dropna().unique():
        try:
            pol = load_policy(str(value))
        except SlacalcError:
            continue
        out[str(value)] = pol
    return out


# ---- selecting rows -------------------------------------------------------------------


def _instant(value: datetime | str, what: str, zone: ZoneInfo | None) -> datetime:
    if isinstance(value, str) and zone is not None:
        parsed = isotext.parse([value])
        if parsed.ok[0] and not parsed.offset[0]:
            return from_us(int(_localise(parsed.us, zone)[0]))
    if isinstance(value, datetime) and value.tzinfo is None and zone is not None:
        return from_us(int(_localise(np.array([to_us(value.replace(tzinfo=UTC))]), zone)[0]))
    return parse_instant(value, what)


def opened_instants(col: pd.Series, zone: ZoneInfo | None) -> NDArray[np.int64]:
    """Microseconds since the epoch of each opening (``isotext.NAT`` where unreadable).

    Wall times without an offset are placed in ``zone`` by ``timeline.local_to_us`` (the
    gap and fold rule); without a zone they are unreadable here, and the engine names them.
    """
    dtype = col.dtype
    if isinstance(dtype, pd.DatetimeTZDtype):
        utc = col.dt.tz_convert("UTC").dt.as_unit("us").dt.tz_localize(None)
        return np.asarray(utc.to_numpy().view(np.int64))
    if pd.api.types.is_datetime64_dtype(dtype):
        wall = np.asarray(col.dt.as_unit("us").to_numpy().view(np.int64))
        return _localise(wall, zone) if zone is not None else np.full(len(col), _NAT)
    parsed = isotext.parse(col)
    out = np.where(parsed.ok & parsed.offset, parsed.us, _NAT)
    naive = parsed.ok & ~parsed.offset
    if zone is not None and naive.any():
        out[naive] = _localise(parsed.us[naive], zone)
    return out


def _localise(wall_us: NDArray[np.int64], zone: ZoneInfo) -> NDArray[np.int64]:
    """Wall times (microseconds as if UTC) to instants in ``zone``, once per distinct minute."""
    out = np.full(len(wall_us), _NAT, dtype=np.int64)
    ok = wall_us != _NAT
    minutes = wall_us[ok] // 60_000_000
    rest = wall_us[ok] - minutes * 60_000_000
    uniq, inverse = np.unique(minutes, return_inverse=True)
    base = np.array(
        [
            local_to_us(zone, _EPOCH_DAY + timedelta(days=int(m) // 1440), int(m) % 1440)
            for m in uniq.tolist()
        ],
        dtype=np.int64,
    )
    out[ok] = base[inverse] + rest
    return out


_EPOCH_DAY = date(1970, 1, 1)


def _select(
    tickets: pd.DataFrame,
    at: datetime,
    since: datetime | str | None,
    until: datetime | str | None,
    zone: ZoneInfo | None,
    parsed: pd.Series | None = None,
) -> tuple[NDArray[np.bool_], dict[str, int]]:
    """Which rows to evaluate, and how many were left out why (``parsed``: the
    ``opened_at`` column as ``frame.parsed_instants`` reads it, when it could)."""
    n = len(tickets)
    if "opened_at" not in tickets.columns or n == 0:
        return np.ones(n, dtype=bool), dict.fromkeys(LEFT_OUT, 0)
    opened = opened_instants(parsed if parsed is not None else tickets["opened_at"], zone)
    known = opened != _NAT
    after = known & (opened > to_us(at))
    before = np.zeros(n, dtype=bool)
    late = np.zeros(n, dtype=bool)
    if since is not None:
        before = known & (opened < to_us(_instant(since, "since", zone))) & ~after
    if until is not None:
        late = known & (opened >= to_us(_instant(until, "until", zone))) & ~after & ~before
    sums = (int(after.sum()), int(before.sum()), int(late.sum()))
    counts = dict(zip(LEFT_OUT, sums, strict=True))
    return ~(after | before | late), counts


# ---- routing --------------------------------------------------------------------------


def _routes(
    tickets: pd.DataFrame, policy: Policy | str | None
) -> tuple[list[tuple[Policy, NDArray[np.intp]]], NDArray[np.intp]]:
    """(policy, row positions) per policy, and the positions whose policy cannot be loaded."""
    n = len(tickets)
    if policy is not None:
        return [(_policy(policy), np.arange(n))], np.zeros(0, dtype=np.intp)
    if "policy" not in tickets.columns:
        raise SlacalcError(
            "name the policy (a bundled id or a YAML file), or give the table a 'policy' "
            "column naming each row's policy"
        )
    codes, uniques = pd.factorize(tickets["policy"], use_na_sentinel=True)
    by_id: dict[str, tuple[Policy, list[NDArray[np.intp]]]] = {}
    bad: list[NDArray[np.intp]] = [np.flatnonzero(codes < 0)]
    for j, value in enumerate(uniques):
        rows = np.flatnonzero(codes == j)
        try:
            pol = load_policy(str(value).strip())
        except SlacalcError:
            bad.append(rows)
            continue
        by_id.setdefault(pol.id, (pol, []))[1].append(rows)
    routes = [(pol, np.sort(np.concatenate(parts))) for pol, parts in by_id.values()]
    return routes, np.sort(np.concatenate(bad))


def _policy(policy: Policy | str | None) -> Policy:
    assert policy is not None
    return load_policy(policy) if isinstance(policy, str) else policy


def _policy_problem(value: object) -> str:
    if value is None or value != value:
        return "policy is missing"
    try:
        load_policy(str(value).strip())
    except SlacalcError as e:
        return str(e)
    return "policy could not be loaded"  # pragma: no cover


def _events_of(events: pd.DataFrame, tickets: pd.DataFrame) -> pd.DataFrame:
    """The events whose ``ticket_id`` is one of ``tickets``'; ids compared as text."""
    if "ticket_id" not in tickets.columns:
        raise SlacalcError("tickets with an events table need a ticket_id column")
    ids = tickets["ticket_id"].astype(str)
    keep = events["ticket_id"].astype(str).isin(ids)
    out: pd.DataFrame = events[np.asarray(keep)]
    return out


def _evaluate(
    policy: Policy,
    tickets: pd.DataFrame,
    events: pd.DataFrame | None,
    at: datetime,
    errors: Literal["raise", "mark"],
    tz: str | None,
) -> pd.DataFrame:
    kwargs: dict[str, Any] = {"at": at, "errors": errors, "tz": tz}
    if events is not None:
        kwargs["events"] = events
    out: pd.DataFrame = evaluate_frame(policy, tickets, **kwargs)
    return out


def _combine(parts: list[pd.DataFrame], tickets: pd.DataFrame) -> pd.DataFrame:
    if not parts:
        empty = tickets.iloc[:0].copy()
        return empty
    whole = pd.concat(parts) if len(parts) > 1 else parts[0]
    whole = whole.sort_values("_row", kind="stable").drop(columns="_row")
    for col in whole.columns:
        if str(col).endswith("_state") and not isinstance(whole[col].dtype, pd.CategoricalDtype):
            whole[col] = whole[col].astype(STATE_DTYPE)
    if "problem" in whole.columns:
        invalid = whole["problem"].notna()
        for col in [c for c in whole.columns if str(c).endswith("_state")]:
            whole.loc[invalid & whole[col].isna(), col] = "invalid"
    return whole

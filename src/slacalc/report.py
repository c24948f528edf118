"""Compliance reports from evaluated tables (extra ``slacalc[pandas]``).

``compliance(evaluated, by=[...])`` summarises the output of ``evaluate_frame`` (or
``tables.evaluate_tables``) by any column or list of columns: ``plan``, ``severity``,
``policy``, ``month`` (of ``opened_at``), ``metric``, or any column of the input (``team``).
Plans, severities and policies are grouped by their canonical ids, resolved through the
row's policy (``Gold`` and ``gold`` are one group), never by the export's spelling.

Columns, per group and metric:

* ``tickets``: rows whose metric has a due time (not ``not_applicable``, ``no_deadline``
  or ``invalid``); ``invalid``: rows that could not be evaluated (``errors="mark"``);
* ``met``; ``missed``: stopped (responded, resolved) after the due time; ``breached``: not
  stopped and past due at the report's instant (open and overdue); ``open``: ``running``,
  ``at_risk`` or ``paused``;
* ``met_rate = met / (met + missed + breached)``, the share of decided tickets on time (NaN
  when none is decided); ``late_rate = 1 - met_rate`` (missed or breached);
* ``median_elapsed``, ``p90_elapsed``: counted business time to the stop event over the met
  and missed tickets, on the target's own clock; ``median_target``: the median target;
* ``median_share_of_target``, ``p90_share_of_target``: the median and 90th percentile of each
  stopped ticket's elapsed time divided by its own target (1.0 is exactly on target). This
  is not ``median_elapsed / median_target`` when targets differ within the group.

``ComplianceTally`` counts an evaluated table given in parts (one part in memory at a
time) with the same answers as ``compliance`` of the whole.

``availability_by_month(policy, outages)`` gives one row per month of the policy's
availability report.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .availability import monthly_report
from .errors import AvailabilityError, SlacalcError
from .frame import OUTPUT_SUFFIXES, STATE_DTYPE, STATES

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from .policy import Policy

__all__ = [
    "COLUMNS",
    "GROUPS",
    "ComplianceTally",
    "availability_by_month",
    "canonical_keys",
    "compliance",
    "long_form",
    "metrics_of",
]

GROUPS = ("plan", "severity", "policy", "month", "metric")
"""Groupings every evaluated table offers (any other column of the input works too)."""

COLUMNS = (
    "tickets",
    "met",
    "missed",
    "breached",
    "open",
    "invalid",
    "met_rate",
    "late_rate",
    "median_elapsed",
    "p90_elapsed",
    "median_target",
    "median_share_of_target",
    "p90_share_of_target",
)
"""The columns of ``compliance``, in order."""

_OPEN = ("running", "at_risk", "paused")
_UNTIMED = ("not_applicable", "no_deadline", "invalid")
_UNTIMED_CODES = [STATES.index(s) for s in _UNTIMED[:2]]  # rows a tally need not keep
_DERIVED = ("metric", "state", "elapsed", "target", "month")


def metrics_of(evaluated: pd.DataFrame) -> list[str]:
    """The metrics an evaluated table has results for (its ``{metric}_state`` columns)."""
    return [c.removesuffix("_state") for c in evaluated.columns if str(c).endswith("_state")]


def _result_columns(evaluated: pd.DataFrame) -> set[str]:
    metrics = metrics_of(evaluated)
    return {f"{m}_{s}" for m in metrics for s in OUTPUT_SUFFIXES}


def _context(evaluated: pd.DataFrame) -> list[str]:
    """The input's columns a report can group by (results and derived names left out)."""
    results = _result_columns(evaluated)
    return [str(c) for c in evaluated.columns if c not in results and c not in _DERIVED]


def _check_metrics(found: Sequence[str], metrics: Sequence[str]) -> None:
    unknown = [m for m in metrics if m not in found]
    if unknown:
        raise SlacalcError(
            f"the frame has no results for metric {unknown[0]!r}; evaluated metrics: "
            f"{', '.join(found) or '(none: run evaluate_frame first)'}"
        )


def long_form(
    evaluated: pd.DataFrame,
    metrics: Sequence[str] | None = None,
    policy: Policy | Mapping[str, Policy] | None = None,
    tz: str | None = None,
) -> pd.DataFrame:
    """One row per (ticket, metric): the input's columns, month, metric, state, elapsed, target.

    ``plan``, ``severity`` and ``policy`` hold canonical ids, resolved by ``policy`` (one
    policy, or policies by id for a table with a ``policy`` column; by default the policies
    that column names). ``month`` is the ``YYYY-MM`` of ``opened_at`` in ``tz`` (default:
    the column's own zone). Rows whose policy lacks a metric are left out for it.
    """
    found = metrics_of(evaluated)
    metrics = list(metrics) if metrics is not None else found
    _check_metrics(found, metrics)
    keys = canonical_keys(evaluated, policy)
    context = {c: evaluated[c].to_numpy() for c in _context(evaluated)}
    context.update({k: v.to_numpy() for k, v in keys.items()})
    codes, months = _months(evaluated, tz)
    context["month"] = np.asarray(months, dtype=object)[codes]
    parts = []
    for m in metrics:
        state = evaluated[f"{m}_state"]
        elapsed = evaluated[f"{m}_elapsed"]
        part = pd.DataFrame(
            {
                **context,
                "metric": m,
                "state": state.astype(object).where(state.notna(), None).to_numpy(),
                "elapsed": elapsed.to_numpy(),
                "target": (elapsed + evaluated[f"{m}_remaining"]).to_numpy(),
            }
        )
        parts.append(part[state.notna().to_numpy()])
    if not parts:
        return pd.DataFrame(columns=[*context, "metric", "state", "elapsed", "target"])
    return pd.concat(parts, ignore_index=True)


def canonical_keys(
    evaluated: pd.DataFrame, policy: Policy | Mapping[str, Policy] | None = None
) -> dict[str, pd.Series]:
    """``plan``, ``severity`` (and ``policy``) as canonical ids, resolved once per value.

    A value the row's policy does not know stays as written (such rows are ``invalid``).
    """
    out: dict[str, pd.Series] = {}
    for key, (codes, values) in _canonical(evaluated, policy, _CANONICAL).items():
        if key == "policy":  # the column itself, each value mapped to its policy's id
            raw = _factorized(evaluated["policy"])[1]
            ids = {r: i for r, i in zip(raw, values, strict=True) if not _missing(r)}
            out[key] = evaluated["policy"].map(ids, na_action="ignore")
        else:
            out[key] = pd.Series(np.asarray(values, dtype=object)[codes], evaluated.index)
    return out


_CANONICAL = ("policy", "plan", "severity")
_Coded = tuple["NDArray[np.intp]", list[Any]]


def _canonical(
    evaluated: pd.DataFrame,
    policy: Policy | Mapping[str, Policy] | None,
    wanted: Sequence[str],
) -> dict[str, _Coded]:
    """The keys of ``canonical_keys`` named in ``wanted``, as codes into their values.

    Each distinct (row policy, value) pair is resolved once.
    """
    from .policy import Policy as PolicyModel

    out: dict[str, _Coded] = {}
    if isinstance(policy, PolicyModel):
        row_policy: _Coded = (np.zeros(len(evaluated), dtype=np.intp), [policy.id])
        by_id: Mapping[str, Policy] = {policy.id: policy}
    elif "policy" in evaluated.columns:
        by_id = dict(policy) if policy is not None else _policies_named(evaluated["policy"])
        codes, named = _factorized(evaluated["policy"])
        row_policy = (codes, [v if _missing(v) else _policy_id(v, by_id) for v in named])
        out["policy"] = row_policy
    else:
        return {}
    for col, resolve in (("plan", "plan_id"), ("severity", "severity_id")):
        if col not in evaluated.columns or col not in wanted:
            continue
        codes, values = _factorized(evaluated[col])
        pairs, inverse = np.unique(row_policy[0] * len(values) + codes, return_inverse=True)
        ids: list[Any] = []
        for pair in pairs.tolist():
            pid, value = row_policy[1][pair // len(values)], values[pair % len(values)]
            pol = by_id.get(pid) if isinstance(pid, str) else None
            if pol is None or _missing(value):
                ids.append(value)
                continue
            try:
                ids.append(getattr(pol, resolve)(str(value)))
            except SlacalcError:
                ids.append(value)
        out[col] = (inverse.reshape(-1).astype(np.intp, copy=False), ids)
    return {k: v for k, v in out.items() if k in wanted}


def _factorized(col: pd.Series) -> _Coded:
    """Codes into the column's distinct values; a missing value is one of them, as given."""
    codes, uniques = pd.factorize(col, use_na_sentinel=True)
    values = list(uniques)
    na = np.flatnonzero(codes < 0)
    if len(na):
        values.append(col.iloc[int(na[0])])
        codes = np.where(codes < 0, len(values) - 1, codes)
    return np.asarray(codes, dtype=np.intp), values


def _missing(value: Any) -> bool:
    """A missing cell: None, NaN, ``pd.NA`` or ``NaT``."""
    return bool(pd.api.types.is_scalar(value) and pd.isna(value))


def _months(evaluated: pd.DataFrame, tz: str | None) -> _Coded:
    """The ``YYYY-MM`` of each ``opened_at`` in ``tz`` (default: the column's own zone)."""
    opened = pd.to_datetime(evaluated["opened_at"], utc=True, format="ISO8601")
    if tz is not None:
        opened = opened.dt.tz_convert(tz)
    elif isinstance(evaluated["opened_at"].dtype, pd.DatetimeTZDtype):
        opened = opened.dt.tz_convert(evaluated["opened_at"].dtype.tz)
    codes, periods = pd.factorize(opened.dt.tz_localize(None).dt.to_period("M"))
    values: list[Any] = [str(p) for p in periods]
    if (codes < 0).any():
        values.append(np.nan)
        codes = np.where(codes < 0, len(values) - 1, codes)
    return np.asarray(codes, dtype=np.intp), values


def _policies_named(col: pd.Series) -> dict[str, Policy]:
    from .facade import load_policy

    found: dict[str, Policy] = {}
    for value in col.dropna().unique():
        try:
            found[str(value)] = load_policy(str(value).strip())
        except SlacalcError:
            continue
    return found


def _policy_id(value: Any, by_id: Mapping[str, Policy]) -> Any:
    pol = by_id.get(str(value))
    return pol.id if pol is not None else value


def compliance(
    evaluated: pd.DataFrame,
    by: str | Sequence[str] = (),
    metrics: Sequence[str] | str | None = ("response",),
    policy: Policy | Mapping[str, Policy] | None = None,
    tz: str | None = None,
) -> pd.DataFrame:
    """Compliance by ``by``: one column name or a list (see the module docstring).

    ``metrics``: which metrics to count (default ``response``; ``None`` for all). With no
    grouping the result is one row labelled ``all``. See the module docstring for columns.
    """
    keys = [by] if isinstance(by, str) else list(by)
    tally = ComplianceTally(keys, policy=policy, tz=tz)
    tally.add(evaluated)
    return tally.table(keys, metrics)


class _Values:
    """One grouping key's values over many parts: codes into one growing list."""

    def __init__(self) -> None:
        self.values: list[Any] = []
        self._code: dict[tuple[type, Any], int] = {}
        self._na: int | None = None

    def codes(self, coded: _Coded) -> NDArray[np.int32]:
        """``coded`` (codes into a part's own values) as codes into ``values``."""
        codes, values = coded
        remap = np.array([self._intern(v) for v in values] or [0], dtype=np.int32)
        out: NDArray[np.int32] = remap[codes]
        return out

    def _intern(self, value: Any) -> int:
        if _missing(value):  # one missing value, as first given
            if self._na is None:
                self._na = len(self.values)
                self.values.append(value)
            return self._na
        code = self._code.setdefault((type(value), value), len(self.values))
        if code == len(self.values):
            self.values.append(value)
        return code


class ComplianceTally:
    """``compliance`` of an evaluated table given in parts: ``add`` each part, then ``table``.

    Of each part it keeps only the rows whose metric has a due time or that are invalid,
    and of those only the state, the elapsed and target times and a code per grouping key
    in ``keys`` (a few bytes a row, whatever else the table holds), so a report over a
    file read in parts holds no more than one part at a time. ``table(by, metrics)``, for
    ``by`` among ``keys`` (and ``metric``, ``state``), equals ``compliance`` of the parts
    put together. ``policy`` and ``tz`` are as for ``compliance``.
    """

    def __init__(
        self,
        keys: Sequence[str] = (),
        policy: Policy | Mapping[str, Policy] | None = None,
        tz: str | None = None,
    ) -> None:
        self.keys = list(dict.fromkeys(keys))
        self.policy = policy
        self.tz = tz
        self._metrics: list[str] = []  # every metric with results, in first-seen order
        self._context: list[str] = []  # every input column, in first-seen order
        self._values = {k: _Values() for k in self.keys}
        self._parts: list[tuple[str, dict[str, NDArray[Any]]]] = []  # (metric, columns)
        self._rows = 0

    def add(
        self, evaluated: pd.DataFrame, policy: Policy | Mapping[str, Policy] | None = None
    ) -> None:
        """Count one part of an evaluated table; ``policy`` (default: the tally's) resolves
        its plans and severities to canonical ids."""
        n = len(evaluated)
        found = metrics_of(evaluated)
        context = _context(evaluated)
        self._metrics += [m for m in found if m not in self._metrics]
        self._context += [c for c in context if c not in self._context]
        self._rows += n
        given = _canonical(evaluated, policy if policy is not None else self.policy, self.keys)
        if "month" in self.keys:
            given["month"] = _months(evaluated, self.tz)
        for k in self.keys:
            if k not in given and k in context:
                given[k] = _factorized(evaluated[k])
        absent: _Coded = (np.zeros(n, dtype=np.intp), [np.nan])
        codes = {
            k: self._values[k].codes(given.get(k, absent))
            for k in self.keys
            if k not in _DERIVED or k == "month"
        }
        for m in found:
            state = evaluated[f"{m}_state"]
            code = np.asarray(pd.Categorical(state, dtype=STATE_DTYPE).codes, dtype=np.int8)
            rows = np.flatnonzero(np.asarray(state.notna()) & ~np.isin(code, _UNTIMED_CODES))
            elapsed = evaluated[f"{m}_elapsed"]
            target = elapsed + evaluated[f"{m}_remaining"]
            part: dict[str, NDArray[Any]] = {k: c[rows] for k, c in codes.items()}
            part["state"] = code[rows]
            part["elapsed"] = elapsed.to_numpy()[rows]
            part["target"] = target.to_numpy()[rows]
            self._parts.append((m, part))

    def table(
        self, by: str | Sequence[str] = (), metrics: Sequence[str] | str | None = ("response",)
    ) -> pd.DataFrame:
        """Compliance by ``by`` over every part added (see ``compliance``)."""
        keys = [by] if isinstance(by, str) else list(by)
        if isinstance(metrics, str):
            metrics = [metrics]
        if metrics is not None:
            metrics = [m for m in metrics if m in self._metrics] or list(metrics)
        chosen = list(metrics) if metrics is not None else self._metrics
        _check_metrics(self._metrics, chosen)
        columns = [*self._context, "month", "metric"]
        unknown = [k for k in keys if k not in columns and k not in _DERIVED]
        if unknown:
            raise SlacalcError(
                f"cannot group by {unknown[0]!r}; group by any of {', '.join(columns)}"
            )
        kept = [k for k in keys if k not in self.keys and k not in _DERIVED[:4]]
        if kept:
            raise ValueError(f"the tally was not asked to keep {kept[0]!r}; name it in keys")
        parts = [(m, p) for m, p in self._parts if m in chosen]

        def joined(column: str, empty: Any) -> NDArray[Any]:
            return np.concatenate([p[column] for _, p in parts] or [np.zeros(0, empty)])

        state = joined("state", np.int8)
        elapsed, target = joined("elapsed", "m8[us]"), joined("target", "m8[us]")
        coded: dict[str, tuple[NDArray[Any], pd.Index]] = {}
        for k in keys:
            if not self._rows:  # no rows at all: untyped keys, as an empty table has
                coded[k] = (np.zeros(0, dtype=np.intp), pd.Index([], dtype=object))
            elif k == "metric":
                which = [np.full(len(p["state"]), self._metrics.index(m)) for m, p in parts]
                codes = np.concatenate(which or [np.zeros(0, np.intp)])
                coded[k] = (codes, pd.Index(self._metrics))
            elif k == "state":
                coded[k] = (np.where(state < 0, len(STATES), state), pd.Index([*STATES, None]))
            elif k in ("elapsed", "target"):
                codes, uniques = pd.factorize(elapsed if k == "elapsed" else target)
                coded[k] = (codes, pd.Index(uniques))
            else:
                coded[k] = (joined(k, np.int32), pd.Index(self._values[k].values))
        return _count(state, elapsed, target, coded)


def _count(
    state: NDArray[np.int8],
    elapsed: NDArray[Any],
    target: NDArray[Any],
    keys: Mapping[str, tuple[NDArray[Any], pd.Index]],
) -> pd.DataFrame:
    """The compliance columns of rows (state codes, elapsed and target times) by ``keys``.

    Each key is given as codes into its values; groups are ordered by the values, as
    ``groupby(sort=True, dropna=False)`` orders them (missing last). A state code of -1
    is a state ``STATES`` does not list (counted as a ticket, nothing else).
    """
    code = {name: np.int8(STATES.index(name)) for name in STATES}
    timed = ~np.isin(state, [code[s] for s in _UNTIMED])
    stopped = (state == code["met"]) | (state == code["missed"])
    if keys:
        labels: list[pd.Index] = []
        ranks: list[NDArray[np.intp]] = []
        for codes, values in keys.values():
            rank, uniques = pd.factorize(values, sort=True, use_na_sentinel=False)
            ranks.append(np.asarray(rank, dtype=np.intp)[codes] if len(values) else codes)
            labels.append(uniques)
        groups, gid = _groups(ranks, [len(u) for u in labels])
        index = _labelled(groups, labels, list(keys))
    else:
        groups, gid = np.zeros((1, 0), dtype=np.intp), np.zeros(len(state), dtype=np.intp)
        index = pd.Index(["all"], name="group")
    size = len(groups)

    def total(rows: NDArray[np.bool_]) -> NDArray[np.int64]:
        return np.bincount(gid[rows], minlength=size).astype(np.int64)

    def per_group(values: NDArray[Any], rows: NDArray[np.bool_], how: str) -> pd.Series:
        picked = pd.Series(values[rows]).groupby(gid[rows])
        got = picked.median() if how == "median" else picked.quantile(0.9)
        return got.reindex(range(size)).set_axis(index)

    out = pd.DataFrame(
        {
            "tickets": total(timed),
            "met": total(state == code["met"]),
            "missed": total(state == code["missed"]),
            "breached": total(state == code["breached"]),
            "open": total(np.isin(state, [code[s] for s in _OPEN])),
            "invalid": total(state == code["invalid"]),
        },
        index=index,
    )
    decided_n = out["met"] + out["missed"] + out["breached"]
    out["met_rate"] = (out["met"] / decided_n.where(decided_n > 0)).astype(float)
    out["late_rate"] = 1.0 - out["met_rate"]
    out["median_elapsed"] = per_group(elapsed, stopped, "median").dt.round("s")
    out["p90_elapsed"] = per_group(elapsed, stopped, "quantile").dt.round("s")
    out["median_target"] = per_group(target, timed, "median")
    share = np.asarray(pd.Series(elapsed) / pd.Series(target))
    out["median_share_of_target"] = per_group(share, stopped, "median")
    out["p90_share_of_target"] = per_group(share, stopped, "quantile")
    if keys:  # groups holding only untimed rows say nothing
        out = out[(out["tickets"] > 0) | (out["invalid"] > 0)]
    return out[list(COLUMNS)]


def _groups(
    ranks: list[NDArray[np.intp]], sizes: list[int]
) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """The distinct rows of ``ranks`` (one column per key), in order, and each row's group."""
    span = math.prod(max(k, 1) for k in sizes)
    if span >= 2**62:  # too many combinations for one integer key
        groups, gid = np.unique(np.stack(ranks, axis=1), axis=0, return_inverse=True)
        return groups, gid.reshape(-1)
    key = np.zeros(len(ranks[0]), dtype=np.int64)
    for rank, size in zip(ranks, sizes, strict=True):
        key = key * max(size, 1) + rank
    keys, gid = np.unique(key, return_inverse=True)
    groups = np.stack(np.unravel_index(keys, [max(k, 1) for k in sizes]), axis=1)
    return groups.astype(np.intp), gid.reshape(-1).astype(np.intp)


def _labelled(groups: NDArray[np.intp], labels: list[pd.Index], names: list[str]) -> pd.Index:
    """Group codes (ranks into each key's sorted values) as the values themselves."""
    if len(labels) == 1:
        return labels[0].take(groups[:, 0]).rename(names[0])
    levels = [labels[i].take(groups[:, i]) for i in range(len(labels))]
    return pd.MultiIndex.from_arrays(levels, names=names)


def availability_by_month(
    policy: Policy,
    outages: pd.DataFrame | Iterable[Mapping[str, Any]] = (),
    months: Iterable[str | date] | None = None,
    plan: str | None = None,
) -> pd.DataFrame:
    """One row per month: availability, target, downtime counted, excluded and allowed, met.

    ``outages`` has columns ``start``, ``end`` (aware) and ``cause`` (a cause the policy
    names). ``months`` defaults to every month from the first outage's to the last one's.
    """
    if policy.availability_target is None:
        raise AvailabilityError(f"policy {policy.id!r} defines no availability target")
    table = outages if isinstance(outages, pd.DataFrame) else pd.DataFrame(list(outages))
    records = table.to_dict("records") if len(table) else []
    zone = policy.availability_target.timezone
    if months is None:
        if not records:
            raise AvailabilityError("give months=['2026-11', ...] or at least one outage")
        starts = pd.to_datetime(table["start"], utc=True).dt.tz_convert(zone)
        ends = pd.to_datetime(table["end"], utc=True).dt.tz_convert(zone)
        first = starts.min().tz_localize(None).to_period("M")
        last = ends.max().tz_localize(None).to_period("M")
        months = [str(p) for p in pd.period_range(first, last, freq="M")]
    rows = []
    for month in months:
        rep = monthly_report(policy, month, _outages(records), plan=plan)
        rows.append(
            {
                "month": str(month)[:7],
                "availability": float(rep.availability),
                "target": float(policy.availability_target.target) / 100.0,
                "counted_downtime": rep.counted_downtime,
                "excluded_downtime": rep.excluded_downtime,
                "allowed_downtime": rep.allowed_downtime,
                "remaining_budget": rep.remaining_budget,
                "met": bool(rep.met),
            }
        )
    return pd.DataFrame(rows).set_index("month")


def _outages(records: list[dict[Any, Any]]) -> list[dict[str, Any]]:
    out = []
    for r in records:
        item = {str(k): v for k, v in r.items() if not (v is None or (np.isscalar(v) and v != v))}
        for key in ("start", "end"):
            if isinstance(item.get(key), pd.Timestamp):
                item[key] = item[key].to_pydatetime()
        out.append(item)
    return out

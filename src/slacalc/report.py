"""Compliance reports from evaluated tables (extra ``slacalc[pandas]``).

``compliance(evaluated, by=[...])`` summarises the output of ``evaluate_frame`` by any
grouping of ``plan``, ``severity``, ``month`` (of ``opened_at``) and ``metric``:

* ``tickets``: rows whose metric has a due time (not ``not_applicable``, ``no_deadline`` or
  ``invalid``);
* ``met``, ``missed`` (stop event after the due time), ``breached`` (no stop event and past
  due), ``open`` (``running``, ``at_risk`` or ``paused``);
* ``met_rate = met / (met + missed + breached)``: the share of decided tickets that met the
  target (NaN when none is decided yet); ``breach_rate = 1 - met_rate``;
* ``median_time`` and ``p90_time``: counted business time to the stop event (time to
  response for ``response``) over the met and missed tickets, on the target's own clock;
  ``median_target`` the median target, and ``median_share`` / ``p90_share`` the same
  times as a share of each ticket's own target (1.0 is exactly on target).

``availability_by_month(policy, outages)`` gives one row per month of the policy's
availability report.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .errors import SlacalcError

if TYPE_CHECKING:
    from .policy import Policy

__all__ = ["GROUPS", "availability_by_month", "compliance", "long_form"]

GROUPS = ("plan", "severity", "month", "metric")
"""What ``compliance`` can group by (any other column of the evaluated frame works too)."""

_OPEN = ("running", "at_risk", "paused")
_UNTIMED = ("not_applicable", "no_deadline", "invalid")


def _metrics_of(evaluated: pd.DataFrame) -> list[str]:
    return [c.removesuffix("_state") for c in evaluated.columns if str(c).endswith("_state")]


def long_form(
    evaluated: pd.DataFrame,
    metrics: Sequence[str] | None = None,
    policy: Policy | None = None,
    tz: str | None = None,
    *,
    months: bool = True,
) -> pd.DataFrame:
    """One row per (ticket, metric): plan, severity, month, metric, state, elapsed, target.

    With ``policy``, plan and severity names are resolved to ids (``'Gold'`` -> ``gold``),
    once per distinct value. ``month`` is the ``YYYY-MM`` of ``opened_at`` in ``tz``
    (default: the column's own zone); ``months=False`` leaves it out (it is the costly
    column of a large table).
    """
    found = _metrics_of(evaluated)
    metrics = list(metrics) if metrics is not None else found
    unknown = [m for m in metrics if m not in found]
    if unknown:
        raise SlacalcError(
            f"the frame has no results for metric {unknown[0]!r}; evaluated metrics: "
            f"{', '.join(found) or '(none: run evaluate_frame first)'}"
        )
    month = _months(evaluated["opened_at"], tz) if months else None
    plan, severity = evaluated["plan"], evaluated["severity"]
    if policy is not None:
        plan = _ids(plan, policy.plan_id)
        severity = _ids(severity, policy.severity_id)
    parts = []
    for m in metrics:
        elapsed = evaluated[f"{m}_elapsed"]
        columns = {
            "plan": plan.array,
            "severity": severity.array,
            "month": None if month is None else month.array,
            "metric": m,
            "state": evaluated[f"{m}_state"].astype(str).array,
            "elapsed": elapsed.array,
            "target": (elapsed + evaluated[f"{m}_remaining"]).array,
        }
        if month is None:
            del columns["month"]
        parts.append(pd.DataFrame(columns))
    if not parts:
        names = ["plan", "severity", "month", "metric", "state", "elapsed", "target"]
        return pd.DataFrame(columns=[c for c in names if months or c != "month"])
    return pd.concat(parts, ignore_index=True)


def _months(opened_at: pd.Series, tz: str | None) -> pd.Series:
    """``YYYY-MM`` of each instant in ``tz`` (default: the column's own zone); None when absent."""
    opened = pd.to_datetime(opened_at, utc=True, format="ISO8601")
    if tz is not None:
        opened = opened.dt.tz_convert(tz)
    elif isinstance(opened_at.dtype, pd.DatetimeTZDtype):
        opened = opened.dt.tz_convert(opened_at.dtype.tz)
    # one string per distinct month, not per row
    key = opened.dt.year * 100 + opened.dt.month
    names = {k: f"{int(k) // 100:04d}-{int(k) % 100:02d}" for k in key.dropna().unique()}
    month: pd.Series = key.map(names).astype(object).where(opened.notna(), None)
    return month


def _ids(col: pd.Series, resolve: Any) -> pd.Series:
    mapping: dict[Any, Any] = {}
    for value in col.dropna().unique():
        try:
            mapping[value] = resolve(str(value))
        except SlacalcError:
            mapping[value] = value
    return col.map(mapping)


def compliance(
    evaluated: pd.DataFrame,
    by: str | Sequence[str] = (),
    metrics: Sequence[str] | str | None = ("response",),
    policy: Policy | None = None,
    tz: str | None = None,
) -> pd.DataFrame:
    """Compliance by ``by`` (any of ``plan``, ``severity``, ``month``, ``metric``).

    ``metrics``: which metrics to count (default ``response``; ``None`` for all). With no
    grouping the result is one row, ``all``. See the module docstring for the columns.
    """
    keys = [by] if isinstance(by, str) else list(by)
    if isinstance(metrics, str):
        metrics = [metrics]
    if metrics is not None:
        present = set(_metrics_of(evaluated))
        metrics = [m for m in metrics if m in present] or list(metrics)
    long = long_form(evaluated, metrics, policy=policy, tz=tz, months="month" in keys)
    long = long[~long["state"].isin(_UNTIMED)]
    unknown = [k for k in keys if k not in long.columns]
    if unknown:
        raise SlacalcError(f"cannot group by {unknown[0]!r}; group by any of {', '.join(GROUPS)}")
    state = long["state"]
    decided = long["elapsed"].where(state.isin(("met", "missed")))
    share = decided / long["target"]
    frame = pd.DataFrame(
        {
            "tickets": 1,
            "met": (state == "met").astype(int),
            "missed": (state == "missed").astype(int),
            "breached": (state == "breached").astype(int),
            "open": state.isin(_OPEN).astype(int),
            "time": decided,
            "target": long["target"],
            "share": share,
        }
    )
    for k in keys:
        frame[k] = long[k].to_numpy()
    if not keys:
        frame["group"] = "all"
        keys = ["group"]
    grouped = frame.groupby(keys, sort=True, dropna=False)
    counts = grouped[["tickets", "met", "missed", "breached", "open"]].sum()
    out = counts.copy()
    decided_n = out["met"] + out["missed"] + out["breached"]
    out["met_rate"] = (out["met"] / decided_n.where(decided_n > 0)).astype(float)
    out["breach_rate"] = 1.0 - out["met_rate"]
    out["median_time"] = grouped["time"].median().dt.round("s")
    out["p90_time"] = grouped["time"].quantile(0.9).dt.round("s")
    out["median_target"] = grouped["target"].median()
    out["median_share"] = grouped["share"].median()
    out["p90_share"] = grouped["share"].quantile(0.9)
    return out


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
        raise SlacalcError(f"policy {policy.id!r} has no availability target")
    table = outages if isinstance(outages, pd.DataFrame) else pd.DataFrame(list(outages))
    records = table.to_dict("records") if len(table) else []
    zone = policy.availability_target.timezone
    if months is None:
        if not records:
            raise SlacalcError("give months=['2026-11', ...] or at least one outage")
        starts = pd.to_datetime(table["start"], utc=True).dt.tz_convert(zone)
        ends = pd.to_datetime(table["end"], utc=True).dt.tz_convert(zone)
        first = starts.min().tz_localize(None).to_period("M")
        last = ends.max().tz_localize(None).to_period("M")
        months = [str(p) for p in pd.period_range(first, last, freq="M")]
    rows = []
    for month in months:
        rep = policy.availability(month, outages=_outages(records), plan=plan)
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

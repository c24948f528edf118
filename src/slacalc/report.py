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

``availability_by_month(policy, outages)`` gives one row per month of the policy's
availability report.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .availability import monthly_report
from .errors import AvailabilityError, SlacalcError
from .frame import OUTPUT_SUFFIXES

if TYPE_CHECKING:
    from .policy import Policy

__all__ = [
    "COLUMNS",
    "GROUPS",
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


def metrics_of(evaluated: pd.DataFrame) -> list[str]:
    """The metrics an evaluated table has results for (its ``{metric}_state`` columns)."""
    return [c.removesuffix("_state") for c in evaluated.columns if str(c).endswith("_state")]


def _result_columns(evaluated: pd.DataFrame) -> set[str]:
    metrics = metrics_of(evaluated)
    return {f"{m}_{s}" for m in metrics for s in OUTPUT_SUFFIXES}


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
    unknown = [m for m in metrics if m not in found]
    if unknown:
        raise SlacalcError(
            f"the frame has no results for metric {unknown[0]!r}; evaluated metrics: "
            f"{', '.join(found) or '(none: run evaluate_frame first)'}"
        )
    keys = canonical_keys(evaluated, policy)
    opened = pd.to_datetime(evaluated["opened_at"], utc=True, format="ISO8601")
    if tz is not None:
        opened = opened.dt.tz_convert(tz)
    elif isinstance(evaluated["opened_at"].dtype, pd.DatetimeTZDtype):
        opened = opened.dt.tz_convert(evaluated["opened_at"].dtype.tz)
    month = opened.dt.tz_localize(None).dt.to_period("M").astype(str).where(opened.notna(), None)
    results = _result_columns(evaluated)
    context = {
        str(c): evaluated[c].to_numpy()
        for c in evaluated.columns
        if c not in results and c not in ("metric", "state", "elapsed", "target", "month")
    }
    context.update({k: v.to_numpy() for k, v in keys.items()})
    context["month"] = month.to_numpy()
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
    from .policy import Policy as PolicyModel

    out: dict[str, pd.Series] = {}
    has_col = "policy" in evaluated.columns
    if isinstance(policy, PolicyModel):
        row_policy = pd.Series(policy.id, index=evaluated.index)
        by_id: Mapping[str, Policy] = {policy.id: policy}
    elif has_col:
        by_id = dict(policy) if policy is not None else _policies_named(evaluated["policy"])
        row_policy = evaluated["policy"].map(lambda v: _policy_id(v, by_id), na_action="ignore")
        out["policy"] = row_policy
    else:
        return {}
    for col, resolve in (("plan", "plan_id"), ("severity", "severity_id")):
        if col not in evaluated.columns:
            continue
        pairs = pd.DataFrame({"p": row_policy, "v": evaluated[col]}).drop_duplicates()
        mapping: dict[tuple[Any, Any], Any] = {}
        for pid, value in pairs.itertuples(index=False):
            pol = by_id.get(pid) if isinstance(pid, str) else None
            if pol is None or value is None or value != value:
                mapping[(pid, value)] = value
                continue
            try:
                mapping[(pid, value)] = getattr(pol, resolve)(str(value))
            except SlacalcError:
                mapping[(pid, value)] = value
        keys = list(zip(row_policy, evaluated[col], strict=True))
        out[col] = pd.Series([mapping.get(k, k[1]) for k in keys], index=evaluated.index)
    return out


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
    if isinstance(metrics, str):
        metrics = [metrics]
    if metrics is not None:
        present = set(metrics_of(evaluated))
        metrics = [m for m in metrics if m in present] or list(metrics)
    long = long_form(evaluated, metrics, policy=policy, tz=tz)
    unknown = [k for k in keys if k not in long.columns]
    if unknown:
        choices = [c for c in long.columns if c not in ("state", "elapsed", "target")]
        raise SlacalcError(
            f"cannot group by {unknown[0]!r}; group by any of {', '.join(map(str, choices))}"
        )
    state = long["state"]
    timed = ~state.isin(_UNTIMED)
    decided = long["elapsed"].where(state.isin(("met", "missed")))
    frame = pd.DataFrame(
        {
            "tickets": timed.astype(int),
            "met": (state == "met").astype(int),
            "missed": (state == "missed").astype(int),
            "breached": (state == "breached").astype(int),
            "open": state.isin(_OPEN).astype(int),
            "invalid": (state == "invalid").astype(int),
            "time": decided,
            "target": long["target"].where(timed),
            "share": decided / long["target"],
        }
    )
    for k in keys:
        frame[k] = long[k].to_numpy()
    if not keys:
        frame["group"] = "all"
        keys = ["group"]
    grouped = frame.groupby(keys, sort=True, dropna=False)
    out = grouped[["tickets", "met", "missed", "breached", "open", "invalid"]].sum()
    if keys == ["group"] and len(out) == 0:  # nothing to count: still one 'all' row
        out = out.reindex(pd.Index(["all"], name="group"), fill_value=0)
    decided_n = out["met"] + out["missed"] + out["breached"]
    out["met_rate"] = (out["met"] / decided_n.where(decided_n > 0)).astype(float)
    out["late_rate"] = 1.0 - out["met_rate"]
    out["median_elapsed"] = grouped["time"].median().dt.round("s").reindex(out.index)
    out["p90_elapsed"] = grouped["time"].quantile(0.9).dt.round("s").reindex(out.index)
    out["median_target"] = grouped["target"].median().reindex(out.index)
    out["median_share_of_target"] = grouped["share"].median().reindex(out.index)
    out["p90_share_of_target"] = grouped["share"].quantile(0.9).reindex(out.index)
    if keys != ["group"]:  # groups holding only untimed rows say nothing
        out = out[(out["tickets"] > 0) | (out["invalid"] > 0)]
    return out[list(COLUMNS)]


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

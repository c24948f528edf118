"""Shared helpers for the table tests: policies, frames, and the scalar answer per row."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pandas as pd
import yaml

from slacalc import Event, Policy, Ticket

# A policy that exercises every branch evaluate_frame has: two zones (one with DST), a
# next_open start rule, always/business clocks, commitments, N/A cells, a cadence metric,
# escalation with an exclusion, and a per-metric warning fraction.
SYNTHETIC = """
id: synthetic
name: Synthetic
source: {document: tests}
warning_fraction: 0.5
calendars:
  office:
    timezone: America/Chicago
    hours: {mon-fri: ["08:00-17:00"]}
    holidays: {country: US}
    business_day: 9h
  night:
    timezone: Asia/Kolkata
    hours: {daily: ["22:00-06:00"]}
    business_day: 8h
plans:
  basic: {name: Basic, aliases: [Starter]}
  pro: {name: Pro}
severities:
  high: {name: High, aliases: [P1]}
  low: {name: Low, aliases: [P2]}
metrics:
  response:
    clock: office
    warning_fraction: 0.8
    targets:
      high: {basic: {within: 2h, clock: always, start: {next_open: office}}, pro: 30m}
      low: {basic: 1 business day, pro: {within: 3h, clock: night}}
  resolution:
    pausable: true
    clock: office
    targets:
      high: {basic: {commitment: work until fixed}, pro: 2 business days}
      low: {basic: n/a, pro: 5 business days}
  update:
    cadence: true
    clock: always
    targets:
      high: {basic: 4h, pro: 2h}
escalation:
  metrics: [response, resolution]
  exclude: [{plans: [basic], severities: [low]}]
"""


def synthetic_policy() -> Policy:
    return Policy.model_validate(yaml.safe_load(SYNTHETIC))


def synthetic_policy_with_pauses() -> Policy:
    """SYNTHETIC plus the policy's own pause windows: one fixed, one weekly RRULE (Chicago)."""
    data = yaml.safe_load(SYNTHETIC)
    data["pause_windows"] = [
        {"start": "2026-11-01T00:00:00Z", "end": "2026-11-02T00:00:00Z"},
        {
            "rrule": "FREQ=WEEKLY;BYDAY=TU",
            "dtstart": "2026-10-06T13:00:00-05:00",
            "duration": "90m",
            "description": "weekly maintenance, Tuesdays 13:00 Chicago",
        },
    ]
    return Policy.model_validate(data)


TIME_COLUMNS = ("responded_at", "resolved_at", "updated_at")
EVENT_OF = {"responded_at": "responded", "resolved_at": "resolved", "updated_at": "updated"}


def ticket_of(row: pd.Series | dict[str, Any]) -> Ticket:
    get = row.get
    events = []
    for col, kind in EVENT_OF.items():
        t = get(col)
        if t is not None and not pd.isna(t):
            events.append(Event(type=kind, at=_py(t)))
    return Ticket(
        plan=get("plan"), severity=get("severity"), opened_at=_py(get("opened_at")), events=events
    )


def _py(t: Any) -> datetime:
    if isinstance(t, str):
        return datetime.fromisoformat(t)
    if isinstance(t, pd.Timestamp):
        return t.to_pydatetime()
    assert isinstance(t, datetime)
    return t


def _same_time(a: Any, b: datetime | None) -> bool:
    if b is None:
        return bool(pd.isna(a))
    return not pd.isna(a) and pd.Timestamp(a) == pd.Timestamp(b)


def _same_td(a: Any, b: timedelta | None) -> bool:
    if b is None:
        return bool(pd.isna(a))
    return not pd.isna(a) and pd.Timedelta(a) == pd.Timedelta(b)


def mismatches(policy: Policy, df: pd.DataFrame, out: pd.DataFrame, at: datetime) -> list[str]:
    """Every difference between the frame's answer and ``policy.evaluate`` row by row."""
    bad = []
    for label, row in df.iterrows():
        ev = policy.evaluate(ticket_of(row), at=at)
        got = out.loc[label]
        for m, r in ev.items():
            checks = {
                "state": got[f"{m}_state"] == r.state.value,
                "due_at": _same_time(got[f"{m}_due_at"], r.due_at),
                "elapsed": _same_td(got[f"{m}_elapsed"], r.elapsed),
                "remaining": _same_td(got[f"{m}_remaining"], r.remaining),
                "breached": bool(got[f"{m}_breached"]) == r.breached,
                "escalate": bool(got[f"{m}_escalate"]) == r.escalate,
            }
            for what, ok in checks.items():
                if not ok:
                    bad.append(
                        f"row {label} {m}.{what}: frame {got[f'{m}_{what}']!r} != scalar "
                        f"{getattr(r, what)!r} ({dict(row)})"
                    )
    return bad

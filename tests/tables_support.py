"""Test helper: tables (tickets + long events) to slacalc Tickets, by hand.

The shipped readers produce tables; these helpers turn them into ``Ticket`` objects with
plain Python so tests can compare ``policy.evaluate`` of the produced tables with
hand-written tickets, independently of the table engine.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd

from slacalc import Event, Ticket


def instant(value: Any, tz: str = "UTC") -> datetime:
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    t = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return t if t.tzinfo is not None else t.replace(tzinfo=ZoneInfo(tz))


def tickets_of(tickets: pd.DataFrame, events: pd.DataFrame | None) -> dict[str, Ticket]:
    """One Ticket per row, keyed by ticket_id, carrying that ticket's events in table order."""
    out: dict[str, Ticket] = {}
    for row in tickets.to_dict("records"):
        tid = str(row["ticket_id"])
        evs = []
        if events is not None:
            mine = events[events["ticket_id"].astype(str) == tid]
            for ev in mine.to_dict("records"):
                sev = ev.get("severity")
                evs.append(
                    Event(
                        type=ev["type"],
                        at=instant(ev["at"]),
                        severity=None if sev is None or sev != sev else str(sev),
                    )
                )
        for col, value in row.items():
            if str(col).endswith("_at") and col != "opened_at" and value == value and value:
                evs.append(Event(type=str(col).removesuffix("_at"), at=instant(value)))
        out[tid] = Ticket(
            plan=str(row["plan"]),
            severity=str(row["severity"]),
            opened_at=instant(row["opened_at"]),
            events=tuple(evs),
        )
    return out


def answers(policy: Any, ticket: Ticket, at: datetime) -> dict[str, tuple[Any, ...]]:
    ev = policy.evaluate(ticket, at=at)
    return {m: (ev[m].state, ev[m].due_at, ev[m].elapsed, ev[m].breached) for m in policy.metrics}

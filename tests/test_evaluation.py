"""Ticket evaluation against the bundled policies: table-driven cases worked out by hand.

Each row: plan, severity, opened, events, at, metric, then the expected state, due time
(None: no due time), remaining business time (None: not checked) and escalate flag.
All instants are UTC. Calendars used (vendors.md):

- passkit ``business``: Mon-Fri 09:00-18:00 GMT, England bank holidays (25 and 28 Dec 2026);
  ``business_platinum``: the same hours every day; sev1 on the wall clock.
- api_provider ``standard``: Mon-Fri 08:00-17:00 America/Chicago (14:00-23:00Z in
  November, CST), US federal holidays (Thanksgiving Thu 26 Nov 2026).
- integrato ``business``: Mon-Fri 09:00-18:00 UTC; p1/p2 hour targets on the wall clock,
  starting at the next opening of ``business`` for ``standard``.

2026-11-20 is a Friday; 2026-11-23 a Monday.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from evaluation_helpers import H, M, bundled, events, z

from slacalc import State

E = events

PASSKIT = [
    # id, plan, sev, opened, events, at, metric, state, due, remaining, escalate
    ("met", "gold", "sev2", "2026-11-20T16:30", E(("responded", "2026-11-23T11:00")),
     "2026-11-23T12:00", "response", "met", "2026-11-23T11:30", 30 * M, False),
    ("missed", "gold", "sev2", "2026-11-20T16:30", E(("responded", "2026-11-23T12:00")),
     "2026-11-23T12:30", "response", "missed", "2026-11-23T11:30", -30 * M, False),
    ("running over the weekend", "gold", "sev2", "2026-11-20T16:30", [],
     "2026-11-23T10:00", "response", "running", "2026-11-23T11:30", 90 * M, False),
    ("at risk past 75%", "gold", "sev2", "2026-11-20T16:30", [],
     "2026-11-23T11:00", "response", "at_risk", "2026-11-23T11:30", 30 * M, False),
    ("exactly at the due time is not yet breached", "gold", "sev2", "2026-11-20T16:30", [],
     "2026-11-23T11:30", "response", "at_risk", "2026-11-23T11:30", timedelta(0), False),
    ("a minute later it is", "gold", "sev2", "2026-11-20T16:30", [],
     "2026-11-23T11:31", "response", "breached", "2026-11-23T11:30", -M, False),
    ("platinum counts Sunday", "platinum", "sev2", "2026-11-21T17:30", [],
     "2026-11-22T09:00", "response", "running", "2026-11-22T09:30", 30 * M, False),
    ("sev1 on the wall clock, responded exactly on time", "silver", "sev1", "2026-11-21T23:00",
     E(("responded", "2026-11-22T03:00")), "2026-11-22T04:00", "response", "met",
     "2026-11-22T03:00", timedelta(0), False),
    ("bronze has no target", "bronze", "sev1", "2026-11-20T10:00", [],
     "2026-11-25T10:00", "response", "not_applicable", None, None, False),
    ("resolution is a commitment", "gold", "sev1", "2026-11-20T10:00", [],
     "2026-11-25T10:00", "resolution", "no_deadline", None, None, False),
    ("Christmas and the Boxing Day substitute are closed", "gold", "sev3", "2026-12-24T10:00", [],
     "2026-12-29T09:30", "response", "at_risk", "2026-12-29T10:00", 30 * M, False),
    ("upgrade re-targets from opened_at", "gold", "sev3", "2026-11-23T09:00",
     E(("severity_changed", "2026-11-23T09:30", "sev1")), "2026-11-23T10:30", "response",
     "breached", "2026-11-23T10:00", -30 * M, False),
    ("upgrade after the new due time breaches at once", "gold", "sev2", "2026-11-23T09:00",
     E(("severity_changed", "2026-11-23T12:00", "Critical")), "2026-11-23T12:00", "response",
     "breached", "2026-11-23T10:00", -2 * H, False),
    ("a met metric stays met", "gold", "sev3", "2026-11-23T09:00",
     E(("responded", "2026-11-23T10:30"), ("severity_changed", "2026-11-23T11:00", "sev1")),
     "2026-11-23T12:00", "response", "met", "2026-11-23T18:00", 7 * H + 30 * M, False),
    ("a breach stays a breach after a downgrade", "gold", "sev1", "2026-11-23T09:00",
     E(("severity_changed", "2026-11-23T11:00", "sev4")), "2026-11-23T12:00", "response",
     "breached", "2026-11-23T10:00", -2 * H, False),
    ("response is not pausable", "gold", "sev2", "2026-11-23T09:00",
     E(("paused", "2026-11-23T10:00"), ("resumed", "2026-11-23T12:00")), "2026-11-23T12:30",
     "response", "at_risk", "2026-11-23T13:00", 30 * M, False),
    ("the document's names work", "Gold", "Major", "2026-11-20T16:30", [],
     "2026-11-23T10:00", "response", "running", "2026-11-23T11:30", 90 * M, False),
    ("a response after at is ignored", "gold", "sev2", "2026-11-20T16:30",
     E(("responded", "2026-11-23T11:00")), "2026-11-23T10:00", "response", "running",
     "2026-11-23T11:30", 90 * M, False),
]

API = [
    ("24 business hours (acceptance)", "break_fix", "sev1", "2026-11-23T16:00", [],
     "2026-11-24T16:00", "response", "running", "2026-11-25T22:00", 15 * H, False),
    ("breached acknowledgement is escalated", "break_fix", "sev1", "2026-11-23T16:00", [],
     "2026-11-25T23:00", "response", "breached", "2026-11-25T22:00", -H, True),
    ("late acknowledgement: missed and escalated", "break_fix", "sev2",
     "2026-11-23T16:00", E(("responded", "2026-11-26T15:00")), "2026-11-27T15:00", "response",
     "missed", "2026-11-25T22:00", -H, True),  # Thanksgiving Thursday is closed
    ("premium sev1 two hours on the wall clock", "premium", "sev1", "2026-11-22T09:00", [],
     "2026-11-22T10:00", "response", "running", "2026-11-22T11:00", H, False),
    ("premium sev1 at risk", "premium", "sev1", "2026-11-22T09:00", [],
     "2026-11-22T10:45", "response", "at_risk", "2026-11-22T11:00", 15 * M, False),
    ("premium sev3 breached: escalated", "premium", "sev3", "2026-11-23T14:00", [],
     "2026-11-23T23:00", "response", "breached", "2026-11-23T22:00", -H, True),
    ("premium sev4 breached: not eligible", "premium", "sev4", "2026-11-23T14:00", [],
     "2026-11-27T23:00", "response", "breached", "2026-11-25T20:00", None, False),
    ("premium sev5 breached: not eligible", "premium", "sev5", "2026-11-16T14:00", [],
     "2026-11-24T23:00", "response", "breached", "2026-11-23T17:00", None, False),
    ("advanced sev3 has no target", "advanced", "sev3", "2026-11-23T14:00", [],
     "2026-11-30T14:00", "response", "not_applicable", None, None, False),
    ("Thanksgiving is closed", "advanced", "sev2", "2026-11-25T14:00", [],
     "2026-11-27T15:00", "response", "at_risk", "2026-11-27T17:00", 2 * H, False),
    ("upgrade to sev1 re-targets and escalates", "premium", "sev4", "2026-11-23T14:00",
     E(("severity_changed", "2026-11-23T15:00", "sev1")), "2026-11-23T17:00", "response",
     "breached", "2026-11-23T16:00", -H, True),
    ("downgrade after breach: still breached and escalated", "premium", "sev1",
     "2026-11-23T14:00", E(("severity_changed", "2026-11-23T17:00", "sev5")),
     "2026-11-23T18:00", "response", "breached", "2026-11-23T16:00", -2 * H, True),
    ("acknowledged in time", "premium", "sev2", "2026-11-23T14:00",
     E(("responded", "2026-11-23T15:00")), "2026-11-24T15:00", "response", "met",
     "2026-11-23T18:00", 3 * H, False),
]

INTEGRATO = [
    ("standard p1 starts Monday 09:00", "standard", "p1", "2026-11-21T22:00", [],
     "2026-11-23T09:30", "response", "running", "2026-11-23T10:00", 30 * M, False),
    ("before the deferred start nothing is counted", "standard", "p1", "2026-11-21T22:00", [],
     "2026-11-22T12:00", "response", "running", "2026-11-23T10:00", H, False),
    ("standard p1 during business hours", "standard", "p1", "2026-11-23T17:30", [],
     "2026-11-23T18:31", "response", "breached", "2026-11-23T18:30", -M, False),
    ("super premium starts at once", "super_premium", "p1", "2026-11-21T22:00",
     E(("responded", "2026-11-21T22:40")), "2026-11-22T00:00", "response", "met",
     "2026-11-21T23:00", 20 * M, False),
    ("p2 resolution with a pause (acceptance)", "standard", "p2", "2026-11-23T09:00",
     E(("responded", "2026-11-23T10:00"), ("paused", "2026-11-24T10:00"),
       ("resumed", "2026-11-25T12:00")),
     "2026-11-26T12:00", "resolution", "running", "2026-12-01T11:00", 26 * H, False),
    ("p1 resolution: 48h from Monday 09:00, plus a 3h pause", "standard", "p1",
     "2026-11-21T22:00", E(("paused", "2026-11-23T12:00"), ("resumed", "2026-11-23T15:00")),
     "2026-11-24T12:00", "resolution", "running", "2026-11-25T12:00", 24 * H, False),
    ("still paused at at", "standard", "p1", "2026-11-23T09:00",
     E(("paused", "2026-11-23T10:00")), "2026-11-23T12:00", "resolution", "paused",
     "2026-11-25T11:00", 47 * H, False),
    ("p3 resolution is a commitment", "standard", "p3", "2026-11-23T09:00", [],
     "2026-11-30T09:00", "resolution", "no_deadline", None, None, False),
    ("response is not pausable", "standard", "p2", "2026-11-23T09:00",
     E(("paused", "2026-11-23T09:30"), ("resumed", "2026-11-23T10:30")), "2026-11-23T11:30",
     "response", "breached", "2026-11-23T11:00", -30 * M, False),
    ("reopened: the resolved time is not counted", "standard", "p2", "2026-11-23T09:00",
     E(("resolved", "2026-11-24T10:00"), ("reopened", "2026-11-25T10:00")),
     "2026-11-26T12:00", "resolution", "running", "2026-11-30T18:00", 24 * H, False),
    ("reopened then resolved again in time", "standard", "p2", "2026-11-23T09:00",
     E(("resolved", "2026-11-24T10:00"), ("reopened", "2026-11-25T10:00"),
       ("resolved", "2026-11-30T17:00")),
     "2026-12-01T09:00", "resolution", "met", "2026-11-30T18:00", H, False),
    ("met while resolved", "standard", "p2", "2026-11-23T09:00",
     E(("resolved", "2026-11-24T10:00"), ("reopened", "2026-11-25T10:00")),
     "2026-11-24T12:00", "resolution", "met", "2026-11-27T18:00", 35 * H, False),
    ("p4: three business days", "standard", "p4", "2026-11-20T17:00", [],
     "2026-11-25T17:01", "response", "breached", "2026-11-25T17:00", -M, False),
    ("super premium p2 resolution: 5 business days on business", "super_premium", "p2",
     "2026-11-23T09:00", [], "2026-11-27T18:00", "resolution", "at_risk", "2026-11-27T18:00",
     timedelta(0), False),
]

CASES = [pytest.param("passkit", *c[1:], id=f"passkit: {c[0]}") for c in PASSKIT]
CASES += [pytest.param("api_provider", *c[1:], id=f"api_provider: {c[0]}") for c in API]
CASES += [pytest.param("integrato", *c[1:], id=f"integrato: {c[0]}") for c in INTEGRATO]


def test_enough_cases_per_vendor() -> None:
    assert min(len(PASSKIT), len(API), len(INTEGRATO)) >= 10


@pytest.mark.parametrize(
    "pol,plan,sev,opened,evs,at,metric,state,due,remaining,escalate", CASES
)
def test_vendor_case(pol, plan, sev, opened, evs, at, metric, state, due, remaining, escalate):
    from slacalc import Ticket

    ticket = Ticket(plan=plan, severity=sev, opened_at=z(opened), events=evs)
    r = bundled(pol).evaluate(ticket, at=z(at))[metric]
    why = r.explain()
    assert r.state == state, why
    assert isinstance(r.state, State)
    assert r.due_at == (z(due) if due else None), why
    if remaining is not None:
        assert r.remaining == remaining, why
    assert r.escalate is escalate, why
    assert r.breached is (state in ("breached", "missed"))
    if r.due_at is not None:
        assert r.elapsed is not None and r.remaining is not None
        assert r.elapsed + r.remaining == r.target
    else:
        assert r.remaining is None

"""The public types are what the public API hands out.

Other apps annotate their code with the names in ``slacalc.__all__``; these tests pin that
each of them is the type a public call returns or accepts, so a refactor that returns some
internal class instead fails here, not in a user's type checker.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from slacalc import (
    AvailabilityError,
    AvailabilityReport,
    AvailabilitySpec,
    AvailabilitySummary,
    Calendar,
    Cause,
    CellSpec,
    Credit,
    Credits,
    CreditTier,
    Entitlement,
    EscalationRule,
    EscalationSpec,
    Event,
    EventType,
    Example,
    Feature,
    HolidayRules,
    IntakeItem,
    IntakeReport,
    IntakeSpec,
    MetricResult,
    MetricSpec,
    NextOpen,
    Outage,
    PauseWindowSpec,
    Plan,
    Severity,
    Source,
    Step,
    Ticket,
    availability_report,
    load_policy,
)


def test_calendar_holidays_are_holiday_rules() -> None:
    cal = Calendar.from_dict({
        "timezone": "Europe/London",
        "hours": {"mon-fri": ["09:00-17:00"]},
        "holidays": {"country": "GB", "subdivision": "ENG", "dates": ["2026-12-24"]},
    })
    assert isinstance(cal.holidays, HolidayRules)
    assert cal.holidays.country == "GB"


def test_policy_parts_are_public_types() -> None:
    passkit = load_policy("passkit")
    assert all(isinstance(p, Plan) for p in passkit.plans.values())
    assert all(isinstance(s, Severity) for s in passkit.severities.values())
    assert all(isinstance(m, MetricSpec) for m in passkit.metrics.values())
    included = passkit.entitlements("platinum")
    assert included and all(isinstance(e, Entitlement) for e in included)
    intake = load_policy("integrato").check_intake([])
    assert isinstance(intake, IntakeReport)


def test_evaluation_results_are_metric_results() -> None:
    passkit = load_policy("passkit")
    opened = datetime(2026, 11, 20, 16, 30, tzinfo=UTC)
    ticket = Ticket(plan="gold", severity="sev2", opened_at=opened, events=[
        Event(type=EventType("responded"), at=datetime(2026, 11, 23, 11, 0, tzinfo=UTC)),
    ])
    evaluation = passkit.evaluate(ticket, at=datetime(2026, 11, 23, 12, 0, tzinfo=UTC))
    assert isinstance(evaluation["response"], MetricResult)
    assert {e.value for e in EventType} >= {
        "responded", "resolved", "paused", "resumed", "severity_changed", "reopened",
    }


def test_availability_types() -> None:
    smartix = load_policy("smartix")
    outage = Outage(
        start=datetime(2026, 11, 3, 10, 0, tzinfo=UTC),
        end=datetime(2026, 11, 3, 11, 0, tzinfo=UTC),
        cause="internal",
    )
    report = smartix.availability("2026-11", outages=[outage])
    assert isinstance(report, AvailabilityReport)
    assert report.availability == pytest.approx(1 - 3600 / (30 * 86400))
    assert report.credit is None or isinstance(report.credit, Credit)
    summary = availability_report(smartix, ["2026-10", "2026-11"], outages=[outage])
    assert isinstance(summary, AvailabilitySummary)
    assert [type(m) for m in summary.months] == [AvailabilityReport, AvailabilityReport]
    with pytest.raises(AvailabilityError):
        load_policy("passkit").availability("2026-11")


def test_policy_terms_are_public_types() -> None:
    smartix = load_policy("smartix")
    spec = smartix.availability_target
    assert isinstance(spec, AvailabilitySpec)
    assert all(isinstance(c, Cause) for c in spec.causes.values())
    assert isinstance(spec.credits, Credits)
    assert all(isinstance(t, CreditTier) for t in spec.credits.tiers)
    passkit = load_policy("passkit")
    assert isinstance(passkit.source, Source)
    assert all(isinstance(f, Feature) for f in passkit.features.values())
    assert all(isinstance(e, Example) for e in passkit.examples)
    escalating = [p for p in map(load_policy, ("api_provider", "esim_go", "integrato", "passkit"))
                  if p.escalation is not None]
    assert escalating
    for p in escalating:
        assert isinstance(p.escalation, EscalationSpec)
        assert all(isinstance(r, EscalationRule) for r in p.escalation.exclude)
    intake = load_policy("integrato").intake
    assert isinstance(intake, IntakeSpec)
    assert all(isinstance(i, IntakeItem) for i in (*intake.required, *intake.recommended))
    cells = [
        cell
        for m in passkit.metrics.values()
        for row in m.targets.values()
        for cell in (row.values() if isinstance(row, dict) else [row])
    ]
    assert cells and all(isinstance(c, CellSpec) for c in cells)


def test_accepted_and_returned_helpers_are_public_types() -> None:
    integrato = load_policy("integrato")
    starts = [t.start for t in integrato.targets() if t.start not in (None, "opened")]
    assert starts and all(isinstance(s, NextOpen) for s in starts)
    ticket = Ticket(
        plan="gold", severity="sev2", opened_at="2026-11-20T16:30:00Z",
        pause_windows=[PauseWindowSpec(start="2026-11-23T09:00Z", end="2026-11-23T10:00Z")],
    )
    result = load_policy("passkit").evaluate(ticket, at="2026-11-23T12:00Z")["resolution"]
    assert result.steps and all(isinstance(s, Step) for s in result.steps)

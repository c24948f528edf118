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
    AvailabilitySummary,
    Calendar,
    Credit,
    Entitlement,
    Event,
    EventType,
    HolidayRules,
    IntakeReport,
    MetricResult,
    MetricSpec,
    Outage,
    Plan,
    Severity,
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

"""Monthly availability: month maths, merging, exclusions, clipping, credits, several months."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from evaluation_helpers import H, M, bundled, make_policy, z
from hypothesis import given, settings
from hypothesis import strategies as st

from slacalc import (
    AvailabilityError,
    NaiveDatetimeError,
    Outage,
    UnknownNameError,
    availability_report,
)
from slacalc.availability import merge_windows, monthly_report

SMARTIX = bundled("smartix")
TIERED = make_policy("tiered")
NOV = 30 * 24 * H


def o(start: str, end: str, cause: str = "internal") -> dict[str, object]:
    return {"start": z(start), "end": z(end), "cause": cause}


def test_acceptance_case_and_fields():
    rep = SMARTIX.availability(
        "2026-11",
        outages=[
            o("2026-11-10T10:00", "2026-11-10T10:30"),
            o("2026-11-12T02:00", "2026-11-12T03:00", "planned_maintenance"),
        ],
    )
    assert rep.counted_downtime == 30 * M and rep.excluded_downtime == H
    assert rep.length == NOV
    assert rep.allowed_downtime == timedelta(minutes=43, seconds=12)
    assert rep.remaining_budget == timedelta(minutes=13, seconds=12)
    assert rep.availability == (NOV - 30 * M) / NOV
    assert rep.met is True
    # Smartix ties its discretionary credit to an outage of its own making, not to the month
    assert rep.credit is not None and rep.credit.kind == "discretionary"
    eligible = [(x.start, x.cause) for x in rep.eligible_outages]
    assert eligible == [(z("2026-11-10T10:00"), "internal")]
    assert (
        rep.start == datetime(2026, 11, 1, tzinfo=rep.start.tzinfo)
        and str(rep.start.tzinfo) == "Europe/London"
    )


def test_month_boundaries_are_local_midnight_and_dst_changes_the_length():
    oct_ = SMARTIX.availability("2026-10")  # clocks go back on 25 Oct: 31 days + 1 hour
    assert oct_.length == 31 * 24 * H + H
    assert oct_.start == z("2026-09-30T23:00")  # 00:00 BST
    mar = SMARTIX.availability("2026-03")  # clocks go forward on 29 Mar
    assert mar.length == 31 * 24 * H - H
    assert oct_.availability == 1.0 and oct_.met


def test_clipped_to_the_month():
    # London is on GMT after 25 Oct, so November starts at 00:00Z
    rep = SMARTIX.availability(
        "2026-11",
        outages=[
            o("2026-10-31T23:00", "2026-11-01T01:00"),
            o("2026-11-30T23:30", "2026-12-01T02:00"),
        ],
    )
    assert rep.counted_downtime == H + 30 * M
    summer = SMARTIX.availability("2026-07", outages=[o("2026-06-30T22:30", "2026-06-30T23:30")])
    assert summer.counted_downtime == 30 * M  # July starts at 23:00Z (BST)


def test_overlaps_are_merged_and_exclusions_win():
    rep = SMARTIX.availability(
        "2026-11",
        outages=[
            o("2026-11-10T10:00", "2026-11-10T11:00"),
            o("2026-11-10T10:30", "2026-11-10T11:30"),  # overlaps: 1h30m counted once
            o("2026-11-10T11:00", "2026-11-10T12:00", "aws"),  # excluded wins over 11:00-11:30
            o("2026-11-10T11:15", "2026-11-10T11:45", "google_wallet"),
        ],
    )
    assert rep.counted_downtime == H
    assert rep.excluded_downtime == H
    assert [(s.hour, s.minute, e.hour, e.minute) for s, e in rep.counted] == [(10, 0, 11, 0)]
    assert not rep.met and rep.remaining_budget == timedelta(minutes=43, seconds=12) - H


def test_missed_month_credit_smartix_discretionary():
    down = [o("2026-11-10T10:00", "2026-11-10T11:00")]
    assert SMARTIX.availability("2026-11", down, plan="monthly").credit.eligible is True
    assert SMARTIX.availability("2026-11", down, plan="Enterprise").credit.eligible is True
    free = SMARTIX.availability("2026-11", down, plan="free").credit
    assert free.eligible is False and "only monthly, enterprise" in str(free)
    unknown = SMARTIX.availability("2026-11", down).credit
    assert unknown.kind == "discretionary" and unknown.eligible is None and unknown.percent is None


@pytest.mark.parametrize(
    "down,percent",
    [
        (timedelta(minutes=40), None),  # met: no credit
        (2 * H, Decimal(10)),  # 99.72%
        (10 * H, Decimal(25)),  # 98.6%
        (48 * H, Decimal(100)),  # 93.3%
    ],
)
def test_tiered_credits(down, percent):
    start = datetime(2026, 11, 10, 12, tzinfo=UTC)
    rep = TIERED.availability(
        "2026-11", [{"start": start, "end": start + down, "cause": "network"}], plan="business"
    )
    if percent is None:
        assert rep.met and rep.credit is None
    else:
        assert rep.credit.percent == percent and rep.credit.eligible
    assert rep.start.utcoffset() == timedelta(hours=-4)  # New York, EDT on 1 Nov at midnight


def test_tiered_credit_ineligible_plan():
    start = z("2026-11-10T12:00")
    rep = TIERED.availability(
        "2026-11", [Outage(start=start, end=start + 5 * H, cause="internal")], plan="basic"
    )
    assert rep.credit.eligible is False and rep.credit.percent is None


def test_unknown_cause_lists_the_causes():
    with pytest.raises(UnknownNameError) as e:
        SMARTIX.availability("2026-11", [o("2026-11-10T10:00", "2026-11-10T11:00", "cosmic_rays")])
    for cause in ("internal", "planned_maintenance", "aws", "force_majeure"):
        assert cause in str(e.value)
    # names are matched like other names: case and spaces do not matter
    rep = SMARTIX.availability(
        "2026-11", [o("2026-11-10T10:00", "2026-11-10T11:00", "Planned Maintenance")]
    )
    assert rep.excluded_downtime == H


def test_bad_outages_and_months():
    with pytest.raises(AvailabilityError, match="end must be after"):
        SMARTIX.availability("2026-11", [o("2026-11-10T10:00", "2026-11-10T10:00")])
    with pytest.raises(NaiveDatetimeError):
        SMARTIX.availability(
            "2026-11",
            [{"start": datetime(2026, 11, 10), "end": z("2026-11-11T00:00"), "cause": "internal"}],
        )
    with pytest.raises(NaiveDatetimeError):
        SMARTIX.availability(
            "2026-11",
            [{"start": "2026-11-10T10:00", "end": "2026-11-10T11:00Z", "cause": "internal"}],
        )
    with pytest.raises(AvailabilityError, match="YYYY-MM"):
        SMARTIX.availability("November")
    with pytest.raises(AvailabilityError, match="YYYY-MM"):
        SMARTIX.availability("2026-13")
    with pytest.raises(AvailabilityError, match="no availability target"):
        bundled("passkit").availability("2026-11")
    with pytest.raises(UnknownNameError):
        SMARTIX.availability("2026-11", plan="gold")


def test_iso_strings_and_dates():
    rep = monthly_report(
        SMARTIX,
        datetime(2026, 11, 5).date(),
        [
            {
                "start": "2026-11-10T10:00:00Z",
                "end": "2026-11-10T10:30:00+00:00",
                "cause": "internal",
            }
        ],
    )
    assert rep.month == "2026-11" and rep.counted_downtime == 30 * M


def test_year_report():
    outages = [o("2026-01-31T23:30", "2026-02-01T00:30"), o("2026-06-01T10:00", "2026-06-01T12:00")]
    year = availability_report(SMARTIX, 2026, outages, plan="monthly")
    assert len(year) == 12 and year.months[0].month == "2026-01"
    assert year["2026-01"].counted_downtime == 30 * M and year["2026-02"].counted_downtime == 30 * M
    assert year.missed == ["2026-06"] and year.months_met == 11
    assert year.length == 365 * 24 * H
    assert year.counted_downtime == 3 * H
    assert year.availability == pytest.approx(1 - 3 / (365 * 24))
    some = availability_report(SMARTIX, ["2026-05", "2026-06"], outages)
    assert [r.month for r in some.months] == ["2026-05", "2026-06"]
    assert "2026-06" in str(year) and "<table>" in year._repr_html_()


def test_rendering():
    rep = SMARTIX.availability(
        "2026-11", [o("2026-11-10T10:00", "2026-11-10T11:00")], plan="monthly"
    )
    text = rep.explain()
    assert "Allowed downtime" in text and "Counted: 2026-11-10T10:00:00+00:00" in text
    assert "Credit: discretionary credit" in text
    assert "MISSED" in str(rep) and "<ol>" in rep._repr_html_()


# ---- properties ----------------------------------------------------------------------------------
CAUSES = ["internal", "internal", "planned_maintenance", "aws"]
NOV_START = z("2026-10-31T00:00")


@st.composite
def outages(draw):
    out = []
    for _ in range(draw(st.integers(0, 10))):
        s = draw(st.integers(0, 60 * 24 * 33))
        d = draw(st.integers(1, 60 * 24 * 3))
        out.append(
            {
                "start": NOV_START + s * M,
                "end": NOV_START + (s + d) * M,
                "cause": draw(st.sampled_from(CAUSES)),
            }
        )
    return out


@settings(max_examples=200, deadline=None)
@given(outages())
def test_availability_is_between_0_and_1_and_merging_is_idempotent(items):
    rep = SMARTIX.availability("2026-11", items)
    assert 0.0 <= rep.availability <= 1.0
    assert rep.counted_downtime + rep.excluded_downtime <= rep.length
    assert rep.met == (rep.remaining_budget >= timedelta(0))
    # the report's own merged windows give the same report
    again = SMARTIX.availability(
        "2026-11",
        [{"start": s, "end": e, "cause": "internal"} for s, e in rep.counted]
        + [{"start": s, "end": e, "cause": "aws"} for s, e in rep.excluded],
    )
    assert again.counted == rep.counted and again.excluded == rep.excluded
    assert again.counted_downtime == rep.counted_downtime
    # giving every outage twice changes nothing
    assert SMARTIX.availability("2026-11", items + items) == rep


@given(st.lists(st.tuples(st.integers(0, 1000), st.integers(1, 100)), max_size=20))
def test_merge_windows_idempotent(pairs):
    ws = [(s, s + d) for s, d in pairs]
    once = merge_windows(ws)
    assert merge_windows(once) == once
    assert all(a[1] < b[0] for a, b in itertools.pairwise(once))
    covered = {x for s, e in ws for x in range(s, e)}
    assert covered == {x for s, e in once for x in range(s, e)}


def test_policy_availability_report_for_a_year_matches_month_by_month():
    smartix = bundled("smartix")
    outages = [
        {"start": "2026-03-29T00:30:00Z", "end": "2026-03-29T01:30:00Z", "cause": "internal"},
        {"start": "2026-11-10T10:00:00Z", "end": "2026-11-10T11:00:00Z", "cause": "aws"},
    ]
    year = smartix.availability_report(2026, outages)
    assert len(year.months) == 12
    for rep in year.months:
        single = smartix.availability(rep.month, outages)
        assert (rep.counted_downtime, rep.excluded_downtime) == (
            single.counted_downtime,
            single.excluded_downtime,
        )
    assert year.months[2].counted_downtime == timedelta(hours=1)
    assert year.months[10].excluded_downtime == timedelta(hours=1)

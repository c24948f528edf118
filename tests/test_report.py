"""slacalc.report: compliance counts, rates and times; availability by month."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest

from slacalc import SlacalcError, load_policy
from slacalc.report import availability_by_month, compliance, long_form

AT = datetime(2026, 11, 23, 11, 45, tzinfo=UTC)
EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "tickets.csv"


@pytest.fixture(scope="module")
def passkit():
    return load_policy("passkit")


@pytest.fixture(scope="module")
def evaluated(passkit):
    df = pd.DataFrame(
        {
            "plan": ["gold", "Gold", "gold", "silver", "bronze", "gold"],
            "severity": ["sev2", "Major", "sev2", "sev2", "sev2", "sev3"],
            "opened_at": ["2026-11-20T16:30Z"] * 5 + ["2026-10-01T09:00Z"],
            "responded_at": [
                "2026-11-23T10:30Z",  # met: 3h counted of 4h
                "2026-11-23T11:40Z",  # missed: 4h10m
                None,  # breached at 11:45
                None,  # silver sev2: 1 business day (9h), running
                None,  # bronze: n/a
                "2026-10-01T12:00Z",  # met, October, 3h of 9h
            ],
        }
    )
    return passkit.evaluate_frame(df, at=AT)


def test_counts_and_rates_by_plan(evaluated, passkit):
    table = compliance(evaluated, by="plan", policy=passkit)
    assert list(table.index) == ["gold", "silver"]  # bronze has no target; Gold == gold
    gold = table.loc["gold"]
    assert (gold.tickets, gold.met, gold.missed, gold.breached, gold.open) == (4, 2, 1, 1, 0)
    assert gold.met_rate == pytest.approx(0.5)
    assert gold.late_rate == pytest.approx(0.5)
    silver = table.loc["silver"]
    assert (silver.tickets, silver.open) == (1, 1)
    assert pd.isna(silver.met_rate)


def test_times_against_target(evaluated, passkit):
    row = compliance(evaluated, by=[], policy=passkit).loc["all"]
    # met/missed times: 3h (of 4h), 4h10m (of 4h), 3h (of 9h)
    assert row.median_elapsed == pd.Timedelta(hours=3)
    assert row.p90_elapsed == pd.Timedelta(hours=3, minutes=56)  # 3h + 0.8 * 70m
    assert row.median_share_of_target == pytest.approx(0.75)


def test_group_by_month_and_metric(evaluated, passkit):
    by_month = compliance(evaluated, by="month", policy=passkit)
    assert list(by_month.index) == ["2026-10", "2026-11"]
    assert by_month.loc["2026-10", "tickets"] == 1
    by_metric = compliance(evaluated, by="metric", metrics=None, policy=passkit)
    assert list(by_metric.index) == ["response"]  # resolution: commitments only
    two = compliance(evaluated, by=["plan", "severity"], policy=passkit)
    assert two.loc[("gold", "sev2"), "tickets"] == 3


def test_unknown_group_or_metric(evaluated):
    with pytest.raises(SlacalcError, match="group by"):
        compliance(evaluated, by="colour")
    with pytest.raises(SlacalcError, match="no results for metric 'update'"):
        long_form(evaluated, ["update"])


def test_example_tickets_report(passkit):
    out = passkit.evaluate_frame(pd.read_csv(EXAMPLE), at=datetime(2027, 1, 15, tzinfo=UTC))
    table = compliance(out, by="plan", policy=passkit)
    assert set(table.index) == {"silver", "gold", "platinum"}
    assert table["tickets"].sum() == (out["response_state"] != "not_applicable").sum()
    assert (
        table["met"] + table["missed"] + table["breached"] + table["open"] == table["tickets"]
    ).all()


def test_availability_by_month():
    smartix = load_policy("smartix")
    outages = pd.DataFrame(
        {
            "start": pd.to_datetime(
                ["2026-11-10T10:00Z", "2026-11-12T02:00Z", "2026-12-03T00:00Z"]
            ),
            "end": pd.to_datetime(["2026-11-10T10:30Z", "2026-11-12T03:00Z", "2026-12-03T02:00Z"]),
            "cause": ["internal", "planned_maintenance", "internal"],
        }
    )
    table = availability_by_month(smartix, outages)
    assert list(table.index) == ["2026-11", "2026-12"]
    nov, dec = table.loc["2026-11"], table.loc["2026-12"]
    assert nov.counted_downtime == pd.Timedelta(minutes=30)
    assert nov.excluded_downtime == pd.Timedelta(hours=1)
    assert bool(nov.met) and not bool(dec.met)
    assert nov.target == pytest.approx(0.999)
    with pytest.raises(SlacalcError, match="no availability target"):
        availability_by_month(load_policy("passkit"), outages)

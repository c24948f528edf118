"""Smartix as written: each outage of its own making is eligible for a discretionary credit
(on monthly and enterprise contracts), whether or not the month met 99.9%; third-party
failures, misuse and force majeure are excluded causes."""

from __future__ import annotations

from pathlib import Path

import pytest
from evaluation_helpers import H, M, bundled, make_policy, z

from slacalc import PolicyError
from slacalc.loading import policy_from_text

SMARTIX = bundled("smartix")


def o(start: str, end: str, cause: str) -> dict[str, object]:
    return {"start": z(start), "end": z(end), "cause": cause}


OUTAGES = [
    o("2026-11-03T10:00", "2026-11-03T10:20", "internal"),
    o("2026-11-05T10:00", "2026-11-05T12:00", "third_party"),
    o("2026-11-06T10:00", "2026-11-06T11:00", "misuse"),
    o("2026-11-07T10:00", "2026-11-07T11:00", "force_majeure"),
    o("2026-11-30T23:50", "2026-12-01T00:30", "internal"),  # runs into December
    o("2026-10-20T10:00", "2026-10-20T11:00", "internal"),  # October
]


def test_section_9_causes_are_excluded():
    rep = SMARTIX.availability("2026-11", OUTAGES, plan="monthly")
    assert rep.excluded_downtime == 2 * H + H + H
    assert rep.counted_downtime == 20 * M + 10 * M
    assert rep.met  # 30m of 43m12s


@pytest.mark.parametrize("plan", ["monthly", "Enterprise", "enterprise contracts"])
def test_internal_outages_in_the_month_are_eligible_even_in_a_met_month(plan):
    rep = SMARTIX.availability("2026-11", OUTAGES, plan=plan)
    assert rep.met
    assert [(x.start, x.cause) for x in rep.eligible_outages] == [
        (z("2026-11-03T10:00"), "internal"),
        (z("2026-11-30T23:50"), "internal"),
    ]
    assert rep.credit is not None and rep.credit.kind == "discretionary" and rep.credit.eligible
    assert "Eligible for a credit: 2026-11-03T10:00:00+00:00" in rep.explain()


@pytest.mark.parametrize("plan", ["free", "PAYG"])
def test_free_and_pay_as_you_go_outages_are_not_eligible(plan):
    rep = SMARTIX.availability("2026-11", OUTAGES, plan=plan)
    assert rep.eligible_outages == ()
    assert rep.credit is not None and rep.credit.eligible is False


def test_no_plan_lists_the_outages_with_eligibility_unknown():
    rep = SMARTIX.availability("2026-11", OUTAGES)
    assert len(rep.eligible_outages) == 2 and rep.credit.eligible is None


def test_a_month_without_internal_outages_has_no_credit():
    rep = SMARTIX.availability("2026-11", OUTAGES[1:4], plan="monthly")
    assert rep.eligible_outages == () and rep.credit is None


def test_the_next_month_and_the_year():
    dec = SMARTIX.availability("2026-12", OUTAGES, plan="monthly")
    assert [x.start for x in dec.eligible_outages] == [z("2026-11-30T23:50")]
    year = SMARTIX.availability_report(2026, OUTAGES, plan="monthly")
    # the outage across the month boundary is listed once
    assert [x.start for x in year.eligible_outages] == [
        z("2026-10-20T10:00"),
        z("2026-11-03T10:00"),
        z("2026-11-30T23:50"),
    ]


def test_credits_that_follow_a_missed_month_list_no_outages():
    tiered = make_policy("tiered")
    start = z("2026-11-10T12:00")
    rep = tiered.availability(
        "2026-11", [{"start": start, "end": start + 5 * H, "cause": "network"}], plan="business"
    )
    assert rep.credit is not None and rep.eligible_outages == ()


def smartix_with(old: str, new: str) -> str:
    text = (Path(__file__).parents[1] / "policies" / "smartix.yaml").read_text(encoding="utf-8")
    assert old in text
    return text.replace(old, new)


def test_credit_causes_are_checked_at_load():
    with pytest.raises(PolicyError, match=r"availability.credits.causes.0: unknown cause 'outage'"):
        policy_from_text(smartix_with("causes: [internal]", "causes: [outage]"), "s.yaml")
    with pytest.raises(PolicyError, match="kind: discretionary"):
        policy_from_text(
            smartix_with(
                "    kind: discretionary\n",
                "    kind: tiered\n    tiers: [{below: 99.9%, percent: 10%}]\n",
            ),
            "s.yaml",
        )

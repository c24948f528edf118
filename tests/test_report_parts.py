"""Compliance counted in parts (``report.ComplianceTally``) and against a plain reference.

``compliance`` of a whole evaluated table must equal a tally of the same table given in
any number of parts, for every grouping and metric choice; and its counts, rates and
times must equal a plain-Python count over the scalar engine's answers (``policy.evaluate``
per ticket, ``statistics`` for the medians), which shares no code with the report.
"""

from __future__ import annotations

import itertools
import math
import statistics
import tracemalloc
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from slacalc import Event, SlacalcError, Ticket, load_policy
from slacalc.report import ComplianceTally, compliance
from slacalc.tables import evaluate_tables

AT = datetime(2026, 12, 1, tzinfo=UTC)
START = datetime(2026, 9, 1, tzinfo=UTC)
PLANS = ["gold", "Gold", "silver", "platinum", "bronze", "diamond", None]
SEVERITIES = ["sev1", "sev2", "Major", "sev3", "sev4", None]


PASSKIT = load_policy("passkit")


@st.composite
def ticket_rows(draw: st.DrawFn, n_max: int = 40) -> pd.DataFrame:
    """Text rows as a CSV file gives them: some unknown names, some missing values."""
    n = draw(st.integers(0, n_max))
    rows = []
    for _ in range(n):
        opened = START + timedelta(minutes=draw(st.integers(0, 60 * 24 * 95)))
        row = {
            "plan": draw(st.sampled_from(PLANS)),
            "severity": draw(st.sampled_from(SEVERITIES)),
            "opened_at": opened.isoformat().replace("+00:00", "Z"),
            "team": draw(st.sampled_from(["red", "blue", None])),
        }
        if draw(st.booleans()):
            answered = opened + timedelta(minutes=draw(st.integers(1, 60 * 24 * 6)))
            row["responded_at"] = answered.isoformat()
        rows.append(row)
    columns = ["plan", "severity", "opened_at", "team", "responded_at"]
    return pd.DataFrame(
        {c: pd.Series([r.get(c) for r in rows], dtype="str") for c in columns},
        index=pd.RangeIndex(2, n + 2, name="line"),
    )


GROUPINGS = [[], ["plan"], ["team"], ["month"], ["metric", "plan"], ["plan", "severity"]]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=ticket_rows(),
    cuts=st.lists(st.integers(0, 40), max_size=4),
    by=st.sampled_from(GROUPINGS),
    metrics=st.sampled_from([("response",), None, ("resolution",)]),
)
def test_a_tally_of_parts_equals_compliance_of_the_whole(rows, cuts, by, metrics):
    passkit = PASSKIT
    evaluated = evaluate_tables(rows, policy=passkit, at=AT, errors="mark")
    if not len(evaluated):
        return
    whole = compliance(evaluated, by=by, metrics=metrics, policy=passkit)
    tally = ComplianceTally(["plan", "severity", "team", "month"], policy=passkit)
    bounds = sorted({0, len(evaluated), *(c for c in cuts if c < len(evaluated))})
    for lo, hi in itertools.pairwise(bounds):
        tally.add(evaluated.iloc[lo:hi])
    pd.testing.assert_frame_equal(tally.table(by, metrics), whole)


def test_a_tally_refuses_what_compliance_refuses():
    evaluated = evaluate_tables(
        pd.DataFrame({"plan": ["gold"], "severity": ["sev2"], "opened_at": ["2026-11-20T10:00Z"]}),
        policy=PASSKIT,
        at=AT,
    )
    tally = ComplianceTally(["plan"])
    tally.add(evaluated)
    with pytest.raises(SlacalcError, match="cannot group by 'colour'; group by any of plan"):
        tally.table("colour")
    with pytest.raises(SlacalcError, match="no results for metric 'update'"):
        tally.table("plan", ["update"])
    with pytest.raises(ValueError, match="not asked to keep 'severity'"):
        tally.table("severity")


# ---- the reference: plain Python over the scalar engine's answers ----------------------


def _text(value: object) -> str | None:
    return None if value is None or value != value else str(value)


def _instant(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text.replace("Z", "+00:00"))


def _plan_key(policy, plan: str | None) -> str | None:
    """A plan's canonical id, or the plan as written when the policy does not know it."""
    try:
        return None if plan is None else policy.plan_id(plan)
    except SlacalcError:
        return plan


def _p90(values: list[float]) -> float:
    """The 90th percentile by linear interpolation between closest ranks."""
    xs = sorted(values)
    h = (len(xs) - 1) * 0.9
    lo = math.floor(h)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (h - lo) * (xs[hi] - xs[lo])


def reference(policy, rows: pd.DataFrame) -> dict[str | None, dict[str, float]]:
    """Compliance by canonical plan (and 'all'), counted from ``policy.evaluate``; tickets
    opened after ``AT`` are left out, tickets it refuses are invalid."""
    groups: dict[str | None, list[tuple[str, float, float]]] = {"all": []}
    for row in rows.to_dict("records"):
        plan, sev = _text(row["plan"]), _text(row["severity"])
        answered = _text(row["responded_at"])
        opened = _instant(_text(row["opened_at"]))
        if opened is not None and opened > AT:
            continue  # opened after the report's instant: left out, not counted
        key = _plan_key(policy, plan)
        try:
            ticket = Ticket(
                plan=plan,
                severity=sev,
                opened_at=opened,
                events=(Event(type="responded", at=_instant(answered)),) if answered else (),
            )
            result = policy.evaluate(ticket, at=AT)["response"]
        except (SlacalcError, ValueError):
            state, elapsed, target = "invalid", math.nan, math.nan
        else:
            state = str(result.state.value if hasattr(result.state, "value") else result.state)
            timed = result.target is not None and state not in ("not_applicable", "no_deadline")
            elapsed = result.elapsed.total_seconds() if timed else math.nan
            target = result.target.total_seconds() if timed else math.nan
        for name in (key, "all"):
            groups.setdefault(name, []).append((state, elapsed, target))
    out: dict[str | None, dict[str, float]] = {}
    for name, items in groups.items():
        states = [s for s, _, _ in items]
        stopped = [(e, t) for s, e, t in items if s in ("met", "missed")]
        targets = [t for s, _, t in items if s not in ("not_applicable", "no_deadline", "invalid")]
        decided = sum(s in ("met", "missed", "breached") for s in states)
        counts = {k: sum(s == k for s in states) for k in ("met", "missed", "breached", "invalid")}
        out[name] = {
            "tickets": len(targets),
            **counts,
            "open": sum(s in ("running", "at_risk", "paused") for s in states),
            "met_rate": counts["met"] / decided if decided else math.nan,
            "median_elapsed": statistics.median(e for e, _ in stopped) if stopped else math.nan,
            "p90_elapsed": _p90([e for e, _ in stopped]) if stopped else math.nan,
            "median_target": statistics.median(targets) if targets else math.nan,
            "median_share_of_target": (
                statistics.median(e / t for e, t in stopped) if stopped else math.nan
            ),
        }
    return out


def _seconds(value: object) -> float:
    return math.nan if pd.isna(value) else pd.Timedelta(value).total_seconds()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=ticket_rows(n_max=30))
def test_compliance_equals_a_count_of_the_scalar_answers(rows):
    passkit = PASSKIT
    evaluated = evaluate_tables(rows, policy=passkit, at=AT, errors="mark")
    table = compliance(evaluated, by="plan", policy=passkit)
    total = compliance(evaluated, by=[], policy=passkit)
    want = reference(passkit, rows)
    got = {(None if k != k else k): r for k, r in table.iterrows()} | {"all": total.iloc[0]}
    assert set(got) == {k for k, v in want.items() if v["tickets"] or v["invalid"]} | {"all"}
    for name, row in got.items():
        ref = want[name]
        for col in ("tickets", "met", "missed", "breached", "open", "invalid"):
            assert row[col] == ref[col], (name, col)
        assert row["met_rate"] == pytest.approx(ref["met_rate"], nan_ok=True)
        assert _seconds(row["median_target"]) == pytest.approx(ref["median_target"], nan_ok=True)
        assert row["median_share_of_target"] == pytest.approx(
            ref["median_share_of_target"], nan_ok=True
        )
        if math.isnan(ref["median_elapsed"]):
            assert pd.isna(row["median_elapsed"]) and pd.isna(row["p90_elapsed"])
            continue
        # durations are rounded to whole seconds (half to even); the p90 may sit on a tie
        assert _seconds(row["median_elapsed"]) == round(ref["median_elapsed"])
        assert abs(_seconds(row["p90_elapsed"]) - ref["p90_elapsed"]) <= 1


def test_a_tally_keeps_a_few_bytes_a_counted_row():
    passkit = PASSKIT
    """What a tally holds grows with the counted rows only, by far less than the rows."""
    n = 20_000
    rng = np.random.default_rng(5)
    opened = pd.Timestamp("2026-09-01", tz="UTC") + pd.to_timedelta(
        rng.integers(0, 90 * 24 * 60, n), unit="min"
    )
    rows = pd.DataFrame(
        {
            "plan": rng.choice(["gold", "silver", "platinum"], n),
            "severity": rng.choice(["sev1", "sev2", "sev3"], n),
            "opened_at": opened,
            "responded_at": opened + pd.to_timedelta(rng.integers(1, 3000, n), unit="min"),
            "note": ["x" * 200] * n,  # wide input columns are not kept
        }
    )
    evaluated = evaluate_tables(rows, policy=passkit, at=AT)
    counted = int((evaluated["response_state"] != "not_applicable").sum())
    assert counted > n // 2
    tally = ComplianceTally(["plan", "month"], policy=passkit)
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        tally.add(evaluated)
        kept = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert kept <= 40 * counted  # state, elapsed, target and two key codes a row


def test_groups_of_many_keys_are_ordered_as_of_few():
    """Group codes of keys whose combinations overflow one integer are found the slow way,
    in the same order."""
    from slacalc.report import _groups

    rng = np.random.default_rng(3)
    ranks = [rng.integers(0, 5, 200).astype(np.intp) for _ in range(3)]
    few = _groups(ranks, [5, 5, 5])
    many = _groups(ranks, [5, 2**40, 2**40])
    for a, b in zip(few, many, strict=True):
        np.testing.assert_array_equal(a, b)
    assert len(few[0]) == len({tuple(r) for r in np.stack(ranks, axis=1).tolist()})

"""Property: evaluate_frame equals the scalar policy.evaluate on every row of random frames."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

pytest.importorskip("pandas")
from frame_support import mismatches, synthetic_policy, synthetic_policy_with_pauses
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from slacalc import bundled_policies, load_policy

BASE = datetime(2026, 10, 20, tzinfo=UTC)  # spans US DST end, Thanksgiving, Christmas
SPAN_MIN = 80 * 24 * 60
ZONES = [UTC, ZoneInfo("America/Chicago"), ZoneInfo("Europe/London"), ZoneInfo("Asia/Kolkata")]

SYN = synthetic_policy()
SYN_PAUSED = synthetic_policy_with_pauses()
BUNDLED = {name: load_policy(name) for name in bundled_policies()}


def _names(policy):
    plans = [n for k, p in policy.plans.items() for n in (k, p.name, p.name.upper(), *p.aliases)]
    sevs = [
        n for k, s in policy.severities.items() for n in (k, s.name, s.name.lower(), *s.aliases)
    ]
    return plans, sevs


@st.composite
def frames(draw, policy):
    plans, sevs = _names(policy)
    n = draw(st.integers(1, 25))
    rows = []
    for _ in range(n):
        # whole minutes mostly, sometimes seconds, so boundaries get hit exactly
        opened = BASE + timedelta(minutes=draw(st.integers(0, SPAN_MIN)))
        if draw(st.booleans()):
            opened += timedelta(seconds=draw(st.integers(0, 59)))
        row = {
            "plan": draw(st.sampled_from(plans)),
            "severity": draw(st.sampled_from(sevs)),
            "opened_at": opened,
        }
        for col in ("responded_at", "resolved_at", "updated_at"):
            if draw(st.booleans()):
                row[col] = opened + timedelta(
                    minutes=draw(
                        st.sampled_from(
                            [0, 1, 29, 30, 31, 59, 60, 120, 240, 481, 540, 1440, 4000, 20000]
                        )
                    )
                )
            else:
                row[col] = None
        rows.append(row)
    zone = draw(st.sampled_from(ZONES))
    df = pd.DataFrame(rows)
    for col in ("opened_at", "responded_at", "resolved_at", "updated_at"):
        df[col] = pd.to_datetime(df[col], utc=True).dt.tz_convert(zone)
    latest = max(r["opened_at"] for r in rows)
    at = latest + timedelta(minutes=draw(st.integers(0, 30000)))
    return df, at


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=frames(SYN))
def test_synthetic_policy_matches_scalar(data):
    df, at = data
    out = SYN.evaluate_frame(df, at=at)
    assert mismatches(SYN, df, out, at) == []


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=frames(SYN_PAUSED))
def test_policy_pause_windows_match_scalar(data):
    df, at = data
    out = SYN_PAUSED.evaluate_frame(df, at=at)
    assert mismatches(SYN_PAUSED, df, out, at) == []


@pytest.mark.parametrize("name", sorted(BUNDLED))
def test_bundled_policies_match_scalar(name):
    policy = BUNDLED[name]

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(data=frames(policy))
    def check(data):
        df, at = data
        out = policy.evaluate_frame(df, at=at)
        assert mismatches(policy, df, out, at) == []

    check()

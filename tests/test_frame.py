"""evaluate_frame: input handling, errors, output schema; equality with the scalar evaluator."""

from __future__ import annotations

import pickle
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest
from frame_support import mismatches, synthetic_policy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from slacalc import Calendar, NaiveDatetimeError, SlacalcError, load_policy
from slacalc.frame import (
    STATES,
    FrameError,
    evaluate_frame,
    frame_meta,
    output_columns,
    parsed_instants,
)

AT = datetime(2026, 11, 23, 11, 45, tzinfo=UTC)
PASSKIT = load_policy("passkit")


@pytest.fixture(scope="module")
def passkit():
    return load_policy("passkit")


def frame(**cols):
    base = {
        "plan": ["gold"],
        "severity": ["sev2"],
        "opened_at": ["2026-11-20T16:30:00Z"],
    }
    base.update(cols)
    return pd.DataFrame(base)


def test_acceptance_cases_as_a_table(passkit):
    df = pd.DataFrame(
        {
            "ticket_id": ["met", "missed", "open"],
            "plan": ["gold", "Gold", "GOLD"],
            "severity": ["sev2", "Major", "Severity 2"],
            "opened_at": ["2026-11-20T16:30:00Z"] * 3,
            "responded_at": ["2026-11-23T11:00:00Z", "2026-11-23T11:40:00Z", None],
        }
    )
    out = passkit.evaluate_frame(df, at=AT)
    assert list(out["response_state"]) == ["met", "missed", "breached"]
    assert (out["response_due_at"] == pd.Timestamp("2026-11-23T11:30:00Z")).all()
    assert out.loc[2, "response_remaining"] == pd.Timedelta(minutes=-15)
    assert out.loc[2, "response_elapsed"] == pd.Timedelta(hours=4, minutes=15)
    assert list(out["response_breached"]) == [False, True, True]
    assert mismatches(passkit, df, out, AT) == []


def test_output_schema(passkit):
    out = passkit.evaluate_frame(frame(), at=AT)
    for col in output_columns(passkit):
        assert col in out.columns
    assert isinstance(out["response_due_at"].dtype, pd.DatetimeTZDtype)
    assert out["response_elapsed"].dtype == "timedelta64[us]"
    assert list(out["response_state"].cat.categories) == list(STATES)
    assert out["response_breached"].dtype == bool
    # the input is not modified
    df = frame()
    passkit.evaluate_frame(df, at=AT)
    assert df["opened_at"].dtype != "datetime64[us, UTC]"


def test_output_zone_follows_the_opened_column(passkit):
    df = frame(opened_at=pd.to_datetime(["2026-11-20T10:30-06:00"]).tz_convert("America/Chicago"))
    out = passkit.evaluate_frame(df, at=AT)
    assert str(out["response_due_at"].dt.tz) == "America/Chicago"
    assert out.loc[0, "response_due_at"] == pd.Timestamp("2026-11-23T11:30:00Z")


def test_naive_column_is_refused_unless_tz_given(passkit):
    df = frame(opened_at=pd.to_datetime(["2026-11-20T16:30"]))
    with pytest.raises(NaiveDatetimeError, match="opened_at"):
        passkit.evaluate_frame(df, at=AT)
    out = passkit.evaluate_frame(df, at=AT, tz="Europe/London")  # GMT in November
    assert out.loc[0, "response_due_at"] == pd.Timestamp("2026-11-23T11:30:00Z")


def test_naive_strings_are_refused_unless_tz_given(passkit):
    with pytest.raises(FrameError, match="no time zone"):
        passkit.evaluate_frame(frame(opened_at=["2026-11-20T16:30"]), at=AT)
    out = passkit.evaluate_frame(frame(opened_at=["2026-11-20T10:30"]), at=AT, tz="America/Chicago")
    assert out.loc[0, "opened_at"] == pd.Timestamp("2026-11-20T16:30Z")


def test_naive_at_is_refused(passkit):
    with pytest.raises(NaiveDatetimeError):
        passkit.evaluate_frame(frame(), at=datetime(2026, 11, 23, 12))


def test_bad_rows_are_named(passkit):
    df = pd.DataFrame(
        {
            "plan": ["gold", "diamond", "gold", "gold", None],
            "severity": ["sev2", "sev2", "sev9", "sev2", "sev2"],
            "opened_at": ["2026-11-20T16:30Z", "2026-11-20T16:30Z", "2026-11-20T16:30Z", None, "x"],
        },
        index=["a", "b", "c", "d", "e"],
    )
    with pytest.raises(FrameError) as info:
        passkit.evaluate_frame(df, at=AT)
    message = str(info.value)
    for label in "bcde":
        assert f"row '{label}'" in message
    assert "row 'a'" not in message
    assert "unknown plan 'diamond'" in message and "'platinum'" in message
    assert "unknown severity 'sev9'" in message
    assert "opened_at is missing" in message
    assert [label for label, _ in info.value.problems].count("e") == 2  # no plan, bad time
    assert isinstance(info.value, SlacalcError) and isinstance(info.value, ValueError)


def test_errors_mark_evaluates_the_rest(passkit):
    df = pd.DataFrame(
        {
            "plan": ["gold", "diamond", "gold"],
            "severity": ["sev2", "sev2", "sev2"],
            "opened_at": ["2026-11-20T16:30Z", "2026-11-20T16:30Z", None],
        }
    )
    out = passkit.evaluate_frame(df, at=AT, errors="mark")
    assert list(out["response_state"]) == ["breached", "invalid", "invalid"]
    assert list(out["resolution_state"])[1:] == ["invalid", "invalid"]
    assert pd.isna(out["problem"].iloc[0])
    assert "diamond" in out["problem"].iloc[1]
    assert "opened_at is missing" in out["problem"].iloc[2]
    assert out["response_due_at"].isna().tolist() == [False, True, True]


def test_rows_the_scalar_refuses_are_bad_rows(passkit):
    df = frame(
        opened_at=["2026-11-20T16:30Z", "2026-11-24T00:00Z"],
        plan=["gold", "gold"],
        severity=["sev2", "sev2"],
        responded_at=["2026-11-20T16:00Z", None],
    )
    with pytest.raises(FrameError) as info:
        passkit.evaluate_frame(df, at=AT)
    assert info.value.problems == [
        (0, "responded_at is before opened_at"),
        (1, "opened_at is after at (2026-11-23T11:45:00+00:00)"),
    ]


def test_missing_column(passkit):
    with pytest.raises(SlacalcError, match="'opened_at'"):
        passkit.evaluate_frame(pd.DataFrame({"plan": ["gold"], "severity": ["sev2"]}), at=AT)


def test_errors_argument_is_checked(passkit):
    with pytest.raises(ValueError, match="errors"):
        passkit.evaluate_frame(frame(), at=AT, errors="ignore")  # type: ignore[arg-type]


def test_events_after_at_are_ignored(passkit):
    out = passkit.evaluate_frame(frame(responded_at=["2026-11-23T12:00Z"]), at=AT)
    assert out.loc[0, "response_state"] == "breached"


def test_names_are_resolved_once_per_distinct_value(passkit, monkeypatch):
    calls = []
    real = type(passkit).plan_id

    def counting(self, name):
        calls.append(name)
        return real(self, name)

    monkeypatch.setattr(type(passkit), "plan_id", counting)
    df = pd.concat([frame()] * 500, ignore_index=True)
    evaluate_frame(passkit, df, at=AT)
    assert calls.count("gold") <= 1 + 2 * len(passkit.metrics)  # factorize, then per pair


def test_empty_frame_and_meta(passkit):
    meta = frame_meta(passkit, frame())
    assert len(meta) == 0
    assert list(meta.columns) == [*frame().columns, *output_columns(passkit)]
    out = passkit.evaluate_frame(frame().iloc[:0], at=AT)
    assert list(out.columns) == list(meta.columns)


def test_index_is_kept(passkit):
    df = pd.concat([frame()] * 3, ignore_index=True)
    df.index = pd.Index([30, 10, 20], name="line")
    out = passkit.evaluate_frame(df, at=AT)
    assert list(out.index) == [30, 10, 20]
    assert out.index.name == "line"


def test_at_default_is_now(passkit):
    out = passkit.evaluate_frame(frame(opened_at=["2020-11-20T16:30Z"]))
    assert out.loc[0, "response_state"] == "breached"


def test_datetime_objects_in_object_columns(passkit):
    opened = datetime(2026, 11, 20, 16, 30, tzinfo=UTC)
    df = frame(opened_at=pd.Series([opened], dtype=object), responded_at=[None])
    out = passkit.evaluate_frame(df, at=AT)
    assert out.loc[0, "response_state"] == "breached"


def test_long_span_grows_the_index():
    policy = synthetic_policy()
    opened = pd.date_range("2001-01-01", "2040-01-01", periods=200, tz="UTC")
    df = pd.DataFrame({"plan": "basic", "severity": "low", "opened_at": opened})
    at = datetime(2040, 6, 1, tzinfo=UTC)
    out = policy.evaluate_frame(df, at=at)
    sample = df.iloc[::37]
    assert mismatches(policy, sample, out.loc[sample.index], at) == []


def test_next_open_start_rule():
    policy = synthetic_policy()
    # basic/high: 2h on always, starting at the next opening of office (Chicago 08:00)
    df = pd.DataFrame(
        {"plan": ["basic"], "severity": ["high"], "opened_at": ["2026-11-21T03:00:00Z"]}
    )
    at = datetime(2026, 11, 24, tzinfo=UTC)
    out = policy.evaluate_frame(df, at=at)
    assert out.loc[0, "response_due_at"] == pd.Timestamp("2026-11-23T16:00:00Z")
    assert mismatches(policy, df, out, at) == []


def test_many_rows_equal_the_scalar_sample(passkit):
    rng = np.random.default_rng(5)
    n = 3000
    opened = pd.Timestamp("2026-06-01T00:00Z") + pd.to_timedelta(
        rng.integers(0, 200 * 24 * 60, n), unit="min"
    )
    responded = opened + pd.to_timedelta(rng.integers(0, 5 * 24 * 60, n), unit="min")
    df = pd.DataFrame(
        {
            "plan": rng.choice(["bronze", "silver", "gold", "platinum"], n),
            "severity": rng.choice(["sev1", "sev2", "sev3", "sev4"], n),
            "opened_at": opened,
            "responded_at": pd.Series(responded).where(rng.random(n) < 0.8),
        }
    )
    at = datetime(2027, 1, 10, tzinfo=UTC)
    out = passkit.evaluate_frame(df, at=at)
    sample = df.sample(150, random_state=1)
    assert mismatches(passkit, sample, out.loc[sample.index], at) == []


# ---- pickling ---------------------------------------------------------------------------------


def test_policies_pickle(passkit):
    passkit.due(datetime(2026, 11, 20, 16, 30, tzinfo=UTC), "gold", "sev2")  # fill caches
    again = pickle.loads(pickle.dumps(passkit))
    assert again == passkit
    assert again.due(datetime(2026, 11, 20, 16, 30, tzinfo=UTC), "gold", "sev2") == datetime(
        2026, 11, 23, 11, 30, tzinfo=UTC
    )
    df = frame()
    pd.testing.assert_frame_equal(
        again.evaluate_frame(df, at=AT), passkit.evaluate_frame(df, at=AT)
    )


def test_calendars_pickle_without_their_index():
    cal = Calendar.from_dict(
        {
            "timezone": "Europe/London",
            "hours": {"mon-fri": ["09:00-17:00"]},
            "holidays": {"country": "GB", "subdivision": "ENG"},
            "business_day": "8h",
        }
    )
    t = datetime(2026, 12, 24, 16, tzinfo=UTC)
    due = cal.add(t, timedelta(hours=3))  # builds the index
    data = pickle.dumps(cal)
    assert len(data) < 20_000  # the index is not in the pickle
    again = pickle.loads(data)
    assert again.add(t, timedelta(hours=3)) == due
    assert again == cal


def test_policy_pause_windows_apply_as_in_the_scalar_evaluation():
    from frame_support import mismatches, synthetic_policy_with_pauses

    policy = synthetic_policy_with_pauses()
    df = pd.DataFrame(
        {
            "plan": ["pro", "pro", "pro"],
            "severity": ["high", "low", "high"],
            "opened_at": ["2026-10-30T12:00Z", "2026-10-29T15:00Z", "2026-10-30T12:00Z"],
            "resolved_at": [None, None, "2026-11-05T12:00Z"],
        }
    )
    inside = datetime(2026, 11, 1, 12, tzinfo=UTC)  # in the fixed window
    out = policy.evaluate_frame(df, at=inside)
    assert list(out["resolution_state"].astype(str)) == ["paused", "paused", "paused"]
    later = datetime(2026, 11, 10, tzinfo=UTC)
    for at in (inside, later):
        out = policy.evaluate_frame(df, at=at)
        assert mismatches(policy, df, out, at) == []
    # The Tuesday 13:00-14:30 Chicago window falls inside a 2-business-day resolution opened
    # on Monday 09:00 CST: the due time moves 90 minutes later, in the frame as in the scalar.
    monday = datetime(2026, 11, 2, 15, tzinfo=UTC)
    one = pd.DataFrame({"plan": ["pro"], "severity": ["high"], "opened_at": [monday]})
    row = policy.evaluate_frame(one, at=later).loc[0]
    unpaused = policy.due(monday, "pro", "high", "resolution")
    assert unpaused is not None
    assert pd.Timestamp(row["resolution_due_at"]) == pd.Timestamp(unpaused + timedelta(minutes=90))


def test_pause_windows_that_never_end_are_an_error_not_a_hang():
    import yaml
    from frame_support import SYNTHETIC

    from slacalc import Policy

    data = yaml.safe_load(SYNTHETIC)
    data["pause_windows"] = [
        {"rrule": "FREQ=HOURLY", "dtstart": "2026-01-01T00:00:00Z", "duration": "2h"}
    ]
    # Refused when the policy is built, so no evaluation can meet it.
    with pytest.raises(ValueError, match=r"never ends"):
        Policy.model_validate(data)


# ---- opened_at parsed ahead: parsed_instants -------------------------------------------

OFFSETS = ["Z", "+00:00", "+05:30", "-08:00", "+0100", "-03"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    minutes=st.lists(st.integers(0, 60 * 24 * 200), min_size=1, max_size=12),
    offsets=st.lists(st.sampled_from(OFFSETS), min_size=12, max_size=12),
    missing=st.lists(st.booleans(), min_size=12, max_size=12),
    tz=st.sampled_from([None, "Europe/Paris", "Asia/Kolkata"]),
)
def test_parsed_instants_are_what_evaluate_frame_makes_of_the_text(minutes, offsets, missing, tz):
    """The parsed column, given back, answers exactly as the text: same columns, same zone."""
    start = datetime(2026, 6, 1)
    text = [
        None if gone else (start + timedelta(minutes=m, seconds=m % 7 * 0.25)).isoformat() + off
        for m, off, gone in zip(minutes, offsets, missing, strict=False)
    ]
    n = len(text)
    df = pd.DataFrame(
        {
            "plan": ["gold", "silver"] * n,
            "severity": ["sev2"] * (2 * n),
            "opened_at": pd.Series(text * 2, dtype="str"),
            "responded_at": ["2026-12-30T10:00:00Z"] * (2 * n),
        }
    )
    parsed = parsed_instants(df["opened_at"], tz)
    assert parsed is not None
    kwargs = {"at": datetime(2027, 1, 15, tzinfo=UTC), "tz": tz, "errors": "mark"}
    from_text = evaluate_frame(PASSKIT, df, **kwargs)
    from_parsed = evaluate_frame(PASSKIT, df.assign(opened_at=parsed), **kwargs)
    pd.testing.assert_frame_equal(from_parsed, from_text)
    pd.testing.assert_series_equal(parsed, from_text["opened_at"])


@pytest.mark.parametrize(
    "values",
    [
        ["2026-11-20T16:30:00Z", "2026-11-20T16:30:00"],  # no offset: the engine decides
        ["2026-11-20T16:30:00Z", "yesterday"],  # unreadable: the engine names the row
        [datetime(2026, 11, 20, tzinfo=UTC)],  # not text
    ],
)
def test_parsed_instants_leave_other_columns_to_the_engine(values):
    assert parsed_instants(pd.Series(values, dtype=object), "Europe/Paris") is None
    assert parsed_instants(pd.Series([], dtype="str")) is None

"""Calendar questions over a Series or a datetime64 array equal the single-datetime calls,
element by element, on random inputs in zones with daylight saving; the kind given comes back
(a Series on the same index in the input's zone, or a numpy array); NaT stays NaT."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from slacalc import Calendar, CalendarError, InstantError, NaiveDatetimeError

CALENDARS = {
    zone: Calendar.from_dict(
        {
            "timezone": zone,
            "hours": {"mon-fri": ["08:00-12:00", "13:00-17:30"], "sat": ["22:00-02:00"]},
            "holidays": {"country": country},
        }
    )
    for zone, country in [
        ("America/Chicago", "US"),
        ("Europe/London", "GB"),
        ("Australia/Sydney", "AU"),
        ("America/Sao_Paulo", "BR"),
    ]
}
T0 = datetime(2026, 1, 1, tzinfo=UTC)
US = timedelta(microseconds=1)

instants = st.integers(0, 700 * 86_400 * 10**6).map(lambda us: T0 + us * US)
durations = st.integers(-20 * 86_400 * 10**6, 40 * 86_400 * 10**6).map(lambda us: us * US)
zones = st.sampled_from(sorted(CALENDARS))


def series(ts: list[datetime], zone: str) -> pd.Series:
    index = pd.Index([f"r{i}" for i in range(len(ts))])
    return pd.Series(pd.to_datetime(ts, utc=True), index=index).dt.tz_convert(zone)


def utc_array(ts: list[datetime]) -> np.ndarray:
    return np.array([t.astimezone(UTC).replace(tzinfo=None) for t in ts], dtype="M8[us]")


@settings(max_examples=40, deadline=None)
@given(
    zone=zones,
    shown_in=zones,
    ts=st.lists(instants, min_size=1, max_size=25),
    ds=st.lists(durations, min_size=25, max_size=25),
)
def test_series_answers_equal_the_single_calls(zone, shown_in, ts, ds):
    cal = CALENDARS[zone]
    ds = ds[: len(ts)]
    s = series(ts, shown_in)
    singles = [t.astimezone(ZoneInfo(shown_in)) for t in ts]
    dur = pd.Series(pd.to_timedelta(ds), index=s.index)

    added = cal.add(s, dur)
    assert added.index.equals(s.index)
    assert str(added.dt.tz) == shown_in
    assert list(added) == [cal.add(t, d) for t, d in zip(singles, ds, strict=True)]

    fixed = cal.add(s, "3h")
    assert list(fixed) == [cal.add(t, "3h") for t in singles]

    ends = series([t + abs(d) for t, d in zip(ts, ds, strict=True)], "UTC")
    ends.index = s.index
    gone = cal.elapsed(s, ends)
    assert list(gone) == [cal.elapsed(a, b) for a, b in zip(singles, ends, strict=True)]

    assert list(cal.is_open(s)) == [cal.is_open(t) for t in singles]
    nxt = cal.next_open(s)
    assert list(nxt) == [cal.next_open(t) for t in singles]
    assert all(str(a.tzinfo) == str(b.tzinfo) for a, b in zip(nxt, singles, strict=True))


@settings(max_examples=40, deadline=None)
@given(
    zone=zones,
    ts=st.lists(instants, min_size=1, max_size=25),
    ds=st.lists(durations, min_size=25, max_size=25),
)
def test_datetime64_arrays_are_utc_instants_and_answer_like_the_single_calls(zone, ts, ds):
    cal = CALENDARS[zone]
    ds = ds[: len(ts)]
    a = utc_array(ts)
    d = np.array([x // US for x in ds], dtype="m8[us]")

    def back(x: np.datetime64) -> datetime:
        return datetime(1970, 1, 1, tzinfo=UTC) + int(x.astype("M8[us]").astype(np.int64)) * US

    added = cal.add(a, d)
    assert added.dtype == np.dtype("M8[us]")
    assert [back(x) for x in added] == [cal.add(t, x) for t, x in zip(ts, ds, strict=True)]
    assert [back(x) for x in cal.next_open(a)] == [cal.next_open(t) for t in ts]
    assert cal.is_open(a).tolist() == [cal.is_open(t) for t in ts]
    late = datetime(2028, 1, 1, tzinfo=UTC)
    gone = cal.elapsed(a, late)
    assert gone.dtype == np.dtype("m8[us]")
    assert [int(g.astype(np.int64)) * US for g in gone] == [cal.elapsed(t, late) for t in ts]


def test_a_single_instant_with_an_array_of_durations_and_nanoseconds_in():
    cal = CALENDARS["Europe/London"]
    start = datetime(2026, 3, 27, 16, tzinfo=ZoneInfo("Europe/London"))
    hours = pd.Series(pd.to_timedelta([0, 1, 2], unit="h"), index=[7, 8, 9])
    got = cal.add(start, hours)
    assert list(got.index) == [7, 8, 9]
    assert list(got) == [cal.add(start, timedelta(hours=h)) for h in (0, 1, 2)]
    ns = np.array(["2026-03-27T16:00:00.000000999"], dtype="M8[ns]")
    # 16:00 UTC is 16:00 GMT (summer time starts on the 29th), open until 17:30;
    # nanoseconds below the microsecond are dropped, as for single datetimes
    assert cal.add(ns, "1h")[0] == np.datetime64("2026-03-27T17:00:00.000000")


def test_nat_stays_missing():
    cal = CALENDARS["America/Chicago"]
    s = pd.Series(pd.to_datetime(["2026-06-01T15:00Z", None], utc=True))
    assert cal.add(s, "1h").isna().tolist() == [False, True]
    assert cal.next_open(s).isna().tolist() == [False, True]
    assert cal.elapsed(s, "2026-06-02T00:00Z").isna().tolist() == [False, True]
    assert cal.is_open(s).isna().tolist() == [False, True]
    with pytest.raises(InstantError):
        cal.is_open(np.array(["2026-06-01T15:00", "NaT"], dtype="M8[us]"))


def test_wrong_arrays_are_slacalc_errors():
    cal = CALENDARS["America/Chicago"]
    s = pd.Series(pd.to_datetime(["2026-06-01T15:00Z", "2026-06-02T15:00Z"], utc=True))
    with pytest.raises(NaiveDatetimeError, match="tz_localize"):
        cal.add(s.dt.tz_localize(None), "1h")
    with pytest.raises(InstantError):
        cal.next_open(np.array([1, 2]))
    with pytest.raises(InstantError):
        cal.is_open(pd.Series(["2026-06-01T15:00Z"]))
    with pytest.raises(CalendarError, match="differ in length"):
        cal.add(s.to_numpy(dtype="M8[us]"), np.array([1], dtype="m8[h]"))
    with pytest.raises(CalendarError, match="different indexes"):
        cal.elapsed(s, s.set_axis([5, 6]))


def test_an_array_spanning_centuries_answers_like_the_single_calls():
    cal = CALENDARS["Europe/London"]
    ts = [datetime(1900, 6, 1, tzinfo=UTC), datetime(2200, 6, 1, tzinfo=UTC)]
    got = cal.add(series(ts, "UTC"), "1h")
    assert list(got) == [cal.add(t, "1h") for t in ts]


centuries = st.integers(
    int(datetime(1890, 1, 1, tzinfo=UTC).timestamp()) * 10**6,
    int(datetime(2085, 1, 1, tzinfo=UTC).timestamp()) * 10**6,
)


@settings(max_examples=25, deadline=None)
@given(
    zone=zones,
    xs=st.lists(centuries, min_size=1, max_size=30),
    ys=st.lists(centuries, min_size=30, max_size=30),
    ds=st.lists(st.integers(0, 20 * 365 * 86_400 * 10**6), min_size=30, max_size=30),
)
def test_arrays_spread_over_two_centuries_answer_like_the_single_calls(zone, xs, ys, ds):
    """Elements in many years: each year's block is asked for its own elements."""
    tl = CALENDARS[zone].timeline
    x = np.array(xs, dtype=np.int64)
    y = np.array(ys[: len(xs)], dtype=np.int64)
    d = np.array(ds[: len(xs)], dtype=np.int64)
    assert tl.elapsed_array(x, y).tolist() == [
        tl.elapsed(a, b) for a, b in zip(x.tolist(), y.tolist(), strict=True)
    ]
    assert tl.add_array(x, d).tolist() == [
        tl.add(a, b) for a, b in zip(x.tolist(), d.tolist(), strict=True)
    ]
    assert tl.next_open_array(x).tolist() == [tl.next_open(a) for a in x.tolist()]
    assert tl.is_open_array(x).tolist() == [tl.is_open(a) for a in x.tolist()]

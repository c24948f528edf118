"""Daylight saving time: business time is real elapsed time; wall times follow the zone data.

2026 transitions used below (UTC instants worked out from the tz rules, checked by hand):

* America/Chicago: spring forward Sun 03-08 at 08:00Z (02:00 CST -> 03:00 CDT);
  fall back Sun 11-01 at 07:00Z (02:00 CDT -> 01:00 CST).
* Europe/London: spring forward Sun 03-29 at 01:00Z (01:00 GMT -> 02:00 BST);
  fall back Sun 10-25 at 01:00Z (02:00 BST -> 01:00 GMT).
* Australia/Sydney (southern hemisphere): fall back Sun 04-05 at 04-04 16:00Z
  (03:00 AEDT -> 02:00 AEST); spring forward Sun 10-04 at 10-03 16:00Z (02:00 AEST -> 03:00 AEDT).
* America/St_Johns (-03:30 / -02:30): spring forward Sun 03-08 at 05:30Z (02:00 -> 03:00);
  fall back Sun 11-01 at 04:30Z (02:00 NDT -> 01:00 NST).
* Asia/Kolkata: +05:30 all year.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from slacalc import Calendar

H = timedelta(hours=1)
M = timedelta(minutes=1)
FAR = {"dates": ["2099-01-01"]}  # keeps a 24x7 calendar on the index rather than "always"


def z(s: str) -> datetime:
    return datetime.fromisoformat(s).replace(tzinfo=UTC)


def cal(zone: str, hours, **more) -> Calendar:
    return Calendar.from_dict({"timezone": zone, "hours": hours, **more})


def local(zone: str, s: str) -> datetime:
    return datetime.fromisoformat(s).replace(tzinfo=ZoneInfo(zone))


# ---- a 00:00-24:00 day is as long as the clock says --------------------------------------
@pytest.mark.parametrize(
    "zone, day, hours",
    [
        ("America/Chicago", "2026-03-08", 23),
        ("America/Chicago", "2026-11-01", 25),
        ("America/Chicago", "2026-03-09", 24),
        ("Europe/London", "2026-03-29", 23),
        ("Europe/London", "2026-10-25", 25),
        ("Australia/Sydney", "2026-04-05", 25),
        ("Australia/Sydney", "2026-10-04", 23),
        ("America/St_Johns", "2026-03-08", 23),
        ("America/St_Johns", "2026-11-01", 25),
        ("Asia/Kolkata", "2026-03-08", 24),
    ],
)
def test_a_full_day_counts_real_hours(zone, day, hours):
    c = cal(zone, {"daily": ["00:00-24:00"]}, holidays=FAR)
    d = date.fromisoformat(day)
    a = datetime(d.year, d.month, d.day, tzinfo=ZoneInfo(zone))
    b = a.replace(day=d.day + 1)
    assert c.elapsed(a, b) == hours * H
    assert c.day_hours(d) == [(a, b)]
    assert c.add(a, hours * H) == b


@pytest.mark.parametrize(
    "zone, first, last",
    [
        ("America/Chicago", "2026-03-08T06:00", "2026-03-09T05:00"),
        ("America/Chicago", "2026-11-01T05:00", "2026-11-02T06:00"),
        ("Australia/Sydney", "2026-04-04T13:00", "2026-04-05T14:00"),
        ("America/St_Johns", "2026-03-08T03:30", "2026-03-09T02:30"),
    ],
)
def test_local_midnights_by_hand(zone, first, last):
    c = cal(zone, {"sun": ["00:00-24:00"]})
    start, end = z(first), z(last)
    assert list(c.open_intervals(start - 6 * H, end + 6 * H)) == [(start, end)]


def test_every_day_of_the_year_in_every_zone():
    for zone in ("America/Chicago", "Europe/London", "Australia/Sydney", "America/St_Johns",
                 "Asia/Kolkata", "UTC"):
        c = cal(zone, {"daily": ["00:00-24:00"]}, holidays=FAR)
        tz = ZoneInfo(zone)
        lengths = set()
        for n in range(365):
            d = date(2026, 1, 1) + timedelta(days=n)
            a = datetime(d.year, d.month, d.day, tzinfo=tz)
            e = d + timedelta(days=1)
            b = datetime(e.year, e.month, e.day, tzinfo=tz)
            real = b.astimezone(UTC) - a.astimezone(UTC)
            assert c.elapsed(a, b) == real, (zone, d)
            lengths.add(real)
        expected = {24 * H} if zone in ("Asia/Kolkata", "UTC") else {23 * H, 24 * H, 25 * H}
        assert lengths == expected, zone


# ---- a wall time in a spring-forward gap maps forward -------------------------------------
@pytest.mark.parametrize(
    "zone, day, interval, start, end",
    [
        # opens at 02:30, which does not exist: the first instant after the gap, 03:00 CDT
        ("America/Chicago", "2026-03-08", "02:30-05:00", "2026-03-08T08:00", "2026-03-08T10:00"),
        # ends in the gap: closes when the gap ends
        ("America/Chicago", "2026-03-08", "01:00-02:30", "2026-03-08T07:00", "2026-03-08T08:00"),
        # wholly inside the gap: no open time at all
        ("America/Chicago", "2026-03-08", "02:10-02:50", None, None),
        ("Europe/London", "2026-03-29", "01:30-03:00", "2026-03-29T01:00", "2026-03-29T02:00"),
        ("Australia/Sydney", "2026-10-04", "02:30-04:00", "2026-10-03T16:00", "2026-10-03T17:00"),
        ("America/St_Johns", "2026-03-08", "02:15-03:15", "2026-03-08T05:30", "2026-03-08T05:45"),
    ],
)
def test_gap_maps_forward(zone, day, interval, start, end):
    d = date.fromisoformat(day)
    c = cal(zone, {"sun": [interval]})
    midnight = datetime(d.year, d.month, d.day, tzinfo=ZoneInfo(zone))
    window = (midnight, midnight + 30 * H)
    got = list(c.open_intervals(*window))
    if start is None:
        assert got == []
        assert c.elapsed(*window) == timedelta(0)
        return
    assert got == [(z(start), z(end))]
    assert c.next_open(midnight) == z(start)
    assert not c.is_open(z(start) - timedelta(microseconds=1))
    assert c.is_open(z(start))
    assert c.elapsed(*window) == z(end) - z(start)


# ---- an ambiguous fall-back wall time takes its first occurrence -------------------------
@pytest.mark.parametrize(
    "zone, day, interval, start, end",
    [
        # 01:30 happens at 06:30Z (CDT) and 07:30Z (CST): the first; 03:00 CST is 09:00Z
        ("America/Chicago", "2026-11-01", "01:30-03:00", "2026-11-01T06:30", "2026-11-01T09:00"),
        ("America/Chicago", "2026-11-01", "00:00-01:30", "2026-11-01T05:00", "2026-11-01T06:30"),
        ("America/Chicago", "2026-11-01", "01:30-01:45", "2026-11-01T06:30", "2026-11-01T06:45"),
        ("Europe/London", "2026-10-25", "01:30-02:00", "2026-10-25T00:30", "2026-10-25T02:00"),
        ("Australia/Sydney", "2026-04-05", "02:30-03:30", "2026-04-04T15:30", "2026-04-04T17:30"),
        ("America/St_Johns", "2026-11-01", "01:15-01:45", "2026-11-01T03:45", "2026-11-01T04:15"),
    ],
)
def test_ambiguous_takes_first_occurrence(zone, day, interval, start, end):
    d = date.fromisoformat(day)
    c = cal(zone, {"sun": [interval]})
    midnight = datetime(d.year, d.month, d.day, tzinfo=ZoneInfo(zone))
    got = list(c.open_intervals(midnight, midnight + 30 * H))  # in the calendar's zone
    # (an ambiguous wall time never compares equal across zones, PEP 495: compare in UTC)
    assert [(s.astimezone(UTC), e.astimezone(UTC)) for s, e in got] == [(z(start), z(end))]
    assert c.elapsed(midnight, midnight + 30 * H) == z(end) - z(start)


def test_overnight_interval_across_transitions_counts_real_time():
    c = cal("America/Chicago", {"sat": ["22:00-06:00"]})
    # Sat 03-07 22:00 CST (04:00Z) to Sun 06:00 CDT (11:00Z): 7 real hours, not 8
    assert list(c.open_intervals(z("2026-03-07T00:00"), z("2026-03-09T00:00"))) == [
        (z("2026-03-08T04:00"), z("2026-03-08T11:00"))
    ]
    # Sat 10-31 22:00 CDT (03:00Z) to Sun 06:00 CST (12:00Z): 9 real hours
    assert c.elapsed(z("2026-10-31T00:00"), z("2026-11-02T00:00")) == 9 * H


# ---- weekday hours across transitions -----------------------------------------------------
@pytest.mark.parametrize(
    "zone, hours, t, d, expected",
    [
        # Fri 10-30 16:00 CDT + 10h -> Mon 11-02 17:00 CST (the acceptance case)
        ("America/Chicago", "08:00-17:00", "2026-10-30T21:00", 10 * H, "2026-11-02T23:00"),
        # Fri 03-06 16:00 CST + 2h -> Mon 03-09 10:00 CDT
        ("America/Chicago", "09:00-17:00", "2026-03-06T22:00", 2 * H, "2026-03-09T15:00"),
        # Fri 03-27 16:00 GMT + 2h -> Mon 03-30 10:00 BST
        ("Europe/London", "09:00-17:00", "2026-03-27T16:00", 2 * H, "2026-03-30T09:00"),
        # Fri 10-23 16:00 BST + 2h -> Mon 10-26 10:00 GMT
        ("Europe/London", "09:00-17:00", "2026-10-23T15:00", 2 * H, "2026-10-26T10:00"),
        # Fri 04-03 16:00 AEDT + 2h -> Mon 04-06 10:00 AEST
        ("Australia/Sydney", "09:00-17:00", "2026-04-03T05:00", 2 * H, "2026-04-06T00:00"),
        # Fri 10-02 16:00 AEST + 2h -> Mon 10-05 10:00 AEDT
        ("Australia/Sydney", "09:00-17:00", "2026-10-02T06:00", 2 * H, "2026-10-04T23:00"),
        # Fri 11-20 17:00 IST + 2h -> Mon 11-23 10:00 IST
        ("Asia/Kolkata", "09:00-18:00", "2026-11-20T11:30", 2 * H, "2026-11-23T04:30"),
        # Fri 10-30 16:30 NDT + 1h -> Mon 11-02 09:30 NST
        ("America/St_Johns", "09:00-17:00", "2026-10-30T19:00", H, "2026-11-02T13:00"),
    ],
)
def test_weekday_hours_across_transitions(zone, hours, t, d, expected):
    c = cal(zone, {"mon-fri": [hours]})
    assert c.add(z(t), d) == z(expected)
    assert c.add(z(expected), -d) == z(t)
    assert c.elapsed(z(t), z(expected)) == d


def test_kolkata_half_hour_offset():
    c = cal("Asia/Kolkata", {"mon-fri": ["09:00-18:00"]})
    assert c.next_open(z("2026-11-21T00:00")) == z("2026-11-23T03:30")
    assert c.is_open(z("2026-11-23T12:29"))
    assert not c.is_open(z("2026-11-23T12:30"))
    assert c.elapsed(z("2026-11-23T00:00"), z("2026-11-30T00:00")) == 45 * H


def test_result_in_the_input_zone_keeps_the_right_fold():
    chicago = ZoneInfo("America/Chicago")
    c = cal("America/Chicago", {"daily": ["00:00-24:00"]}, holidays=FAR)
    t = datetime(2026, 11, 1, 0, 30, tzinfo=chicago)  # 05:30Z, CDT
    got = c.add(t, 2 * H)
    assert got.astimezone(UTC) == z("2026-11-01T07:30")
    # 01:30 a second time: the CST occurrence
    assert (got.hour, got.minute, got.fold) == (1, 30, 1)
    assert got.utcoffset() == -6 * H
    back = c.add(got, -2 * H)
    assert back.astimezone(UTC) == z("2026-11-01T05:30")
    assert back.fold == 0


def test_input_in_another_zone_than_the_calendar():
    c = cal("Europe/London", {"mon-fri": ["09:00-17:00"]})
    t = local("America/Chicago", "2026-03-27T10:00")  # 15:00Z, 15:00 GMT in London
    got = c.add(t, 3 * H)  # 2h on Friday, 1h on Monday (BST) -> Mon 10:00 BST = 09:00Z
    assert got.tzinfo == ZoneInfo("America/Chicago")
    assert got == z("2026-03-30T09:00")
    assert (got.hour, got.minute) == (4, 0)  # 04:00 CDT

"""Properties of add/elapsed on random calendars, and agreement with a brute-force reference.

Random calendars: a zone from the DST list (plus UTC), 0-2 intervals per weekday at any
minute (overnight ones and 24:00 ends included), a few extra holiday dates and overrides
near the 2026 transitions, sometimes a country's holidays. Instants cluster around the
2026 DST transitions of those zones.

Comparisons with ``tests/reference.py`` use whole-minute instants and durations (the
reference counts minutes); the algebraic properties also use microsecond instants.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from reference import ReferenceCalendar  # tests/ is on sys.path under pytest

from slacalc import Calendar

ZONES = ["UTC", "America/Chicago", "Europe/London", "Australia/Sydney", "Asia/Kolkata",
         "America/St_Johns"]
DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
# 2026 transitions (UTC) of each zone, and one quiet day for all
TRANSITIONS = {
    "UTC": [],
    "America/Chicago": [(3, 8, 8, 0), (11, 1, 7, 0)],
    "Europe/London": [(3, 29, 1, 0), (10, 25, 1, 0)],
    "Australia/Sydney": [(4, 4, 16, 0), (10, 3, 16, 0)],
    "Asia/Kolkata": [],
    "America/St_Johns": [(3, 8, 5, 30), (11, 1, 4, 30)],
}
QUIET = datetime(2026, 7, 15, 12, 0, tzinfo=UTC)
ANCHORS = {
    zone: [datetime(2026, m, d, h, mi, tzinfo=UTC) for m, d, h, mi in ts] + [QUIET]
    for zone, ts in TRANSITIONS.items()
}
# wall-clock minutes around the transitions (01:00-03:30), midnight, late evening
TRICKY_MINUTES = [0, 1, 59, 60, 75, 90, 119, 120, 135, 150, 179, 180, 210, 1320, 1439]
MIN = timedelta(minutes=1)
US = timedelta(microseconds=1)
SETTINGS = settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


def hhmm(m: int) -> str:
    return f"{m // 60:02d}:{m % 60:02d}"


@st.composite
def intervals(draw) -> str:
    minute = st.one_of(st.integers(0, 1439), st.sampled_from(TRICKY_MINUTES))
    start = draw(minute)
    end = draw(st.one_of(minute, st.just(1440)))
    if end == start:
        end = start + 1
    if end < start:
        end += 1440
    text_end = "24:00" if end == 1440 else hhmm(end % 1440)  # overnight when end < start
    return f"{hhmm(start)}-{text_end}"


@st.composite
def calendars(draw) -> Calendar:
    zone = draw(st.sampled_from(ZONES))
    near_dates = st.builds(
        lambda a, n: (a + timedelta(days=n)).date(),
        st.sampled_from(ANCHORS[zone]),
        st.integers(-6, 6),
    )
    hours = {}
    for day in DAYS:
        n = draw(st.integers(0, 2))  # (st.lists would leave most days empty)
        if n:
            hours[day] = [draw(intervals()) for _ in range(n)]
    if not hours:
        hours["mon"] = ["09:00-17:00"]
    holidays: dict = {"dates": draw(st.lists(near_dates, max_size=4, unique=True))}
    country = draw(st.sampled_from([None] * 8 + ["US", "GB"]))
    if country:
        holidays["country"] = country
    overrides = draw(
        st.dictionaries(near_dates, st.lists(intervals(), max_size=2), max_size=3)
    )
    return Calendar.from_dict(
        {"timezone": zone, "hours": hours, "holidays": holidays, "overrides": overrides}
    )


def weekly_minutes(cal: Calendar) -> int:
    """Nominal open minutes a week (bounds durations, so the reference never walks far)."""
    total = 0
    for intervals_ in cal.hours.values():
        for text in intervals_:
            s, e = text.split("-")
            a = int(s[:2]) * 60 + int(s[3:])
            b = int(e[:2]) * 60 + int(e[3:])
            total += (b - a) % 1440 or 1440
    return total


def minute_instants(cal: Calendar):
    """Whole-minute instants within five days of one of the calendar zone's transitions."""
    return st.builds(
        lambda a, n: a + n * MIN,
        st.sampled_from(ANCHORS[cal.timezone]),
        st.integers(-5 * 1440, 5 * 1440),
    )


def micro_instants(cal: Calendar):
    return st.builds(
        lambda t, us: t + us * US, minute_instants(cal), st.integers(0, 60_000_000 * 60)
    )


def minutes_for(cal: Calendar):
    """Durations in whole minutes, up to ~two weeks of the calendar's open time."""
    return st.integers(0, min(2 * weekly_minutes(cal), 4 * 1440)).map(lambda n: n * MIN)


def micro_durations(cal: Calendar):
    top = min(2 * weekly_minutes(cal), 4 * 1440) * 60_000_000
    return st.integers(0, top).map(lambda n: n * US)


# ---- agreement with the reference ------------------------------------------------------
@settings(SETTINGS, max_examples=120)
@given(st.data())
def test_agrees_with_reference(data):
    cal = data.draw(calendars())
    ref = ReferenceCalendar(cal)
    t = data.draw(minute_instants(cal))
    u = data.draw(minute_instants(cal))
    d = data.draw(minutes_for(cal))

    assert cal.elapsed(t, u) == ref.elapsed(t, u)
    assert cal.is_open(t) == ref.is_open(t)
    assert cal.next_open(t) == ref.next_open(t)
    assert cal.add(t, d) == ref.add(t, d)
    assert cal.add(t, -d) == ref.add(t, -d)

    a, b = min(t, u), max(t, u)
    if b - a <= timedelta(days=3):
        assert list(cal.open_intervals(a, b)) == reference_intervals(ref, a, b)

    # the whole window around the zone's transition, whatever t and u were
    anchor = data.draw(st.sampled_from(ANCHORS[cal.timezone]))
    lo, hi = anchor - 5 * 1440 * MIN, anchor + 5 * 1440 * MIN
    assert cal.elapsed(lo, hi) == ref.elapsed(lo, hi)
    day = (anchor - 1440 * MIN, anchor + 1440 * MIN)
    assert list(cal.open_intervals(*day)) == reference_intervals(ref, *day)


def reference_intervals(ref: ReferenceCalendar, a: datetime, b: datetime):
    out = []
    m = a
    while m < b:
        if ref.is_open(m):
            if out and out[-1][1] == m:
                out[-1] = (out[-1][0], m + MIN)
            else:
                out.append((m, m + MIN))
        m += MIN
    return out


# ---- algebra -----------------------------------------------------------------------------
@SETTINGS
@given(st.data())
def test_elapsed_of_add_is_the_duration(data):
    """elapsed(t, add(t, d)) == d, forwards and backwards (signed)."""
    cal = data.draw(calendars())
    t = data.draw(micro_instants(cal))
    d = data.draw(micro_durations(cal))
    assert cal.elapsed(t, cal.add(t, d)) == d
    assert cal.elapsed(t, cal.add(t, -d)) == -d


@SETTINGS
@given(st.data())
def test_add_is_monotonic(data):
    cal = data.draw(calendars())
    t1, t2 = sorted([data.draw(micro_instants(cal)), data.draw(micro_instants(cal))])
    d1, d2 = sorted([data.draw(micro_durations(cal)), data.draw(micro_durations(cal))])
    for d in (d1, -d1):
        assert cal.add(t1, d) <= cal.add(t2, d)  # in t
    assert cal.add(t1, d1) <= cal.add(t1, d2)  # in d
    assert cal.add(t1, -d2) <= cal.add(t1, -d1) <= t1 <= cal.add(t1, d1)


@SETTINGS
@given(st.data())
def test_add_composes(data):
    """add(add(t, a), b) == add(t, a + b) when a and b have the same sign."""
    cal = data.draw(calendars())
    t = data.draw(micro_instants(cal))
    a = data.draw(micro_durations(cal))
    b = data.draw(micro_durations(cal))
    assert cal.add(cal.add(t, a), b) == cal.add(t, a + b)
    assert cal.add(cal.add(t, -a), -b) == cal.add(t, -(a + b))


@SETTINGS
@given(st.data())
def test_elapsed_is_additive_and_antisymmetric(data):
    cal = data.draw(calendars())
    a, b, c = (data.draw(micro_instants(cal)) for _ in range(3))
    assert cal.elapsed(a, c) == cal.elapsed(a, b) + cal.elapsed(b, c)
    assert cal.elapsed(a, b) == -cal.elapsed(b, a)
    assert cal.elapsed(a, a) == timedelta(0)
    lo, hi = min(a, b), max(a, b)
    assert timedelta(0) <= cal.elapsed(lo, hi) <= hi - lo
    assert cal.elapsed(lo, hi) == sum(
        (e - s for s, e in cal.open_intervals(lo, hi)), timedelta(0)
    )


@SETTINGS
@given(st.data())
def test_backward_add_inverts_forward_add(data):
    """The exact round-trip conditions, from the earliest/latest rules.

    With ``C(x)`` the open time before ``x`` (non-decreasing, flat exactly on closed time):

    * forward then back, ``d > 0``: ``u = add(t, d)`` is the earliest instant with
      ``C(u) = C(t) + d``; ``add(u, -d)`` is the *latest* ``v <= u`` with ``C(v) = C(t)``.
      The instants with ``C(v) = C(t)`` are the flat stretch ending where open time next
      begins, i.e. at ``next_open(t)``; so ``add(add(t, d), -d) == next_open(t)``, which is
      ``t`` exactly when ``t`` is open (an opening instant included, intervals being
      ``[start, end)``).
    * back then forward, ``d > 0``: ``add(add(t, -d), d)`` is the *earliest* ``w`` with
      ``C(w) = C(t)``: the closing time that starts the flat stretch ending at ``t``. It is
      ``t`` exactly when there is open time just before ``t`` (``t`` in ``(start, end]`` of
      an interval: a closing instant included, an opening one not); otherwise it is the
      last closing time before ``t``.
    """
    cal = data.draw(calendars())
    t = data.draw(micro_instants(cal))
    d = data.draw(micro_durations(cal))
    assume(d > timedelta(0))

    there_and_back = cal.add(cal.add(t, d), -d)
    assert there_and_back == cal.next_open(t)
    assert (there_and_back == t) == cal.is_open(t)

    back_and_there = cal.add(cal.add(t, -d), d)
    open_just_before = cal.is_open(t - US)
    assert (back_and_there == t) == open_just_before
    if not open_just_before:
        # the last closing time before t: open just before it, and nothing open since
        assert back_and_there < t
        assert cal.is_open(back_and_there - US)
        assert not cal.is_open(back_and_there)
        assert cal.elapsed(back_and_there, t) == timedelta(0)


# ---- a few fixed examples the generators might miss ------------------------------------------
def test_reference_agrees_on_a_known_calendar():
    cal = Calendar.from_dict({
        "timezone": "America/Chicago",
        "hours": {"mon-fri": ["08:00-17:00"], "sat": ["22:00-02:00"], "sun": ["02:30-24:00"]},
        "holidays": {"country": "US", "dates": ["2026-03-06"]},
        "overrides": {date(2026, 3, 9): ["01:00-03:00"], date(2026, 10, 31): []},
    })
    ref = ReferenceCalendar(cal)
    for anchor in ANCHORS["America/Chicago"]:
        for k in range(-3 * 24, 3 * 24, 5):
            t = anchor + k * 61 * MIN
            assert cal.is_open(t) == ref.is_open(t), t
            assert cal.add(t, 600 * MIN) == ref.add(t, 600 * MIN), t
            assert cal.add(t, -600 * MIN) == ref.add(t, -600 * MIN), t
        assert cal.elapsed(anchor - 3 * 1440 * MIN, anchor + 3 * 1440 * MIN) == ref.elapsed(
            anchor - 3 * 1440 * MIN, anchor + 3 * 1440 * MIN
        )

"""One walk past the pause windows, from the opening, answers every start on its clock.

``pausing.Walk`` keeps the counted time up to each window once, so the due time from any
start (each cycle of a cadence, each re-target) is a look-up, not a walk of its own. Each
answer is checked against the minute-stepping ``ReferenceCalendar`` (which shares no code
with slacalc): a minute counts when the calendar is open and no window holds it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st
from reference import ReferenceCalendar

from slacalc import Calendar, Policy, evaluate
from slacalc.instants import to_us
from slacalc.pausing import Walk, merge
from slacalc.tickets import Ticket

MIN = 60_000_000
CAL = Calendar.from_dict(
    {
        "timezone": "America/Chicago",
        "hours": {"mon-fri": ["08:00-12:00", "13:00-17:00"], "sat": ["22:00-02:00"]},
        "holidays": {"country": "US"},
    }
)
REF = ReferenceCalendar(CAL)
ORIGIN = to_us(datetime(2026, 11, 20, 7, tzinfo=UTC)) // MIN  # in minutes; Thanksgiving ahead
SPAN = 20 * 24 * 60


def counted_minutes(windows: list[tuple[int, int]]) -> set[int]:
    held = {m for s, e in windows for m in range(s, e)}
    return {m for m in range(ORIGIN, ORIGIN + 3 * SPAN) if REF.minute_open(m) and m not in held}


def ref_due(counts: set[int], start: int, need: int) -> int:
    u = start
    while need:
        if u in counts:
            need -= 1
        u += 1
        assert u < ORIGIN + 3 * SPAN, "the reference walked past its minutes"
    return u


@settings(max_examples=40, deadline=None)
@given(
    raw=st.lists(st.tuples(st.integers(0, SPAN), st.integers(1, 3 * 24 * 60)), max_size=8),
    questions=st.lists(
        st.tuples(st.integers(0, SPAN), st.integers(0, 3 * 9 * 60), st.integers(0, SPAN)),
        min_size=1,
        max_size=6,
    ),
)
def test_every_start_shares_one_walk(raw, questions):
    windows = list(merge([sorted((ORIGIN + s, ORIGIN + s + n) for s, n in raw)]))
    counts = counted_minutes(windows)
    us = [(s * MIN, e * MIN) for s, e in windows]
    walk = Walk(CAL.timeline, ORIGIN * MIN, us)
    for offset, need, length in questions:  # in any order: later starts first as well
        start = ORIGIN + offset
        due, first, moved = walk.due(start * MIN, need * MIN)
        want = ref_due(counts, start, need)
        assert due == want * MIN
        held = [
            (
                (max(s, start) * MIN, e * MIN),
                sum(REF.minute_open(m) for m in range(max(s, start), e)),
            )
            for s, e in windows
            if e > start and max(s, start) < want
        ]
        assert list(walk.held(start * MIN, first, moved)) == [(w, h * MIN) for w, h in held if h]
        end = start + length
        got, paused = walk.counted(start * MIN, end * MIN)
        open_minutes = sum(REF.minute_open(m) for m in range(start, end))
        assert got == sum(m in counts for m in range(start, end)) * MIN
        assert paused == (open_minutes - got // MIN) * MIN


def test_each_window_costs_one_question_once():
    windows = [(ORIGIN + 10 * k, ORIGIN + 10 * k + 5) for k in range(2000)]  # 20,000 minutes
    asked = [0]

    class Counting:
        def elapsed(self, a: int, b: int) -> int:
            asked[0] += 1
            return CAL.timeline.elapsed(a, b)

        def add(self, x: int, d: int) -> int:
            asked[0] += 1
            return CAL.timeline.add(x, d)

    walk = Walk(Counting(), ORIGIN * MIN, [(s * MIN, e * MIN) for s, e in windows])
    for k in range(2000):  # a cycle at every window, each due 9 hours of office time later
        walk.due((ORIGIN + 10 * k + 7) * MIN, 9 * 60 * MIN)
    assert asked[0] <= 2000 + 2 * 2000, asked[0]


def test_a_cycle_centuries_after_the_opening_sees_the_windows_near_it():
    # recurring windows are expanded up to 200 years ahead of where their walk began; a
    # cycle past that continues with windows expanded from the cycle's own start
    policy = Policy.model_validate(
        {
            "id": "far",
            "name": "Far",
            "source": {"document": "test"},
            "plans": {"standard": {"name": "Standard"}},
            "severities": {"sev1": {"name": "Critical"}},
            "pause_windows": [
                {
                    "rrule": "FREQ=YEARLY;BYMONTH=1;BYMONTHDAY=1",
                    "dtstart": "2000-01-01T00:00:00Z",
                    "duration": "2h",
                }
            ],
            "metrics": {
                "update": {
                    "cadence": True,
                    "clock": "always",
                    "pausable": True,
                    "targets": {"sev1": "1h"},
                },
                "resolution": {"clock": "always", "pausable": True, "targets": {"sev1": "8h"}},
            },
        }
    )
    at = datetime(2300, 1, 1, 0, 45, tzinfo=UTC)
    # every New Year's window from 2027 to 2299 holds 2h of the 24x7 clock, 2300's 45m
    cases = [
        (datetime(2026, 1, 1, 12, tzinfo=UTC), 273 * timedelta(hours=2)),
        (datetime(2299, 12, 31, 12, tzinfo=UTC), timedelta(0)),
    ]
    for opened, held in cases:
        events = [{"type": "updated", "at": datetime(2300, 1, 1, 0, 30, tzinfo=UTC)}]
        ticket = Ticket(plan="standard", severity="sev1", opened_at=opened, events=events)
        r = evaluate(policy, ticket, at)
        # the update at 00:30 falls in the 00:00-02:00 window: its hour runs 02:00-03:00
        assert r["update"].due_at == datetime(2300, 1, 1, 3, tzinfo=UTC)
        assert (r["update"].elapsed, r["update"].paused) == (timedelta(0), timedelta(minutes=15))
        assert r["resolution"].paused == held + timedelta(minutes=45)

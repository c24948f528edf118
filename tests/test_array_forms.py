"""Each rule's array form equals its scalar form, element by element, on random inputs.

timeline: add / elapsed / next_open / is_open (searchsorted beside bisect) and local wall
time -> instant (the gap/fold rule, in zones with 30-minute, 45-minute and odd transitions);
pausing: due and counted time around windows; states: state_codes beside state_for;
alternation: the first event out of turn in each history.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from slacalc import Calendar
from slacalc.alternation import TURNS, message, out_of_turn, out_of_turn_array
from slacalc.instants import to_us
from slacalc.pausing import Ragged, counted, counted_array, due, due_array, merge
from slacalc.states import STATE_ORDER, state_codes, state_for
from slacalc.targets import TargetKind
from slacalc.tickets import EventType
from slacalc.timeline import wall_to_us, wall_to_us_array

H = 3_600_000_000
DAY = 24 * H
T0 = to_us(datetime(2026, 1, 1, tzinfo=UTC))
CAL = Calendar.from_dict(
    {
        "timezone": "America/Chicago",
        "hours": {"mon-fri": ["08:00-12:00", "13:00-17:00"], "sat": ["22:00-02:00"]},
        "holidays": {"country": "US"},
    }
)
TL = CAL.timeline
instants = st.integers(T0, T0 + 400 * DAY)
lengths = st.integers(0, 30 * DAY)


@settings(max_examples=60, deadline=None)
@given(
    xs=st.lists(instants, min_size=1, max_size=40), ds=st.lists(lengths, min_size=40, max_size=40)
)
def test_timeline_array_forms_equal_the_scalar_forms(xs, ds):
    x = np.array(xs, dtype=np.int64)
    d = np.array(ds[: len(xs)], dtype=np.int64)
    assert TL.add_array(x, d).tolist() == [
        TL.add(a, b) for a, b in zip(xs, d.tolist(), strict=True)
    ]
    y = x + d
    assert TL.elapsed_array(x, y).tolist() == [
        TL.elapsed(a, b) for a, b in zip(xs, y.tolist(), strict=True)
    ]
    assert TL.next_open_array(x).tolist() == [TL.next_open(a) for a in xs]
    assert TL.is_open_array(x).tolist() == [TL.is_open(a) for a in xs]


ODD_ZONES = [
    "Australia/Lord_Howe",  # 30-minute DST
    "Pacific/Chatham",  # +12:45 / +13:45
    "Antarctica/Troll",  # +00 / +02
    "Pacific/Apia",  # skipped a whole day in 2011
    "America/Chicago",
    "Europe/London",
    "Asia/Kolkata",
]


def _transition_walls(zone: ZoneInfo, years: range) -> list[datetime]:
    """Naive wall times around every offset change in ``years``, minute by minute."""
    walls = []
    for y in years:
        d = date(y, 1, 1)
        while d.year == y:
            a = datetime(d.year, d.month, d.day, 12, tzinfo=zone).utcoffset()
            e = d + timedelta(days=1)
            b = datetime(e.year, e.month, e.day, 12, tzinfo=zone).utcoffset()
            if a != b:
                base = datetime(d.year, d.month, d.day)
                walls += [base + timedelta(minutes=m) for m in range(0, 48 * 60, 7)]
            d = e
    return walls


@pytest.mark.parametrize("name", ODD_ZONES)
def test_wall_time_array_form_follows_the_gap_and_fold_rule(name):
    zone = ZoneInfo(name)
    years = range(2011, 2013) if name == "Pacific/Apia" else range(2025, 2027)
    walls = [*_transition_walls(zone, years), datetime(2026, 6, 15, 10, 30, 15, 250)]
    epoch = datetime(1970, 1, 1)
    raw = np.array([(w - epoch) // timedelta(microseconds=1) for w in walls], dtype=np.int64)
    assert wall_to_us_array(zone, raw).tolist() == [wall_to_us(zone, w) for w in walls]


def test_gap_goes_forward_and_fold_takes_the_first_occurrence():
    lord_howe = ZoneInfo("Australia/Lord_Howe")  # 2026-10-04 02:00 +10:30 -> 02:30 +11
    gap = wall_to_us(lord_howe, datetime(2026, 10, 4, 2, 10))
    assert gap == to_us(datetime(2026, 10, 3, 15, 30, tzinfo=UTC))
    chicago = ZoneInfo("America/Chicago")
    fold = wall_to_us(chicago, datetime(2026, 11, 1, 1, 30))
    assert fold == to_us(datetime(2026, 11, 1, 6, 30, tzinfo=UTC))


windows_st = st.lists(st.tuples(instants, st.integers(1, 5 * DAY)), max_size=5)


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(
        st.tuples(instants, lengths, windows_st, st.integers(0, 40 * DAY)), min_size=1, max_size=12
    )
)
def test_due_and_counted_array_forms_equal_the_scalar_forms(rows):
    starts, needs, ws, we, offsets, ends = [], [], [], [], [0], []
    expected_due, expected_counted = [], []
    for start, need, wins, span in rows:
        wins = sorted((s, s + n) for s, n in wins)
        starts.append(start)
        needs.append(need)
        ends.append(start + span)
        for s, e in wins:
            ws.append(s)
            we.append(e)
        offsets.append(len(ws))
        expected_due.append(due(TL, start, need, merge([wins])))
        expected_counted.append(counted(TL, start, start + span, merge([wins]))[0])
    arr = lambda v: np.array(v, dtype=np.int64)  # noqa: E731
    windows = Ragged(arr(ws), arr(we), arr(offsets))
    got, beyond = due_array(TL, arr(starts), arr(needs), windows)
    assert got.tolist() == expected_due and not beyond.any()
    got_counted, _ = counted_array(TL, arr(starts), arr(ends), windows)
    assert got_counted.tolist() == expected_counted


@settings(max_examples=200, deadline=None)
@given(
    kind=st.sampled_from(list(TargetKind)),
    target=st.integers(1, 100),
    elapsed=st.integers(0, 150),
    due_at=st.integers(0, 100),
    stop=st.one_of(st.none(), st.integers(0, 150)),
    at=st.integers(0, 150),
    paused=st.booleans(),
    fraction=st.sampled_from([0.5, 0.75, 1.0]),
)
def test_state_codes_equal_state_for(kind, target, elapsed, due_at, stop, at, paused, fraction):
    scalar = state_for(
        kind=kind,
        target_us=target,
        elapsed_us=elapsed,
        due_us=due_at,
        stop_us=stop,
        at_us=at,
        paused=paused,
        warning_fraction=fraction,
    )
    one = lambda v, dt=np.int64: np.array([v], dtype=dt)  # noqa: E731
    code = state_codes(
        none=one(kind == TargetKind.NONE, bool),
        commitment=one(kind == TargetKind.COMMITMENT, bool),
        target_us=one(target),
        elapsed_us=one(elapsed),
        due_us=one(due_at),
        stopped=one(stop is not None, bool),
        stop_us=one(0 if stop is None else stop),
        at_us=at,
        paused=one(paused, bool),
        warning_fraction=fraction,
    )
    assert STATE_ORDER[int(code[0])] == scalar


TYPES = [*EventType.values(), "workaround_provided"]


@st.composite
def kinds(draw: st.DrawFn) -> list[str]:
    """A history's event types: mostly in turn, now and then any type at all."""
    out: list[str] = []
    open_ = {turn.opening: False for turn in TURNS}
    for _ in range(draw(st.integers(0, 14))):
        if draw(st.integers(0, 5)) == 0:
            out.append(draw(st.sampled_from(TYPES)))
            continue
        turn = draw(st.sampled_from([None, *TURNS]))
        if turn is None:
            out.append(draw(st.sampled_from(["updated", "responded", "workaround_provided"])))
        else:
            out.append(turn.closing if open_[turn.opening] else turn.opening)
            open_[turn.opening] = not open_[turn.opening]
    return out


@settings(max_examples=200, deadline=None)
@given(histories=st.lists(kinds(), min_size=1, max_size=10))
def test_out_of_turn_array_form_equals_the_scalar_form(histories):
    row = np.array([i for i, h in enumerate(histories) for _ in h], dtype=np.int64)
    typ = np.array([TYPES.index(k) for h in histories for k in h], dtype=np.int64)
    fault = out_of_turn_array(row, typ, TYPES)
    offset = 0
    for h in histories:
        marked = np.flatnonzero(fault[offset : offset + len(h)] >= 0)
        got = (int(marked[0]), int(fault[offset + marked[0]])) if len(marked) else None
        scalar = out_of_turn(h)
        assert got == (None if scalar is None else scalar[:2])
        if scalar is not None:
            k, f, since = scalar
            turn = TURNS[f // 2]
            assert h[k] == (turn.opening if f % 2 == 0 else turn.closing)
            if since >= 0:  # the opening it repeats: its pair's last event before it
                pair = (turn.opening, turn.closing)
                assert h[since] == turn.opening
                assert not any(x in pair for x in h[since + 1 : k])
        offset += len(h)


def test_out_of_turn_messages_fill_the_instants_they_are_given():
    assert message(0) == "paused while already paused"
    assert message(0, "10:30", "10:00") == "paused at 10:30 while already paused since 10:00"
    assert message(1, "10:00") == "resumed at 10:00 without a paused event before it"
    assert message(2) == "resolved, but the ticket is already resolved (reopen it first)"
    assert message(3, "10:00") == "reopened at 10:00, but the ticket is not resolved"
    assert out_of_turn(["paused", "updated", "paused"]) == (2, 0, 0)
    assert out_of_turn(["resolved", "reopened", "reopened"]) == (2, 3, -1)
    assert out_of_turn(["paused", "resolved", "resumed", "reopened"]) is None


@settings(max_examples=200, deadline=None)
@given(
    rows=st.lists(
        st.lists(st.tuples(st.integers(0, 100), st.integers(1, 60)), max_size=8), max_size=6
    ),
    picks=st.lists(st.tuples(st.integers(0, 5), st.integers(-10, 180)), max_size=12),
)
def test_ragged_views_leave_out_exactly_the_windows_ended_before(
    rows: list[list[tuple[int, int]]], picks: list[tuple[int, int]]
) -> None:
    """``Ragged.take(rows, after)`` against a plain reading: a row keeps its windows from the
    first one after which some window (itself or a later one) ends past ``after``."""
    windows = [sorted((s, s + d) for s, d in row) for row in rows]
    offsets = np.zeros(len(windows) + 1, dtype=np.int64)
    np.cumsum([len(w) for w in windows], out=offsets[1:])
    flat = [w for row in windows for w in row]
    start = np.array([s for s, _ in flat], dtype=np.int64)
    end = np.array([e for _, e in flat], dtype=np.int64)
    ragged = Ragged(start, end, offsets)
    picks = [(r % len(windows), a) for r, a in picks] if windows else []
    take = np.array([r for r, _ in picks], dtype=np.int64)
    after = np.array([a for _, a in picks], dtype=np.int64)
    view = ragged.take(take, after=after)
    for i, (r, a) in enumerate(picks):
        mine = windows[r]
        skip = 0
        while skip < len(mine) and max(e for _, e in mine[: skip + 1]) <= a:
            skip += 1
        b, c = int(view.begin[i]), int(view.count[i])
        got = list(zip(view.start[b : b + c].tolist(), view.end[b : b + c].tolist(), strict=True))
        assert got == mine[skip:], (mine, a)
    whole = ragged.take(take)
    assert [int(c) for c in whole.count] == [len(windows[r]) for r, _ in picks]

"""Benchmark the calendar engine against pandas, businesstime and a bare-bisect floor.

Run from the repository root (needs the ``bench`` extra: pandas, numpy, businesstime)::

    .venv/bin/python benchmarks/bench_calendar.py            # full run, about a minute
    .venv/bin/python benchmarks/bench_calendar.py --n 500    # quicker

One calendar, written three ways: Monday-Friday 09:00-18:00 UTC with a dozen holidays
(pandas ``CustomBusinessHour``, ``businesstime.BusinessTime``, and a slacalc ``Calendar``
with the holidays as extra dates). The same random inputs go to every library in one run;
answers are compared first (where the libraries' semantics agree), then timed.

What is measured (µs per call, best of several repeats of a loop over all inputs):

* ``add``: ``Calendar.add(t, k hours)`` vs ``Timestamp + CustomBusinessHour(n=k)``;
* ``elapsed``: ``Calendar.elapsed(a, b)`` vs ``BusinessTime.businesstime_hours(a, b)``;
* the floor: a "bare bisect" over a precomputed list of open intervals as float seconds,
  with datetime conversion in and out; nothing a scalar Python API can do is much faster;
* cost against span: adding one hour vs adding one year of business time;
* the horizon: the first ``elapsed`` and ``add`` over 199 years (1801-1999) on a fresh
  calendar of 48 quarter-hours a day, in UTC and in London with English holidays, in
  seconds and ``tracemalloc`` peak, against the first question over one year (the floor).
"""

from __future__ import annotations

import argparse
import gc
import platform
import random
import sys
import time
import tracemalloc
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta

from slacalc import Calendar

try:
    import pandas as pd
    from businesstime import BusinessTime
    from pandas.tseries.offsets import CustomBusinessHour
except ImportError as e:  # pragma: no cover - a helpful message instead of a traceback
    sys.exit(f"{e}; install the bench extra: .venv/bin/pip install -e '.[bench]'")

H = timedelta(hours=1)
US = timedelta(microseconds=1)
HOLIDAYS = [
    date(2026, 1, 1), date(2026, 1, 19), date(2026, 2, 16), date(2026, 5, 25),
    date(2026, 7, 3), date(2026, 9, 7), date(2026, 11, 26), date(2026, 12, 25),
    date(2027, 1, 1), date(2027, 1, 18), date(2027, 5, 31), date(2027, 7, 5),
]
YEAR_OF_BUSINESS = 52 * 5 * 9 * H  # about one year of 9-hour weekdays


# ---- the three calendars ----------------------------------------------------------------
def slacalc_calendar() -> Calendar:
    return Calendar.from_dict({
        "timezone": "UTC",
        "hours": {"mon-fri": ["09:00-18:00"]},
        "holidays": {"dates": [d.isoformat() for d in HOLIDAYS]},
        "business_day": "9h",
    })


def pandas_offsets(max_hours: int) -> dict[int, CustomBusinessHour]:
    hol = [pd.Timestamp(d) for d in HOLIDAYS]
    return {
        k: CustomBusinessHour(n=k, start="09:00", end="18:00", holidays=hol)
        for k in range(1, max_hours + 1)
    }


def business_time() -> BusinessTime:
    from datetime import time as clock

    return BusinessTime(business_hours=(clock(9), clock(18)), holidays=list(HOLIDAYS))


class BareBisect:
    """The floor: open intervals as float seconds, two bisections, datetime in and out."""

    def __init__(self, cal: Calendar, lo: datetime, hi: datetime) -> None:
        self.bounds: list[float] = []
        self.cum: list[float] = [0.0]
        for s, e in cal.open_intervals(lo, hi):
            a, b = s.timestamp(), e.timestamp()
            self.bounds += [a, b]
            self.cum.append(self.cum[-1] + b - a)

    def _cum(self, x: float) -> float:
        i = bisect_right(self.bounds, x)
        if i & 1:
            return self.cum[i >> 1] + x - self.bounds[i - 1]
        return self.cum[i >> 1]

    def add(self, t: datetime, d: timedelta) -> datetime:
        target = self._cum(t.timestamp()) + d.total_seconds()
        k = bisect_left(self.cum, target, 1) - 1
        return datetime.fromtimestamp(self.bounds[2 * k] + target - self.cum[k], UTC)

    def elapsed(self, a: datetime, b: datetime) -> timedelta:
        return timedelta(seconds=self._cum(b.timestamp()) - self._cum(a.timestamp()))


# ---- the horizon --------------------------------------------------------------------------
QUARTERS = [f"{h:02d}:{m:02d}-{h:02d}:{m + 15:02d}" for h in range(24) for m in (0, 30)]
HORIZON_CALENDARS = {
    "UTC": {"timezone": "UTC"},
    "London + GB": {
        "timezone": "Europe/London",
        "holidays": {"country": "GB", "subdivision": "ENG"},
    },
}
FROM, TO = datetime(1801, 1, 1, tzinfo=UTC), datetime(1999, 12, 31, tzinfo=UTC)
HORIZON_OPEN = timedelta(days=35_000)  # 70,000 half-days: about 197 years of them
HORIZON_QUESTIONS: dict[str, Callable[[Calendar], object]] = {
    "elapsed 1 year": lambda cal: cal.elapsed(
        datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC)
    ),
    "elapsed 199 years": lambda cal: cal.elapsed(FROM, TO),
    "add 199 years": lambda cal: cal.add(FROM, HORIZON_OPEN),
    "add back 199 years": lambda cal: cal.add(TO, -HORIZON_OPEN),
}


def horizon(repeat: int) -> None:
    """The first question on a fresh calendar: best seconds of ``repeat``, one traced peak."""
    print()
    print(
        "| calendar    | first question     |       s | x 1 year | peak MB "
        "| goal                | met |"
    )
    print(
        "|-------------|--------------------|--------:|---------:|--------:"
        "|---------------------|-----|"
    )
    for name, extra in HORIZON_CALENDARS.items():
        data = {"hours": {"daily": QUARTERS}, **extra}
        floor = 0.0
        for question, ask in HORIZON_QUESTIONS.items():
            best = float("inf")
            for _ in range(repeat):
                cal = Calendar.from_dict(data)
                t0 = time.perf_counter()
                ask(cal)
                best = min(best, time.perf_counter() - t0)
            cal = Calendar.from_dict(data)
            tracemalloc.start()
            ask(cal)
            peak = tracemalloc.get_traced_memory()[1] / 1e6
            tracemalloc.stop()
            floor = floor or best
            met = best <= 2 and peak < 200
            print(
                f"| {name:<11} | {question:<18} | {best:>7.3f} | {best / floor:>7.1f}x "
                f"| {peak:>7.1f} | <= 2 s and < 200 MB | {'yes' if met else 'NO':<3} |"
            )


# ---- inputs and timing ---------------------------------------------------------------------
def make_inputs(n: int, seed: int):
    rng = random.Random(seed)
    start = datetime(2026, 1, 5, tzinfo=UTC)
    minutes = 365 * 24 * 60
    instants = [start + timedelta(minutes=rng.randrange(minutes)) for _ in range(n)]
    hours = [rng.randint(1, 40) for _ in range(n)]
    ends = [t + timedelta(minutes=rng.randrange(14 * 24 * 60)) for t in instants]
    return instants, hours, ends


def agree(name: str, ours: Sequence[object], theirs: Sequence[object], tol: float = 0.0) -> int:
    same = 0
    for a, b in zip(ours, theirs, strict=True):
        if isinstance(a, timedelta) and isinstance(b, timedelta):
            same += abs((a - b).total_seconds()) <= tol
        else:
            same += a == b
    print(f"  {name}: {same}/{len(ours)} answers agree")
    return same


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if "model name" in line)
    except (OSError, StopIteration):
        pass
    return f"{cpu}; {platform.system()} {platform.release()}; Python {platform.python_version()}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=2000, help="random inputs per operation")
    ap.add_argument("--repeat", type=int, default=7, help="repeats; the best is reported")
    ap.add_argument("--seed", type=int, default=2026)
    args = ap.parse_args()
    n, repeat = args.n, args.repeat

    print(f"machine: {machine()}")
    print(f"pandas {pd.__version__}; inputs: {n} random instants in 2026, 1-40 business hours, "
          f"spans up to 14 days; best of {repeat}")
    cal = slacalc_calendar()
    offsets = pandas_offsets(40)
    bt = business_time()
    bare = BareBisect(cal, datetime(2025, 1, 1, tzinfo=UTC), datetime(2029, 1, 1, tzinfo=UTC))

    instants, hours, ends = make_inputs(n, args.seed)
    deltas = [k * H for k in hours]
    stamps = [pd.Timestamp(t.replace(tzinfo=None)) for t in instants]
    naive_starts = [t.replace(tzinfo=None) for t in instants]
    naive_ends = [t.replace(tzinfo=None) for t in ends]
    pairs = list(zip(instants, deltas, strict=True))
    spans = list(zip(instants, ends, strict=True))

    # ---- answers first --------------------------------------------------------------------
    print("checking answers:")
    ours_add = [cal.add(t, d) for t, d in pairs]
    pandas_add = [
        (s + offsets[k]).to_pydatetime().replace(tzinfo=UTC)
        for s, k in zip(stamps, hours, strict=True)
    ]
    agree("add vs pandas CustomBusinessHour", ours_add, pandas_add)
    # The one known difference: a due time landing exactly at closing stays there in slacalc
    # (semantics.md); pandas rolls it to the next opening. Anything else is a real disagreement.
    other = [
        (o, p) for o, p in zip(ours_add, pandas_add, strict=True)
        if o != p and not (not cal.is_open(o) and cal.is_open(o - US) and cal.next_open(o) == p)
    ]
    print(f"    (the rest: pandas moves a due time at closing to the next opening; "
          f"other differences: {len(other)})")
    assert not other, other[:5]
    assert agree("add vs bare bisect", ours_add, [bare.add(t, d) for t, d in pairs]) == n
    ours_el = [cal.elapsed(a, b) for a, b in spans]
    bt_el = [bt.businesstime_hours(a, b) for a, b in zip(naive_starts, naive_ends, strict=True)]
    agree("elapsed vs businesstime (to 1 ms)", ours_el, bt_el, tol=1e-3)
    # businesstime undercounts some spans that start and end outside business hours on
    # consecutive business days (it answers 0h for a whole 9h day in between); the bare
    # bisect, which shares only the interval list with slacalc, must agree everywhere.
    assert agree("elapsed vs bare bisect (to 1 µs)", ours_el,
                 [bare.elapsed(a, b) for a, b in spans], tol=1e-6) == n
    # the property slacalc promises, on the year-long adds timed below
    year_adds = [cal.add(t, YEAR_OF_BUSINESS) for t in instants]
    assert all(cal.elapsed(t, u) == YEAR_OF_BUSINESS for t, u in zip(instants, year_adds,
                                                                     strict=True))

    # ---- timing -----------------------------------------------------------------------------
    add = cal.add
    elapsed = cal.elapsed
    loops: dict[str, Callable[[], object]] = {
        "slacalc add": lambda: [add(t, d) for t, d in pairs],
        "pandas add": lambda: [s + offsets[k] for s, k in zip(stamps, hours, strict=True)],
        "bare add": lambda: [bare.add(t, d) for t, d in pairs],
        "slacalc elapsed": lambda: [elapsed(a, b) for a, b in spans],
        "businesstime elapsed": lambda: [
            bt.businesstime_hours(a, b) for a, b in zip(naive_starts, naive_ends, strict=True)
        ],
        "bare elapsed": lambda: [bare.elapsed(a, b) for a, b in spans],
        "add 1 hour": lambda: [add(t, H) for t in instants],
        "add 1 year": lambda: [add(t, YEAR_OF_BUSINESS) for t in instants],
    }
    us = best_per_call_us(loops, n, repeat)

    def row(op: str, ours: str, other: str, ratio: float, goal: str, met: bool) -> str:
        return (f"| {op:<18} | {us[ours]:>7.2f} | {other:<26} | {us[other]:>8.2f} "
                f"| {ratio:>7.2f}x | {goal:<23} | {'yes' if met else 'NO':<3} |")

    speed_add = us["pandas add"] / us["slacalc add"]
    speed_el = us["businesstime elapsed"] / us["slacalc elapsed"]
    floor_add = us["slacalc add"] / us["bare add"]
    floor_el = us["slacalc elapsed"] / us["bare elapsed"]
    span = us["add 1 year"] / us["add 1 hour"]
    print()
    print("| slacalc            |      µs | compared with              |       µs "
          "|    ratio | goal                    | met |")
    print("|--------------------|--------:|----------------------------|---------:"
          "|---------:|-------------------------|-----|")
    print(row("add", "slacalc add", "pandas add", speed_add, "pandas/ours >= 20x",
              speed_add >= 20))
    print(row("elapsed", "slacalc elapsed", "businesstime elapsed", speed_el,
              "businesstime/ours >= 5x", speed_el >= 5))
    print(row("add", "slacalc add", "bare add", floor_add, "ours/bare <= ~2x",
              floor_add <= 2.2))
    print(row("elapsed", "slacalc elapsed", "bare elapsed", floor_el, "ours/bare <= ~2x",
              floor_el <= 2.2))
    print(row("add 1 year", "add 1 year", "add 1 hour", span, "year/hour <= 3x", span <= 3))
    horizon(min(repeat, 3))


def best_per_call_us(
    loops: dict[str, Callable[[], object]], calls: int, repeat: int
) -> dict[str, float]:
    """Best-of-``repeat`` µs per call for each loop, the loops taking turns round by round
    (so a burst of load from elsewhere on the machine hits every loop alike)."""
    best = dict.fromkeys(loops, float("inf"))
    for loop in loops.values():  # warm-up round
        loop()
    gc.disable()
    try:
        for _ in range(repeat):
            for name, loop in loops.items():
                t0 = time.perf_counter()
                loop()
                best[name] = min(best[name], time.perf_counter() - t0)
    finally:
        gc.enable()
    return {name: b / calls * 1e6 for name, b in best.items()}


if __name__ == "__main__":
    main()

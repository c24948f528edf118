"""evaluate_frame against the scalar loop and a bare numpy searchsorted, per row.

    python benchmarks/bench_frame.py                 # 100,000 and 1,000,000 rows
    python benchmarks/bench_frame.py --rows 20000    # a quick run
    python benchmarks/bench_frame.py --events        # with an events table (histories)

Three ways to answer the same PassKit tickets (response and resolution, at one instant):

* ``frame``: ``policy.evaluate_frame(df, at)`` on the whole table (strings parsed included:
  the frame is built with aware datetime columns, as read_csv + to_datetime would give);
* ``scalar``: ``policy.evaluate(Ticket, at)`` in a Python loop, timed on a sample of rows
  (it is per-row work, so the per-row figure does not depend on the table's length);
* ``bare``: the floor: one ``numpy.searchsorted`` per row over the business calendar's
  index (``cum(opened)``), nothing else -- no grouping, no dtype conversion, no output.

Goals (issue 5): frame >= 20x faster per row than scalar; frame <= 15x bare per row.
Memory: peak traced allocation during evaluate_frame, as a multiple of the input frame.
"""

from __future__ import annotations

import argparse
import gc
import platform
import time
import tracemalloc
from datetime import UTC, datetime

import numpy as np
import pandas as pd

from slacalc import Event, Ticket, load_policy

AT = datetime(2027, 1, 15, tzinfo=UTC)


def make_frame(n: int, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    opened = pd.Timestamp("2026-01-01T00:00Z") + pd.to_timedelta(
        rng.integers(0, 365 * 24 * 3600, n), unit="s"
    )
    responded = opened + pd.to_timedelta(rng.integers(60, 4 * 24 * 3600, n), unit="s")
    resolved = responded + pd.to_timedelta(rng.integers(60, 10 * 24 * 3600, n), unit="s")
    return pd.DataFrame(
        {
            "ticket_id": np.arange(n),
            "plan": pd.Categorical(rng.choice(["bronze", "silver", "gold", "platinum"], n)),
            "severity": pd.Categorical(rng.choice(["sev1", "sev2", "sev3", "sev4"], n)),
            "opened_at": opened,
            "responded_at": pd.Series(responded).where(rng.random(n) < 0.9),
            "resolved_at": pd.Series(resolved).where(rng.random(n) < 0.7),
        }
    )


def best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        gc.collect()
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def bench(policy, n: int, scalar_sample: int) -> dict[str, float]:
    df = make_frame(n)
    repeat = 3 if n <= 200_000 else 2

    # frame (the policy's index is warm after the first call; best of `repeat`)
    policy.evaluate_frame(df.iloc[:1000], at=AT)
    t_frame = best(lambda: policy.evaluate_frame(df, at=AT), repeat)

    # bare searchsorted over the same index, one lookup per row
    cal = policy.calendars["business"]
    us = df["opened_at"].dt.as_unit("us").dt.tz_localize(None).to_numpy().view(np.int64)
    bounds, _cum = cal.timeline.snapshot(int(us.min()), int(us.max()))
    b = np.asarray(bounds, dtype=np.int64)
    t_bare = best(lambda: np.searchsorted(b, us, side="right"), repeat + 2)

    # scalar loop on a sample (tickets built outside the timing)
    sample = df.sample(min(scalar_sample, n), random_state=2)
    tickets = []
    for row in sample.itertuples():
        events = []
        if not pd.isna(row.responded_at):
            events.append(Event(type="responded", at=row.responded_at.to_pydatetime()))
        if not pd.isna(row.resolved_at):
            events.append(Event(type="resolved", at=row.resolved_at.to_pydatetime()))
        tickets.append(
            Ticket(
                plan=row.plan,
                severity=row.severity,
                opened_at=row.opened_at.to_pydatetime(),
                events=events,
            )
        )
    t_scalar = best(lambda: [policy.evaluate(t, at=AT) for t in tickets], 1)

    # memory: peak traced allocation during one call, against the input's own size
    gc.collect()
    tracemalloc.start()
    policy.evaluate_frame(df, at=AT)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    size = df.memory_usage(deep=True).sum()

    # the same table as a CSV export reads: every column text (ISO 8601 strings)
    text = df.astype({"plan": str, "severity": str})
    for col in ("opened_at", "responded_at", "resolved_at"):
        text[col] = df[col].dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    t_text = best(lambda: policy.evaluate_frame(text, at=AT), 1)
    gc.collect()
    tracemalloc.start()
    policy.evaluate_frame(text, at=AT)
    _, peak_text = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    size_text = text.memory_usage(deep=True).sum()

    per_frame = t_frame / n
    per_scalar = t_scalar / len(tickets)
    per_bare = t_bare / n
    return {
        "rows": n,
        "frame_s": t_frame,
        "frame_us_row": per_frame * 1e6,
        "scalar_us_row": per_scalar * 1e6,
        "bare_us_row": per_bare * 1e6,
        "speedup_vs_scalar": per_scalar / per_frame,
        "x_bare": per_frame / per_bare,
        "peak_x_input": peak / size,
        "input_mb": size / 1e6,
        "text_us_row": t_text / n * 1e6,
        "text_peak_x_input": peak_text / size_text,
    }


def make_histories(n: int, seed: int = 3) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Tickets and a long events table: every ticket opened, 90% responded, 70% resolved,
    30% with 1-4 pause/resume pairs, 10% with one severity change."""
    rng = np.random.default_rng(seed)
    base = make_frame(n, seed)
    tickets = base[["ticket_id", "plan", "severity", "opened_at"]]
    parts = []
    opened = base["opened_at"].dt.tz_localize(None).to_numpy()
    for col, kind in (("responded_at", "responded"), ("resolved_at", "resolved")):
        have = base[col].notna().to_numpy()
        parts.append(
            pd.DataFrame(
                {"ticket_id": base["ticket_id"][have], "type": kind, "at": base[col][have]}
            )
        )
    paused = np.flatnonzero(rng.random(n) < 0.3)
    k = rng.integers(1, 5, len(paused))
    rows = np.repeat(paused, k)
    step = np.arange(len(rows)) - np.repeat(np.cumsum(k) - k, k)  # 0..k-1 per ticket
    start = opened[rows] + pd.to_timedelta(3600 * (1 + 30 * step), unit="s").to_numpy()
    end = start + pd.to_timedelta(rng.integers(600, 20 * 3600, len(rows)), unit="s").to_numpy()
    parts.append(pd.DataFrame({"ticket_id": rows, "type": "paused", "at": start}))
    parts.append(pd.DataFrame({"ticket_id": rows, "type": "resumed", "at": end}))
    changed = np.flatnonzero(rng.random(n) < 0.1)
    parts.append(
        pd.DataFrame(
            {
                "ticket_id": changed,
                "type": "severity_changed",
                "at": opened[changed] + np.timedelta64(1800, "s"),
                "severity": rng.choice(["sev1", "sev2", "sev3", "sev4"], len(changed)),
            }
        )
    )
    events = pd.concat(parts, ignore_index=True)
    events["at"] = pd.to_datetime(events["at"], utc=True)
    return tickets, events


def bench_events(policy, n: int, scalar_sample: int) -> dict[str, float]:
    tickets, events = make_histories(n)
    wide = make_frame(n)
    policy.evaluate_frame(tickets.iloc[:1000], events=events[events.ticket_id < 1000], at=AT)
    t_events = best(lambda: policy.evaluate_frame(tickets, events=events, at=AT), 2)
    t_wide = best(lambda: policy.evaluate_frame(wide, at=AT), 2)
    # the floor: one searchsorted per ticket over the business calendar's index
    cal = policy.calendars["business"]
    us = wide["opened_at"].dt.as_unit("us").dt.tz_localize(None).to_numpy().view(np.int64)
    bounds, _cum = cal.timeline.snapshot(int(us.min()), int(us.max()))
    b = np.asarray(bounds, dtype=np.int64)
    t_bare = best(lambda: np.searchsorted(b, us, side="right"), 4)
    # the scalar loop on a sample of the same tickets (tickets built outside the timing)
    rng = np.random.default_rng(4)
    ids = rng.choice(n, min(scalar_sample, n), replace=False)
    by_id = {tid: g for tid, g in events[events.ticket_id.isin(ids)].groupby("ticket_id")}
    sample = []
    for tid in ids.tolist():
        row = tickets.iloc[tid]
        evs = []
        if tid in by_id:
            for e in by_id[tid].sort_index().itertuples():
                sev = e.severity if isinstance(e.severity, str) else None
                evs.append(Event(type=e.type, at=e.at.to_pydatetime(), severity=sev))
        sample.append(
            Ticket(
                plan=row.plan,
                severity=row.severity,
                opened_at=row.opened_at.to_pydatetime(),
                events=evs,
            )
        )
    t_scalar = best(lambda: [policy.evaluate(t, at=AT) for t in sample], 1)
    per_events, per_wide, per_scalar = t_events / n, t_wide / n, t_scalar / len(sample)
    per_bare = t_bare / n
    return {
        "rows": n,
        "events": len(events),
        "events_us_row": per_events * 1e6,
        "wide_us_row": per_wide * 1e6,
        "scalar_us_row": per_scalar * 1e6,
        "bare_us_row": per_bare * 1e6,
        "x_wide": per_events / per_wide,
        "wide_x_bare": per_wide / per_bare,
        "events_x_bare": per_events / per_bare,
        "speedup_vs_scalar": per_scalar / per_events,
        "wide_vs_scalar": per_scalar / per_wide,
    }


def main_events(rows: list[int], scalar_sample: int) -> None:
    policy = load_policy("passkit")
    print(
        f"python {platform.python_version()}, numpy {np.__version__}, pandas {pd.__version__}, "
        f"{platform.machine()}"
    )
    print(
        f"{'tickets':>10} {'events':>9} {'with events us/row':>19} {'wide us/row':>12} "
        f"{'scalar us/row':>14} {'bare us/row':>12} {'x wide':>7} {'vs scalar':>10} "
        f"{'wide x bare':>12} {'events x bare':>14}"
    )
    ok = True
    for n in rows:
        r = bench_events(policy, n, scalar_sample)
        print(
            f"{r['rows']:>10,} {r['events']:>9,} {r['events_us_row']:>19.2f} "
            f"{r['wide_us_row']:>12.2f} {r['scalar_us_row']:>14.1f} {r['bare_us_row']:>12.4f} "
            f"{r['x_wide']:>6.1f}x {r['speedup_vs_scalar']:>9.0f}x {r['wide_x_bare']:>11.1f}x "
            f"{r['events_x_bare']:>13.1f}x"
        )
        ok &= r["speedup_vs_scalar"] >= 20 and r["x_wide"] <= 2
    print("goals (>= 20x faster than scalar, <= 2x the wide table):", "met" if ok else "NOT met")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="*", default=[100_000, 1_000_000])
    parser.add_argument("--scalar-sample", type=int, default=3000)
    parser.add_argument("--events", action="store_true", help="tickets with an events table")
    args = parser.parse_args()
    if args.events:
        main_events(args.rows, args.scalar_sample)
        return
    policy = load_policy("passkit")
    print(
        f"python {platform.python_version()}, numpy {np.__version__}, pandas {pd.__version__}, "
        f"{platform.machine()}"
    )
    head = (
        f"{'rows':>10} {'frame s':>8} {'frame us/row':>13} {'scalar us/row':>14} "
        f"{'bare us/row':>12} {'vs scalar':>10} {'x bare':>7} {'peak mem':>9} "
        f"{'text us/row':>12} {'text mem':>9}"
    )
    print(head)
    ok = True
    for n in args.rows:
        r = bench(policy, n, args.scalar_sample)
        print(
            f"{r['rows']:>10,} {r['frame_s']:>8.3f} {r['frame_us_row']:>13.3f} "
            f"{r['scalar_us_row']:>14.1f} {r['bare_us_row']:>12.4f} "
            f"{r['speedup_vs_scalar']:>9.0f}x {r['x_bare']:>6.1f}x {r['peak_x_input']:>8.1f}x "
            f"{r['text_us_row']:>12.3f} {r['text_peak_x_input']:>8.1f}x"
        )
        ok &= r["speedup_vs_scalar"] >= 20 and r["x_bare"] <= 15
    print(
        "goals (>= 20x faster than scalar, <= 15x bare searchsorted):", "met" if ok else "NOT met"
    )


if __name__ == "__main__":
    main()

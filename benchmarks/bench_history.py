"""Cost of ``evaluate`` on the long ticket histories of issue 13, against sorting the events.

    python benchmarks/bench_history.py               # default: best of 3 rounds
    python benchmarks/bench_history.py --rounds 5    # steadier figures

Each history is rounds of events a minute apart on the test policy
``tests/policies/helpdesk.yaml`` (its update cadence made pausable):

* ``reopen``: 100,000 resolved/reopened pairs (the resolution clock skips each gap);
* ``cadence``: 3,000 rounds of paused, resumed, updated (every cycle crosses pauses);
* ``severity``: 3,000 rounds of paused, resumed, severity_changed (a re-target each);
* ``responded``: 100,000 responded events.

The floor, measured in the same run for each history, is putting its events in time order
(``sorted`` over their instants): the least any evaluation of it does. Each figure is the
best of ``--rounds`` calls of ``evaluate`` (the ticket is built once, untimed), with the
ratio to the floor and the peak memory ``tracemalloc`` traces during one more call.
"""

from __future__ import annotations

import argparse
import platform
import time
import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

import yaml

from slacalc import Event, Policy, Ticket, evaluate

OPENED = datetime(2026, 1, 5, 9, tzinfo=UTC)
HELPDESK = Path(__file__).resolve().parents[1] / "tests" / "policies" / "helpdesk.yaml"


def policy() -> Policy:
    data = yaml.safe_load(HELPDESK.read_text())
    data["metrics"]["update"]["pausable"] = True
    return Policy.model_validate(data)


def history(rounds: int, kinds: tuple[str, ...]) -> list[Event]:
    out, t = [], OPENED
    for i in range(rounds):
        for kind in kinds:
            t += timedelta(minutes=1)
            sev = ("sev1", "sev2")[i % 2] if kind == "severity_changed" else None
            out.append(Event(type=kind, at=t, severity=sev))
    return out


CASES = {
    "reopen": (100_000, ("resolved", "reopened"), "sev2"),
    "cadence": (3_000, ("paused", "resumed", "updated"), "sev1"),
    "severity": (3_000, ("paused", "resumed", "severity_changed"), "sev2"),
    "responded": (100_000, ("responded",), "sev2"),
}


def in_time_order(ticket: Ticket) -> list[datetime]:
    return sorted(e.at for e in ticket.events)


def best(fn: Callable[[], object], rounds: int) -> float:
    times = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="best of this many rounds")
    parser.add_argument("cases", nargs="*", default=list(CASES), help="which histories")
    args = parser.parse_args()
    pol = policy()
    print(f"Python {platform.python_version()}, {platform.machine()}, best of {args.rounds}")
    print("| history | events | floor (sort) | evaluate | µs an event | × floor | peak MB |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name in args.cases:
        rounds, kinds, severity = CASES[name]
        events = history(rounds, kinds)
        ticket = Ticket(plan="standard", severity=severity, opened_at=OPENED, events=events)
        at = events[-1].at + timedelta(minutes=1)
        floor = best(partial(in_time_order, ticket), args.rounds)
        took = best(partial(evaluate, pol, ticket, at), args.rounds)
        tracemalloc.start()
        evaluate(pol, ticket, at)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        print(
            f"| {name} | {len(events):,} | {floor:.3f} s | {took:.3f} s | "
            f"{took / len(events) * 1e6:.1f} | {took / floor:.0f}× | {peak / 1e6:.0f} |"
        )


if __name__ == "__main__":
    main()

"""Per-call cost of ``policy.due`` and ``policy.evaluate``, against ``Calendar.add``.

    python benchmarks/bench_evaluate.py               # default: best of 5 rounds
    python benchmarks/bench_evaluate.py --rounds 9    # steadier figures

All on the bundled PassKit policy, gold plan:

* ``Calendar.add``: the floor: ``business.add(opened, 4h)``, the arithmetic ``due`` does;
* ``policy.due``: ``passkit.due(opened, plan="gold", severity="sev2")`` (names resolved,
  target looked up, start rule applied, then the same ``add``);
* ``evaluate (simple)``: a gold sev2 ticket with one ``responded`` event (2 metrics);
* ``evaluate (pauses + severity)``: a gold sev3 ticket, paused and resumed twice, raised
  to sev2, then responded;
* ``evaluate + explain()``: the simple ticket, with every metric's explanation rendered
  (explanations are built only when asked for).

Each figure is microseconds per call, the best of ``--rounds`` rounds of ``timeit`` loops,
with the ratio to ``Calendar.add``. Caches are warm (the first call of each is untimed):
the figures are the steady cost a service or a report loop pays per ticket.
"""

from __future__ import annotations

import argparse
import platform
import timeit
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from slacalc import Event, Ticket, load_policy

OPENED = datetime(2026, 11, 20, 16, 30, tzinfo=UTC)
AT = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def cases() -> list[tuple[str, Callable[[], object]]]:
    passkit = load_policy("passkit")
    business = passkit.clock("business")
    four_hours = timedelta(hours=4)
    simple = Ticket(
        plan="gold",
        severity="sev2",
        opened_at=OPENED,
        events=(Event(type="responded", at=datetime(2026, 11, 23, 11, 0, tzinfo=UTC)),),
    )
    busy = Ticket(
        plan="gold",
        severity="sev3",
        opened_at=OPENED,
        events=tuple(
            Event(type=kind, at=datetime.fromisoformat(at), severity=sev)
            for kind, at, sev in (
                ("paused", "2026-11-20T17:00:00+00:00", None),
                ("resumed", "2026-11-23T09:30:00+00:00", None),
                ("severity_changed", "2026-11-23T10:00:00+00:00", "sev2"),
                ("paused", "2026-11-23T12:00:00+00:00", None),
                ("resumed", "2026-11-23T13:00:00+00:00", None),
                ("responded", "2026-11-23T14:00:00+00:00", None),
            )
        ),
    )

    def explained() -> object:
        return [r.explain() for r in passkit.evaluate(simple, at=AT).values()]

    return [
        ("Calendar.add", lambda: business.add(OPENED, four_hours)),
        ("policy.due", lambda: passkit.due(OPENED, plan="gold", severity="sev2")),
        ("evaluate (simple)", lambda: passkit.evaluate(simple, at=AT)),
        ("evaluate (pauses + severity)", lambda: passkit.evaluate(busy, at=AT)),
        ("evaluate + explain()", explained),
    ]


def per_call_us(fn: Callable[[], object], rounds: int) -> float:
    fn()  # warm: timelines indexed, targets compiled
    timer = timeit.Timer(fn)
    number, _ = timer.autorange()
    return min(timer.repeat(repeat=rounds, number=number)) / number * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="best of this many rounds")
    args = parser.parse_args()
    results = [(name, per_call_us(fn, args.rounds)) for name, fn in cases()]
    floor = results[0][1]
    print(f"Python {platform.python_version()}, {platform.machine()}, best of {args.rounds}")
    print(f"| {'call':<30} | {'µs per call':>11} | {'× Calendar.add':>14} |")
    print(f"|{'-' * 32}|{'-' * 12}:|{'-' * 15}:|")
    for name, us in results:
        print(f"| {name:<30} | {us:>11.1f} | {us / floor:>13.1f}× |")


if __name__ == "__main__":
    main()

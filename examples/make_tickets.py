"""Generate examples/tickets.csv: a few hundred synthetic PassKit tickets (fixed seed).

    python examples/make_tickets.py            # rewrites examples/tickets.csv
    python examples/make_tickets.py -n 1000 -o /tmp/more.csv --seed 7

Tickets are opened from May to October 2026 (all in the past, so a report at "now"
works), mostly in office hours (GMT). Most get a response somewhere around their
response target (some late, a few never), and most are resolved a few days later.
Plans and severities are written the way exports write them: usually ids, sometimes
the document's names ("Gold", "Major", "Sev 1").
"""

from __future__ import annotations

import argparse
import csv
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

from slacalc import load_policy

PLANS = [("bronze", 0.15), ("silver", 0.35), ("gold", 0.35), ("platinum", 0.15)]
SEVERITIES = [("sev1", 0.08), ("sev2", 0.27), ("sev3", 0.45), ("sev4", 0.20)]
NAMES = {"gold": "Gold", "silver": "Silver", "sev1": "Sev 1", "sev2": "Major", "sev3": "Minor"}
START = datetime(2026, 5, 1, tzinfo=UTC)
END = datetime(2026, 10, 31, tzinfo=UTC)


def _pick(rng: random.Random, weighted: list[tuple[str, float]]) -> str:
    return rng.choices([k for k, _ in weighted], weights=[w for _, w in weighted])[0]


def _opened(rng: random.Random) -> datetime:
    span = (END - START).total_seconds()
    t = START + timedelta(seconds=rng.uniform(0, span))
    if rng.random() < 0.8:  # mostly office hours
        t = t.replace(hour=rng.randint(8, 17), minute=rng.randint(0, 59), second=0)
    return t.replace(microsecond=0)


def make(n: int, seed: int) -> list[dict[str, str]]:
    rng = random.Random(seed)
    policy = load_policy("passkit")
    rows = []
    for i in range(n):
        plan, sev = _pick(rng, PLANS), _pick(rng, SEVERITIES)
        opened = _opened(rng)
        due = policy.due(opened, plan=plan, severity=sev, metric="response")
        window = (due - opened) if due is not None else timedelta(hours=rng.uniform(1, 48))
        responded: datetime | None = None
        roll = rng.random()
        if roll < 0.03:
            responded = None  # never answered
        elif roll < 0.85:
            responded = opened + window * rng.uniform(0.05, 0.98)  # on time
        else:
            responded = opened + window * rng.uniform(1.02, 2.5)  # late
        resolved = None
        if responded is not None and rng.random() < 0.85:
            resolved = responded + timedelta(hours=rng.expovariate(1 / 40))
        rows.append(
            {
                "ticket_id": f"PK-{10001 + i}",
                "plan": NAMES.get(plan, plan) if rng.random() < 0.2 else plan,
                "severity": NAMES.get(sev, sev) if rng.random() < 0.2 else sev,
                "opened_at": _iso(opened),
                "responded_at": _iso(responded),
                "resolved_at": _iso(resolved),
            }
        )
    rows.sort(key=lambda r: r["opened_at"])
    return rows


def _iso(t: datetime | None) -> str:
    if t is None:
        return ""
    return t.replace(microsecond=0).isoformat().replace("+00:00", "Z")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=400, help="number of tickets (default 400)")
    parser.add_argument("--seed", type=int, default=2026, help="random seed (default 2026)")
    parser.add_argument("-o", "--out", type=Path, default=Path(__file__).with_name("tickets.csv"))
    args = parser.parse_args()
    rows = make(args.n, args.seed)
    with args.out.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {len(rows)} tickets to {args.out}")


if __name__ == "__main__":
    main()

"""Loading a large policy: time and peak memory against the floor of reading its YAML.

The policy has 600 plans, 600 severities and 4 metrics (about 29 KB). Targets are built on
demand, so loading costs the file's models, not plans x severities x metrics. Run:

    .venv/bin/python benchmarks/bench_policy_size.py
"""

from __future__ import annotations

import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from test_targets_lazy import big_policy_text

from slacalc.loading import policy_from_text
from slacalc.yamldoc import parse_yaml


def best(fn: object, rounds: int = 5) -> float:
    times = []
    for _ in range(rounds):
        t = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append(time.perf_counter() - t)
    return min(times)


def peak(fn: object) -> int:
    tracemalloc.start()
    try:
        fn()  # type: ignore[operator]
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def main() -> None:
    text = big_policy_text()
    load = best(lambda: policy_from_text(text, "big.yaml"))
    floor = best(lambda: parse_yaml(text, "big.yaml"))
    load_peak = peak(lambda: policy_from_text(text, "big.yaml"))
    floor_peak = peak(lambda: parse_yaml(text, "big.yaml"))
    policy = policy_from_text(text, "big.yaml")
    lookups = best(
        lambda: [policy.target(f"p{i % 600}", f"s{(i * 7) % 600}") for i in range(10_000)], 3
    )
    print(f"policy text: {len(text):,} bytes")
    print(f"load: {load * 1000:.0f} ms, reading the YAML alone: {floor * 1000:.0f} ms "
          f"({load / floor:.1f}x the floor)")
    print(f"peak memory: load {load_peak / 1e6:.1f} MB, YAML alone {floor_peak / 1e6:.1f} MB "
          f"({load_peak / floor_peak:.1f}x)")
    print(f"10,000 target look-ups (distinct names): {lookups * 1000:.0f} ms")


if __name__ == "__main__":
    main()

"""``slacalc evaluate`` on a big file against the same work done in-process, in one run.

    python benchmarks/bench_cli.py                 # 200,000 rows
    python benchmarks/bench_cli.py --rows 50000    # a quick run

The file is ``examples/tickets.csv`` repeated (PassKit, text times with offsets, some
empty). Timed once each, in the same run:

* ``floor``: in-process ``pd.read_csv`` + ``evaluate_frame`` + ``to_csv`` (to memory);
* ``cli csv`` / ``cli jsonl``: ``slacalc evaluate passkit FILE --at ... --format csv|jsonl``
  as a subprocess writing to a file (interpreter start and imports included);
* ``typed`` / ``text``: ``evaluate_frame`` alone on aware datetime columns against the same
  columns as text (as ``read_csv`` gives them).

Goals (issue 10): cli csv <= 3x floor, cli jsonl <= 4x floor, text <= 3x typed.
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from slacalc.frame import evaluate_frame
from slacalc.loading import load_policy

ROOT = Path(__file__).resolve().parents[1]
AT = "2027-01-15T00:00:00Z"


def timed(fn) -> float:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    args = parser.parse_args()
    base = pd.read_csv(ROOT / "examples" / "tickets.csv", dtype=str)
    reps = -(-args.rows // len(base))
    big = pd.concat([base] * reps, ignore_index=True).iloc[: args.rows]
    big["ticket_id"] = [f"T{i}" for i in range(len(big))]
    policy = load_policy("passkit")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "tickets.csv"
        big.to_csv(path, index=False)

        def floor() -> None:
            df = pd.read_csv(path)
            evaluate_frame(policy, df, at=AT).to_csv(io.StringIO())

        def cli(fmt: str) -> float:
            out = Path(tmp) / f"out.{fmt}"
            cmd = [
                sys.executable,
                "-m",
                "slacalc",
                "evaluate",
                "passkit",
                str(path),
                "--at",
                AT,
                "--format",
                fmt,
                "--no-progress",
            ]
            with out.open("w") as sink:
                start = time.perf_counter()
                subprocess.run(cmd, stdout=sink, check=True, env={**os.environ})
                return time.perf_counter() - start

        text = pd.read_csv(path)
        typed = text.copy()
        for col in ("opened_at", "responded_at", "resolved_at"):
            typed[col] = pd.to_datetime(typed[col], utc=True, format="ISO8601")
        evaluate_frame(policy, typed.iloc[:1000], at=AT)  # warm the calendar index
        results = {
            "floor": timed(floor),
            "cli csv": cli("csv"),
            "cli jsonl": cli("jsonl"),
            "typed": timed(lambda: evaluate_frame(policy, typed, at=AT)),
            "text": timed(lambda: evaluate_frame(policy, text, at=AT)),
        }
    print(f"{args.rows:,} rows, Python {platform.python_version()}, pandas {pd.__version__}")
    for name, secs in results.items():
        print(f"  {name:<10} {secs:7.2f} s  {secs / args.rows * 1e6:6.2f} us/row")
    print(f"  cli csv / floor   {results['cli csv'] / results['floor']:.2f}x  (goal <= 3)")
    print(f"  cli jsonl / floor {results['cli jsonl'] / results['floor']:.2f}x  (goal <= 4)")
    print(f"  text / typed      {results['text'] / results['typed']:.2f}x  (goal <= 3)")


if __name__ == "__main__":
    main()

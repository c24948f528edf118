"""``slacalc report`` on a large CSV: wall time and peak memory, with a breakdown.

    python benchmarks/bench_report.py                 # 1,000,000 rows
    python benchmarks/bench_report.py --rows 100000   # a quick run

The CSV (PassKit tickets: ticket_id, plan, severity, opened_at, responded_at, resolved_at;
90% responded, 70% resolved, opened over 2026) is generated into a temporary folder. Then:

* ``command``: ``slacalc report passkit FILE --at ...`` in a fresh interpreter, wall time
  and peak resident memory (the child's ``VmHWM``, Linux), interpreter start-up included;
* ``command, no arrow``: the same without pyarrow's parser (an install of the ``pandas``
  extra alone reads with pandas' own parser);
* ``floor``: the same child running only ``pandas.read_csv(FILE, dtype=str)``, the least
  any report of this file must do (start-up, pandas import and reading included);
* the breakdown, in this process, of what the command does part by part
  (``cli_analysis.ROWS`` rows at a time): reading (``readers.read_ticket_parts``),
  evaluating (``tables.evaluate_tables``), counting (``report.ComplianceTally``: adding
  each part, then the grouped and total tables) and printing.

Goal (issue 13): a 1M-row report under 6 s and 400 MB.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

AT = "2027-01-15T00:00:00Z"


def make_csv(path: Path, n: int, seed: int = 1) -> None:
    rng = np.random.default_rng(seed)
    start = np.datetime64("2026-01-01T00:00:00", "s")
    opened = start + rng.integers(0, 365 * 24 * 3600, n).astype("timedelta64[s]")
    responded = opened + rng.integers(60, 4 * 24 * 3600, n).astype("timedelta64[s]")
    resolved = responded + rng.integers(60, 10 * 24 * 3600, n).astype("timedelta64[s]")

    def iso(t: np.ndarray, share: float) -> np.ndarray:
        text = np.char.add(np.datetime_as_string(t, unit="s"), "Z")
        return np.where(rng.random(n) < share, text, "")

    df = pd.DataFrame(
        {
            "ticket_id": np.char.add("PK-", np.arange(n).astype(str)),
            "plan": rng.choice(["bronze", "silver", "gold", "platinum"], n),
            "severity": rng.choice(["sev1", "sev2", "sev3", "sev4"], n),
            "opened_at": iso(opened, 1.0),
            "responded_at": iso(responded, 0.9),
            "resolved_at": iso(resolved, 0.7),
        }
    )
    df.to_csv(path, index=False)


def child(code: str) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of ``python -c code`` in a fresh interpreter."""
    # VmHWM: the peak of this process's own memory (ru_maxrss survives exec on Linux, so
    # it would report the parent's peak)
    report = (
        "\nprint(next(int(line.split()[1]) for line in open('/proc/self/status')"
        " if line.startswith('VmHWM')))"
    )
    t0 = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", code + report], check=True, capture_output=True, text=True
    )
    wall = time.perf_counter() - t0
    return wall, int(done.stdout.split()[-1]) / 1024


def breakdown(path: Path) -> dict[str, float]:
    from slacalc.cli_analysis import ROWS, _report_table
    from slacalc.loading import load_policy
    from slacalc.readers import read_ticket_parts
    from slacalc.report import ComplianceTally
    from slacalc.tables import evaluate_tables

    policy = load_policy("passkit")
    policies = {policy.id: policy}
    out = dict.fromkeys(("read", "evaluate", "count", "print"), 0.0)
    tally = ComplianceTally(["policy", "plan"])
    t0 = time.perf_counter()
    _, parts = read_ticket_parts(path, ROWS)
    out["read"] += time.perf_counter() - t0
    while True:
        t0 = time.perf_counter()
        part = next(parts, None)
        out["read"] += time.perf_counter() - t0
        if part is None:
            break
        t0 = time.perf_counter()
        evaluated = evaluate_tables(part.tickets, policy=policy, at=AT)
        out["evaluate"] += time.perf_counter() - t0
        t0 = time.perf_counter()
        tally.add(evaluated, policy=policies)
        out["count"] += time.perf_counter() - t0
    t0 = time.perf_counter()
    table = tally.table(["plan"], ["response"])
    tally.table([], ["response"])
    out["count"] += time.perf_counter() - t0
    t0 = time.perf_counter()
    _report_table(table)
    out["print"] = time.perf_counter() - t0
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    print(f"{platform.machine()} {platform.python_version()} pandas {pd.__version__}")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "tickets.csv"
        t0 = time.perf_counter()
        make_csv(path, args.rows)
        size = os.path.getsize(path) / 1e6
        made = time.perf_counter() - t0
        print(f"{args.rows:,} rows, {size:.0f} MB CSV (generated in {made:.1f} s)")
        floor = child(f"import pandas; pandas.read_csv({str(path)!r}, dtype=str)")
        command = child(
            "from slacalc.cli import main\n"
            f"assert main(['report', 'passkit', {str(path)!r}, '--at', {AT!r}]) == 0"
        )
        # an install without pyarrow (the ``pandas`` extra alone): pandas' own parser
        no_arrow = child(
            "import slacalc.readers\n"
            "slacalc.readers._arrow_engine = lambda: False\n"
            "from slacalc.cli import main\n"
            f"assert main(['report', 'passkit', {str(path)!r}, '--at', {AT!r}]) == 0"
        )
        print(f"{'':18} {'seconds':>8} {'peak MB':>8}")
        print(f"{'floor':18} {floor[0]:8.2f} {floor[1]:8.0f}")
        print(f"{'command':18} {command[0]:8.2f} {command[1]:8.0f}")
        print(f"{'command, no arrow':18} {no_arrow[0]:8.2f} {no_arrow[1]:8.0f}")
        print(
            f"command / floor: {command[0] / floor[0]:.2f}x time, "
            f"{command[1] / floor[1]:.2f}x peak memory"
        )
        if args.rows == 1_000_000:
            met = command[0] < 6 and command[1] < 400
            print(f"goal (under 6 s and 400 MB): {'met' if met else 'not met'}")
        parts = breakdown(path)
        total = sum(parts.values())
        for name, secs in parts.items():
            print(f"  {name:10} {secs:6.2f} s  {secs / total:4.0%}")


if __name__ == "__main__":
    main()

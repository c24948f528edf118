"""Benchmark cold start: ``import slacalc`` and one ``slacalc due``, against floors and peers.

Run from the repository root with the project installed (a few seconds)::

    .venv/bin/python benchmarks/bench_import.py            # 7 runs of each
    .venv/bin/python benchmarks/bench_import.py --runs 3

Each measurement is a fresh interpreter (``python -X importtime``, or the wall time of a
subprocess), so nothing is warm but the OS's file cache. In the same run, as floors and
peers: a bare interpreter (``python -c pass``), ``import pydantic`` (a core dependency that
slacalc cannot start without) and ``import pandas`` (what the table path adds). It also
lists which heavy modules each command loaded: pandas, numpy, matplotlib must not be among
them, and a calendar with one country's holidays loads that country's module only.
"""

from __future__ import annotations

import argparse
import platform
import re
import statistics
import subprocess
import sys
import time

PY = sys.executable
HEAVY = ("pandas", "numpy", "matplotlib", "holidays")
PROBE = (
    "import sys; {code}; "
    "print(sorted(m for m in {heavy!r} if m in sys.modules), "
    "sum(m.startswith('holidays.countries.') for m in sys.modules))"
)
DUE = (
    "from slacalc.cli import main; "
    "main(['due', 'passkit', '--plan', 'gold', '--severity', 'sev2', "
    "'--opened', '2026-11-20T16:30:00Z'])"
)


def import_time_us(module: str) -> int:
    """The cumulative ``-X importtime`` figure of ``module`` in a fresh interpreter."""
    done = subprocess.run(
        [PY, "-X", "importtime", "-c", f"import {module}"],
        capture_output=True, text=True, check=True,
    )
    top = module.split(".")[0]
    for line in done.stderr.splitlines():
        m = re.match(r"import time:\s+\d+ \|\s+(\d+) \| (\S+)$", line)
        if m and m.group(2) == top:
            return int(m.group(1))
    raise RuntimeError(f"no import time for {module}")


def wall_ms(code: str) -> float:
    """Wall time of a fresh interpreter running ``code``."""
    t = time.perf_counter()
    subprocess.run([PY, "-c", code], capture_output=True, check=True)
    return (time.perf_counter() - t) * 1000


def loaded(code: str) -> str:
    """Which heavy modules, and how many holiday country modules, ``code`` loads."""
    out = subprocess.run(
        [PY, "-c", PROBE.format(code=code, heavy=HEAVY)], capture_output=True, text=True,
        check=True,
    ).stdout.strip().splitlines()[-1]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    print(f"python {platform.python_version()} on {platform.machine()}, "
          f"median of {args.runs} fresh interpreters\n")

    imports = {m: [import_time_us(m) / 1000 for _ in range(args.runs)]
               for m in ("pydantic", "slacalc", "pandas")}
    walls = {
        "python -c pass": [wall_ms("pass") for _ in range(args.runs)],
        "import slacalc": [wall_ms("import slacalc") for _ in range(args.runs)],
        "slacalc due (passkit)": [wall_ms(DUE) for _ in range(args.runs)],
    }
    base = statistics.median(imports["pydantic"])
    print("import time (-X importtime, cumulative ms)")
    for m, xs in imports.items():
        med = statistics.median(xs)
        print(f"  {m:<10} {med:8.1f} ms   {med / base:5.2f}x pydantic")
    floor = statistics.median(walls["python -c pass"])
    print("\nwall time of a fresh process (ms)")
    for name, xs in walls.items():
        med = statistics.median(xs)
        print(f"  {name:<24} {med:8.1f} ms   {med / floor:5.2f}x bare interpreter")
    print("\nheavy modules loaded ([names], holiday country modules)")
    print(f"  import slacalc          {loaded('import slacalc')}")
    print(f"  slacalc due (passkit)   {loaded(DUE)}")


if __name__ == "__main__":
    main()

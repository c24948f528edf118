"""Every hostile input of issue 13, each in a fresh interpreter: wall time and peak memory.

    python benchmarks/bench_hostile.py            # every case
    python benchmarks/bench_hostile.py reopened   # the cases whose name contains "reopened"

Each case runs as ``python -c CODE`` (interpreter start-up and imports included) and
reports its wall time and the child's peak resident memory (``VmHWM``, Linux). The floor,
measured in the same run, is ``import slacalc, pandas`` alone. The goal of the issue:
every case within a second or two and under 200 MB, or refused at once with a typed error.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
TESTS = HERE.parent / "tests"

PRELUDE = f"""
import sys
sys.path.insert(0, {str(TESTS)!r})
sys.path.insert(0, {str(HERE)!r})
from bench_history import history as rounds
from datetime import UTC, datetime, timedelta
import yaml
from slacalc import Calendar, Event, Policy, evaluate, load_policy
from slacalc.tickets import Ticket
OPENED = datetime(2026, 1, 5, 9, tzinfo=UTC)
def helpdesk(**change):
    from evaluation_helpers import HERE
    data = yaml.safe_load((HERE / "policies" / "helpdesk.yaml").read_text())
    for metric, fields in change.items():
        data["metrics"][metric].update(fields)
    return Policy.model_validate(data)
def run(policy, events, severity="sev2", **extra):
    tk = Ticket(id="t", plan="standard", severity=severity, opened_at=OPENED, events=events,
                **extra)
    at = (events[-1].at if events else OPENED) + timedelta(minutes=1)
    r = evaluate(policy, tk, at)
    return sum(len(str(m.explain())) for m in r.results.values())
"""

HOURS48 = (
    '{d: [f"{h:02d}:{m:02d}-{h:02d}:{m + 15:02d}" for h in range(24) for m in (0, 30)]'
    ' for d in ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]}'
)

CASES: dict[str, str] = {
    "floor: import slacalc, pandas": "import pandas",
    "sparse calendar add": """
        cal = Calendar.from_dict({"hours": {}, "overrides": {"2026-06-01": ["09:00-17:00"]}})
        cal.add(datetime(2023, 3, 1, tzinfo=UTC), timedelta(hours=1))
    """,
    "10^5 resolved/reopened pairs": "run(helpdesk(), rounds(100_000, ('resolved', 'reopened')))",
    "3,000 severity changes with pauses": (
        "run(helpdesk(), rounds(3_000, ('paused', 'resumed', 'severity_changed')))"
    ),
    "3,000 updates with pauses, pausable cadence": (
        "run(helpdesk(update={'pausable': True}), rounds(3_000, ('paused', 'resumed', 'updated'))"
        ", severity='sev1')"
    ),
    "10^6 responded events, evaluate + explain": """
        evs = [Event(type="responded", at=OPENED + timedelta(seconds=i + 1))
               for i in range(1_000_000)]
        assert run(helpdesk(), evs) < 40_000
    """,
    "RRULE MINUTELY;INTERVAL=10 from 2020": """
        run(helpdesk(), [], pause_windows=[{"rrule": "FREQ=MINUTELY;INTERVAL=10",
            "dtstart": "2020-01-01T00:00:00Z", "duration": "2m"}])
    """,
    "RRULE SECONDLY;INTERVAL=30 from 2020": """
        run(helpdesk(), [], pause_windows=[{"rrule": "FREQ=SECONDLY;INTERVAL=30",
            "dtstart": "2020-01-01T00:00:00Z", "duration": "10s"}])
    """,
    "RRULE HOURLY;COUNT=100000 from 2020": """
        run(helpdesk(), [], pause_windows=[{"rrule": "FREQ=HOURLY;COUNT=100000",
            "dtstart": "2020-01-01T00:00:00Z", "duration": "10m"}])
    """,
    "RRULE never matching (refused)": """
        from slacalc.errors import SlacalcError
        for rule in ["FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30", "FREQ=SECONDLY;BYWEEKNO=1;BYMONTH=6",
                     "FREQ=DAILY;BYHOUR=1;BYSETPOS=2"]:
            try:
                run(helpdesk(), [], pause_windows=[{"rrule": rule,
                    "dtstart": "2020-01-01T00:00:00Z", "duration": "1h"}])
            except (SlacalcError, ValueError) as e:
                assert "never occurs" in str(e), e
            else:
                raise AssertionError(rule)
    """,
    "policy 600 plans x 600 severities x 4 metrics": """
        from test_targets_lazy import big_policy_text
        from slacalc.loading import policy_from_text
        p = policy_from_text(big_policy_text(), "big.yaml")
        p.target("p5", "s7", "response")
    """,
    "YAML merge keys, 300 x 100 keys": """
        from slacalc.yamldoc import parse_yaml
        base = "base: &b\\n" + "".join(f"  k{i}: {i}\\n" for i in range(100))
        items = "items:\\n" + "".join(f"  - <<: *b\\n    own: {j}\\n" for j in range(300))
        parse_yaml(base + items)
    """,
    "50 MB of YAML text (refused)": """
        from slacalc import load_yaml_text
        from slacalc.errors import PolicyError
        try:
            load_yaml_text("x: " + "y" * 50_000_000)
        except PolicyError as e:
            assert "limit" in str(e)
    """,
    "elapsed over 199 years, 48 intervals a day": f"""
        cal = Calendar.from_dict({{"timezone": "Europe/London", "hours": {HOURS48}}})
        cal.elapsed(datetime(1801, 1, 1, tzinfo=UTC), datetime(1999, 12, 31, tzinfo=UTC))
    """,
    "add over 199 years, 48 intervals a day": f"""
        cal = Calendar.from_dict({{"timezone": "America/New_York", "hours": {HOURS48}}})
        cal.add(datetime(1801, 1, 1, tzinfo=UTC), timedelta(days=30_000))
    """,
    "60,000 touching outages (availability)": """
        from slacalc.availability import monthly_report
        p = load_policy("smartix")
        start = datetime(2026, 3, 1, tzinfo=UTC)
        outs = [(start + timedelta(seconds=20 * i), start + timedelta(seconds=20 * (i + 1)))
                for i in range(60_000)]
        cause = next(k for k, v in p.availability_target.causes.items() if v.counted)
        p.availability("2026-03", [{"start": s, "end": e, "cause": cause} for s, e in outs])
    """,
}


def child(code: str) -> tuple[float, float, str]:
    """Wall seconds, peak RSS (MB) and the last error line of ``python -c code``."""
    report = (
        "\nprint(next(int(line.split()[1]) for line in open('/proc/self/status')"
        " if line.startswith('VmHWM')))"
    )
    t0 = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", PRELUDE + textwrap.dedent(code) + report],
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - t0
    if done.returncode:
        return wall, float("nan"), (done.stderr.strip().splitlines() or ["?"])[-1][:60]
    return wall, int(done.stdout.split()[-1]) / 1024, ""


def main() -> None:
    wanted = sys.argv[1:]
    with tempfile.TemporaryDirectory():
        print(f"{'case':48} {'seconds':>8} {'peak MB':>8}")
        for name, code in CASES.items():
            if wanted and not any(w in name for w in wanted) and not name.startswith("floor"):
                continue
            wall, peak, error = child(code)
            print(f"{name:48} {wall:8.2f} {peak:8.0f} {error}", flush=True)


if __name__ == "__main__":
    main()

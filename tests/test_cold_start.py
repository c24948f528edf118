"""Cold start: what ``import slacalc`` and a one-country calendar load (never timed here;
``benchmarks/bench_import.py`` measures the time).

The core never needs pandas, numpy or matplotlib, and the holidays package is loaded only
for a calendar that names a country, then only that country's module (the package's own
``holidays.countries`` imports every country). Each check runs in a fresh interpreter.
"""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("pandas", "numpy", "matplotlib", "holidays")


def fresh(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_import_loads_no_optional_or_holiday_modules() -> None:
    out = fresh(f"import sys, slacalc; print([m for m in {HEAVY!r} if m in sys.modules])")
    assert out == "[]"


def test_a_country_calendar_loads_that_country_only_and_agrees_with_the_package() -> None:
    out = fresh(
        "import sys, slacalc\n"
        "cal = slacalc.Calendar.from_dict({'timezone': 'Europe/London', 'hours': {'mon-fri':"
        " ['09:00-17:00']}, 'holidays': {'country': 'GB', 'subdivision': 'ENG'}})\n"
        "mine = cal.holidays_in(2026)\n"
        "n = sum(m.startswith('holidays.countries.') for m in sys.modules)\n"
        "import holidays\n"
        "theirs = holidays.country_holidays('GB', subdiv='ENG', years=2026)\n"
        "print(n, mine == dict(sorted(theirs.items())))"
    )
    assert out == "1 True"


def test_the_command_line_due_loads_no_optional_modules() -> None:
    out = fresh(
        "import sys\n"
        "from slacalc.cli import main\n"
        "main(['due', 'passkit', '--plan', 'gold', '--severity', 'sev2',"
        " '--opened', '2026-11-20T16:30:00Z'])\n"
        "print([m for m in ('pandas', 'numpy', 'matplotlib') if m in sys.modules],"
        " sum(m.startswith('holidays.countries.') for m in sys.modules))"
    )
    assert out.splitlines()[-1] == "[] 1"

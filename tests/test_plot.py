"""slacalc.plot: every chart is a Figure, drawn headless, with what it promises."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

pytest.importorskip("matplotlib")
import pandas as pd
from matplotlib.figure import Figure

from slacalc import load_policy
from slacalc.plot import availability_chart, breach_rate_by_month, dashboard, response_times
from slacalc.report import availability_by_month

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "tickets.csv"


@pytest.fixture(scope="module")
def evaluated():
    policy = load_policy("passkit")
    return policy.evaluate_frame(pd.read_csv(EXAMPLE), at=datetime(2027, 1, 15, tzinfo=UTC))


def test_breach_rate_by_month(evaluated, tmp_path):
    fig = breach_rate_by_month(evaluated)
    assert isinstance(fig, Figure)
    (ax,) = fig.axes
    months = sorted(pd.to_datetime(evaluated["opened_at"], utc=True).dt.strftime("%Y-%m").unique())
    assert [t.get_text() for t in ax.get_xticklabels()] == months
    fig.savefig(tmp_path / "a.png")
    assert (tmp_path / "a.png").stat().st_size > 1000


def test_response_times_has_the_target_line(evaluated):
    fig = response_times(evaluated)
    (ax,) = fig.axes
    assert any(list(line.get_xdata()) == [100, 100] for line in ax.get_lines())


def test_availability_chart():
    smartix = load_policy("smartix")
    table = availability_by_month(
        smartix,
        [
            {
                "start": datetime(2026, 11, 10, 10, tzinfo=UTC),
                "end": datetime(2026, 11, 10, 12, tzinfo=UTC),
                "cause": "internal",
            }
        ],
        months=["2026-10", "2026-11"],
    )
    fig = availability_chart(table)
    (ax,) = fig.axes
    assert any(abs(line.get_ydata()[0] - 99.9) < 1e-9 for line in ax.get_lines())
    assert len(ax.patches) == 2


def test_dashboard(evaluated, tmp_path):
    fig = dashboard(evaluated)
    assert len(fig.axes) == 2
    fig.savefig(tmp_path / "d.png")
    assert (tmp_path / "d.png").stat().st_size > 1000


def test_plots_never_need_pyplot():
    import subprocess
    import sys

    code = (
        "import sys, slacalc.plot, slacalc.report; "
        "assert 'matplotlib.pyplot' not in sys.modules, 'pyplot imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_histogram_colours_by_state_and_labels_the_overflow():
    """A ticket missed by a minute and one missed at 10x its target are both drawn as missed."""
    from matplotlib.colors import to_hex

    policy = load_policy("passkit")
    df = pd.DataFrame(
        {
            "plan": ["gold"] * 4,
            "severity": ["sev2"] * 4,
            "opened_at": ["2026-11-23T09:00:00Z"] * 4,
            # gold sev2: 4 business hours; met at 1h and 2h, missed at 4h01m and far later
            "responded_at": [
                "2026-11-23T10:00:00Z",
                "2026-11-23T11:00:00Z",
                "2026-11-23T13:01:00Z",
                "2026-11-30T13:00:00Z",
            ],
        }
    )
    out = policy.evaluate_frame(df, at=datetime(2026, 12, 15, tzinfo=UTC))
    assert out["response_state"].astype(str).tolist() == ["met", "met", "missed", "missed"]
    fig = response_times(out)
    (ax,) = fig.axes
    heights: dict[str, float] = {}
    for patch in ax.patches:
        colour = to_hex(patch.get_facecolor(), keep_alpha=False)
        heights[colour] = heights.get(colour, 0.0) + patch.get_height()
    assert heights.get("#2e7d32") == 2  # met, green
    assert heights.get("#c62828") == 2  # missed, red (one of them in the overflow bin)
    labels = [t.get_text() for t in ax.texts]
    assert any(label.startswith("> ") and label.endswith("(1)") for label in labels)


def test_month_in_progress_is_drawn_as_partial():
    smartix = load_policy("smartix")
    table = availability_by_month(
        smartix,
        [
            {
                "start": datetime(2026, 11, 10, 10, tzinfo=UTC),
                "end": datetime(2026, 11, 10, 12, tzinfo=UTC),
                "cause": "internal",
            }
        ],
        months=["2026-10", "2026-11"],
    )
    fig = availability_chart(table, now=datetime(2026, 11, 20, tzinfo=UTC))
    (ax,) = fig.axes
    october, november = ax.patches
    assert october.get_hatch() is None and november.get_hatch() == "//"
    assert [t.get_text() for t in ax.texts] == ["so far"]

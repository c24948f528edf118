"""slacalc evaluate / slacalc report on the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from slacalc.cli import main

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "tickets.csv"
AT = ["--at", "2027-01-15T00:00:00Z"]


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_report_on_the_example(capsys, tmp_path):
    png = tmp_path / "charts.png"
    code, out, err = run(capsys, "report", "passkit", str(EXAMPLE), *AT, "--plot", str(png))
    assert code == 0
    assert "PassKit: response compliance by plan" in out
    for word in ("gold", "silver", "platinum", "all", "met rate", "p90"):
        assert word in out
    # Bronze has no response target: the report says how many tickets it leaves out.
    bronze = sum(1 for line in EXAMPLE.read_text().splitlines()[1:] if ",bronze," in line.lower())
    assert f"({bronze} tickets have no response target with a due time" in out
    assert png.stat().st_size > 1000
    assert "\r[" not in err  # no progress bar when stderr is not a terminal


def test_report_formats_and_grouping(capsys):
    code, out, _ = run(
        capsys, "report", "passkit", str(EXAMPLE), *AT, "--by", "month", "--format", "json"
    )
    assert code == 0
    rows = json.loads(out)
    assert [r["month"] for r in rows][-1] == "all"
    wanted = {"tickets", "met", "missed", "breached", "met_rate", "p90_elapsed_seconds"}
    assert wanted <= set(rows[0])


@pytest.mark.parametrize("fmt", ["table", "csv", "json"])
def test_evaluate_formats(capsys, fmt):
    code, out, _ = run(capsys, "evaluate", "passkit", str(EXAMPLE), *AT, "--format", fmt)
    assert code == 0
    if fmt == "json":
        rows = json.loads(out)
        assert len(rows) == 400
        assert rows[0]["response_state"] in ("met", "missed", "not_applicable", "breached")
    elif fmt == "csv":
        assert out.splitlines()[0].startswith("line,ticket_id,plan")
        assert len(out.splitlines()) == 401
    else:
        assert "PK-10128" in out


def test_jsonl_with_events(capsys, tmp_path):
    """Needs evaluate_frame(events=...): nested events go to the engine's events table."""
    path = tmp_path / "t.jsonl"
    tickets = [
        {
            "id": 1,
            "plan": "gold",
            "severity": "sev2",
            "opened_at": "2026-11-20T16:30:00Z",
            "events": [{"type": "responded", "at": "2026-11-23T11:00:00Z"}],
        },
        {"id": 2, "plan": "gold", "severity": "Major", "opened_at": "2026-11-20T16:30:00Z"},
    ]
    path.write_text("\n".join(json.dumps(t) for t in tickets) + "\n")
    code, out, _ = run(
        capsys, "evaluate", "passkit", str(path), "--at", "2026-11-23T11:45:00Z", "--format", "json"
    )
    assert code == 0
    assert [r["response_state"] for r in json.loads(out)] == ["met", "breached"]


def test_bad_row_is_one_line(capsys, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(
        "plan,severity,opened_at\n"
        "gold,sev2,2026-11-20T16:30:00Z\n"
        "diamond,sev2,2026-11-20T16:30:00Z\n"
        "gold,sev2,yesterday\n"
    )
    code, out, err = run(capsys, "evaluate", "passkit", str(path), *AT)
    assert code == 1
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1
    assert "bad.csv line 3: unknown plan 'diamond'" in lines[0]
    assert "(and 1 more bad row)" in lines[0]
    assert "Traceback" not in err


def test_missing_file_is_one_line(capsys, tmp_path):
    code, _, err = run(capsys, "report", "passkit", str(tmp_path / "nope.csv"))
    assert code == 1
    assert len(err.strip().splitlines()) == 1


def test_progress_bar_only_on_a_terminal_with_tqdm():
    import argparse
    import io

    from slacalc import cli_analysis

    args = argparse.Namespace(no_progress=False)
    assert cli_analysis._progress(250, args, io.StringIO()) is None  # not a terminal

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    stream = Terminal()
    pytest.importorskip("tqdm")
    bar = cli_analysis._progress(250, args, stream)
    assert bar is not None
    bar.update(100)
    bar.update(250)
    assert bar.bar.n == 250
    bar.close()
    assert "/250" in stream.getvalue()
    assert cli_analysis._progress(250, argparse.Namespace(no_progress=True), stream) is None
